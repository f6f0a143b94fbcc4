"""Load the project's demo data (services/registry/demo/*.jsonl), idempotently (external_ref source "demo")."""
from __future__ import annotations

from pathlib import Path

from services.registry.db import Database
from services.registry.importer.service import ImportReport, import_listings, upsert_organizations
from services.registry.importer.sources import read_records
from services.registry.listings.kinds import DEMAND, TECHNOLOGY
from services.registry.listings.service import ListingPolicy

DEMO_DIR = Path(__file__).resolve().parents[1] / "demo"
ORGANIZATION_FILES = ("organizations_supply.jsonl", "organizations_demand.jsonl", "organizations_platform.jsonl")


def load_demo(database: Database, policy: ListingPolicy, directory: Path = DEMO_DIR) -> dict[str, ImportReport]:
    """Organizations first (records name their owner by `owner_credit_code`), then technologies and demands."""
    reports: dict[str, ImportReport] = {}
    for name in ORGANIZATION_FILES:
        path = directory / name
        if path.exists():
            reports[name] = upsert_organizations(database, read_records(path, "jsonl"))
    for name, kind in (("technologies.jsonl", TECHNOLOGY), ("demands.jsonl", DEMAND)):
        path = directory / name
        if path.exists():
            reports[name] = import_listings(database, kind, read_records(path, "jsonl"), source="demo", policy=policy, infer=False)
    return reports
