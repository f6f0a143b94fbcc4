"""Bulk upsert through the gateway: all-or-nothing by default; with atomic=false the valid items are written and
each refused one is reported at its index in the request, whether the gateway (ownership, external_ref) or the
registry (schema) refused it."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from services.gateway.auth.roles import Role
from tests.gateway.conftest import auth, issue_key, make_gateway

DEMO = Path(__file__).resolve().parents[2] / "services/registry/demo/technologies.jsonl"


def _tech(title: str, external_id: str | None, **extra) -> dict:
    base = json.loads(DEMO.read_text(encoding="utf-8").splitlines()[0])
    for key in ("owner_org_id", "external_ref", "owner_credit_code"):
        base.pop(key, None)
    ref = {"external_ref": {"source": "zjtm", "external_id": external_id}} if external_id else {}
    return {**base, "title": title, **ref, **extra}


@pytest.fixture(scope="module")
def world(registry_service, tmp_path_factory):
    with make_gateway(tmp_path_factory.mktemp("gw"), registry_url=registry_service.url, upstream_timeout=10.0) as gw:
        admin = issue_key(gw, Role.admin, "org_ops")
        orgs = {n: gw.post("/v1/organizations", json={"name": label, "type": "enterprise"}, headers=auth(admin)).json()["id"]
                for n, label in (("P", "浙江网上技术市场"), ("B", "苏州清流水处理有限公司"))}
        platform = issue_key(gw, Role.platform, orgs["P"], source="zjtm")
        yield {"gw": gw, "admin": admin, "platform": platform, "orgs": orgs}


def _count(world) -> int:
    page = world["gw"].get("/v1/technologies", params={"source": "zjtm", "limit": 100}, headers=auth(world["admin"]))
    return len(page.json()["items"])


def test_per_item_mode_writes_the_valid_items_and_reports_the_others_by_index(world):
    gw, orgs = world["gw"], world["orgs"]
    items = [
        _tech("膜生物反应器污水深度处理技术", "B-1", owner_org_id=orgs["P"]),
        _tech("膜", "B-2", owner_org_id=orgs["P"]),  # one character: the registry's schema refuses it
        _tech("无外部编号的技术", None, owner_org_id=orgs["P"]),  # the gateway refuses it
        _tech("他人机构的技术", "B-4", owner_org_id=orgs["B"]),  # B did not delegate to the platform
        _tech("印染废水高级氧化深度处理回用技术", "B-5", owner_org_id=orgs["P"]),
    ]
    before = _count(world)
    whole = gw.post("/v1/technologies/bulk-upsert", json={"items": items}, headers=auth(world["platform"]))
    assert whole.status_code == 422 and whole.json()["errors"][0]["field"] == "body.items.2.external_ref", whole.text
    assert _count(world) == before

    resp = gw.post("/v1/technologies/bulk-upsert", params={"atomic": "false"}, json={"items": items}, headers=auth(world["platform"]))
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert [(o["index"], o["outcome"]) for o in body["items"]] == [
        (0, "created"), (1, "invalid"), (2, "invalid"), (3, "invalid"), (4, "created")]
    fields = {o["index"]: [e["field"] for e in o["errors"]] for o in body["items"] if o["outcome"] == "invalid"}
    assert fields[1] == ["body.items.1.title"] and fields[2] == ["body.items.2.external_ref"]
    assert fields[3] == ["body.items.3.owner_org_id"]
    assert body["invalid"] == 3 and body["created"] == 2 and len(body["errors"]) == 3
    assert all(o["screening"]["decision"] == o["status"] for o in body["items"] if o["outcome"] == "created")
    assert _count(world) == before + 2


def test_nothing_valid_writes_nothing(world):
    before = _count(world)
    resp = world["gw"].post("/v1/technologies/bulk-upsert", params={"atomic": "false"},
                            json={"items": [_tech("无外部编号", None)]}, headers=auth(world["platform"]))
    assert resp.status_code == 200, resp.text
    assert resp.json()["invalid"] == 1 and resp.json()["seq"] == 0
    assert _count(world) == before
