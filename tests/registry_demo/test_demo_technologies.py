"""The supply-side demo data (organizations + technologies) is valid input for the registry."""
from __future__ import annotations

from collections import Counter

import pytest
from pydantic import ValidationError

from shared import taxonomy
from tests.registry_demo.demo_files import read_demo
from shared.schemas import OrganizationCreate, Stage, TechnologyCreate

MIN_TECHNOLOGIES = 150
MIN_PER_DOMAIN = 12




def _parse(schema, record: dict):
    try:
        return schema.model_validate(record)
    except ValidationError as exc:
        pytest.fail(f"{record.get('external_ref', {}).get('external_id')}: {exc}")


@pytest.fixture(scope="module")
def organizations() -> list[dict]:
    return read_demo("organizations_supply.jsonl")


@pytest.fixture(scope="module")
def technologies() -> list[dict]:
    return read_demo("technologies.jsonl")


def test_every_organization_passes_the_schema(organizations):
    for org in organizations:
        parsed = _parse(OrganizationCreate, org)
        assert parsed.credit_code is not None, org["name"]
        assert parsed.credit_code[2:8] == parsed.region, f"{org['name']}: credit code region part != region"
        assert parsed.external_ref is not None and parsed.external_ref.source == "demo"


def test_every_technology_passes_the_schema(technologies):
    for tech in technologies:
        body = {k: v for k, v in tech.items() if k != "owner_credit_code"}
        parsed = _parse(TechnologyCreate, body)
        assert parsed.external_ref is not None and parsed.external_ref.source == "demo"


def test_every_owner_is_a_listed_organization(organizations, technologies):
    codes = {o["credit_code"] for o in organizations}
    unknown = [t["external_ref"]["external_id"] for t in technologies if t.get("owner_credit_code") not in codes]
    assert not unknown, f"owner_credit_code not in organizations_supply.jsonl: {unknown}"


def test_external_ids_and_credit_codes_are_unique(organizations, technologies):
    for records in (organizations, technologies):
        dupes = [k for k, c in Counter(r["external_ref"]["external_id"] for r in records).items() if c > 1]
        assert not dupes, f"duplicate external ids: {dupes}"
    dupes = [k for k, c in Counter(o["credit_code"] for o in organizations).items() if c > 1]
    assert not dupes, f"duplicate credit codes: {dupes}"


def test_all_domains_are_covered(technologies):
    assert len(technologies) >= MIN_TECHNOLOGIES
    per_domain = Counter(t["domain"] for t in technologies)
    thin = {d: per_domain[d] for d in taxonomy.DOMAINS if per_domain[d] < MIN_PER_DOMAIN}
    assert not thin, f"domains with fewer than {MIN_PER_DOMAIN} records: {thin}"


def test_readiness_level_matches_stage(technologies):
    allowed = {
        Stage.research: range(1, 4), Stage.lab: range(3, 6), Stage.pilot: range(4, 8),
        Stage.demonstration: range(6, 9), Stage.industrialization: range(7, 10),
    }
    for tech in technologies:
        if tech.get("trl") is not None and tech.get("stage") is not None:
            assert tech["trl"] in allowed[Stage(tech["stage"])], f"{tech['external_ref']['external_id']}: trl {tech['trl']} vs {tech['stage']}"
