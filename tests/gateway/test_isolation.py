"""Tenant isolation and record ownership, tried from the attacker's side (issue #8).

Each row is one try: a role acting on another tenant's record (published or not) or writing where it may not.
Every try is refused with exactly the answer a missing record gets (404, same body) or a 403/422 naming the
field, and nothing is written. The gateway runs in-process against a real registry; matching is deliberately
unreachable, so a try that got past the gateway's check would answer 503, never the 404 asserted here.
"""
from __future__ import annotations

import json

import pytest

from services.gateway.auth.roles import Role
from tests.gateway.conftest import auth, demo_technology, issue_key, make_gateway

MISSING = {"technology": "tec_" + "0" * 20, "demand": "dem_" + "0" * 20}
NEED = {"title": "印染废水深度处理回用", "description": "我们是印染厂，每天3000吨废水，COD老是超标，想提标改造并回用60%以上",
        "region": "330600"}


@pytest.fixture(scope="module")
def world(registry_service, tmp_path_factory):
    """Enterprises A and B, platform P (source zjtm), brokers X and Y; B has published and hidden records."""
    with make_gateway(tmp_path_factory.mktemp("gw"), registry_url=registry_service.url, upstream_timeout=10.0) as gw:
        admin = issue_key(gw, Role.admin, "org_ops")
        orgs = {name: gw.post("/v1/organizations", json={"name": label, "type": "enterprise"}, headers=auth(admin)).json()["id"]
                for name, label in (("A", "杭州绿源环保科技有限公司"), ("B", "苏州清流水处理有限公司"), ("P", "浙江网上技术市场"))}
        keys = {"admin": admin, "A": issue_key(gw, Role.enterprise, orgs["A"]), "B": issue_key(gw, Role.enterprise, orgs["B"]),
                "platform": issue_key(gw, Role.platform, orgs["P"], source="zjtm"),
                "X": issue_key(gw, Role.broker, "org_broker_x"), "Y": issue_key(gw, Role.broker, "org_broker_y")}

        def post(who: str, path: str, body: dict, status: int = 201) -> dict:
            resp = gw.post(path, json=body, headers=auth(keys[who]))
            assert resp.status_code == status, resp.text
            return resp.json()

        rec = {
            "b_pub_demand": post("B", "/v1/demands", NEED),
            "b_hold_demand": post("B", "/v1/demands", {"title": "废水处理", "description": "要处理"}),
            "b_pub_tech": post("B", "/v1/technologies", demo_technology("膜生物反应器污水深度处理技术（B）")),
            "b_gone_tech": post("B", "/v1/technologies", demo_technology("电镀废水零排放技术（B，已撤回）")),
            "a_pub_tech": post("A", "/v1/technologies", demo_technology("印染废水高级氧化深度处理回用技术（A）")),
            # as a platform-synced record of B's looked before ownership rules: admin-written, B-owned, zjtm source
            "b_legacy": post("admin", "/v1/demands", {**NEED, "title": "印染废水回用（平台旧数据）", "description": "要处理",
                                                      "owner_org_id": orgs["B"], "external_ref": {"source": "zjtm", "external_id": "L-1"}}),
        }
        gone = rec["b_gone_tech"]
        withdrawn = gw.post(f"/v1/technologies/{gone['id']}/withdraw", headers={**auth(keys["B"]), "If-Match": f'"{gone["version"]}"'})
        assert withdrawn.status_code == 200, withdrawn.text
        assert rec["b_pub_demand"]["status"] == "published" and rec["b_pub_tech"]["status"] == "published"
        assert rec["b_hold_demand"]["status"] == "on_hold" and rec["b_legacy"]["status"] == "on_hold"
        yield {"gw": gw, "keys": keys, "orgs": orgs, "rec": rec}


def call(world, who: str, method: str, path: str, **kw):
    return world["gw"].request(method, path, headers={**auth(world["keys"][who]), **kw.pop("headers", {})}, **kw)


def assert_like_missing(resp, missing_resp, hidden_id: str, missing_id: str) -> None:
    """Same status and the same body once the id each names is swapped: nothing tells them apart."""
    assert resp.status_code == missing_resp.status_code == 404, (resp.text, missing_resp.text)
    assert resp.headers["content-type"] == missing_resp.headers["content-type"] == "application/problem+json"
    assert json.loads(resp.text.replace(hidden_id, missing_id)) == missing_resp.json()


def counts(world) -> dict:
    """What a try could have written: engagements of broker X, B's and A's demands, the audit log."""
    gw, keys = world["gw"], world["keys"]
    return {
        "engagements": len(gw.get("/v1/engagements", headers=auth(keys["X"]), params={"limit": 100}).json()["items"]),
        "demands": len(gw.get("/v1/demands", headers=auth(keys["admin"]), params={"limit": 100}).json()["items"]),
        "audit": len(gw.get("/v1/audit", headers=auth(keys["admin"]), params={"limit": 200}).json()["items"]),
    }


# (who, method, path template, json body) against B's hidden records; {id} is the hidden id, answered like a missing one
HIDDEN_TRIES = [
    ("A", "GET", "/v1/demands/{id}", None, "b_hold_demand", "demand"),
    ("A", "POST", "/v1/demands/{id}/technologies", {"k": 3}, "b_hold_demand", "demand"),
    ("A", "POST", "/v1/similar", {"entity": "demand", "id": "{id}"}, "b_hold_demand", "demand"),
    ("A", "GET", "/v1/demands/{id}/owner-contacts", None, "b_hold_demand", "demand"),
    ("A", "PATCH", "/v1/demands/{id}", {"version": 1, "title": "被篡改的标题"}, "b_hold_demand", "demand"),
    ("A", "POST", "/v1/demands/{id}/withdraw", None, "b_hold_demand", "demand"),
    ("A", "POST", "/v1/technologies/{id}/demands", {"k": 3}, "b_gone_tech", "technology"),
    ("A", "POST", "/v1/technologies/{id}/renew", None, "b_gone_tech", "technology"),
    ("X", "GET", "/v1/demands/{id}", None, "b_hold_demand", "demand"),
    ("X", "POST", "/v1/demands/{id}/technologies", {"k": 3}, "b_hold_demand", "demand"),
    ("X", "POST", "/v1/engagements", {"subject_entity": "demand", "subject_id": "{id}"}, "b_hold_demand", "demand"),
    ("X", "POST", "/v1/engagements", {"subject_entity": "technology", "subject_id": "{id}"}, "b_gone_tech", "technology"),
    ("platform", "GET", "/v1/demands/{id}", None, "b_legacy", "demand"),
    ("platform", "PATCH", "/v1/demands/{id}", {"version": 1, "title": "平台改写的标题"}, "b_legacy", "demand"),
    ("platform", "POST", "/v1/demands/{id}/withdraw", None, "b_legacy", "demand"),
    ("platform", "POST", "/v1/demands/{id}/technologies", {"k": 3}, "b_legacy", "demand"),
]


def _fill(value, record_id: str):
    if isinstance(value, str):
        return value.replace("{id}", record_id)
    if isinstance(value, dict):
        return {k: _fill(v, record_id) for k, v in value.items()}
    return value


@pytest.mark.parametrize("who,method,path,body,record,entity", HIDDEN_TRIES,
                         ids=[f"{t[0]}-{t[1]}-{t[2]}-{t[4]}" for t in HIDDEN_TRIES])
def test_hidden_record_answers_like_a_missing_one(world, who, method, path, body, record, entity):
    hidden_id, missing_id = world["rec"][record]["id"], MISSING[entity]
    before = counts(world)
    resp = call(world, who, method, _fill(path, hidden_id), json=_fill(body, hidden_id))
    missing = call(world, who, method, _fill(path, missing_id), json=_fill(body, missing_id))
    assert_like_missing(resp, missing, hidden_id, missing_id)
    assert counts(world) == before


@pytest.mark.parametrize("raw", ["%0C", "%00", "%0A", "%1F", "%7F", "%23", "%3F", "..%2Forganizations", "tec_x"])
@pytest.mark.parametrize("collection", ["technologies", "demands", "organizations"])
def test_malformed_path_ids_are_not_found(world, raw, collection):
    resp = world["gw"].get(f"/v1/{collection}/{raw}", headers=auth(world["keys"]["A"]))
    assert resp.status_code == 404, resp.text
    assert resp.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("subject_id", ["\u001f", "?x=1", "#", "../organizations", "../technologies/tec_" + "0" * 20,
                                        "tec_" + "0" * 20])
def test_engagement_subject_must_be_an_id_of_the_declared_entity(world, subject_id):
    before = counts(world)
    resp = call(world, "X", "POST", "/v1/engagements", json={"subject_entity": "demand", "subject_id": subject_id})
    assert resp.status_code == 422, resp.text
    assert [e["field"] for e in resp.json()["errors"]] == ["body.subject_id"]
    assert counts(world) == before


def test_shortlist_and_introduction_only_on_published_records(world):
    rec, gw = world["rec"], world["gw"]
    eng = call(world, "X", "POST", "/v1/engagements", json={"subject_entity": "demand", "subject_id": rec["b_pub_demand"]["id"]})
    assert eng.status_code == 201, eng.text
    shortlist = f"/v1/engagements/{eng.json()['id']}/shortlist"
    hidden = call(world, "X", "POST", shortlist, json={"candidate_id": rec["b_gone_tech"]["id"]})
    missing = call(world, "X", "POST", shortlist, json={"candidate_id": MISSING["technology"]})
    assert_like_missing(hidden, missing, rec["b_gone_tech"]["id"], MISSING["technology"])
    wrong_side = call(world, "X", "POST", shortlist, json={"candidate_id": rec["b_hold_demand"]["id"]})
    assert wrong_side.status_code == 422 and wrong_side.json()["errors"][0]["field"] == "body.candidate_id", wrong_side.text
    assert call(world, "X", "GET", shortlist).json() == []

    # Another broker organization cannot see or use this engagement at all.
    other = call(world, "Y", "GET", f"/v1/engagements/{eng.json()['id']}")
    nobody = call(world, "Y", "GET", "/v1/engagements/eng_00000000000000000000")
    assert other.status_code == nobody.status_code == 404
    assert call(world, "Y", "POST", shortlist, json={"candidate_id": rec["a_pub_tech"]["id"]}).status_code == 404

    # A candidate withdrawn after shortlisting cannot be introduced: refused, nothing written.
    entry = call(world, "X", "POST", shortlist, json={"candidate_id": rec["a_pub_tech"]["id"]})
    assert entry.status_code == 201, entry.text
    tech = rec["a_pub_tech"]
    assert call(world, "A", "POST", f"/v1/technologies/{tech['id']}/withdraw", headers={"If-Match": f'"{tech["version"]}"'}).status_code == 200
    intro = call(world, "X", "POST", f"{shortlist}/{entry.json()['id']}/introduction", json={"message": "您好"})
    assert intro.status_code == 404, intro.text  # the withdrawn record no longer exists for the broker
    assert gw.get("/v1/introductions", headers=auth(world["keys"]["A"])).json()["items"] == []


def test_enterprise_cannot_write_under_a_platforms_source(world):
    before = counts(world)
    resp = call(world, "A", "POST", "/v1/demands", json={**NEED, "external_ref": {"source": "zjtm", "external_id": "X-9"}})
    assert resp.status_code == 403, resp.text
    assert resp.json()["errors"][0]["field"] == "body.external_ref"
    assert counts(world) == before


def test_platform_writes_only_for_organizations_that_delegated(world):
    orgs, b = world["orgs"], world["orgs"]["B"]
    item = {**NEED, "owner_org_id": b, "external_ref": {"source": "zjtm", "external_id": "D-1"}}
    before = counts(world)
    for path, body, field in (("/v1/demands", item, "body.owner_org_id"),
                              ("/v1/demands/bulk-upsert", {"items": [item]}, "body.items.0.owner_org_id")):
        resp = call(world, "platform", "POST", path, json=body)
        assert resp.status_code == 403, resp.text
        assert resp.json()["errors"][0]["field"] == field
    assert counts(world) == before
    assert call(world, "A", "POST", "/v1/delegations", json={"org_id": b, "platform_org_id": orgs["P"]}).status_code == 403

    granted = call(world, "admin", "POST", "/v1/delegations", json={"org_id": b, "platform_org_id": orgs["P"], "note": "委托书 2026-01"})
    assert granted.status_code == 201, granted.text
    assert call(world, "admin", "POST", "/v1/delegations", json={"org_id": b, "platform_org_id": orgs["P"]}).status_code == 409
    bad = call(world, "admin", "POST", "/v1/delegations", json={"org_id": b, "platform_org_id": "org_not_a_platform"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "body.platform_org_id"
    created = call(world, "platform", "POST", "/v1/demands", json=item)
    assert created.status_code == 201 and created.json()["owner_org_id"] == b, created.text
    assert [d["id"] for d in call(world, "B", "GET", "/v1/delegations").json()["items"]] == [granted.json()["id"]]
    assert call(world, "A", "GET", "/v1/delegations").json()["items"] == []

    revoked = call(world, "admin", "POST", f"/v1/delegations/{granted.json()['id']}/revoke")
    assert revoked.status_code == 200 and revoked.json()["active"] is False
    again = call(world, "platform", "POST", "/v1/demands", json={**item, "external_ref": {"source": "zjtm", "external_id": "D-2"}})
    assert again.status_code == 403, again.text
    actions = [e["action"] for e in call(world, "admin", "GET", "/v1/audit", params={"limit": 200}).json()["items"]]
    assert "delegation.grant" in actions and "delegation.revoke" in actions


def test_platform_registering_an_organization_may_sync_its_records(world):
    org = call(world, "platform", "POST", "/v1/organizations",
               json={"name": "宁波甬江环保装备有限公司", "type": "enterprise", "external_ref": {"source": "zjtm", "external_id": "O-7"}})
    assert org.status_code == 201, org.text
    tech = call(world, "platform", "POST", "/v1/technologies",
                json=demo_technology("污泥低温干化技术（平台同步）", owner_org_id=org.json()["id"], external_ref={"source": "zjtm", "external_id": "T-7"}))
    assert tech.status_code == 201, tech.text
