"""The promotion catalog in the console, driven in Chromium (Playwright): a broker signs in, opens the published
edition, browses it by domain and reads a withdrawn entry's reason; screenshots at desktop and phone (390 px)
width go to tmp (or $CONSOLE_SCREENSHOT_DIR). Registry and gateway run as real processes on loopback ports."""
from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from tests.gateway_console.test_browser import CHROMIUM, CHROMIUM_ARGS, _browser_or_skip
from tests.gateway_evaluation.conftest import ok, technology
from tests.gateway_workflow.conftest import cli_create_key
from tests.support.servers import TEST_SERVICE_TOKEN, free_port, running, start_service


def test_catalog_pages_in_chromium_at_desktop_and_phone_width(tmp_path: Path) -> None:
    sync_playwright = _browser_or_skip()
    shots = Path(os.environ.get("CONSOLE_SCREENSHOT_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    registry_env = {"REGISTRY_DATA_DIR": str(tmp_path / "registry"), "REGISTRY_SERVICE_TOKEN": TEST_SERVICE_TOKEN,
                    "REGISTRY_DATABASE_URL": f"sqlite:///{tmp_path}/registry.db"}
    with running("registry", "services.registry.app:create_app", registry_env, tmp_path, port=free_port()) as registry:
        gateway_env = {"GATEWAY_DATA_DIR": str(tmp_path / "gateway"), "GATEWAY_DATABASE_URL": f"sqlite:///{tmp_path}/gateway.db",
                       "GATEWAY_SERVICE_TOKEN": TEST_SERVICE_TOKEN, "GATEWAY_REGISTRY_URL": registry.url,
                       "GATEWAY_MATCHING_URL": "http://127.0.0.1:9", "GATEWAY_UPSTREAM_TIMEOUT": "30"}
        admin_key = cli_create_key(gateway_env, "admin", "org_platform_ops", "平台管理员")
        gateway = start_service("gateway", "services.gateway.app:create_app", gateway_env, tmp_path, port=free_port())
        try:
            _run(sync_playwright, gateway.url, gateway_env, admin_key, shots)
        finally:
            gateway.kill()


def _run(sync_playwright, base: str, gateway_env: dict, admin_key: str, shots: Path) -> None:  # type: ignore[no-untyped-def]
    def client(key: str) -> httpx.Client:
        return httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=60)

    admin = client(admin_key)
    owner_org = ok(admin.post("/v1/organizations", json={"name": "清华大学技术转移研究院", "type": "enterprise"}), 201)["id"]
    owner = client(ok(admin.post("/v1/keys", json={"role": "enterprise", "org_id": owner_org, "name": "研究院"}), 201)["key"])
    broker_key = ok(admin.post("/v1/keys", json={"role": "broker", "org_id": "org_broker", "name": "经纪人王工"}), 201)["key"]
    evaluator = client(ok(admin.post("/v1/keys", json={"role": "evaluator", "org_id": "org_eval", "name": "评价专家"}), 201)["key"])
    techs = [ok(owner.post("/v1/technologies", json=technology("空压机余热回收制取生活热水技术")), 201),
             ok(owner.post("/v1/technologies", json=technology("高盐废水分盐结晶零排放技术", domain="pollution_control", subdomain=None)), 201)]
    closes = (datetime.now(UTC) + timedelta(days=10)).isoformat()
    call = ok(admin.post("/v1/catalog/calls", json={"name": "2026 第一批", "description": "先进适用绿色低碳技术", "nominations_close_at": closes}), 201)
    for tech in techs:
        nomination = ok(owner.post(f"/v1/catalog/calls/{call['id']}/nominations", json={"technology_id": tech["id"], "reason": "已规模化应用"}), 201)
        ok(evaluator.post(f"/v1/catalog/nominations/{nomination['id']}/reviews", json={"score": 88, "recommend": True, "comments": "建议入选"}), 201)
    edition = ok(admin.post(f"/v1/catalog/calls/{call['id']}/publish", json={}), 201)
    ok(admin.post(f"/v1/catalog/editions/{edition['id']}/adjustments",
                  json={"name": "2027 年动态调整", "withdrawals": [{"technology_id": techs[1]["id"], "reason": "推广应用不足"}]}))

    # a challenge with one (confidential) entry: the broker's console page shows the challenge, not the entry
    buyer_org = ok(admin.post("/v1/organizations", json={"name": "宁波海蓝节能设备有限公司", "type": "enterprise"}), 201)["id"]
    buyer = client(ok(admin.post("/v1/keys", json={"role": "enterprise", "org_id": buyer_org, "name": "发榜方"}), 201)["key"])
    demand = ok(buyer.post("/v1/demands", json={"title": "空压站余热回收制取生活热水", "domain": "energy_saving",
                                               "description": "6台55kW空压机常年运行，希望回收余热制取浴室热水，替代燃气热水炉。",
                                               "expected_indicators": "出水温度≥50℃，投资回收期≤2年"}), 201)
    challenge = ok(buyer.post("/v1/challenges", json={
        "demand_id": demand["id"], "award_cny": "1000000.00", "deadline": closes, "eligibility": "具备工程实施能力",
        "ip_terms": "成果归揭榜方，发榜方优先实施", "criteria": [{"name": "技术先进性", "weight": 60}, {"name": "经济性", "weight": 40}],
        "evaluator_org_ids": ["org_eval"]}), 201)
    ok(owner.post(f"/v1/challenges/{challenge['id']}/entries", json={
        "technology_ids": [techs[0]["id"]], "solution": "保密方案：油路串接板式换热器", "attachments": [{"title": "保密附件", "reference": "https://x.cn/s.pdf"}]}), 201)

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
            page.set_default_timeout(60_000)
            page.goto(f"{base}/console/catalog")
            page.fill("#key", broker_key)
            page.click("button[type=submit]")
            page.wait_for_url(re.compile(r"/console/catalog$"))
            page.click("#editions >> text=2026 第一批")  # the published edition (the call of the same name is listed too)
            page.wait_for_url(re.compile(rf"/console/catalog/{edition['id']}$"))
            assert page.locator(".catalog-entry").count() == 2
            assert "推广应用不足" in page.locator(".catalog-entry.withdrawn").inner_text()
            page.screenshot(path=str(shots / "console-catalog.png"), full_page=True)

            page.click(f".catalog-domains a[href$='domain={techs[0]['domain']}']")  # browse by domain
            page.wait_for_url(re.compile(r"domain="))
            assert page.locator(".catalog-entry").count() == 1
            assert "空压机余热回收" in page.locator(".catalog-entry").inner_text()

            phone = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)
            phone.context.add_cookies(page.context.cookies())
            phone.goto(f"{base}/console/catalog/{edition['id']}")
            assert phone.locator(".catalog-entry").count() == 2
            width = phone.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, f"the catalog page scrolls sideways at phone width ({width}px)"
            phone.screenshot(path=str(shots / "console-catalog-390.png"), full_page=True)

            phone.goto(f"{base}/console/challenges")
            phone.click("text=空压站余热回收制取生活热水")
            phone.wait_for_url(re.compile(rf"/console/challenges/{challenge['id']}$"))
            text = phone.locator("main").inner_text()
            assert "¥1,000,000.00" in text and "技术先进性（权重 60" in text
            assert "保密方案" not in text and "保密附件" not in text  # entries stay with the owner and the jury
            assert phone.evaluate("document.documentElement.scrollWidth") <= 390
            phone.screenshot(path=str(shots / "console-challenge-390.png"), full_page=True)
        finally:
            browser.close()
