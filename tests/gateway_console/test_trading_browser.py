"""The trading pages in Debian's Chromium (Playwright) against registry and gateway on loopback ports (matching
unreachable, not needed): an enterprise registers and bids, a rival's bid shows up by polling without a reload;
at 390 px the demands, deal and auction pages have no horizontal scroll. Screenshots go where test_browser.py
puts its own (tmp, or $CONSOLE_SCREENSHOT_DIR)."""
from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.gateway_console.test_browser import CHROMIUM, CHROMIUM_ARGS, _browser_or_skip
from tests.gateway_workflow.conftest import TEST_RULES, cli_create_key
from tests.gateway_workflow.test_end_to_end import DEMAND, TECHNOLOGIES, ok
from tests.support.servers import TEST_SERVICE_TOKEN, free_port, running

PHONE = {"width": 390, "height": 844}
POLL_BOUND_MS = 30_000  # the page polls every 5 s; wait for the condition, at most this long


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    tmp = tmp_path_factory.mktemp("trading-live")
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
    """Organizations and keys, a demand, a deal (for the phone-width check) and an open English auction."""
    def client(key: str) -> httpx.Client:
        return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=60)

    admin = client(admin_key)
    orgs = {name: ok(admin.post("/v1/organizations", json={"name": title, "type": kind}), 201)["id"]
            for name, title, kind in [("buyer", "浙江安居家具制造有限公司", "enterprise"), ("rival", "江苏清源新材料股份有限公司", "enterprise"),
                                      ("seller", "苏州净气环保科技研究院", "research_institute"),
                                      ("broker", "杭州绿桥技术转移服务中心", "intermediary")]}
    keys = {name: ok(admin.post("/v1/keys", json={"role": "broker" if name == "broker" else "enterprise", "org_id": org,
                                                  "name": f"{name} 对接人"}), 201)["key"] for name, org in orgs.items()}
    seller, broker = client(keys["seller"]), client(keys["broker"])
    demand = ok(client(keys["buyer"]).post("/v1/demands", json=DEMAND), 201)
    techs = [ok(seller.post("/v1/technologies", json={k: v for k, v in t.items() if k != "external_ref"}), 201)
             for t in TECHNOLOGIES[:2]]
    eng = ok(broker.post("/v1/engagements", json={"subject_entity": "demand", "subject_id": demand["id"]}), 201)
    entry = ok(broker.post(f"/v1/engagements/{eng['id']}/shortlist", json={"candidate_id": techs[0]["id"]}), 201)
    intro = ok(broker.post(f"/v1/engagements/{eng['id']}/shortlist/{entry['id']}/introduction", json={}), 201)
    deal = ok(seller.post(f"/v1/introductions/{intro['id']}/accept", json={"text": "欢迎来访"}), 201)
    ends = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    auction = ok(seller.post("/v1/auctions", json={
        "technology_id": techs[1]["id"], "reserve_cny": "500000.00", "starting_cny": "400000.00", "increment_cny": "10000.00",
        "deposit_cny": "20000.00", "ends_at": ends, "anti_snipe_minutes": 5}), 201)
    rival = client(keys["rival"])
    ok(rival.post(f"/v1/auctions/{auction['id']}/bidders", json={"deposit_reference": "回单 R-1"}), 201)
    return {"keys": keys, "demand": demand, "deal": deal, "auction": auction, "rival": rival}


def _shots(tmp_path: Path) -> Path:
    shots = Path(os.environ.get("CONSOLE_SCREENSHOT_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    return shots


def _sign_in(page, base: str, key: str, landing: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/console/login")
    page.fill("#key", key)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(landing))


def _page_width(page) -> int:  # type: ignore[no-untyped-def]
    return page.evaluate("document.scrollingElement.scrollWidth")


def test_bid_and_follow_an_auction_live(live: dict, tmp_path: Path) -> None:
    sync_playwright = _browser_or_skip()
    from playwright.sync_api import expect
    shots, base, auction = _shots(tmp_path), live["url"], live["auction"]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
            page.set_default_timeout(60_000)
            _sign_in(page, base, live["keys"]["buyer"], r"/console/trading$")  # an enterprise lands in the hall
            page.click(f"a[href='/console/auctions/{auction['id']}']")
            page.wait_for_url(re.compile(rf"/console/auctions/{auction['id']}$"))
            page.fill("#deposit_reference", "银行回单 20261202-0001")
            page.click("#register-form button[type=submit]")
            page.locator("#bid-form").wait_for()

            page.fill("#amount_cny", "410000")
            page.click("#bid-form button[type=submit]")
            expect(page.locator("#auction-price")).to_contain_text("¥410,000.00")
            assert "浙江安居家具制造有限公司" in page.inner_text("#auction-leader")

            # a rival bids over the API; the open page shows it by polling, without a reload
            page.evaluate("window.__sameDocument = true")
            ok(live["rival"].post(f"/v1/auctions/{auction['id']}/bids", json={"amount_cny": "450000.00"}), 201)
            # (a locator wait, not wait_for_function: the page's CSP forbids the eval that one needs)
            expect(page.locator("#auction-price")).to_contain_text("¥450,000.00", timeout=POLL_BOUND_MS)
            assert page.evaluate("window.__sameDocument === true")
            assert page.locator("#bids tbody tr").count() == 2
            assert "江苏清源新材料股份有限公司" in page.inner_text("#auction-leader")
            page.screenshot(path=str(shots / "console-auction.png"), full_page=True)

            page.set_viewport_size(PHONE)
            page.reload()
            assert _page_width(page) <= PHONE["width"]
            page.screenshot(path=str(shots / "console-auction-390-bidder.png"), full_page=True)
        finally:
            browser.close()


def test_pages_fit_a_390px_screen(live: dict, tmp_path: Path) -> None:
    sync_playwright = _browser_or_skip()
    shots, base = _shots(tmp_path), live["url"]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport=PHONE, locale="zh-CN")
            page.set_default_timeout(60_000)
            _sign_in(page, base, live["keys"]["broker"], r"/console/demands$")
            for name, path in [("demands", "/console/demands"), ("deal", f"/console/deals/{live['deal']['id']}"),
                               ("auction", f"/console/auctions/{live['auction']['id']}"), ("trading", "/console/trading")]:
                page.goto(f"{base}{path}")
                page.screenshot(path=str(shots / f"console-{name}-390.png"), full_page=True)
                assert _page_width(page) <= PHONE["width"], f"{path} is {_page_width(page)} px wide at 390 px"
        finally:
            browser.close()
