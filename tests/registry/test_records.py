"""Create / read / update / lifecycle / list / export / idempotency over HTTP."""
from __future__ import annotations

import json
import threading
import uuid

from tests.registry.helpers import demand, feed, head, marker, tech


def test_create_read_and_write_receipt(client):
    resp = client.post("/v1/technologies", json=tech())
    assert resp.status_code == 201
    body = resp.json()
    assert body["status"] == "published" and body["version"] == 1
    assert body["seq"] == int(resp.headers["X-Feed-Seq"]) > 0
    assert body["screening"]["decision"] == "published"
    assert body["expires_at"] and body["published_at"].endswith("Z")
    read = client.get(f"/v1/technologies/{body['id']}").json()
    assert read["title"] == body["title"] and read["price_min_cny"] == "1500000.00"
    assert client.get("/v1/technologies/tec_missing").status_code == 404


def test_patch_with_if_match_and_stale_version(client):
    tid = client.post("/v1/technologies", json=tech()).json()["id"]
    ok = client.patch(f"/v1/technologies/{tid}", json={"keywords": ["脱硫", "SCR"]}, headers={"If-Match": '"1"'})
    assert ok.status_code == 200 and ok.json()["version"] == 2
    stale = client.patch(f"/v1/technologies/{tid}", json={"version": 1, "keywords": ["覆盖"]})
    assert stale.status_code == 409 and stale.json()["current_version"] == 2
    assert client.get(f"/v1/technologies/{tid}").json()["keywords"] == ["脱硫", "SCR"]
    missing = client.patch(f"/v1/technologies/{tid}", json={"trl": 7})
    assert missing.status_code == 428 and missing.json()["errors"][0]["field"] == "body.version"


def test_concurrent_updates_with_same_version_one_wins_nothing_lost(client):
    tid = client.post("/v1/technologies", json=tech()).json()["id"]
    results: list = []
    barrier = threading.Barrier(4)

    def writer(i: int) -> None:
        barrier.wait()
        results.append(client.patch(f"/v1/technologies/{tid}", json={"version": 1, "keywords": ["脱硫", f"方案{i}"]}))

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(4)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    codes = sorted(r.status_code for r in results)
    assert codes == [200, 409, 409, 409]
    winner = next(r for r in results if r.status_code == 200).json()
    stored = client.get(f"/v1/technologies/{tid}").json()
    assert stored["version"] == 2 and stored["keywords"] == winner["keywords"]
    assert [e["version"] for e in feed(client) if e["id"] == tid] == [1, 2]


def test_noop_patch_keeps_version_and_feed(client):
    tid = client.post("/v1/technologies", json=tech()).json()["id"]
    before = head(client)
    resp = client.patch(f"/v1/technologies/{tid}", json={"version": 1, "trl": 7})
    assert resp.status_code == 200 and resp.json()["version"] == 1
    assert head(client) == before


def test_withdraw_renew_override_and_history(client):
    tid = client.post("/v1/technologies", json=tech()).json()["id"]
    first_expiry = client.get(f"/v1/technologies/{tid}").json()["expires_at"]
    assert client.post(f"/v1/technologies/{tid}/withdraw").json()["status"] == "withdrawn"
    assert client.post(f"/v1/technologies/{tid}/withdraw").status_code == 409
    renewed = client.post(f"/v1/technologies/{tid}/renew").json()
    assert renewed["status"] == "published" and renewed["expires_at"] > first_expiry
    assert client.post(f"/v1/technologies/{tid}/override", json={"status": "rejected", "reason": "人工复核不通过"}).status_code == 422
    over = client.post(f"/v1/technologies/{tid}/override", json={"status": "on_hold", "reason": "人工复核：请补充检测报告"},
                       headers={"X-Actor": "admin:key_7"})
    assert over.status_code == 200 and over.json()["status"] == "on_hold"
    history = client.get(f"/v1/technologies/{tid}/screening").json()
    assert history[-1]["kind"] == "override" and history[-1]["actor"] == "admin:key_7"
    assert history[-1]["note"] == "人工复核：请补充检测报告"
    assert history[0]["kind"] == "auto"
    assert client.post(f"/v1/technologies/{tid}/renew").status_code == 409  # on hold: fix first


def test_list_filters_and_cursor_pagination(client):
    m = marker()
    ids = [client.post("/v1/technologies", json=tech(keywords=["脱硫", m], region=r, trl=t, stage=s)).json()["id"]
           for r, t, s in [("330100", 7, "demonstration"), ("330200", 8, "industrialization"), ("320500", 5, "pilot"),
                           ("330106", 9, "industrialization"), ("110000", 6, "demonstration")]]
    def ids_of(**params):
        out, cursor = [], None
        while True:
            page = client.get("/v1/technologies", params={"q": m, "limit": 2, **params, **({"cursor": cursor} if cursor else {})}).json()
            out += [i["id"] for i in page["items"]]
            cursor = page["next_cursor"]
            if not cursor:
                return out
    assert ids_of() == ids  # ordered by (updated_at, id), paged 2 at a time
    assert set(ids_of(region="330000")) == {ids[0], ids[1], ids[3]}
    assert set(ids_of(region="330100")) == {ids[0], ids[3]}
    assert set(ids_of(trl_min=8)) == {ids[1], ids[3]}
    assert set(ids_of(stage="pilot")) == {ids[2]}
    assert ids_of(domain="clean_energy") == []
    assert set(ids_of(status="published")) == set(ids)
    client.post(f"/v1/technologies/{ids[4]}/withdraw")
    assert set(ids_of(status="withdrawn")) == {ids[4]}
    since = client.get(f"/v1/technologies/{ids[4]}").json()["updated_at"]
    assert ids_of(updated_since=since) == [ids[4]]
    # q is normalised: full-width and case do not matter
    assert client.get("/v1/technologies", params={"q": "ＳＣＲ " + m}).json()["items"]


def test_export_is_json_lines(client):
    m = marker()
    for _ in range(3):
        client.post("/v1/demands", json=demand(keywords=[m]))
    resp = client.get("/v1/demands/export", params={"q": m})
    assert resp.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in resp.text.splitlines()]
    assert len(lines) == 3 and all(m in line["keywords"] for line in lines)


def test_bulk_upsert_twice_is_noop_and_changes_update(client):
    src = "bulk" + marker()[2:].lower()
    items = [tech(external_ref={"source": src, "external_id": f"T{i}"}, keywords=["脱硫", f"第{i}项"]) for i in range(4)]
    first = client.post("/v1/technologies/bulk-upsert", json={"items": items}).json()
    assert first["created"] == 4
    h = head(client)
    second = client.post("/v1/technologies/bulk-upsert", json={"items": items}).json()
    assert (second["created"], second["updated"], second["unchanged"]) == (0, 0, 4)
    assert head(client) == h and all(i["version"] == 1 for i in second["items"])
    items[2]["price_max_cny"] = "3500000.00"
    third = client.post("/v1/technologies/bulk-upsert", json={"items": items}).json()
    assert [i["outcome"] for i in third["items"]] == ["unchanged", "unchanged", "updated", "unchanged"]
    events = feed(client, after=h)
    assert [(e["id"], e["version"]) for e in events] == [(third["items"][2]["id"], 2)]
    dup = client.post("/v1/technologies/bulk-upsert", json={"items": [items[0], items[0]]})
    assert dup.status_code == 422 and dup.json()["errors"][0]["field"] == "body.items.1.external_ref"


def test_idempotency_key(client):
    payload = demand(title="印染废水深度处理与回用需求")
    first = client.post("/v1/demands", json=payload, headers={"Idempotency-Key": "k-" + uuid.uuid4().hex})
    key = first.request.headers["Idempotency-Key"]
    h = head(client)
    again = client.post("/v1/demands", json=payload, headers={"Idempotency-Key": key})
    assert again.status_code == 201 and again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    assert head(client) == h
    other = client.post("/v1/demands", json={**payload, "region": "330600"}, headers={"Idempotency-Key": key})
    assert other.status_code == 422 and other.json()["type"].endswith("idempotency-key-reused")


def test_concurrent_same_idempotency_key_writes_once(client):
    key = "race-" + uuid.uuid4().hex
    payload = demand(title="同一幂等键的并发请求测试需求")
    barrier = threading.Barrier(3)
    results: list = []

    def send() -> None:
        barrier.wait()
        results.append(client.post("/v1/demands", json=payload, headers={"Idempotency-Key": key}))

    threads = [threading.Thread(target=send) for _ in range(3)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert {r.status_code for r in results} == {201}
    assert len({r.json()["id"] for r in results}) == 1


def test_organizations_and_owner(client):
    org = client.post("/v1/organizations", json={"name": "杭州绿源环保科技有限公司", "type": "enterprise", "region": "330100"}).json()
    assert org["seq"] > 0
    tech_resp = client.post("/v1/technologies", json=tech(owner_org_id=org["id"]))
    assert tech_resp.json()["owner_org_id"] == org["id"]
    assert client.get("/v1/technologies", params={"owner_org_id": org["id"]}).json()["items"][0]["id"] == tech_resp.json()["id"]
    renamed = client.patch(f"/v1/organizations/{org['id']}", json={"version": 1, "name": "杭州绿源环境科技股份有限公司"})
    assert renamed.json()["version"] == 2
    assert client.patch(f"/v1/organizations/{org['id']}", json={"version": 1, "name": "旧名字公司"}).status_code == 409
    assert any(o["id"] == org["id"] for o in client.get("/v1/organizations", params={"q": "绿源环境"}).json()["items"])


def test_challenge_and_taxonomy(client):
    bad = client.post("/v1/demands", json=demand(kind="challenge"))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "body.award_cny"
    ok = client.post("/v1/demands", json=demand(kind="challenge", award_cny="2000000", deadline="2031-06-30",
                                                 expected_indicators="VOCs去除率≥90%"))
    assert ok.status_code == 201 and ok.json()["kind"] == "challenge"
    tree = client.get("/v1/taxonomy").json()
    assert {"code": "pollution_control", "name": "污染治理"}.items() <= tree[1].items()
