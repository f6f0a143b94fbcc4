"""Green finance end to end: products with eligibility rules, a financing need matched to the eligible ones only
(each excluded product with its reasons), needs for a product, introduction to the financier, grant, statistics."""
from __future__ import annotations

from fastapi.testclient import TestClient

from tests.ipfinance.conftest import introduce_and_accept, number, ok, problem


def _patent(gw: TestClient, k: dict, orgs: dict, digits: str, tech_id: str) -> dict:
    return ok(gw.post("/v1/patents", headers=k["seller"], json={
        "application_number": number(digits), "title": "沸石转轮吸附浓缩装置", "status": "granted", "filing_date": "2020-01-01",
        "grant_date": "2021-01-01", "applicants": [{"name": "江南大学环境学院", "org_id": orgs["seller"]}],
        "ipc_codes": ["B01D 53/04"], "technology_ids": [tech_id]}), 201)


def test_need_matched_introduced_granted_and_counted(gateway: TestClient, world: dict) -> None:
    k, orgs, tech = world["keys"], world["orgs"], world["techs"][0]
    good = _patent(gateway, k, orgs, "202010000201", tech["id"])
    pledged = _patent(gateway, k, orgs, "202010000202", tech["id"])
    ok(gateway.post(f"/v1/patents/{pledged['id']}/events", headers=k["seller"],
                    json={"kind": "pledged", "on": "2025-01-01", "pledgee": "某商业银行"}))

    def product(name: str, product_type: str, rules: dict, description: str) -> dict:
        body = {"org_id": orgs["bank"], "name": name, "product_type": product_type, "description": description, "rules": rules,
                "terms": {"rate_percent": "3.450", "term_months": 36, "text": "按季付息"}}
        return ok(gateway.post("/v1/finance-products", headers=k["bank"], json=body), 201)

    # who may publish, and bad rules naming the field (nothing stored)
    base = {"org_id": orgs["bank"], "name": "x", "product_type": "green_credit"}
    problem(gateway.post("/v1/finance-products", headers=k["seller"], json={**base, "org_id": orgs["seller"]}), 403)
    problem(gateway.post("/v1/finance-products", headers=k["admin"], json={**base, "org_id": orgs["seller"]}), 422, "body.org_id")
    problem(gateway.post("/v1/finance-products", headers=k["bank"],
                         json={**base, "rules": {"amount_min_cny": "9000000", "amount_max_cny": "100"}}), 422, "body.rules.amount_min_cny")
    problem(gateway.post("/v1/finance-products", headers=k["bank"], json={**base, "rules": {"amount_max_cny": "-5"}}),
            422, "body.rules.amount_max_cny")
    problem(gateway.post("/v1/finance-products", headers=k["bank"], json={**base, "rules": {"domains": ["nope"]}}), 422, "body.rules.domains.0")
    problem(gateway.post("/v1/finance-products", headers=k["bank"], json={**base, "rules": {"regions": ["999999"]}}), 422, "body.rules.regions.0")
    assert ok(gateway.get("/v1/finance-products", headers=k["other"]))["items"] == []

    pledge = product("绿色技术知识产权质押贷", "ip_pledge_loan",
                     {"domains": ["pollution_control"], "regions": ["320000"], "amount_min_cny": "500000", "amount_max_cny": "20000000",
                      "patents_required": 1}, "面向持有授权发明专利的VOCs废气治理企业，以专利权质押发放贷款")
    insurance = product("首台（套）重大技术装备保险", "first_set_insurance",
                        {"stages": ["demonstration", "industrialization"], "min_trl": 7}, "首台套装备质量与责任保险")
    clean = product("清洁能源绿色信贷", "green_credit", {"domains": ["clean_energy"]}, "光伏、风电项目贷款")
    fund = product("粤港澳绿色创投基金", "equity_fund", {"regions": ["440000"], "amount_max_cny": "1000000"}, "早期股权投资")
    evaluated = product("技术评价增信贷", "green_credit", {"evaluation_required": True}, "凭技术评价报告增信的VOCs治理项目贷款")

    need_body = {"org_id": orgs["seller"], "technology_id": tech["id"], "title": "VOCs废气治理装备产线扩产融资",
                 "purpose": "沸石转轮吸附浓缩装置产线扩产，需流动资金贷款", "amount_cny": "8000000", "stage": "pilot", "trl": 6,
                 "collateral_patent_ids": [good["id"], pledged["id"]]}
    for patch, field in [({"amount_cny": "-1"}, "body.amount_cny"), ({"amount_cny": "0"}, "body.amount_cny"),
                         ({"amount_cny": "1.234"}, "body.amount_cny"), ({"trl": 12}, "body.trl"),
                         ({"region": "990000"}, "body.region"), ({"technology_id": world["techs"][1]["id"] + "x"}, "body.technology_id"),
                         ({"collateral_patent_ids": ["pat_00000000000000000000"]}, "body.collateral_patent_ids.0")]:
        problem(gateway.post("/v1/financing-needs", headers=k["seller"], json={**need_body, **patch}), 422, field)
    problem(gateway.post("/v1/financing-needs", headers=k["other"], json=need_body), 403)
    need = ok(gateway.post("/v1/financing-needs", headers=k["seller"], json=need_body), 201)
    assert need["domain"] == "pollution_control" and need["region"] == "320200" and need["amount_cny"] == "8000000.00"
    weak = ok(gateway.post("/v1/financing-needs", headers=k["seller"],
                           json={**need_body, "title": "VOCs治理技术中试融资", "collateral_patent_ids": [pledged["id"]],
                                 "amount_cny": "2000000"}), 201)

    # Isolation: a need is read by its organization, brokers, admins and financiers; others get the missing 404
    hidden, missing = (gateway.get(f"/v1/financing-needs/{i}", headers=k["other"]) for i in (need["id"], "fnd_00000000000000000000"))
    assert hidden.status_code == missing.status_code == 404 and hidden.json()["title"] == missing.json()["title"]
    problem(gateway.get(f"/v1/financing-needs/{need['id']}/products", headers=k["other"]), 404)
    ok(gateway.get(f"/v1/financing-needs/{need['id']}", headers=k["bank"]))
    ok(gateway.get(f"/v1/financing-needs/{need['id']}", headers=k["broker"]))

    # Products for the need: only the eligible one proposed; every other product excluded with its reasons
    match = ok(gateway.get(f"/v1/financing-needs/{need['id']}/products", headers=k["seller"]))
    assert [m["id"] for m in match["items"]] == [pledge["id"]]
    assert match["items"][0]["score"] > 0 and "patents_required" in match["items"][0]["explanation"]["rules_met"]
    reasons = {x["id"]: {r["rule"] for r in x["reasons"]} for x in match["excluded"]}
    assert reasons == {insurance["id"]: {"stages", "min_trl"}, clean["id"]: {"domains"}, fund["id"]: {"regions", "amount"},
                       evaluated["id"]: {"evaluation_required"}}
    # Needs for the product: the need whose only collateral is pledged is excluded, saying so
    for_product = ok(gateway.get(f"/v1/finance-products/{pledge['id']}/needs", headers=k["bank"]))
    assert [m["id"] for m in for_product["items"]] == [need["id"]]
    (why,) = [x for x in for_product["excluded"] if x["id"] == weak["id"]]
    assert why["reasons"][0]["rule"] == "patents_required" and "已质押" in why["reasons"][0]["detail"]
    assert ok(gateway.get(f"/v1/finance-products/{pledge['id']}/needs", headers=k["other"]))["items"] == []

    # Introduction to the financier: ineligible refused with reasons, then requested → accepted → granted
    refused = problem(gateway.post(f"/v1/financing-needs/{need['id']}/introductions", headers=k["seller"],
                                   json={"product_id": clean["id"]}), 409)
    assert refused["reasons"][0]["rule"] == "domains"
    problem(gateway.post(f"/v1/financing-needs/{need['id']}/introductions", headers=k["bank"], json={"product_id": pledge["id"]}), 403)
    intro = ok(gateway.post(f"/v1/financing-needs/{need['id']}/introductions", headers=k["broker"],
                            json={"product_id": pledge["id"], "note": "企业已备齐专利权属证明"}), 201)
    assert intro["status"] == "requested" and intro["financier_org_id"] == orgs["bank"] and intro["amount_requested_cny"] == "8000000.00"
    problem(gateway.post(f"/v1/financing-needs/{need['id']}/introductions", headers=k["seller"], json={"product_id": pledge["id"]}), 409)
    problem(gateway.post(f"/v1/finance-introductions/{intro['id']}/accept", headers=k["other"]), 404)
    problem(gateway.post(f"/v1/finance-introductions/{intro['id']}/accept", headers=k["seller"]), 403)
    problem(gateway.post(f"/v1/finance-introductions/{intro['id']}/grant", headers=k["bank"], json={"amount_cny": "6000000"}), 409)
    ok(gateway.post(f"/v1/finance-introductions/{intro['id']}/accept", headers=k["bank"]))
    problem(gateway.post(f"/v1/finance-introductions/{intro['id']}/grant", headers=k["bank"], json={"amount_cny": "-6"}), 422, "body.amount_cny")
    granted = ok(gateway.post(f"/v1/finance-introductions/{intro['id']}/grant", headers=k["bank"], json={"amount_cny": "6000000"}))
    assert granted["status"] == "granted" and granted["amount_granted_cny"] == "6000000.00"
    assert ok(gateway.get(f"/v1/financing-needs/{need['id']}", headers=k["seller"]))["status"] == "funded"

    # Counted: requested and granted, by product type; an enterprise sees its own share
    stats = ok(gateway.get("/v1/finance/stats", headers=k["admin"]))
    assert stats["needs_posted"] == 2 and stats["amount_requested_cny"] == "10000000.00" and stats["needs_funded"] == 1
    assert stats["granted"] == 1 and stats["amount_granted_cny"] == "6000000.00"
    assert stats["by_product_type"]["ip_pledge_loan"] == {"introductions": 1, "granted": 1, "amount_granted_cny": "6000000.00"}
    assert ok(gateway.get("/v1/finance/stats", headers=k["other"]))["needs_posted"] == 0
    assert ok(gateway.get("/v1/finance/stats", headers=k["seller"]))["needs_posted"] == 2
    assert ok(gateway.get("/v1/finance/stats", headers=k["bank"]))["granted"] == 1
    audit = ok(gateway.get("/v1/audit", params={"entity": "finance_introduction", "entity_id": intro["id"]}, headers=k["admin"]))
    assert [e["action"] for e in reversed(audit["items"])] == ["finance_introduction.requested", "finance_introduction.accepted",
                                                              "finance_introduction.granted"]
    # A deal's party posts a need for the deal; a stranger's deal id is refused naming the field
    deal = introduce_and_accept(gateway, world, 1)
    for_deal = ok(gateway.post("/v1/financing-needs", headers=k["buyer"], json={
        "org_id": orgs["buyer"], "deal_id": deal["id"], "title": "技术引进款融资", "purpose": "支付技术转让价款",
        "amount_cny": "3000000"}), 201)
    assert for_deal["deal_id"] == deal["id"]
    problem(gateway.post("/v1/financing-needs", headers=k["other"], json={
        "org_id": orgs["other"], "deal_id": deal["id"], "title": "x", "purpose": "y", "amount_cny": "1"}), 422, "body.deal_id")
    ok(gateway.post(f"/v1/financing-needs/{for_deal['id']}/withdraw", headers=k["buyer"]))

    # A withdrawn product is no longer proposed nor listed as excluded; only its financier withdraws it
    problem(gateway.post(f"/v1/finance-products/{fund['id']}/withdraw", headers=k["seller"]), 403)
    assert ok(gateway.post(f"/v1/finance-products/{fund['id']}/withdraw", headers=k["bank"]))["status"] == "withdrawn"
    problem(gateway.post(f"/v1/finance-products/{fund['id']}/withdraw", headers=k["bank"]), 409)
    again = ok(gateway.get(f"/v1/financing-needs/{weak['id']}/products", headers=k["seller"]))
    assert fund["id"] not in {x["id"] for x in again["excluded"]} | {x["id"] for x in again["items"]}
    problem(gateway.post(f"/v1/financing-needs/{weak['id']}/withdraw", headers=k["bank"]), 403)
    assert ok(gateway.post(f"/v1/financing-needs/{weak['id']}/withdraw", headers=k["seller"]))["status"] == "withdrawn"
    assert {c["entity"] for c in ok(gateway.get("/v1/changes", params={"after": 0, "limit": 500}, headers=k["admin"]))["items"]} >= \
           {"finance_product", "financing_need", "patent"}
