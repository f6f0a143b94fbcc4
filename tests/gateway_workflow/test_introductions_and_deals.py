"""Introductions and deals against a real registry on loopback, the gateway in-process (no matching needed).

Covers what the end-to-end test does not: declines with reasons, who may answer, a terminated deal, the
contact-visibility rule, and problem+json answers for bad input.
"""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from services.gateway.app import create_app
from services.gateway.brokers.service import broker_has_accepted_introduction
from services.gateway.settings import GatewaySettings
from tests.gateway_workflow.test_end_to_end import DEMAND, TECHNOLOGIES, ok, problem
from tests.support.servers import TEST_SERVICE_TOKEN, free_port, running


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("registry")
    env = {"REGISTRY_DATA_DIR": str(tmp), "REGISTRY_SERVICE_TOKEN": TEST_SERVICE_TOKEN, "REGISTRY_DATABASE_URL": f"sqlite:///{tmp}/r.db"}
    with running("registry", "services.registry.app:create_app", env, tmp, port=free_port()) as svc:
        yield svc


@pytest.fixture()
def gateway(registry, tmp_path, monkeypatch) -> Iterator[TestClient]:
    monkeypatch.setenv("GATEWAY_WORKFLOW_WORKERS", "false")  # this test drives no feed follower
    settings = GatewaySettings(data_dir=tmp_path, service_token=TEST_SERVICE_TOKEN, registry_url=registry.url,
                               matching_url="http://127.0.0.1:9", upstream_timeout=10)
    with TestClient(create_app(settings)) as client:
        yield client


def _key(gw: TestClient, admin: dict, role: str, org: str, **extra) -> dict:
    key = ok(gw.post("/v1/keys", headers=admin, json={"role": role, "org_id": org, "name": "测试", **extra}), 201)["key"]
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture()
def world(gateway: TestClient) -> dict:
    from services.gateway.auth import service as key_service
    from services.gateway.auth.schemas import ApiKeyCreate

    with Session(gateway.app.state.engine) as s:
        _, admin_key = key_service.create_key(s, ApiKeyCreate(role="admin", org_id="org_ops", name="管理员"), created_by=None)
        s.commit()
    admin = {"Authorization": f"Bearer {admin_key}"}
    orgs = {name: ok(gateway.post("/v1/organizations", headers=admin, json={"name": title, "type": kind}), 201)["id"]
            for name, title, kind in [("buyer", "宁波印染有限公司", "enterprise"), ("seller", "江南大学环境学院", "university"),
                                      ("broker", "宁波技术经纪服务中心", "intermediary")]}
    keys = {"admin": admin, "buyer": _key(gateway, admin, "enterprise", orgs["buyer"]),
            "seller": _key(gateway, admin, "enterprise", orgs["seller"]), "broker": _key(gateway, admin, "broker", orgs["broker"])}
    demand = ok(gateway.post("/v1/demands", headers=keys["buyer"], json=DEMAND), 201)
    techs = [ok(gateway.post("/v1/technologies", headers=keys["seller"],
                             json={k: v for k, v in t.items() if k != "external_ref"}), 201) for t in TECHNOLOGIES[:2]]
    return {"orgs": orgs, "keys": keys, "demand": demand, "techs": techs}


def _introduce(gw: TestClient, world: dict, tech_index: int) -> tuple[dict, dict]:
    k = world["keys"]
    eng = ok(gw.post("/v1/engagements", headers=k["broker"], json={"subject_entity": "demand", "subject_id": world["demand"]["id"]}), 201)
    entry = ok(gw.post(f"/v1/engagements/{eng['id']}/shortlist", headers=k["broker"],
                       json={"candidate_id": world["techs"][tech_index]["id"], "note": "备选"}), 201)
    intro = ok(gw.post(f"/v1/engagements/{eng['id']}/shortlist/{entry['id']}/introduction", headers=k["broker"], json={}), 201)
    return eng, intro


def test_decline_with_reason_and_who_may_answer(gateway: TestClient, world: dict) -> None:
    k = world["keys"]
    eng, intro = _introduce(gateway, world, 1)
    assert intro["status"] == "requested" and intro["target_org_id"] == world["orgs"]["seller"]
    problem(gateway.post(f"/v1/introductions/{intro['id']}/decline", headers=k["buyer"], json={"reason": "price"}), 404)  # not a party: as if absent
    problem(gateway.post(f"/v1/introductions/{intro['id']}/decline", headers=k["broker"], json={"reason": "price"}), 403)
    bad = problem(gateway.post(f"/v1/introductions/{intro['id']}/decline", headers=k["seller"], json={"reason": "expensive"}), 422)
    assert bad["errors"][0]["field"] == "body.reason"
    declined = ok(gateway.post(f"/v1/introductions/{intro['id']}/decline", headers=k["seller"],
                               json={"reason": "technical_fit", "text": "我方技术针对钢渣，不适用于VOCs"}))
    assert (declined["status"], declined["decline_reason"], declined["deal_id"]) == ("declined", "technical_fit", None)
    problem(gateway.post(f"/v1/introductions/{intro['id']}/accept", headers=k["seller"], json={}), 409)
    # the broker sees the answer; nobody else does
    assert ok(gateway.get(f"/v1/introductions/{intro['id']}", headers=k["broker"]))["response_text"].startswith("我方技术")
    problem(gateway.get(f"/v1/introductions/{intro['id']}", headers=k["buyer"]), 404)
    with Session(gateway.app.state.engine) as s:
        assert not broker_has_accepted_introduction(s, world["orgs"]["broker"], world["techs"][1]["id"])


def test_accepted_introduction_opens_a_deal_that_can_be_terminated(gateway: TestClient, world: dict) -> None:
    k = world["keys"]
    _, intro = _introduce(gateway, world, 0)
    deal = ok(gateway.post(f"/v1/introductions/{intro['id']}/accept", headers=k["seller"], json={}), 201)
    with Session(gateway.app.state.engine) as s:
        assert broker_has_accepted_introduction(s, world["orgs"]["broker"], world["techs"][0]["id"])
        assert broker_has_accepted_introduction(s, world["orgs"]["broker"], world["demand"]["id"])
        assert not broker_has_accepted_introduction(s, "org_other_broker", world["techs"][0]["id"])
    # both parties can read the deal; the buyer sees it because the engagement is on its demand
    assert ok(gateway.get(f"/v1/deals/{deal['id']}", headers=k["buyer"]))["stage"] == "intent"
    ended = ok(gateway.post(f"/v1/deals/{deal['id']}/transitions", headers=k["broker"],
                            json={"to_stage": "terminated", "note": "客户暂停项目"}))
    assert ended["stage_name"] == "终止" and ended["commission"] is None and ended["allowed_next"] == []
    problem(gateway.post(f"/v1/deals/{deal['id']}/transitions", headers=k["broker"], json={"to_stage": "negotiation"}), 409)
    problem(gateway.put(f"/v1/deals/{deal['id']}/brokers", headers=k["broker"],
                        json={"shares": [{"broker_org_id": world["orgs"]["broker"], "share_percent": "100"}]}), 409)
    listed = ok(gateway.get("/v1/deals", headers=k["broker"], params={"stage": "terminated"}))
    assert [d["id"] for d in listed["items"]] == [deal["id"]]


def test_bad_input_is_a_problem_naming_the_field(gateway: TestClient, world: dict) -> None:
    k = world["keys"]
    problem(gateway.post("/v1/engagements", headers=k["broker"], json={"subject_entity": "demand", "subject_id": "dem_" + "0" * 20}), 404)
    malformed = problem(gateway.post("/v1/engagements", headers=k["broker"], json={"subject_entity": "demand", "subject_id": "dem_missing"}), 422)
    assert malformed["errors"][0]["field"] == "body.subject_id"
    bad = problem(gateway.post("/v1/engagements", headers=k["broker"], json={"subject_entity": "patent", "subject_id": "x"}), 422)
    assert bad["errors"][0]["field"] == "body.subject_entity"
    problem(gateway.get("/v1/deals/deal_missing", headers=k["broker"]), 404)
    problem(gateway.get("/v1/engagements", headers=k["buyer"]), 403)
    problem(gateway.post("/v1/webhooks", headers=k["broker"], json={"url": "ftp://x", "event_types": ["deal.stage_changed"]}), 422)
    problem(gateway.post("/v1/webhooks", headers=k["broker"], json={"url": "https://x.example", "event_types": ["deal.created"]}), 422)
    problem(gateway.get("/v1/commissions/preview", headers=k["broker"], params={"contract_amount_cny": "-1"}), 422)
    problem(gateway.get("/v1/stats", headers=k["broker"], params={"group_by": "city"}), 422)
    problem(gateway.get("/v1/stats", headers=k["broker"], params={"from": "2025-06", "to": "2025-01"}), 422)
