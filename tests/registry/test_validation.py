"""Bad input -> 422 problem+json naming the field, and nothing stored (list and feed unchanged)."""
from __future__ import annotations

import pytest

from tests.registry.helpers import count, head, tech

BAD_TECHNOLOGIES = [
    ("bad patent number", {"patents": [{"number": "CN202010123456.7"}]}, "body.patents.0.number"),
    ("bad IPC", {"patents": [{"number": "CN202010123456.2", "ipc_codes": ["Z99Q 1/2"]}]}, "body.patents.0.ipc_codes.0"),
    ("unknown domain", {"domain": "perpetual_motion", "subdomain": None}, "body.domain"),
    ("negative price", {"price_min_cny": "-5"}, "body.price_min_cny"),
    ("oversize text", {"description": "节能" * 10001}, "body.description"),
    ("wrong type", {"trl": "很高"}, "body.trl"),
    ("bad region", {"region": "990100"}, "body.region"),
    ("unknown field", {"colour": "绿色"}, "body.colour"),
]


def _assert_problem(resp, field_prefix: str) -> None:
    assert resp.status_code == 422, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    fields = [e["field"] for e in resp.json()["errors"]]
    assert any(f.startswith(field_prefix) for f in fields), fields


@pytest.mark.parametrize("case,change,field", BAD_TECHNOLOGIES, ids=[c[0] for c in BAD_TECHNOLOGIES])
def test_bad_technology_is_rejected_and_nothing_stored(client, case, change, field):
    before_count, before_head = count(client), head(client)
    _assert_problem(client.post("/v1/technologies", json=tech(**change)), field)
    assert count(client) == before_count
    assert head(client) == before_head


def test_unknown_domain_message_names_domain(client):
    resp = client.post("/v1/technologies", json=tech(domain="perpetual_motion", subdomain=None))
    assert "unknown domain" in resp.json()["errors"][0]["message"]


def test_bad_credit_code_rejected(client):
    before = head(client)
    resp = client.post("/v1/organizations", json={"name": "杭州测试环保有限公司", "type": "enterprise", "credit_code": "91330100MA27XL0Q2X"})
    _assert_problem(resp, "body.credit_code")
    assert "check character" in resp.json()["errors"][0]["message"]
    assert head(client) == before


def test_bad_patch_changes_nothing(client):
    created = client.post("/v1/technologies", json=tech()).json()
    before = head(client)
    _assert_problem(client.patch(f"/v1/technologies/{created['id']}", json={"version": 1, "price_max_cny": "-1"}), "body.price_max_cny")
    resp = client.patch(f"/v1/technologies/{created['id']}", json={"version": 1, "title": None})
    _assert_problem(resp, "body.title")
    resp = client.patch(f"/v1/technologies/{created['id']}", json={"version": 1, "price_min_cny": "9000000"})
    _assert_problem(resp, "body.price_min_cny")  # min above the stored max: checked on the merged record
    assert head(client) == before
    assert client.get(f"/v1/technologies/{created['id']}").json()["version"] == 1


def test_unknown_owner_is_422(client):
    before = head(client)
    _assert_problem(client.post("/v1/technologies", json=tech(owner_org_id="org_doesnotexist")), "body.owner_org_id")
    assert head(client) == before


def test_bulk_upsert_is_all_or_nothing(client):
    before_count, before_head = count(client, source="allornothing"), head(client)
    items = [tech(external_ref={"source": "allornothing", "external_id": f"A{i}"}) for i in range(3)]
    items[1]["patents"] = [{"number": "12345"}]
    _assert_problem(client.post("/v1/technologies/bulk-upsert", json={"items": items}), "body.items.1.patents.0.number")
    items[1].pop("patents")
    items[2]["owner_org_id"] = "org_nope"  # domain check after two items were already written in the transaction
    _assert_problem(client.post("/v1/technologies/bulk-upsert", json={"items": items}), "body.items.2.owner_org_id")
    assert count(client, source="allornothing") == before_count
    assert head(client) == before_head


def test_bad_query_values(client):
    assert client.get("/v1/technologies", params={"domain": "nope"}).json()["errors"][0]["field"] == "query.domain"
    assert client.get("/v1/technologies", params={"region": "12"}).json()["errors"][0]["field"] == "query.region"
    resp = client.get("/v1/technologies", params={"cursor": "garbage!!"})
    assert resp.status_code == 400 and resp.json()["errors"][0]["field"] == "query.cursor"
    assert client.get("/v1/changes", params={"after": -1}).status_code == 422


def test_service_token_required(client):
    resp = client.get("/v1/taxonomy", headers={"X-Service-Token": "wrong"})
    assert resp.status_code == 401
    assert resp.headers["content-type"].startswith("application/problem+json")
