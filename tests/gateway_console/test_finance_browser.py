"""Issue #12's finance and infringement pages in Debian's Chromium (Playwright) against registry and gateway on
loopback ports (matching unreachable, not needed): an enterprise posts a financing need for its technology and sees
the proposed products with bands and the excluded ones with reasons; a broker introduces the need to the bank;
the bank sees it; an authority key records an infringement decision and the accused answers. At 390 px the need
page has no horizontal scroll. Screenshots go where test_browser.py puts its own (tmp, or $CONSOLE_SCREENSHOT_DIR)."""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from shared.identifiers import patent_check_digit
from tests.gateway_console.test_browser import CHROMIUM, CHROMIUM_ARGS, _browser_or_skip
from tests.gateway_console.test_trading_browser import PHONE, _page_width, _shots, _sign_in
from tests.gateway_workflow.conftest import TEST_RULES, cli_create_key
from tests.gateway_workflow.test_end_to_end import TECHNOLOGIES, ok
from tests.support.servers import TEST_SERVICE_TOKEN, free_port, running


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    tmp = tmp_path_factory.mktemp("finance-live")
    registry_env = {"REGISTRY_DATA_DIR": str(tmp / "registry"), "REGISTRY_SERVICE_TOKEN": TEST_SERVICE_TOKEN,
                    "REGISTRY_DATABASE_URL": f"sqlite:///{tmp}/registry.db"}
    with running("registry", "services.registry.app:create_app", registry_env, tmp, port=free_port()) as registry:
        env = {"GATEWAY_DATA_DIR": str(tmp / "gateway"), "GATEWAY_DATABASE_URL": f"sqlite:///{tmp}/gateway.db",
               "GATEWAY_SERVICE_TOKEN": TEST_SERVICE_TOKEN, "GATEWAY_REGISTRY_URL": registry.url,
               "GATEWAY_MATCHING_URL": "http://127.0.0.1:9", "GATEWAY_UPSTREAM_TIMEOUT": "10",
               "GATEWAY_COMMISSION_RULES": json.dumps(TEST_RULES), "GATEWAY_WORKFLOW_WORKERS": "false"}
        admin_key = cli_create_key(env, "admin", "org_platform_ops", "平台管理员")
        with running("gateway", "services.gateway.app:create_app", env, tmp, port=free_port()) as gateway:
            yield {"url": gateway.url, **_seed(gateway.url, admin_key)}


def _seed(url: str, admin_key: str) -> dict:
    """Seller (research institute) with a technology and a granted patent, a bank with two products, a broker,
    an accused enterprise and an IP office with an authority key."""
    def client(key: str) -> httpx.Client:
        return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=60)

    admin = client(admin_key)
    orgs = {name: ok(admin.post("/v1/organizations", json={"name": title, "type": kind, "region": "320500"}), 201)["id"]
            for name, title, kind in [("seller", "苏州净气环保科技研究院", "research_institute"), ("bank", "苏州绿色发展银行", "financial_institution"),
                                      ("broker", "杭州绿桥技术转移服务中心", "intermediary"), ("accused", "昆山某环保设备有限公司", "enterprise"),
                                      ("office", "苏州市知识产权局", "government")]}
    roles = {"broker": "broker", "office": "authority"}
    keys = {name: ok(admin.post("/v1/keys", json={"role": roles.get(name, "enterprise"), "org_id": org, "name": f"{name} 对接人"}), 201)["key"]
            for name, org in orgs.items()}
    seller, bank = client(keys["seller"]), client(keys["bank"])
    tech = ok(seller.post("/v1/technologies", json={k: v for k, v in TECHNOLOGIES[0].items() if k != "external_ref"}), 201)
    digits = "202210000888"
    patent = ok(seller.post("/v1/patents", json={
        "application_number": f"CN{digits}.{patent_check_digit(digits)}", "title": "一种沸石转轮吸附浓缩装置", "status": "granted",
        "filing_date": "2022-01-05", "grant_date": "2023-02-06", "applicants": [{"name": "苏州净气环保科技研究院", "org_id": orgs["seller"]}],
        "ipc_codes": ["B01D 53/04"], "technology_ids": [tech["id"]]}), 201)
    pledge = ok(bank.post("/v1/finance-products", json={
        "org_id": orgs["bank"], "name": "VOCs治理专利质押贷", "product_type": "ip_pledge_loan",
        "description": "面向VOCs废气治理企业，以沸石转轮等授权发明专利质押的产线扩产贷款",
        "rules": {"domains": [tech["domain"]], "patents_required": 1, "amount_min_cny": "500000", "amount_max_cny": "20000000"}}), 201)
    insurance = ok(bank.post("/v1/finance-products", json={
        "org_id": orgs["bank"], "name": "首台（套）重大技术装备保险", "product_type": "first_set_insurance",
        "rules": {"stages": ["industrialization"], "min_trl": 8}}), 201)
    return {"keys": keys, "orgs": orgs, "tech": tech, "patent": patent, "pledge": pledge, "insurance": insurance}


def test_need_introduction_and_infringement_in_chromium(live: dict, tmp_path: Path) -> None:
    sync_playwright = _browser_or_skip()
    from playwright.sync_api import expect
    shots, base, keys = _shots(tmp_path), live["url"], live["keys"]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            def session(key: str, landing: str):  # type: ignore[no-untyped-def]
                context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
                page = context.new_page()
                page.set_default_timeout(30_000)
                _sign_in(page, base, key, landing)
                return page

            # 1. the enterprise posts a financing need for its technology
            seller = session(keys["seller"], r"/console/trading$")
            seller.click("a[href='/console/finance/needs']")
            seller.click("#new-need")
            seller.select_option("#technology_id", live["tech"]["id"])
            seller.fill("#title", "沸石转轮装置产线扩产融资")
            seller.fill("#purpose", "VOCs废气治理沸石转轮吸附浓缩装置产线扩产，以授权发明专利质押申请贷款")
            seller.fill("#amount_cny", "5000000")
            seller.select_option("#stage", "pilot")
            seller.fill("#trl", "6")
            seller.check(f"input[name=collateral_patent_ids][value='{live['patent']['id']}']")
            seller.click("#need-form button[type=submit]")
            expect(seller.locator("#need-title")).to_have_text("沸石转轮装置产线扩产融资")
            need_url = seller.url
            # 2. proposed products with their band, the excluded one with each broken rule
            proposed = seller.locator(f"#matches [data-id='{live['pledge']['id']}']")
            expect(proposed.locator(".badge")).to_have_count(1)
            assert proposed.get_attribute("data-strength") in ("strong", "possible", "weak")
            excluded = seller.locator(f"#excluded [data-id='{live['insurance']['id']}']")
            expect(excluded.locator("li[data-rule='stages']")).to_contain_text("产业化")
            expect(excluded.locator("li[data-rule='min_trl']")).to_contain_text("TRL≥8")
            seller.screenshot(path=str(shots / "console-finance-need.png"), full_page=True)
            seller.set_viewport_size(PHONE)
            seller.reload()
            assert _page_width(seller) <= PHONE["width"]
            seller.screenshot(path=str(shots / "console-finance-need-390.png"), full_page=True)

            # 3. the broker introduces the need to the bank's product
            broker = session(keys["broker"], r"/console/demands$")
            broker.goto(need_url)
            broker.select_option("#product_id", live["pledge"]["id"])
            broker.fill("#note", "企业已备齐专利权属证明")
            broker.click("#introduce-form button[type=submit]")
            expect(broker.locator("#introductions ~ .table-wrap tr[data-status='requested']")).to_have_count(1)

            # 4. the bank sees it on its product page and accepts; the enterprise sees the answer
            bank = session(keys["bank"], r"/console/trading$")
            bank.goto(f"{base}/console/finance/products")
            bank.click(f"a[href='/console/finance/products/{live['pledge']['id']}']")
            row = bank.locator("tr[data-status='requested']")
            expect(row).to_contain_text("企业已备齐专利权属证明")
            row.locator("button[data-action='accept']").click()
            expect(bank.locator("tr[data-status='accepted']")).to_have_count(1)
            bank.screenshot(path=str(shots / "console-finance-product.png"), full_page=True)
            seller.goto(need_url)
            expect(seller.locator("tr[data-status='accepted']")).to_contain_text("已受理")

            # 5. the authority records an infringement decision; the accused answers it
            office = session(keys["office"], r"/console/infringements$")
            office.click("#new-record")
            for field, value in {"#decision_reference": "苏知执字〔2026〕21号", "#authority": "苏州市知识产权局", "#decided_on": "2026-10-20",
                                 "#patent_id": live["patent"]["id"], "#accused_org_id": live["orgs"]["accused"],
                                 "#claimant_name": "苏州净气环保科技研究院", "#summary": "未经许可制造、销售落入专利权保护范围的沸石转轮装置"}.items():
                office.fill(field, value)
            office.click("#record-form button[type=submit]")
            expect(office.locator("#record-title")).to_have_text("苏知执字〔2026〕21号")
            record_url = office.url
            accused = session(keys["accused"], r"/console/trading$")
            accused.goto(f"{base}/console/infringements")
            accused.click(f"a[href='{record_url.removeprefix(base)}']")
            accused.fill("#text", "我司已停止销售，并与权利人协商许可")
            accused.click("#answer-form button[type=submit]")
            expect(accused.locator("#record-status")).to_have_text("已答复")
            expect(accused.locator("#entries li[data-kind='answer']")).to_contain_text("协商许可")
            accused.set_viewport_size(PHONE)
            accused.reload()
            assert _page_width(accused) <= PHONE["width"]
            accused.screenshot(path=str(shots / "console-infringement-390.png"), full_page=True)
        finally:
            browser.close()
