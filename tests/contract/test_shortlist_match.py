"""ShortlistCreate.match is the matching hit shape, validated: {"score": "high"} used to be stored (201) and then
every view of the engagement, the broker console's included, failed with a 500."""
from __future__ import annotations

import httpx

from tests.contract.conftest import Services
from tests.gateway_console.conftest import csrf_of
from tests.gateway_workflow.test_end_to_end import DEMAND, TECHNOLOGIES, ok, problem


def test_a_shortlisted_match_must_be_a_hit(services: Services) -> None:
    admin = services.client(services.admin_key)
    orgs = {name: ok(admin.post("/v1/organizations", json={"name": title, "type": kind}), 201)["id"]
            for name, title, kind in [("buyer", "宁波安居家具有限公司", "enterprise"), ("seller", "无锡净气环保研究所", "research_institute"),
                                      ("broker", "宁波绿桥技术经纪中心", "intermediary")]}

    def key(role: str, org: str) -> str:
        return ok(admin.post("/v1/keys", json={"role": role, "org_id": orgs[org], "name": f"候选测试{org}"}), 201)["key"]

    buyer, seller, broker_key = services.client(key("enterprise", "buyer")), services.client(key("enterprise", "seller")), key("broker", "broker")
    broker = services.client(broker_key)
    demand = ok(buyer.post("/v1/demands", json=DEMAND), 201)
    tech = ok(seller.post("/v1/technologies", json={k: v for k, v in TECHNOLOGIES[1].items() if k != "external_ref"}), 201)
    eng = ok(broker.post("/v1/engagements", json={"subject_entity": "demand", "subject_id": demand["id"]}), 201)
    shortlist = f"/v1/engagements/{eng['id']}/shortlist"

    bad = problem(broker.post(shortlist, json={"candidate_id": tech["id"], "match": {"score": "high"}}), 422)
    assert [e["field"] for e in bad["errors"]] == ["body.match.score"]
    extra = problem(broker.post(shortlist, json={"candidate_id": tech["id"], "match": {"score": 0.5, "colour": "green"}}), 422)
    assert [e["field"] for e in extra["errors"]] == ["body.match.colour"]

    entry = ok(broker.post(shortlist, json={"candidate_id": tech["id"], "match": {"score": 0.82, "strength": "strong"}}), 201)
    assert entry["match"]["score"] == 0.82 and entry["match"]["strength"] == "strong"
    assert [e["match"]["strength"] for e in ok(broker.get(shortlist))] == ["strong"]

    with httpx.Client(base_url=services.gateway.url, timeout=60) as browser:  # the broker console renders it
        token = csrf_of(browser.get("/console/login").text)
        signed_in = browser.post("/console/login", data={"key": broker_key, "csrf_token": token, "next": "/console/demands"})
        assert signed_in.status_code in (200, 303), signed_in.text[:500]
        page = browser.get(f"/console/engagements/{eng['id']}")
        assert page.status_code == 200, page.text[:500]
        assert TECHNOLOGIES[1]["title"] in page.text
