"""IP and finance console pages (issue #12): an organization's patents with status flags and the infringement
records a broker may read on its profile; finance products and a need's eligible and excluded products."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from shared.identifiers import patent_check_digit
from tests.gateway_console.conftest import browser, sign_in
from tests.gateway_workflow.test_end_to_end import ok


@pytest.fixture(scope="module")
def ipworld(gateway: TestClient, world: dict) -> dict:
    """A pledged patent of the seller with an infringement decision against it, two finance products, one need."""
    admin, seller = world["bearer"](world["keys"]["admin"]), world["bearer"](world["keys"]["seller"])
    digits = "202310000999"
    patent = ok(gateway.post("/v1/patents", headers=seller, json={
        "application_number": f"CN{digits}.{patent_check_digit(digits)}", "title": "一种<低温>脱硝催化剂", "status": "granted",
        "filing_date": "2023-01-05", "grant_date": "2024-02-06", "applicants": [{"name": "研究院", "org_id": world["orgs"]["seller"]}],
        "ipc_codes": ["B01D 53/86"], "technology_ids": [world["techs"][0]["id"]]}), 201)
    ok(gateway.post(f"/v1/patents/{patent['id']}/events", headers=seller, json={"kind": "pledged", "on": "2026-03-01", "pledgee": "杭州银行"}))
    record = ok(gateway.post("/v1/infringements", headers=admin, json={
        "decision_reference": "浙知执裁字〔2026〕12号", "authority": "浙江省知识产权局", "decided_on": "2026-10-15",
        "patent_id": patent["id"], "accused_org_id": world["orgs"]["seller"], "claimant_name": "江南大学",
        "summary": "未经许可制造、销售落入专利权保护范围的脱硝催化剂"}), 201)
    bank = ok(gateway.post("/v1/organizations", headers=admin, json={"name": "绿色发展银行杭州分行", "type": "financial_institution"}), 201)
    bank_key = ok(gateway.post("/v1/keys", headers=admin, json={"role": "enterprise", "org_id": bank["id"], "name": "信贷部"}), 201)["key"]
    bank_h = world["bearer"](bank_key)
    pledge = ok(gateway.post("/v1/finance-products", headers=bank_h, json={
        "org_id": bank["id"], "name": "知识产权质押贷", "product_type": "ip_pledge_loan", "rules": {"patents_required": 1},
        "terms": {"rate_percent": "3.450", "term_months": 36}}), 201)
    credit = ok(gateway.post("/v1/finance-products", headers=bank_h, json={
        "org_id": bank["id"], "name": "绿色技术改造贷款", "product_type": "green_credit", "description": "脱硝催化剂产线改造",
        "rules": {"amount_max_cny": "20000000"}}), 201)
    need = ok(gateway.post("/v1/financing-needs", headers=seller, json={
        "org_id": world["orgs"]["seller"], "technology_id": world["techs"][0]["id"], "title": "脱硝催化剂产线扩产融资",
        "purpose": "新建低温催化剂生产线", "amount_cny": "8000000", "collateral_patent_ids": [patent["id"]]}), 201)
    return {"patent": patent, "record": record, "pledge": pledge, "credit": credit, "need": need}


def test_organization_page_shows_patents_and_infringements(broker: TestClient, world: dict, ipworld: dict) -> None:
    page = broker.get(f"/console/organizations/{world['orgs']['seller']}")
    assert page.status_code == 200 and "苏州净气环保科技研究院" in page.text
    assert ipworld["patent"]["application_number"] in page.text and "已质押" in page.text
    assert "一种&lt;低温&gt;脱硝催化剂" in page.text  # escaped
    assert "浙知执裁字〔2026〕12号" in page.text and "江南大学" in page.text and "已记录" in page.text


def test_finance_page_lists_products_and_a_needs_matches(broker: TestClient, ipworld: dict) -> None:
    listed = broker.get("/console/finance")
    assert listed.status_code == 200 and "知识产权质押贷" in listed.text and "绿色发展银行杭州分行" in listed.text
    page = broker.get("/console/finance", params={"need": ipworld["need"]["id"]})
    assert page.status_code == 200 and "脱硝催化剂产线扩产融资" in page.text
    eligible = page.text.split("不符合条件的产品")[0]
    assert f'class="eligible" data-product="{ipworld["credit"]["id"]}"' in eligible
    excluded = page.text.split("不符合条件的产品")[1]
    assert f'data-product="{ipworld["pledge"]["id"]}"' in excluded and "质押" in excluded  # with the API's reason
    missing = broker.get("/console/finance", params={"need": "fnd_doesnotexist"})
    assert missing.status_code == 200 and 'id="need-error"' in missing.text


def test_another_organizations_deal_is_the_same_404_as_a_missing_one(gateway: TestClient, world: dict) -> None:
    admin = world["bearer"](world["keys"]["admin"])
    other = ok(gateway.post("/v1/organizations", headers=admin, json={"name": "宁波碳联技术经纪公司", "type": "intermediary"}), 201)
    other_key = ok(gateway.post("/v1/keys", headers=admin, json={"role": "broker", "org_id": other["id"], "name": "经纪人李工"}), 201)["key"]
    b, seller = world["bearer"](world["keys"]["broker"]), world["bearer"](world["keys"]["seller"])
    eng = ok(gateway.post("/v1/engagements", headers=b, json={"subject_entity": "demand", "subject_id": world["demand"]["id"]}), 201)
    entry = ok(gateway.post(f"/v1/engagements/{eng['id']}/shortlist", headers=b, json={"candidate_id": world["techs"][1]["id"]}), 201)
    intro = ok(gateway.post(f"/v1/engagements/{eng['id']}/shortlist/{entry['id']}/introduction", headers=b, json={}), 201)
    deals = [ok(gateway.post(f"/v1/introductions/{intro['id']}/accept", headers=seller, json={}), 201)]
    outsider = sign_in(browser(gateway), other_key)
    hidden = outsider.get(f"/console/deals/{deals[0]['id']}")
    missing = outsider.get("/console/deals/deal_doesnotexist")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.text.replace(deals[0]["id"], "X") == missing.text.replace("deal_doesnotexist", "X")


def test_enterprise_keys_cannot_open_broker_ip_pages(gateway: TestClient, world: dict) -> None:
    client = sign_in(browser(gateway), world["keys"]["buyer"])
    assert client.get(f"/console/organizations/{world['orgs']['seller']}").status_code == 403
    assert client.get("/console/finance").status_code == 403
