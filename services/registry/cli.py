"""`python -m services.registry migrate | load-demo | import | expire-due` (settings from REGISTRY_* env)."""
from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from shared import taxonomy
from services.registry import migrations
from services.registry.db import Database
from services.registry.importer.demo import DEMO_DIR, load_demo
from services.registry.importer.service import import_listings
from services.registry.importer.sources import PRESETS, map_record, parse_mapping, read_records
from services.registry.listings import service as listings
from services.registry.listings.kinds import DEMAND, KINDS, TECHNOLOGY
from services.registry.listings.service import ListingPolicy
from services.registry.patents.importer import import_patents
from services.registry.screening import suggestion_accuracy as accuracy
from services.registry.settings import RegistrySettings
from services.registry.uow import unit_of_work

app = typer.Typer(help="Registry operations (uses REGISTRY_DATABASE_URL / REGISTRY_DATA_DIR).", no_args_is_help=True)


class Target(str, Enum):
    technologies = "technologies"
    demands = "demands"
    patents = "patents"


class Format(str, Enum):
    jsonl = "jsonl"
    json = "json"
    csv = "csv"


def _open() -> tuple[Database, ListingPolicy]:
    settings = RegistrySettings()
    database = Database(settings.resolved_database_url(), schema=settings.database_schema)
    migrations.upgrade(database)
    return database, ListingPolicy(screening_inline=settings.screening == "inline", listing_days=settings.listing_days)


def _print(report: dict) -> None:
    typer.echo(json.dumps(report, ensure_ascii=False, indent=2, default=str))


@app.command()
def migrate() -> None:
    """Apply database migrations."""
    database = Database(RegistrySettings().resolved_database_url(), schema=RegistrySettings().database_schema)
    migrations.upgrade(database)
    typer.echo(f"database at revision {migrations.current_revision(database)}")


@app.command("load-demo")
def load_demo_cmd(directory: Annotated[Path, typer.Option(help="Folder with the demo JSONL files")] = DEMO_DIR) -> None:
    """Load the demo organizations, technologies and demands (safe to run again)."""
    database, policy = _open()
    reports = load_demo(database, policy, directory)
    _print({name: r.as_dict() for name, r in reports.items()})


@app.command("import")
def import_cmd(
    target: Target,
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="JSON Lines or CSV file")],
    format: Annotated[Format | None, typer.Option("--format", help="jsonl (default), json (one array) or csv")] = None,
    map: Annotated[str | None, typer.Option("--map", help="ours=theirs pairs, e.g. title=name,description=description,owner_name=holder,keywords=label")] = None,
    source: Annotated[str | None, typer.Option(help="external_ref.source for these records (default: import)")] = None,
    domain: Annotated[str | None, typer.Option(help="Domain when the text does not reveal one (demands: for every record without one)")] = None,
    preset: Annotated[str | None, typer.Option(help=f"Format, mapping and source of a known file: {', '.join(PRESETS)}")] = None,
) -> None:
    """Import foreign records through validation, screening and the feed; prints counts and reasons."""
    if domain is not None and not taxonomy.is_domain(domain):
        raise typer.BadParameter(f"unknown domain {domain!r}; one of {', '.join(taxonomy.DOMAINS)}", param_hint="--domain")
    if preset is not None and preset not in PRESETS:
        raise typer.BadParameter(f"unknown preset {preset!r}; one of {', '.join(PRESETS)}", param_hint="--preset")
    known = PRESETS.get(preset or "")
    format = format or Format(known.format if known else "jsonl")
    source = source or (known.source if known else "import")
    domain = domain or (known.domain if known else None)
    try:
        mapping = parse_mapping(map if map is not None else (known.mapping if known else ""))
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--map") from None
    database, policy = _open()
    records = (map_record(r, mapping) if mapping else r for r in read_records(file, format.value))
    if target == Target.patents:  # patents have their own shape and service (no screening, keyed by number)
        try:
            _print(import_patents(database, records).as_dict())
        except (ValueError, UnicodeDecodeError) as exc:
            raise typer.BadParameter(f"{file}: {exc}", param_hint="FILE") from None
        return
    kind = TECHNOLOGY if target == Target.technologies else DEMAND
    try:
        report = import_listings(database, kind, records, source=source, policy=policy, default_domain=domain)
    except (ValueError, UnicodeDecodeError) as exc:  # the file is not what --format says (records read so far are kept)
        raise typer.BadParameter(f"{file}: {exc}", param_hint="FILE") from None
    _print(report.as_dict())


@app.command("suggest-domains")
def suggest_domains() -> None:
    """Refresh the suggested domain of every record without a domain (after upgrading; emits feed events)."""
    database, _ = _open()
    changed: dict[str, int] = {}
    for name, kind in KINDS.items():
        after: str | None = None
        changed[name] = 0
        while True:
            with unit_of_work(database) as uow:
                ids, after = listings.refresh_suggestions(uow, kind, after_id=after)
            changed[name] += len(ids)
            if after is None:
                break
    _print({"changed": changed})


@app.command("suggestion-accuracy")
def suggestion_accuracy_cmd(
    directory: Annotated[Path, typer.Option(help="Folder with the demo JSONL files (records with domains)")] = DEMO_DIR,
    wipo: Annotated[Path | None, typer.Option(help="WIPO GREEN wind JSON (complete-69-wipo-wind-technologies.json)")] = None,
) -> None:
    """Measure the suggested domain against domains people chose (demo records; optionally the WIPO wind file)."""
    report = {name: accuracy.measure(read_records(directory / f"{name}.jsonl", "jsonl")) for name in ("technologies", "demands")}
    if wipo is not None:
        report["wipo_green_wind"] = accuracy.measure(accuracy.wipo_wind_records(read_records(wipo, "json")))
    _print(report)


@app.command("expire-due")
def expire_due() -> None:
    """Expire published listings past expires_at (emits feed events)."""
    database, _ = _open()
    with unit_of_work(database) as uow:
        expired = {name: listings.expire_due(uow, kind) for name, kind in KINDS.items()}
    _print(expired)
