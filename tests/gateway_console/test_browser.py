"""The console in a real browser (Debian's Chromium via Playwright) against registry, matching and gateway
running on loopback ports: sign in, open a demand, start matching, shortlist, ask for an introduction; the
owner accepts over the API; the broker sees the deal and moves it to 洽谈. Screenshots go to tmp (or to
$CONSOLE_SCREENSHOT_DIR) so a person can look at them."""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from tests.gateway_workflow.conftest import Platform, platform  # noqa: F401 - the fixture, reused
from tests.gateway_workflow.test_end_to_end import DEMAND, TECHNOLOGIES, ok

pytestmark = pytest.mark.model

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]


def _browser_or_skip():  # type: ignore[no-untyped-def]
    missing = None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing = "the playwright package is not installed (pip install 'playwright>=1.45')"
    if missing is None and not shutil.which(CHROMIUM):
        missing = f"{CHROMIUM} is missing (apt-get install chromium)"
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"browser test cannot run in CI: {missing}")
        pytest.skip(missing)
    return sync_playwright


def test_broker_works_a_demand_in_the_browser(platform: Platform, tmp_path: Path) -> None:  # noqa: F811
    sync_playwright = _browser_or_skip()
    shots = Path(os.environ.get("CONSOLE_SCREENSHOT_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)

    admin = platform.client(platform.admin_key)
    orgs = {name: ok(admin.post("/v1/organizations", json={"name": title, "type": kind}), 201)["id"]
            for name, title, kind in [("buyer", "浙江安居家具制造有限公司", "enterprise"),
                                      ("seller", "苏州净气环保科技研究院", "research_institute"),
                                      ("broker", "杭州绿桥技术转移服务中心", "intermediary")]}

    def key(role: str, org: str, name: str) -> str:
        return ok(admin.post("/v1/keys", json={"role": role, "org_id": org, "name": name}), 201)["key"]

    broker_key = key("broker", orgs["broker"], "经纪人王工")
    buyer, seller = platform.client(key("enterprise", orgs["buyer"], "家具厂")), platform.client(key("enterprise", orgs["seller"], "研究院"))
    demand = ok(buyer.post("/v1/demands", json=DEMAND), 201)
    techs = [ok(seller.post("/v1/technologies", json={k: v for k, v in t.items() if k != "external_ref"}), 201)
             for t in TECHNOLOGIES]
    # matching has indexed everything once it answers with min_seq at the last write
    ok(platform.client(broker_key).post(f"/v1/demands/{demand['id']}/technologies",
                                        json={"k": 3, "min_seq": max(t["seq"] for t in techs)}))
    rto = techs[0]

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
            page.set_default_timeout(60_000)
            base = platform.gateway.url

            # sign in (the console sends us to the sign-in page first)
            page.goto(f"{base}/console/demands")
            assert "/console/login" in page.url
            page.fill("#key", broker_key)
            page.click("button[type=submit]")
            page.wait_for_url(re.compile(r"/console/demands$"))
            cookie = next(c for c in page.context.cookies() if c["name"] == "gt_console_key")
            assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
            assert page.evaluate("document.cookie") == ""  # invisible to scripts
            page.screenshot(path=str(shots / "console-demands.png"), full_page=True)

            # the demand, then 开始撮合
            page.click(f"text={DEMAND['title']}")
            page.wait_for_url(re.compile(rf"/console/demands/{demand['id']}$"))
            page.click("#start-matching")
            page.wait_for_url(re.compile(r"/console/engagements/eng_"))

            # explained candidates: the RTO technology first, strong, with shared terms highlighted
            first = page.locator("article.candidate").first
            assert first.get_attribute("id") == f"cand-{rto['id']}"
            assert first.get_attribute("data-strength") == "strong"
            assert first.locator(".badge").inner_text() == "强"
            assert first.locator(".terms mark.term").count() >= 1
            assert first.locator("h3 mark").count() >= 1  # shared terms marked inside the title
            assert first.locator("meter").count() >= 2  # dense and lexical component bars
            fit = first.locator("ul.fit").inner_text()  # fit lines name fields in Chinese (issue #10)
            assert "领域：" in fit and not re.search(r"\b(domain|region|transfer_modes|trl|price|budget):", fit), fit
            page.screenshot(path=str(shots / "console-engagement.png"), full_page=True)

            # shortlist with a note, then ask for an introduction
            first.locator("input[name=note]").fill("家具行业有案例，报价在预算内")
            first.locator("button[type=submit]").click()
            entry = page.locator(f"article.entry[data-candidate='{rto['id']}']")
            entry.wait_for()
            assert "家具行业有案例" in entry.inner_text()
            entry.locator("textarea[name=message]").fill("您好，我们服务的家具企业希望洽谈技术许可。")
            entry.locator("button[type=submit]").click()
            page.locator(f"article.entry[data-candidate='{rto['id']}'] .status-requested").wait_for()

            # the technology's owner accepts over the API
            intro = ok(seller.get("/v1/introductions", params={"status": "requested"}))["items"][0]
            assert intro["technology_id"] == rto["id"]
            ok(seller.post(f"/v1/introductions/{intro['id']}/accept", json={"text": "欢迎来访交流"}), 201)

            # back in the browser: accepted, the deal at 意向, move it to 洽谈
            page.reload()
            entry = page.locator(f"article.entry[data-candidate='{rto['id']}']")
            assert "已接受" in entry.locator(".intro").inner_text()
            page.screenshot(path=str(shots / "console-introduction-accepted.png"))
            entry.locator("text=查看交易").click()
            page.wait_for_url(re.compile(r"/console/deals/deal_"))
            assert page.inner_text("#deal-stage") == "意向"
            page.select_option("#to_stage", "negotiation")
            page.fill("#note", "双方已完成首次技术交流")
            page.click("#transition-form button[type=submit]")
            page.wait_for_function("document.getElementById('deal-stage').textContent === '洽谈'")
            history = page.inner_text("table.list")
            assert "意向 → 洽谈" in history and "杭州绿桥技术转移服务中心" in history and "双方已完成首次技术交流" in history
            page.screenshot(path=str(shots / "console-deal.png"), full_page=True)

            # readable message next to the field: signing without an amount
            page.select_option("#to_stage", "signed")
            page.click("#transition-form button[type=submit]")
            error = page.locator(".field-error[data-field=contract_amount_cny]")
            error.wait_for()
            assert error.inner_text()
            page.screenshot(path=str(shots / "console-deal-error.png"), full_page=True)
        finally:
            browser.close()
