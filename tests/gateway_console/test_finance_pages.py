"""Console pages of issue #12's remaining part (console/finance_pages.py): financing needs (list, post, detail with
proposed products, bands and every exclusion explained), a broker's introduction shown to both sides, the
financier's products and answers, statistics, and infringement records recorded by an authority key and
answered by the accused organization. Server-side (TestClient), with the API's permission edges."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from shared.identifiers import patent_check_digit
from tests.gateway_console.conftest import browser, csrf_of, sign_in
from tests.gateway_workflow.test_end_to_end import ok


@pytest.fixture(scope="module")
def fw(gateway: TestClient, world: dict) -> dict:
    """A bank (financial institution) with two products, a second bank with a withdrawn one, an IP office, a patent."""
    admin, seller = world["bearer"](world["keys"]["admin"]), world["bearer"](world["keys"]["seller"])

    def org(name: str, kind: str) -> str:
        return ok(gateway.post("/v1/organizations", headers=admin, json={"name": name, "type": kind, "region": "320500"}), 201)["id"]

    def key(role: str, org_id: str) -> str:
        return ok(gateway.post("/v1/keys", headers=admin, json={"role": role, "org_id": org_id, "name": "测试"}), 201)["key"]

    bank, bank2, office = org("苏州绿色银行", "financial_institution"), org("吴中农商银行", "financial_institution"), org("苏州市知识产权局", "government")
    keys = {"bank": key("enterprise", bank), "bank2": key("enterprise", bank2), "office": key("authority", office)}
    digits = "202210000777"
    patent = ok(gateway.post("/v1/patents", headers=seller, json={
        "application_number": f"CN{digits}.{patent_check_digit(digits)}", "title": "一种沸石转轮吸附浓缩装置", "status": "granted",
        "filing_date": "2022-01-05", "grant_date": "2023-02-06", "applicants": [{"name": "研究院", "org_id": world["orgs"]["seller"]}],
        "ipc_codes": ["B01D 53/04"], "technology_ids": [world["techs"][0]["id"]]}), 201)
    bank_h = world["bearer"](keys["bank"])
    pledge = ok(gateway.post("/v1/finance-products", headers=bank_h, json={
        "org_id": bank, "name": "VOCs治理专利质押贷", "product_type": "ip_pledge_loan", "description": "沸石转轮吸附浓缩装置产线专利权质押贷款",
        "rules": {"patents_required": 1, "amount_max_cny": "20000000"}}), 201)
    insurance = ok(gateway.post("/v1/finance-products", headers=bank_h, json={
        "org_id": bank, "name": "首台套保险", "product_type": "first_set_insurance", "rules": {"min_trl": 9}}), 201)
    hidden = ok(gateway.post("/v1/finance-products", headers=world["bearer"](keys["bank2"]), json={
        "org_id": bank2, "name": "农商行撤回的产品", "product_type": "green_credit"}), 201)
    ok(gateway.post(f"/v1/finance-products/{hidden['id']}/withdraw", headers=world["bearer"](keys["bank2"])))
    return {"orgs": {"bank": bank, "bank2": bank2, "office": office}, "keys": keys, "patent": patent, "pledge": pledge,
            "insurance": insurance, "hidden": hidden}


def _post(client: TestClient, page_url: str, action: str, data: dict) -> object:
    token = csrf_of(client.get(page_url).text)
    return client.post(action, data={**data, "csrf_token": token}, follow_redirects=False)


def test_enterprise_posts_a_need_and_sees_bands_and_exclusions(gateway: TestClient, world: dict, fw: dict) -> None:
    seller = sign_in(browser(gateway), world["keys"]["seller"])
    form = seller.get("/console/finance/needs/new")
    assert form.status_code == 200 and fw["patent"]["application_number"] in form.text and world["techs"][0]["title"] in form.text
    bad = _post(seller, "/console/finance/needs/new", "/console/finance/needs",
                {"title": "扩产融资", "purpose": "产线", "amount_cny": "-5"})
    assert bad.status_code == 422 and 'data-field="amount_cny"' in bad.text
    resp = seller.post("/console/finance/needs", follow_redirects=False, data={
        "csrf_token": csrf_of(form.text), "technology_id": world["techs"][0]["id"], "title": "沸石转轮装置产线扩产融资",
        "purpose": "沸石转轮吸附浓缩装置产线扩产，专利权质押贷款", "amount_cny": "5,000,000", "stage": "pilot", "trl": "6",
        "collateral_patent_ids": fw["patent"]["id"]})
    assert resp.status_code == 303, resp.text[:500]
    url = resp.headers["location"]
    fw["need_id"] = url.rsplit("/", 1)[1]
    page = seller.get(url)
    assert page.status_code == 200 and "沸石转轮装置产线扩产融资" in page.text
    matches, excluded = page.text.split('id="excluded"')[0], page.text.split('id="excluded"')[1]
    assert f'data-id="{fw["pledge"]["id"]}" data-strength="' in matches and "badge strength-" in matches
    assert f'data-id="{fw["insurance"]["id"]}"' in excluded and "TRL≥9" in excluded  # the rule and why
    assert fw["hidden"]["id"] not in page.text  # another institution's withdrawn product: never shown
    listed = seller.get("/console/finance/needs")
    assert listed.status_code == 200 and fw["need_id"] in listed.text and 'id="finance-stats"' in listed.text
    # another enterprise: the need is not its to see (the API's 404 as the error page), nor in its list
    buyer = sign_in(browser(gateway), world["keys"]["buyer"])
    assert buyer.get(url).status_code == 404
    assert fw["need_id"] not in buyer.get("/console/finance/needs").text


def test_broker_introduces_and_both_sides_see_it(gateway: TestClient, world: dict, fw: dict) -> None:
    need_url = f"/console/finance/needs/{fw['need_id']}"
    broker = sign_in(browser(gateway), world["keys"]["broker"])
    refused = _post(broker, need_url, f"{need_url}/introductions", {"product_id": fw["insurance"]["id"]})
    assert refused.status_code == 409 and "TRL" in refused.text  # ineligible: shown next to the form
    done = _post(broker, need_url, f"{need_url}/introductions", {"product_id": fw["pledge"]["id"], "note": "经纪人推荐"})
    assert done.status_code == 303
    assert 'data-status="requested"' in broker.get(need_url).text
    bank = sign_in(browser(gateway), fw["keys"]["bank"])
    products = bank.get("/console/finance/products")
    assert products.status_code == 200 and fw["pledge"]["id"] in products.text and fw["hidden"]["id"] not in products.text
    product_url = f"/console/finance/products/{fw['pledge']['id']}"
    page = bank.get(product_url)
    assert 'data-status="requested"' in page.text and "经纪人推荐" in page.text and fw["need_id"] in page.text
    intro_id = page.text.split('data-intro="')[1].split('"')[0]
    assert _post(bank, product_url, f"/console/finance/introductions/{intro_id}/accept", {"next": product_url}).status_code == 303
    assert _post(bank, product_url, f"/console/finance/introductions/{intro_id}/grant",
                 {"next": product_url, "amount_cny": "4000000"}).status_code == 303
    seller = sign_in(browser(gateway), world["keys"]["seller"])
    mine = seller.get("/console/finance/introductions")
    assert f'data-intro="{intro_id}" data-status="granted"' in mine.text
    stats = seller.get("/console/finance/needs").text
    assert 'id="stat-granted">1<' in stats and "¥4,000,000.00" in stats
    # the other bank: the withdrawn product of bank 2 is its own, bank 1's introduction is not
    bank2 = sign_in(browser(gateway), fw["keys"]["bank2"])
    assert bank2.get(f"/console/finance/products/{fw['hidden']['id']}").status_code == 200
    assert bank.get(f"/console/finance/products/{fw['hidden']['id']}").status_code == 404
    assert intro_id not in bank2.get("/console/finance/introductions").text
    assert "¥4,000,000.00" in broker_finance_page(gateway, world)


def broker_finance_page(gateway: TestClient, world: dict) -> str:
    page = sign_in(browser(gateway), world["keys"]["broker"]).get("/console/finance")
    assert page.status_code == 200 and 'id="finance-stats"' in page.text
    return page.text


def test_authority_records_and_the_accused_answers(gateway: TestClient, world: dict, fw: dict) -> None:
    office = browser(gateway)
    token = csrf_of(office.get("/console/login").text)
    landed = office.post("/console/login", data={"key": fw["keys"]["office"], "csrf_token": token, "next": "/console/demands"},
                         follow_redirects=False)
    assert landed.status_code == 303 and landed.headers["location"] == "/console/infringements"
    assert office.get("/console/demands").status_code == 403  # the broker desk is not the authority's
    assert office.get("/console/finance/needs").status_code == 403  # nor finance (the API refuses it)
    form_url = "/console/infringements/new"
    bad = _post(office, form_url, "/console/infringements", {"decision_reference": "苏知执字〔2026〕3号", "authority": "苏州市知识产权局",
                                                             "decided_on": "2099-01-01", "patent_id": fw["patent"]["id"],
                                                             "accused_org_id": world["orgs"]["buyer"], "claimant_name": "研究院", "summary": "x"})
    assert bad.status_code == 422 and 'data-field="decided_on"' in bad.text
    resp = _post(office, form_url, "/console/infringements", {
        "decision_reference": "苏知执字〔2026〕3号", "authority": "苏州市知识产权局", "decided_on": "2026-10-01",
        "patent_id": fw["patent"]["id"], "accused_org_id": world["orgs"]["buyer"], "claimant_org_id": world["orgs"]["seller"],
        "claimant_name": "苏州净气环保科技研究院", "summary": "未经许可制造、销售沸石转轮装置", "evidence_title": "行政裁决书"})
    assert resp.status_code == 303, resp.text[:400]
    record_url = resp.headers["location"]
    page = office.get(record_url)
    assert "苏知执字〔2026〕3号" in page.text and 'id="decide-form"' in page.text and 'id="answer-form"' not in page.text
    # an enterprise sees no record form and cannot record one
    buyer = sign_in(browser(gateway), world["keys"]["buyer"])
    assert 'id="new-record"' not in buyer.get("/console/infringements").text
    refused = _post(buyer, form_url, "/console/infringements", {"decision_reference": "伪造", "authority": "x", "decided_on": "2026-01-01",
                                                                "patent_id": fw["patent"]["id"], "accused_org_id": world["orgs"]["seller"],
                                                                "claimant_name": "x", "summary": "x"})
    assert refused.status_code == 403
    # the accused answers from its own list
    mine = buyer.get("/console/infringements")
    assert "苏知执字〔2026〕3号" in mine.text
    answer_page = buyer.get(record_url)
    assert 'id="answer-form"' in answer_page.text and 'id="decide-form"' not in answer_page.text
    answered = _post(buyer, record_url, f"{record_url}/entries", {"kind": "answer", "text": "已停止生产并申请和解"})
    assert answered.status_code == 303
    after = office.get(record_url).text
    assert "已停止生产并申请和解" in after and 'data-kind="answer"' in after
    fixed = _post(office, record_url, f"{record_url}/entries", {"kind": "correction", "text": "文号笔误",
                                                                "change_field": "decision_reference", "change_value": "苏知执字〔2026〕4号"})
    assert fixed.status_code == 303 and "苏知执字〔2026〕4号" in office.get(record_url).text
    # a stranger to the record (the bank): the same 404 as a missing record
    bank = sign_in(browser(gateway), fw["keys"]["bank"])
    assert bank.get(record_url).status_code == 404
