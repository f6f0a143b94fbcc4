"""The permission matrix row by row: each role tries each action on its own and on others' records, through the
gateway (in-process) against a real registry process."""
from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from services.gateway.auth.permissions import MATRIX, Action
from services.gateway.auth.roles import Role
from tests.gateway.conftest import auth, demo_technology, issue_key, make_gateway

CONTACT = {"name": "王工", "phone": "0571-88886666", "email": "wang@example.cn"}
STORED_CONTACT = {**CONTACT, "role": None}


@pytest.fixture(scope="module")
def world(registry_service, tmp_path_factory):
    """Gateway + orgs A, B (enterprises) and P (platform `zjtm`), a key per role, and a few records."""
    tmp = tmp_path_factory.mktemp("gateway")
    with make_gateway(tmp, registry_url=registry_service.url, upstream_timeout=10.0) as gw:
        admin = issue_key(gw, Role.admin, "org_ops")
        orgs = {}
        for name, label in (("A", "杭州绿源环保科技有限公司"), ("B", "苏州清流水处理有限公司"), ("P", "浙江网上技术市场")):
            resp = gw.post("/v1/organizations", json={"name": label, "type": "enterprise", "contacts": [CONTACT]}, headers=auth(admin))
            assert resp.status_code == 201, resp.text
            orgs[name] = resp.json()["id"]
        keys = {
            "admin": admin,
            "A": issue_key(gw, Role.enterprise, orgs["A"]), "B": issue_key(gw, Role.enterprise, orgs["B"]),
            "platform": issue_key(gw, Role.platform, orgs["P"], source="zjtm"),
            "broker": issue_key(gw, Role.broker, "org_broker"), "evaluator": issue_key(gw, Role.evaluator, "org_eval"),
        }
        a_pub = gw.post("/v1/technologies", json=demo_technology("空压机余热回收技术（A公司）"), headers=auth(keys["A"])).json()
        assert a_pub["status"] == "published", a_pub
        a_hidden = gw.post("/v1/technologies", json=demo_technology("空压机余热回收技术（A公司撤回）"), headers=auth(keys["A"])).json()
        hidden = gw.post(f"/v1/technologies/{a_hidden['id']}/withdraw", headers={**auth(keys["A"]), "If-Match": f'"{a_hidden["version"]}"'})
        assert hidden.status_code == 200 and hidden.json()["status"] == "withdrawn", hidden.text
        p_rec = gw.post("/v1/technologies", json=demo_technology("平台同步的余热回收技术", owner_org_id=orgs["P"],
                                                       external_ref={"source": "zjtm", "external_id": "T-1"}), headers=auth(keys["platform"]))
        assert p_rec.status_code == 201, p_rec.text
        yield {"gw": gw, "keys": keys, "orgs": orgs, "a_pub": a_pub, "a_hidden": hidden.json(), "p_rec": p_rec.json()}


def _call(world, who: str, method: str, path: str, **kw):
    gw: TestClient = world["gw"]
    return gw.request(method, path, headers={**auth(world["keys"][who]), **kw.pop("headers", {})}, **kw)


def _version(world, record_id: str) -> int:
    return _call(world, "admin", "GET", f"/v1/technologies/{record_id}").json()["version"]


def test_matrix_covers_every_role_for_every_action():
    assert all(set(row) == set(Role) for row in MATRIX.values())
    assert set(MATRIX) == set(Action)


@pytest.mark.parametrize("who,owner_field,expected", [
    ("admin", None, 201), ("A", "A", 201), ("A", "B", 403), ("broker", None, 403), ("evaluator", None, 403),
])
def test_create_listing(world, who, owner_field, expected):
    extra = {"owner_org_id": world["orgs"][owner_field]} if owner_field else {}
    resp = _call(world, who, "POST", "/v1/technologies", json=demo_technology(f"余热回收新技术{who}{owner_field}", **extra))
    assert resp.status_code == expected, resp.text
    if who == "A" and expected == 201:
        assert resp.json()["owner_org_id"] == world["orgs"]["A"]
    if expected == 403 and owner_field:
        assert resp.json()["errors"][0]["field"] == "body.owner_org_id"


@pytest.mark.parametrize("source,expected", [("zjtm", 201), ("other", 403)])
def test_platform_creates_only_its_own_source(world, source, expected):
    body = demo_technology(f"平台技术{source}", owner_org_id=world["orgs"]["P"], external_ref={"source": source, "external_id": f"X-{source}"})
    resp = _call(world, "platform", "POST", "/v1/technologies", json=body)
    assert resp.status_code == expected, resp.text


@pytest.mark.parametrize("who,record,expected", [
    ("admin", "a_pub", 200), ("A", "a_pub", 200), ("B", "a_pub", 403), ("platform", "a_pub", 403),
    ("platform", "p_rec", 200), ("A", "p_rec", 403), ("broker", "a_pub", 403), ("evaluator", "a_pub", 403),
])
def test_update_listing(world, who, record, expected):
    record_id = world[record]["id"]
    resp = _call(world, who, "PATCH", f"/v1/technologies/{record_id}",
                 json={"version": _version(world, record_id), "key_parameters": f"可回收热量占轴功率的70%～80%（{who}更新）"})
    assert resp.status_code == expected, resp.text


@pytest.mark.parametrize("who,expected", [
    ("admin", 200), ("A", 200), ("evaluator", 200), ("B", 404), ("broker", 404), ("platform", 404),
])
def test_unpublished_records_are_visible_only_to_owner_admin_evaluator(world, who, expected):
    assert _call(world, who, "GET", f"/v1/technologies/{world['a_hidden']['id']}").status_code == expected
    assert _call(world, who, "GET", f"/v1/technologies/{world['a_pub']['id']}").status_code == 200


def test_non_owners_list_only_published(world):
    hidden_id = world["a_hidden"]["id"]
    for who in ("B", "broker", "platform"):
        items = _call(world, who, "GET", "/v1/technologies", params={"limit": 500}).json()["items"]
        assert items and all(i["status"] == "published" for i in items) and hidden_id not in {i["id"] for i in items}
        assert _call(world, who, "GET", "/v1/technologies", params={"status": "withdrawn"}).status_code == 403
    own = _call(world, "A", "GET", "/v1/technologies", params={"owner_org_id": world["orgs"]["A"], "status": "withdrawn"}).json()
    assert hidden_id in {i["id"] for i in own["items"]}


@pytest.mark.parametrize("who,expected", [("admin", 200), ("A", 403), ("broker", 403), ("platform", 403), ("evaluator", 403)])
def test_screening_override_is_admin_only(world, who, expected):
    record_id = world["a_pub"]["id"]
    resp = _call(world, who, "POST", f"/v1/technologies/{record_id}/override",
                 json={"status": "published", "reason": "人工复核通过：专利信息已核实"}, headers={"If-Match": f'"{_version(world, record_id)}"'})
    assert resp.status_code == expected, resp.text


@pytest.mark.parametrize("who,source,expected", [
    ("platform", "zjtm", 200), ("platform", "other", 403), ("admin", "other", 200), ("A", "zjtm", 403), ("broker", "zjtm", 403),
])
def test_bulk_upsert_only_own_source(world, who, source, expected):
    items = [demo_technology(f"批量同步技术{i}{who}{source}", owner_org_id=world["orgs"]["P"],
                   external_ref={"source": source, "external_id": f"B-{who}-{i}"}) for i in range(2)]
    resp = _call(world, who, "POST", "/v1/technologies/bulk-upsert", json={"items": items})
    assert resp.status_code == expected, resp.text
    if who == "platform" and expected == 403:
        assert resp.json()["errors"][0]["field"] == "body.items.0.external_ref.source"


@pytest.mark.parametrize("who,expected", [("admin", 200), ("broker", 200), ("platform", 200), ("evaluator", 200), ("A", 403)])
def test_export(world, who, expected):
    resp = _call(world, who, "GET", "/v1/technologies/export")
    assert resp.status_code == expected, resp.text
    if expected == 200 and who in ("broker", "platform"):
        rows = [json.loads(line) for line in resp.text.splitlines() if line.strip()]
        assert rows and all(r["status"] == "published" for r in rows)


def test_organization_contacts_only_for_itself_and_admins(world):
    org_a = world["orgs"]["A"]
    assert _call(world, "A", "GET", f"/v1/organizations/{org_a}").json()["contacts"] == [STORED_CONTACT]
    assert _call(world, "admin", "GET", f"/v1/organizations/{org_a}").json()["contacts"] == [STORED_CONTACT]
    for who in ("B", "broker", "platform", "evaluator"):
        assert _call(world, who, "GET", f"/v1/organizations/{org_a}").json()["contacts"] == []
        listed = _call(world, who, "GET", "/v1/organizations").json()["items"]
        own = world["orgs"].get({"platform": "P"}.get(who, who))
        assert all(o["contacts"] == [] for o in listed if o["id"] != own)


@pytest.mark.parametrize("who,target,expected", [("A", "A", 200), ("A", "B", 403), ("broker", "A", 403), ("admin", "B", 200)])
def test_organization_update(world, who, target, expected):
    org_id = world["orgs"][target]
    version = _call(world, "admin", "GET", f"/v1/organizations/{org_id}").json()["version"]
    resp = _call(world, who, "PATCH", f"/v1/organizations/{org_id}", json={"version": version, "region": "330100"})
    assert resp.status_code == expected, resp.text


@pytest.mark.parametrize("who,expected", [("admin", 200), ("A", 200), ("B", 403), ("broker", 403), ("platform", 403)])
def test_owner_contacts_of_a_record(world, who, expected):
    resp = _call(world, who, "GET", f"/v1/technologies/{world['a_pub']['id']}/owner-contacts")
    assert resp.status_code == expected, resp.text
    if expected == 200:
        assert resp.json()["contacts"] == [STORED_CONTACT]


@pytest.mark.parametrize("who,expected", [("admin", 200), ("platform", 200), ("A", 403), ("broker", 403), ("evaluator", 403)])
def test_change_feed(world, who, expected):
    resp = _call(world, who, "GET", "/v1/changes", params={"after": 0, "limit": 1000})
    assert resp.status_code == expected, resp.text
    if who == "platform":
        events = resp.json()["items"]
        hidden = [e["record"] for e in events if e["id"] == world["a_hidden"]["id"] and e["record"]]
        assert hidden and all(set(r) == {"id", "status", "version"} for r in hidden if r["status"] != "published")
        others = [e["record"] for e in events if e["entity"] == "organization" and e["record"] and e["id"] != world["orgs"]["P"]]
        assert others and all(r["contacts"] == [] for r in others)


def test_taxonomy_for_every_role(world):
    for who in world["keys"]:
        assert _call(world, who, "GET", "/v1/taxonomy").status_code == 200


def test_writes_are_audited_with_actor_and_registry_knows_the_actor(world, registry_service):
    record_id = world["a_pub"]["id"]
    events = _call(world, "admin", "GET", "/v1/audit", params={"entity_id": record_id, "limit": 500}).json()["items"]
    actions = {e["action"] for e in events}
    assert "technology.create" in actions and "technology.update" in actions
    create = next(e for e in events if e["action"] == "technology.create")
    assert create["actor_org_id"] == world["orgs"]["A"] and create["actor_role"] == "enterprise"
    with registry_service.client() as registry:
        history = registry.get(f"/v1/technologies/{record_id}/screening").json()
    assert any(str(h.get("actor", "")).startswith("admin:key_") for h in history), history


def test_upstream_problems_pass_through_unchanged(world):
    resp = _call(world, "admin", "GET", "/v1/technologies/tec_does_not_exist")
    assert resp.status_code == 404 and resp.headers["content-type"].startswith("application/problem+json")
    stale = _call(world, "A", "PATCH", f"/v1/technologies/{world['a_pub']['id']}", json={"version": 1, "summary": "过期版本的修改"})
    assert stale.status_code == 409
