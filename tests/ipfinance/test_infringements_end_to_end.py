"""Infringement records end to end: recorded by an admin, hidden from strangers, seen by brokers and counterparties,
answered and appealed by the accused, decided and corrected, every step kept in history, exported as JSON Lines."""
from __future__ import annotations

import json

from fastapi.testclient import TestClient

from tests.ipfinance.conftest import introduce_and_accept, number, ok, problem


def test_infringement_recorded_answered_appealed_and_kept(gateway: TestClient, world: dict) -> None:
    k, orgs = world["keys"], world["orgs"]
    patent = ok(gateway.post("/v1/patents", headers=k["other"], json={
        "application_number": number("202110000101"), "title": "一种印染废水深度处理工艺", "status": "granted",
        "filing_date": "2021-01-05", "grant_date": "2023-01-05", "applicants": [{"name": "深圳某科技公司", "org_id": orgs["other"]}],
        "ipc_codes": ["C02F 9/00"]}), 201)
    body = {"decision_reference": "浙知执裁字〔2026〕12号", "authority": "浙江省知识产权局", "decided_on": "2026-10-15",
            "patent_id": patent["id"], "accused_org_id": orgs["seller"], "claimant_org_id": orgs["other"],
            "claimant_name": "深圳某科技公司", "summary": "未经许可使用专利方法处理印染废水",
            "evidence": [{"title": "行政裁决书", "url": "https://example.cn/decision.pdf"}]}
    # bad input names the field and stores nothing; only admins record
    problem(gateway.post("/v1/infringements", headers=k["admin"], json={**body, "decided_on": "2999-01-01"}), 422, "body.decided_on")
    problem(gateway.post("/v1/infringements", headers=k["admin"], json={**body, "decided_on": "2026-02-30"}), 422, "body.decided_on")
    problem(gateway.post("/v1/infringements", headers=k["admin"], json={**body, "patent_id": "pat_00000000000000000000"}), 422, "body.patent_id")
    problem(gateway.post("/v1/infringements", headers=k["admin"], json={**body, "accused_org_id": "org_00000000000000000000"}),
            422, "body.accused_org_id")
    problem(gateway.post("/v1/infringements", headers=k["admin"], json={**body, "evidence": [{"title": "x", "url": "ftp://a"}]}),
            422, "body.evidence.0.url")
    problem(gateway.post("/v1/infringements", headers=k["other"], json=body), 403)
    assert gateway.get("/v1/infringements/export", headers=k["admin"]).text == ""

    rec = ok(gateway.post("/v1/infringements", headers=k["admin"], json=body), 201)
    assert rec["status"] == "recorded" and rec["application_number"] == patent["application_number"]

    # Isolation: a stranger (and the buyer before it faces the seller) sees nothing, same as a missing record
    for who in ("bank", "buyer"):
        hidden = gateway.get(f"/v1/infringements/{rec['id']}", headers=k[who])
        missing = gateway.get("/v1/infringements/inf_00000000000000000000", headers=k[who])
        assert hidden.status_code == missing.status_code == 404
        assert hidden.json()["title"] == missing.json()["title"] and hidden.json()["type"] == missing.json()["type"]
        assert ok(gateway.get(f"/v1/organizations/{orgs['seller']}/infringements", headers=k[who]))["count"] == 0
        problem(gateway.post(f"/v1/infringements/{rec['id']}/entries", headers=k[who], json={"kind": "answer", "text": "?"}), 404)
    # brokers see it on the profile; the buyer does once an introduction puts it face to face with the seller
    assert ok(gateway.get(f"/v1/organizations/{orgs['seller']}/infringements", headers=k["broker"]))["count"] == 1
    introduce_and_accept(gateway, world, 0)
    assert ok(gateway.get(f"/v1/organizations/{orgs['seller']}/infringements", headers=k["buyer"]))["items"][0]["id"] == rec["id"]
    problem(gateway.post(f"/v1/infringements/{rec['id']}/entries", headers=k["buyer"], json={"kind": "answer", "text": "不是我"}), 403)

    # The accused answers and appeals; only admins decide and correct
    ans = ok(gateway.post(f"/v1/infringements/{rec['id']}/entries", headers=k["seller"],
                          json={"kind": "answer", "text": "我方使用的是自有工艺，已提交技术比对说明。",
                                "evidence": [{"title": "技术比对说明", "sha256": "a" * 64}]}))
    assert ans["status"] == "answered"
    assert ok(gateway.post(f"/v1/infringements/{rec['id']}/entries", headers=k["seller"],
                           json={"kind": "appeal", "text": "不服裁决，已向法院起诉。"}))["status"] == "under_appeal"
    problem(gateway.post(f"/v1/infringements/{rec['id']}/entries", headers=k["seller"], json={"kind": "appeal", "text": "再次"}), 409)
    problem(gateway.post(f"/v1/infringements/{rec['id']}/entries", headers=k["seller"],
                         json={"kind": "appeal_decision", "text": "撤销", "outcome": "overturned"}), 403)
    problem(gateway.post(f"/v1/infringements/{rec['id']}/entries", headers=k["admin"], json={"kind": "appeal_decision", "text": "维持"}),
            422, "body.outcome")
    ok(gateway.post(f"/v1/infringements/{rec['id']}/entries", headers=k["admin"],
                    json={"kind": "appeal_decision", "text": "一审判决维持原裁决", "outcome": "upheld"}))
    problem(gateway.post(f"/v1/infringements/{rec['id']}/entries", headers=k["admin"],
                         json={"kind": "correction", "text": "更正", "changes": {"accused_org_id": "x"}}), 422, "body.changes.accused_org_id")
    final = ok(gateway.post(f"/v1/infringements/{rec['id']}/entries", headers=k["admin"],
                            json={"kind": "correction", "text": "文号录入错误", "changes": {"decision_reference": "浙知执裁字〔2026〕21号"}}))
    assert final["status"] == "upheld" and final["decision_reference"] == "浙知执裁字〔2026〕21号"
    assert [h["kind"] for h in final["history"]] == ["recorded", "answer", "appeal", "appeal_decision", "correction"]
    assert final["history"][-1]["changes"] == {"decision_reference": {"from": "浙知执裁字〔2026〕12号", "to": "浙知执裁字〔2026〕21号"}}
    assert final["history"][1]["actor_org_id"] == orgs["seller"]

    # Exported for credit-sharing platforms (admin, platform keys), with the full history; brokers may not export
    lines = [json.loads(x) for x in gateway.get("/v1/infringements/export", headers=k["admin"]).text.splitlines()]
    assert [x["id"] for x in lines] == [rec["id"]] and len(lines[0]["history"]) == 5
    problem(gateway.get("/v1/infringements/export", headers=k["broker"]), 403)
    audit = ok(gateway.get("/v1/audit", params={"entity": "infringement", "entity_id": rec["id"]}, headers=k["admin"]))
    assert len(audit["items"]) == 5
