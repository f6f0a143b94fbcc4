"""The demand-side demo data (enterprises, county bodies, needs and challenges) is valid input for the registry."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from shared import taxonomy
from tests.registry_demo.demo_files import DEMO, read_demo
from shared.schemas import DemandCreate, DemandKind, OrganizationCreate, OrganizationType

MIN_DEMANDS = 80
MIN_CHALLENGES = 8
MIN_PER_DOMAIN = 6
MIN_WITHOUT_DOMAIN = 5  # enterprises often do not know the domain; the demo must show that
# Third-party texts we may read but not redistribute (absent outside the project workspace).
WORKSPACE_SHARED = DEMO.parents[2].parent / "shared"  # ../shared beside the repo
UNLICENSED_SOURCES = [WORKSPACE_SHARED / "data" / "ccf_bdci2019_tech_requirements.jsonl", WORKSPACE_SHARED / "eval" / "green_smoke.json"]
COPY_WINDOW = 20  # characters in a row shared with a source that count as copying (standard names are shorter)




def _body(demand: dict) -> dict:
    """The DemandCreate body: the loader resolves owner_credit_code to owner_org_id."""
    return {k: v for k, v in demand.items() if k != "owner_credit_code"}


@pytest.fixture(scope="module")
def organizations() -> list[dict]:
    return read_demo("organizations_demand.jsonl")


@pytest.fixture(scope="module")
def demands() -> list[dict]:
    return read_demo("demands.jsonl")


def test_every_organization_passes_the_schema(organizations):
    assert len(organizations) >= 30
    for org in organizations:
        parsed = OrganizationCreate.model_validate(org)
        assert parsed.credit_code is not None and parsed.region is not None, org["name"]
        assert parsed.credit_code[2:8] == parsed.region, f"{org['name']}: credit code region part != region"
        expected_prefix = "11" if parsed.type == OrganizationType.government else "91"
        assert parsed.credit_code.startswith(expected_prefix), f"{org['name']}: {parsed.type} code must start {expected_prefix}"
        assert parsed.external_ref is not None and parsed.external_ref.source == "demo"
        assert parsed.contacts, f"{org['name']}: needs a contact"


def test_every_demand_passes_the_schema(demands):
    for demand in demands:
        parsed = DemandCreate.model_validate(_body(demand))
        assert parsed.external_ref is not None and parsed.external_ref.source == "demo"
        assert parsed.owner_org_id is None, "demo demands name their owner by owner_credit_code"


def test_every_owner_is_a_listed_organization(organizations, demands):
    codes = {o["credit_code"] for o in organizations}
    unknown = [d["external_ref"]["external_id"] for d in demands if d.get("owner_credit_code") not in codes]
    assert not unknown, f"owner_credit_code not in organizations_demand.jsonl: {unknown}"


def test_ids_codes_and_titles_are_unique(organizations, demands):
    for records, key in ((organizations, "external_ref"), (demands, "external_ref")):
        dupes = [k for k, c in Counter(r[key]["external_id"] for r in records).items() if c > 1]
        assert not dupes, f"duplicate external ids: {dupes}"
    for field, records in (("credit_code", organizations), ("name", organizations), ("title", demands)):
        dupes = [k for k, c in Counter(r[field] for r in records).items() if c > 1]
        assert not dupes, f"duplicate {field}: {dupes}"


@pytest.mark.parametrize("other_file", ["organizations_supply.jsonl", "organizations_platform.jsonl"])
def test_no_clash_with_other_demo_organizations(organizations, other_file):
    """All organization files load into one registry: credit codes, names and external ids must not collide."""
    if not (DEMO / other_file).exists():
        pytest.skip(f"{other_file} not present")
    others = read_demo(other_file)
    for field in ("credit_code", "name"):
        clash = {o[field] for o in organizations} & {o[field] for o in others}
        assert not clash, f"{field} used in both files: {clash}"
    clash = {o["external_ref"]["external_id"] for o in organizations} & {o["external_ref"]["external_id"] for o in others}
    assert not clash, f"external ids used in both files: {clash}"


def test_enough_demands_and_all_domains_covered(demands):
    assert len(demands) >= MIN_DEMANDS
    per_domain = Counter(d.get("domain") for d in demands)
    thin = {code: per_domain[code] for code in taxonomy.DOMAINS if per_domain[code] < MIN_PER_DOMAIN}
    assert not thin, f"domains with fewer than {MIN_PER_DOMAIN} demands: {thin}"
    assert per_domain[None] >= MIN_WITHOUT_DOMAIN, "some demands must come without a domain, as real ones do"


def test_challenges_are_complete(demands):
    challenges = [DemandCreate.model_validate(_body(d)) for d in demands if d.get("kind") == DemandKind.challenge]
    assert len(challenges) >= MIN_CHALLENGES
    for c in challenges:
        assert c.award_cny and c.award_cny > 0 and c.deadline is not None, c.title
        assert c.ip_terms, f"{c.title}: a 揭榜挂帅 challenge states who owns the results"


def test_registers_are_mixed(demands):
    """Precise specifications with numbers next to vague, budget-less needs."""
    with_numbers = [d for d in demands if any(ch.isdigit() for ch in d.get("expected_indicators", ""))]
    without_indicators = [d for d in demands if not d.get("expected_indicators")]
    without_budget = [d for d in demands if "budget_min_cny" not in d and "budget_max_cny" not in d]
    open_ranges = [d for d in demands if ("budget_min_cny" in d) != ("budget_max_cny" in d)]
    assert len(with_numbers) >= len(demands) // 2
    assert len(without_indicators) >= 10 and len(without_budget) >= 10 and len(open_ranges) >= 3


def test_owner_regions_are_spread(organizations):
    provinces = {o["region"][:2] for o in organizations}
    assert len(provinces) >= 15, f"only {len(provinces)} provinces"


def _strings_in(path: Path) -> list[str]:
    """Every string value in a JSON or JSON-lines file."""
    raw = path.read_text(encoding="utf-8")
    docs = [json.loads(raw)] if path.suffix == ".json" else [json.loads(line) for line in raw.splitlines() if line.strip()]
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, str):
            found.append(node)
        elif isinstance(node, dict):
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    for doc in docs:
        walk(doc)
    return found


def test_texts_are_written_by_the_project(demands):
    sources = [p for p in UNLICENSED_SOURCES if p.exists()]
    if not sources:
        pytest.skip("third-party source texts not available here")
    corpus = "\n".join(text for p in sources for text in _strings_in(p))
    windows = {corpus[i : i + COPY_WINDOW] for i in range(len(corpus) - COPY_WINDOW + 1)}
    copied = []
    for d in demands:
        text = "\n".join([d["title"], d.get("description", ""), d.get("expected_indicators", "")])
        if any(text[i : i + COPY_WINDOW] in windows for i in range(len(text) - COPY_WINDOW + 1)):
            copied.append(d["external_ref"]["external_id"])
    assert not copied, f"demands sharing {COPY_WINDOW}+ characters with unlicensed sources: {copied}"
