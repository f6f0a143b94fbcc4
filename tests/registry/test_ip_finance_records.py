"""Registry records of issue #12 on SQLite and PostgreSQL: patents and legal events, infringement history,
finance products and needs — stored, validated, on the feed."""
from __future__ import annotations

from fastapi.testclient import TestClient

from shared.identifiers import patent_check_digit


def _number(digits: str) -> str:
    return f"CN{digits}.{patent_check_digit(digits)}"


def test_patent_infringement_and_finance_records_on_the_feed(client: TestClient) -> None:
    org = client.post("/v1/organizations", json={"name": "记录测试企业", "type": "enterprise", "region": "330100"}).json()
    bank = client.post("/v1/organizations", json={"name": "记录测试银行", "type": "financial_institution"}).json()
    after = client.get("/v1/changes", params={"after": 0, "limit": 1}).json()["head_seq"]
    body = {"application_number": _number("202410000301"), "title": "一种光伏组件清洗装置", "status": "granted",
            "filing_date": "2024-01-02", "grant_date": "2024-09-01", "applicants": [{"name": "记录测试企业", "org_id": org["id"]}],
            "ipc_codes": ["H02S 40/10"]}
    patent = client.post("/v1/patents", json=body)
    assert patent.status_code == 201, patent.text
    patent = patent.json()
    assert patent["green"][0]["subdomain"] == "solar" and patent["region"] == "330100"
    assert client.post("/v1/patents", json=body).status_code == 409
    for kind, extra in (("pledged", {"pledgee": "记录测试银行"}), ("pledge_released", {}), ("lapsed", {})):
        resp = client.post(f"/v1/patents/{patent['id']}/events", json={"kind": kind, "on": "2025-03-01", **extra},
                           headers={"X-Actor": "admin:key_1"})
        assert resp.status_code == 200, resp.text
    stored = client.get(f"/v1/patents/{patent['id']}").json()
    assert [e["kind"] for e in stored["events"]] == ["pledged", "pledge_released", "lapsed"] and stored["version"] == 4
    assert stored["events"][0]["actor"] == "admin:key_1" and stored["flags"] == ["lapsed"]

    rec = client.post("/v1/infringements", headers={"X-Actor-Org": bank["id"]}, json={
        "decision_reference": "（2026）浙01民初1号", "authority": "杭州市中级人民法院", "decided_on": "2026-01-05",
        "patent_id": patent["id"], "accused_org_id": org["id"], "claimant_name": "某权利人", "summary": "侵犯专利权"})
    assert rec.status_code == 201, rec.text
    rec = rec.json()
    resp = client.post(f"/v1/infringements/{rec['id']}/entries", json={"kind": "appeal", "text": "上诉"},
                       headers={"X-Actor-Org": org["id"]})
    assert resp.json()["status"] == "under_appeal" and resp.json()["history"][-1]["actor_org_id"] == org["id"]
    assert client.post(f"/v1/infringements/{rec['id']}/entries", json={"kind": "appeal", "text": "再"}).status_code == 409

    product = client.post("/v1/finance-products", json={"org_id": bank["id"], "name": "光伏贷", "product_type": "green_credit",
                                                         "rules": {"domains": ["clean_energy"], "amount_max_cny": "5000000"}})
    assert product.status_code == 201, product.text
    assert product.json()["rules"]["amount_max_cny"] == "5000000.00"
    need = client.post("/v1/financing-needs", json={"org_id": org["id"], "title": "光伏清洗机器人量产", "purpose": "量产",
                                                    "amount_cny": "1200000.50", "domain": "clean_energy"})
    assert need.status_code == 201, need.text
    assert need.json()["amount_cny"] == "1200000.50" and need.json()["region"] == "330100"
    assert client.post("/v1/financing-needs", json={"org_id": org["id"], "title": "x", "purpose": "y",
                                                    "amount_cny": "1", "collateral_patent_ids": ["pat_x"]}).status_code == 422

    events = client.get("/v1/changes", params={"after": after, "limit": 100}).json()["items"]
    seen = {(e["entity"], e["op"]) for e in events}
    assert {("patent", "create"), ("patent", "update"), ("infringement", "create"), ("infringement", "update"),
            ("finance_product", "create"), ("financing_need", "create")} <= seen
    last_patent = [e for e in events if e["entity"] == "patent"][-1]
    assert last_patent["record"]["current_status"] == "lapsed"
