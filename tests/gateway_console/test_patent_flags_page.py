"""The console's deal page warns the broker about the technology's lapsed or pledged patents (issue #12)."""
from __future__ import annotations

from fastapi.testclient import TestClient

from shared.identifiers import patent_check_digit
from tests.gateway_workflow.test_end_to_end import ok


def test_deal_page_shows_patent_flags(gateway: TestClient, broker: TestClient, world: dict) -> None:
    k, orgs, tech = world["keys"], world["orgs"], world["techs"][1]
    bearer, seller = world["bearer"], world["bearer"](world["keys"]["seller"])
    digits = "202210000777"
    patent = ok(gateway.post("/v1/patents", headers=seller, json={
        "application_number": f"CN{digits}.{patent_check_digit(digits)}", "title": "一种催化燃烧装置", "status": "granted",
        "filing_date": "2022-02-02", "grant_date": "2023-03-03", "applicants": [{"name": "研究院", "org_id": orgs["seller"]}],
        "ipc_codes": ["F23G 7/07"], "technology_ids": [tech["id"]]}), 201)
    ok(gateway.post(f"/v1/patents/{patent['id']}/events", headers=seller, json={"kind": "lapsed", "on": "2026-02-01"}))
    b = bearer(k["broker"])
    eng = ok(gateway.post("/v1/engagements", headers=b, json={"subject_entity": "demand", "subject_id": world["demand"]["id"]}), 201)
    entry = ok(gateway.post(f"/v1/engagements/{eng['id']}/shortlist", headers=b, json={"candidate_id": tech["id"]}), 201)
    intro = ok(gateway.post(f"/v1/engagements/{eng['id']}/shortlist/{entry['id']}/introduction", headers=b, json={}), 201)
    deal = ok(gateway.post(f"/v1/introductions/{intro['id']}/accept", headers=seller, json={}), 201)
    page = broker.get(f"/console/deals/{deal['id']}").text
    assert "专利风险提示" in page and patent["application_number"] in page and "已失效" in page
    assert "技术相关专利" in page and f"/console/organizations/{orgs['seller']}" in page  # the list, and who acted
