"""Matching CLI: `python -m services.matching rebuild` (full rebuild from the registry feed into a fresh
snapshot; run while the service is stopped, or use POST /v1/admin/rebuild on a running one) and
`python -m services.matching evaluate PATH...`."""
from __future__ import annotations

import os
from pathlib import Path

import typer

cli = typer.Typer(add_completion=False, help="Matching service tools")


@cli.command()
def rebuild(
    registry_url: str = typer.Option(None, help="Registry base URL (default: MATCHING_REGISTRY_URL)"),
    data_dir: Path = typer.Option(None, help="Snapshot folder (default: MATCHING_DATA_DIR)"),
) -> None:
    """Re-read the whole feed from seq 0 into a new index and make it the current snapshot."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from services.matching import snapshot
    from services.matching.encoder import load_encoder
    from services.matching.indexer import MatchIndex
    from services.matching.settings import MatchingSettings
    from services.matching.sync import catch_up
    from shared.http import SyncServiceClient

    settings = MatchingSettings()
    settings.ensure_data_dir()
    index = MatchIndex(load_encoder(settings.model, settings.encoder_backend), **settings.index_options())
    client = SyncServiceClient(registry_url or settings.registry_url, settings.service_token)
    try:
        head = catch_up(index, client, page_size=settings.feed_page_size,
                        on_page=lambda p: typer.echo(f"applied up to seq {p.last_seq} / head {p.head_seq}"))
    finally:
        client.close()
    path = snapshot.save(index, data_dir or settings.data_dir)
    counts = {e: c["indexed"] for e, c in index.counts().items()}
    typer.echo(f"rebuilt to seq {index.cursor} (head {head}): {counts} -> {path}")


@cli.command()
def evaluate(paths: list[Path] = typer.Argument(..., exists=True, dir_okay=False)) -> None:
    """Same as `python -m services.matching.evaluation report PATH...`."""
    from services.matching.evaluation.__main__ import report

    report(paths, backend=None, model=None, plot=None)


if __name__ == "__main__":
    cli()
