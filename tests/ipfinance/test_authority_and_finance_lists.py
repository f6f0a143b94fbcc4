"""Issue #12, the remaining part: the `authority` role from the other side, the list of financing needs and of
finance introductions with their visibility rules, withdrawn products, and the strength band of finance matches."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from services.gateway.finance import eligibility
from tests.gateway_workflow.test_end_to_end import TECHNOLOGIES
from tests.ipfinance.conftest import _key, number, ok, problem


@pytest.fixture(scope="module")
def fin(gateway: TestClient, world: dict) -> dict:
    """An IP office (authority key), a second bank, a patent of the seller, products of both banks, needs of two orgs."""
    k, orgs = world["keys"], world["orgs"]
    admin = k["admin"]
    office = ok(gateway.post("/v1/organizations", headers=admin, json={"name": "江苏省知识产权局", "type": "government",
                                                                     "region": "320000"}), 201)["id"]
    bank2 = ok(gateway.post("/v1/organizations", headers=admin, json={"name": "绿色农商银行", "type": "financial_institution",
                                                                    "region": "320000"}), 201)["id"]
    keys = {"office": _key(gateway, admin, "authority", office), "bank2": _key(gateway, admin, "enterprise", bank2)}
    tech = world["techs"][0]
    patent = ok(gateway.post("/v1/patents", headers=k["seller"], json={
        "application_number": number("202110000301"), "title": "沸石转轮吸附浓缩装置", "status": "granted",
        "filing_date": "2021-01-01", "grant_date": "2022-01-01", "applicants": [{"name": "江南大学环境学院", "org_id": orgs["seller"]}],
        "ipc_codes": ["B01D 53/04"], "technology_ids": [tech["id"]]}), 201)
    pledge = ok(gateway.post("/v1/finance-products", headers=k["bank"], json={
        "org_id": orgs["bank"], "name": "VOCs治理专利质押贷", "product_type": "ip_pledge_loan",
        "description": "面向VOCs废气治理企业的专利权质押贷款，支持沸石转轮吸附浓缩装置产线扩产",
        "rules": {"domains": ["pollution_control"], "amount_min_cny": "500000", "amount_max_cny": "20000000", "patents_required": 1},
        "terms": {"text": "按季付息"}}), 201)
    generic = ok(gateway.post("/v1/finance-products", headers=k["bank"], json={
        "org_id": orgs["bank"], "name": "普惠经营贷", "product_type": "equity_fund", "description": "小微企业流动资金"}), 201)
    withdrawn = ok(gateway.post("/v1/finance-products", headers=keys["bank2"], json={
        "org_id": bank2, "name": "农商行试点产品（已撤回）", "product_type": "green_credit"}), 201)
    ok(gateway.post(f"/v1/finance-products/{withdrawn['id']}/withdraw", headers=keys["bank2"]))
    need = ok(gateway.post("/v1/financing-needs", headers=k["seller"], json={
        "org_id": orgs["seller"], "technology_id": tech["id"], "title": "VOCs废气治理装备产线扩产融资",
        "purpose": "沸石转轮吸附浓缩装置产线扩产，以专利权质押申请贷款", "amount_cny": "5000000", "stage": "industrialization",
        "trl": 8, "collateral_patent_ids": [patent["id"]]}), 201)
    buyer_need = ok(gateway.post("/v1/financing-needs", headers=k["buyer"], json={
        "org_id": orgs["buyer"], "title": "印染废水回用改造融资", "purpose": "购置膜处理设备", "amount_cny": "1200000"}), 201)
    closed = ok(gateway.post("/v1/financing-needs", headers=k["buyer"], json={
        "org_id": orgs["buyer"], "title": "已撤回的融资需求", "purpose": "测试", "amount_cny": "100000"}), 201)
    ok(gateway.post(f"/v1/financing-needs/{closed['id']}/withdraw", headers=k["buyer"]))
    return {"keys": {**k, **keys}, "orgs": {**orgs, "office": office, "bank2": bank2}, "patent": patent, "pledge": pledge,
            "generic": generic, "withdrawn": withdrawn, "need": need, "buyer_need": buyer_need, "closed": closed}


def _record(gateway: TestClient, fin: dict, who: str, ref: str) -> dict:
    return gateway.post("/v1/infringements", headers=fin["keys"][who], json={
        "decision_reference": ref, "authority": "江苏省知识产权局", "decided_on": "2026-09-01", "patent_id": fin["patent"]["id"],
        "accused_org_id": fin["orgs"]["other"], "claimant_org_id": fin["orgs"]["seller"], "claimant_name": "江南大学环境学院",
        "summary": "未经许可制造、销售沸石转轮装置"})


def test_authority_records_and_corrects_its_own_records_and_nothing_else(gateway: TestClient, world: dict, fin: dict) -> None:
    k = fin["keys"]
    record = ok(_record(gateway, fin, "office", "苏知执字〔2026〕7号"), 201)
    assert record["history"][0]["actor_org_id"] == fin["orgs"]["office"]
    problem(_record(gateway, fin, "other", "伪造文号"), 403)  # an enterprise cannot record one, not even against another
    problem(_record(gateway, fin, "broker", "伪造文号"), 403)
    # the accused answers; the authority corrects its own record; it cannot answer for the accused
    ok(gateway.post(f"/v1/infringements/{record['id']}/entries", headers=k["other"], json={"kind": "answer", "text": "已停止销售"}))
    problem(gateway.post(f"/v1/infringements/{record['id']}/entries", headers=k["office"], json={"kind": "answer", "text": "代答"}), 403)
    fixed = ok(gateway.post(f"/v1/infringements/{record['id']}/entries", headers=k["office"],
                            json={"kind": "correction", "text": "文号笔误", "changes": {"decision_reference": "苏知执字〔2026〕8号"}}))
    assert fixed["decision_reference"] == "苏知执字〔2026〕8号" and fixed["history"][-1]["actor_org_id"] == fin["orgs"]["office"]
    # an admin's record: the authority reads it but may not correct or decide it
    admins = ok(_record(gateway, fin, "admin", "苏知执字〔2026〕9号"), 201)
    ok(gateway.get(f"/v1/infringements/{admins['id']}", headers=k["office"]))
    problem(gateway.post(f"/v1/infringements/{admins['id']}/entries", headers=k["office"],
                         json={"kind": "correction", "text": "x", "changes": {"summary": "改"}}), 403)
    profile = ok(gateway.get(f"/v1/organizations/{fin['orgs']['other']}/infringements", headers=k["office"]))
    assert {r["id"] for r in profile["items"]} >= {record["id"], admins["id"]}
    # everything else is refused
    tech = world["techs"][0]
    body = {key: v for key, v in TECHNOLOGIES[0].items() if key != "external_ref"}
    problem(gateway.post("/v1/technologies", headers=k["office"], json=body), 403)
    assert gateway.get(f"/v1/technologies/{tech['id']}", headers=k["office"]).status_code in (403, 404)
    for method, path in [("GET", "/v1/technologies"), ("GET", "/v1/financing-needs"), ("GET", "/v1/finance-introductions"),
                         ("GET", "/v1/finance/stats"), ("GET", "/v1/audit"), ("GET", "/v1/keys"), ("GET", "/v1/infringements/export")]:
        assert gateway.request(method, path, headers=k["office"]).status_code == 403, path
    problem(gateway.get(f"/v1/financing-needs/{fin['need']['id']}", headers=k["office"]), 404)
    audit = ok(gateway.get("/v1/audit", params={"entity": "infringement", "entity_id": record["id"]}, headers=k["admin"]))
    assert {e["action"] for e in audit["items"]} == {"infringement.recorded", "infringement.answer", "infringement.correction"}
    keys = ok(gateway.get("/v1/keys", params={"role": "authority"}, headers=k["admin"]))
    assert [x["org_id"] for x in keys["items"]] == [fin["orgs"]["office"]]


def test_financing_needs_list_follows_the_read_rule(gateway: TestClient, fin: dict) -> None:
    k, need, buyer_need, closed = fin["keys"], fin["need"], fin["buyer_need"], fin["closed"]

    def ids(who: str, **params) -> set[str]:
        return {n["id"] for n in ok(gateway.get("/v1/financing-needs", headers=k[who], params={"limit": 500, **params}))["items"]}

    assert ids("seller") >= {need["id"]} and not ids("seller") & {buyer_need["id"], closed["id"]}
    assert ids("buyer") >= {buyer_need["id"], closed["id"]} and need["id"] not in ids("buyer")
    assert ids("buyer", org_id=fin["orgs"]["seller"]) == set()  # asking for another org's needs: nothing readable
    assert ids("other") == set()
    # a financier: others' open needs (not withdrawn ones); brokers and admins: all
    assert {need["id"], buyer_need["id"]} <= ids("bank2") and closed["id"] not in ids("bank2")
    problem(gateway.get(f"/v1/financing-needs/{closed['id']}", headers=k["bank2"]), 404)
    assert {need["id"], buyer_need["id"], closed["id"]} <= ids("broker")
    assert ids("admin", status="withdrawn") >= {closed["id"]} and need["id"] not in ids("admin", status="withdrawn")
    problem(gateway.get("/v1/financing-needs", headers=k["seller"], params={"status": "bogus"}), 422, "query.status")
    # pagination with the rule applied: pages of one, no repeats, the same set
    seen, cursor = [], None
    for _ in range(20):
        page = ok(gateway.get("/v1/financing-needs", headers=k["bank2"], params={"limit": 1, "cursor": cursor}))
        seen += [n["id"] for n in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) and set(seen) == ids("bank2")


def test_withdrawn_products_are_seen_only_by_their_financier(gateway: TestClient, fin: dict) -> None:
    k, w = fin["keys"], fin["withdrawn"]
    problem(gateway.get(f"/v1/finance-products/{w['id']}", headers=k["bank"]), 404)  # another institution
    problem(gateway.get(f"/v1/finance-products/{w['id']}", headers=k["seller"]), 404)
    assert ok(gateway.get(f"/v1/finance-products/{w['id']}", headers=k["bank2"]))["status"] == "withdrawn"
    ok(gateway.get(f"/v1/finance-products/{w['id']}", headers=k["broker"]))
    for who in ("bank", "seller"):
        listed = ok(gateway.get("/v1/finance-products", headers=k[who], params={"limit": 500}))["items"]
        assert w["id"] not in {p["id"] for p in listed} and all(p["status"] == "active" for p in listed)
        assert ok(gateway.get("/v1/finance-products", headers=k[who], params={"status": "withdrawn"}))["items"] == []
    own = ok(gateway.get("/v1/finance-products", headers=k["bank2"], params={"org_id": fin["orgs"]["bank2"], "status": "withdrawn"}))
    assert [p["id"] for p in own["items"]] == [w["id"]]


def test_matches_carry_a_score_and_band_ordered_by_it(gateway: TestClient, fin: dict) -> None:
    k = fin["keys"]
    match = ok(gateway.get(f"/v1/financing-needs/{fin['need']['id']}/products", headers=k["seller"]))
    by_id = {m["id"]: m for m in match["items"]}
    top = by_id[fin["pledge"]["id"]]
    assert top["strength"] == "strong" and top["explanation"]["soft_criteria"] == {
        "domain_targeted": True, "stage_targeted": False, "amount_in_range": True, "type_suits_need": True}
    generic = by_id[fin["generic"]["id"]]  # eligible (no rules) but nothing targeted and a fund for a late stage
    assert generic["strength"] == "weak" and not any(generic["explanation"]["soft_criteria"].values())
    scores = [m["score"] for m in match["items"]]
    assert scores == sorted(scores, reverse=True) and all(0 <= s <= 1 for s in scores)
    assert match["items"][0]["id"] == top["id"]
    back = ok(gateway.get(f"/v1/finance-products/{fin['pledge']['id']}/needs", headers=k["bank"]))
    mine = next(m for m in back["items"] if m["id"] == fin["need"]["id"])
    assert mine["score"] == top["score"] and mine["strength"] == "strong"


def test_strength_rule_bounds() -> None:
    none = dict.fromkeys(eligibility.SOFT_CRITERIA, False)
    every = dict.fromkeys(eligibility.SOFT_CRITERIA, True)
    assert eligibility.strength(0.0, none) == (0.0, "weak")
    assert eligibility.strength(1.0, every) == (1.0, "strong")
    assert eligibility.strength(0.05, every)[1] == "possible"  # soft criteria alone never make it strong
    assert eligibility.strength(0.30, none) == (0.5, "possible")


def test_introductions_list_shows_each_party_its_own(gateway: TestClient, fin: dict) -> None:
    k = fin["keys"]
    intro = ok(gateway.post(f"/v1/financing-needs/{fin['need']['id']}/introductions", headers=k["broker"],
                            json={"product_id": fin["pledge"]["id"], "note": "经纪人推荐"}), 201)
    for who in ("broker", "seller", "bank", "admin"):
        items = ok(gateway.get("/v1/finance-introductions", headers=k[who], params={"need_id": fin["need"]["id"]}))["items"]
        assert intro["id"] in {i["id"] for i in items}, who
    for who in ("bank2", "buyer"):
        assert ok(gateway.get("/v1/finance-introductions", headers=k[who]))["items"] == []
    # the financier it was introduced to still reads the need once it is no longer open
    ok(gateway.post(f"/v1/finance-introductions/{intro['id']}/accept", headers=k["bank"]))
    ok(gateway.post(f"/v1/finance-introductions/{intro['id']}/grant", headers=k["bank"], json={"amount_cny": "4000000"}))
    assert ok(gateway.get(f"/v1/financing-needs/{fin['need']['id']}", headers=k["bank"]))["status"] == "funded"
    problem(gateway.get(f"/v1/financing-needs/{fin['need']['id']}", headers=k["bank2"]), 404)
