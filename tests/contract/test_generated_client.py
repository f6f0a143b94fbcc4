"""A Python client generated from the gateway's OpenAPI by openapi-python-client drives the broker workflow
against the real services: every answer parses into its typed model, problems included (a 422 and a 409
come back as `Problem` with the HTTP status in `status`), and a list is paged with `next_cursor`."""
from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import httpx
import pytest

from tests.contract.conftest import Services
from tests.gateway_workflow.test_end_to_end import DEMAND, TECHNOLOGIES

GENERATOR = str(Path(sys.executable).with_name("openapi-python-client"))
PACKAGE = "gtclient"
# The generator has no parser for JSON Lines; it may hand them over as bytes (its documented knob).
CONFIG = "content_type_overrides:\n  application/x-ndjson: application/octet-stream\n"
NOISE = ("warning", "error", "cannot", "unable", "not in path", "unsupported")


@pytest.fixture(scope="module")
def client_package(services: Services, tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    out = tmp_path_factory.mktemp("client")
    spec = out / "openapi.json"
    spec.write_text(json.dumps(httpx.get(f"{services.gateway.url}/openapi.json", timeout=30).json(), ensure_ascii=False))
    (out / "config.yaml").write_text(CONFIG)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}  # ruff formats the code
    proc = subprocess.run([GENERATOR, "generate", "--path", str(spec), "--meta", "none", "--output-path", str(out / PACKAGE),
                           "--config", str(out / "config.yaml")], capture_output=True, text=True, timeout=300, env=env, cwd=out)
    output = proc.stdout + proc.stderr
    print(output)
    assert proc.returncode == 0, output
    assert not [line for line in output.lower().splitlines() if any(word in line for word in NOISE)], output
    sys.path.insert(0, str(out))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(out))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def test_generated_client_drives_the_broker_workflow(services: Services, client_package: ModuleType) -> None:
    api = importlib.import_module(f"{PACKAGE}.api")
    m = importlib.import_module(f"{PACKAGE}.models")

    def call(module: str, *path_args: str, **kwargs):  # type: ignore[no-untyped-def]
        return importlib.import_module(f"{PACKAGE}.api.{module}").sync(*path_args, **kwargs)

    def as_key(key: str):  # type: ignore[no-untyped-def]
        return client_package.AuthenticatedClient(base_url=services.gateway.url, token=key, timeout=httpx.Timeout(60),
                                                  raise_on_unexpected_status=True)

    assert api is not None
    admin = as_key(services.admin_key)
    orgs = {}
    for name, title, kind in (("buyer", "浙江安居家具制造有限公司", "enterprise"), ("seller", "苏州净气环保科技研究院", "research_institute"),
                              ("broker", "杭州绿桥技术转移服务中心", "intermediary")):
        org = call("organizations.create_organization", client=admin, body=m.OrganizationCreate.from_dict({"name": title, "type": kind}))
        assert isinstance(org, m.OrganizationPublic), org
        orgs[name] = org

    def key(role: str, org: str) -> str:
        created = call("keys.create_key", client=admin, body=m.ApiKeyCreate(role=m.Role(role), org_id=orgs[org].id, name=f"生成客户端{org}"))
        assert isinstance(created, m.ApiKeyCreated), created
        return created.key

    buyer, seller, broker = as_key(key("enterprise", "buyer")), as_key(key("enterprise", "seller")), as_key(key("broker", "broker"))

    # a list page, then the next one through next_cursor
    first = call("organizations.list_organizations", client=admin, limit=2)
    assert isinstance(first, m.PageOrganizationPublic) and len(first.items) == 2 and first.next_cursor
    second = call("organizations.list_organizations", client=admin, limit=2, cursor=first.next_cursor)
    assert isinstance(second, m.PageOrganizationPublic) and second.items
    assert not {o.id for o in first.items} & {o.id for o in second.items}

    # a 422, parsed into the typed Problem
    invalid = call("demands.create_demand", client=buyer, body=m.DemandCreate.from_dict({**DEMAND, "title": "短"}))
    assert isinstance(invalid, m.Problem) and invalid.status == 422
    assert [e.field for e in invalid.errors] == ["body.title"]

    demand = call("demands.create_demand", client=buyer, body=m.DemandCreate.from_dict(DEMAND))
    assert isinstance(demand, m.DemandWritten) and demand.status == m.RecordStatus.PUBLISHED
    tech = call("technologies.create_technology", client=seller,
                body=m.TechnologyCreate.from_dict({k: v for k, v in TECHNOLOGIES[0].items() if k != "external_ref"}))
    assert isinstance(tech, m.TechnologyWritten), tech

    engagement = call("brokers.create_engagement", client=broker,
                      body=m.EngagementCreate(subject_entity=m.SubjectEntity.DEMAND, subject_id=demand.id, note="客户预算200万元以内"))
    assert isinstance(engagement, m.EngagementPublic), engagement
    for _ in range(60):  # a typed 409 not-indexed-yet says to come back (Retry-After): matching is catching up
        matches = call("brokers.run_engagement_matching", engagement.id, client=broker, body=m.MatchRequest(k=50, min_seq=tech.seq))
        if not (isinstance(matches, m.Problem) and matches.type_.endswith("/not-indexed-yet")):
            break
    assert isinstance(matches, m.MatchCandidates), matches
    # the services are shared with the fuzz runs, whose records share the index: look for ours among 50
    top = next(h for h in matches.items if h.id == tech.id)
    assert isinstance(top, m.Hit) and isinstance(top.components, m.Components)
    entry = call("brokers.add_to_shortlist", engagement.id, client=broker,
                 body=m.ShortlistCreate(candidate_id=tech.id, note="家具行业有案例", match=m.ShortlistMatch.from_dict(top.to_dict())))
    assert isinstance(entry, m.ShortlistEntryPublic) and entry.candidate_owner_org_id == orgs["seller"].id
    intro = call("introductions.request_introduction", engagement.id, entry.id, client=broker,
                 body=m.IntroductionCreate(message="您好，一家家具企业希望洽谈技术许可。"))
    assert isinstance(intro, m.IntroductionPublic), intro

    deal = call("introductions.accept_introduction", intro.id, client=seller, body=m.IntroductionAccept(text="欢迎来访交流"))
    assert isinstance(deal, m.DealPublic) and deal.stage == m.DealStage.INTENT and deal.stage_name == "意向"
    # a 409, parsed into Problem: `status` is the HTTP status, the introduction's state is in `state`
    again = call("introductions.accept_introduction", intro.id, client=seller, body=m.IntroductionAccept())
    assert isinstance(again, m.Problem) and again.status == 409 and again.state == "accepted"

    for body in ({"to_stage": "negotiation", "note": "首次技术交流"},
                 {"to_stage": "signed", "contract_amount_cny": "1234567.89"},
                 {"to_stage": "closed", "note": "合同款已到账"}):
        deal = call("deals.transition_deal", deal.id, client=broker, body=m.DealTransition.from_dict(body))
        assert isinstance(deal, m.DealPublic), deal
    assert deal.stage == m.DealStage.CLOSED and [h.to_stage for h in deal.history][-1] == m.DealStage.CLOSED
    assert isinstance(deal.commission, m.CommissionSummary)

    deals = call("deals.list_deals", client=broker)
    assert isinstance(deals, m.PageDealPublic) and [d.id for d in deals.items] == [deal.id]
    commissions = call("commissions.list_commissions", client=broker)
    assert isinstance(commissions, m.PageCommissionPublic)
    assert [(c.deal_id, str(c.commission_cny)) for c in commissions.items] == [(deal.id, "57037.04")]
