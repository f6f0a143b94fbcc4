"""The evaluation, catalog and challenge flows driven through the console in Debian's Chromium (Playwright), each
role in its own browser context signed in with its own key (issue #10):

- evaluation: the owner requests → the evaluator accepts and records → the score is on the technology; the owner
  responds; the evaluator withdraws it; an evaluator of the owner's own organization is refused (conflict of
  interest, in Chinese);
- catalog: the admin opens the call → the owner nominates → the evaluator reviews → the admin publishes → the entry
  is in the edition → the admin withdraws it in a later adjustment with a reason, which everyone sees;
- challenge: a broker opens a needs campaign (征集) → the owner submits its need → publishes it as a challenge from
  the campaign → matching proposes solvers and they are notified → a solver enters → (deadline passes) the
  appointed evaluator scores → the owner awards → the deal is visible to the owner and on the admin's deal page;
- every page touched, at 390 px: no horizontal overflow.

Registry and matching run as processes on loopback ports (matching follows the registry's feed); the gateway is
served over HTTP by uvicorn in a thread of this process so the test can move its clock past the challenge deadline
(no sleeping). API calls are set-up only (organizations, keys, records, waiting for matching to index). Screenshots
go to tmp (or $CONSOLE_SCREENSHOT_DIR), as in the other browser tests."""
from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.gateway.auth.roles import Role
from services.gateway.trading_common.clock import ManualClock
from tests.gateway.conftest import issue_key
from tests.gateway_console.test_browser import CHROMIUM, CHROMIUM_ARGS, _browser_or_skip
from tests.gateway_evaluation.conftest import ok, technology
from tests.support.servers import TEST_SERVICE_TOKEN, free_port, running

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
EVALUATOR_ORG = "org_eval_cnis"


class _AppRef:
    """What issue_key needs of a TestClient: `.app.state.engine`."""

    def __init__(self, app: Any) -> None:
        self.app = app


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    tmp = tmp_path_factory.mktemp("console-flows")
    registry_env = {"REGISTRY_DATA_DIR": str(tmp / "registry"), "REGISTRY_SERVICE_TOKEN": TEST_SERVICE_TOKEN,
                    "REGISTRY_DATABASE_URL": f"sqlite:///{tmp}/registry.db"}
    with running("registry", "services.registry.app:create_app", registry_env, tmp, port=free_port()) as registry:
        matching_env = {"MATCHING_DATA_DIR": str(tmp / "matching"), "MATCHING_SERVICE_TOKEN": TEST_SERVICE_TOKEN,
                        "MATCHING_REGISTRY_URL": registry.url, "MATCHING_POLL_INTERVAL": "0.2", "MATCHING_CATCH_UP_WAIT": "20"}
        with running("matching", "services.matching.app:create_app", matching_env, tmp, port=free_port(), timeout=300) as matching:
            yield from _gateway(tmp, registry.url, matching.url)


def _gateway(tmp: Path, registry_url: str, matching_url: str) -> Iterator[dict]:
    import uvicorn

    from services.gateway.app import create_app
    from services.gateway.settings import GatewaySettings

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GATEWAY_WORKFLOW_WORKERS", "false")
        settings = GatewaySettings(data_dir=tmp / "gateway", service_token=TEST_SERVICE_TOKEN, registry_url=registry_url,
                                   matching_url=matching_url, upstream_timeout=30)
        app = create_app(settings)
        clock = ManualClock(datetime.now(UTC).replace(microsecond=0))
        app.state.trading_clock = clock
        port = free_port()
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, name="gateway", daemon=True)
        thread.start()
        deadline = time.monotonic() + 60
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "gateway did not start"
            time.sleep(0.05)
        try:
            yield {"url": f"http://127.0.0.1:{port}", "clock": clock, **_seed(f"http://127.0.0.1:{port}", _AppRef(app))}
        finally:
            server.should_exit = True
            thread.join(timeout=30)


def _seed(url: str, app: _AppRef) -> dict:
    admin_key = issue_key(app, Role.admin, "org_platform_ops", name="平台管理员")  # type: ignore[arg-type]

    def client(key: str) -> httpx.Client:
        return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=60)

    admin = client(admin_key)
    orgs = {name: ok(admin.post("/v1/organizations", json={"name": title, "type": "enterprise"}), 201)["id"]
            for name, title in (("owner", "清华大学技术转移研究院"), ("buyer", "宁波海蓝节能设备有限公司"),
                                ("solver", "苏州净气环保科技研究院"))}

    def key(role: str, org: str, name: str) -> str:
        return ok(admin.post("/v1/keys", json={"role": role, "org_id": org, "name": name}), 201)["key"]

    keys = {"admin": admin_key, "broker": key("broker", "org_broker_green", "经纪人王工"),
            "owner": key("enterprise", orgs["owner"], "研究院成果转化办"),
            "buyer": key("enterprise", orgs["buyer"], "海蓝设备技术部"), "solver": key("enterprise", orgs["solver"], "净气研究院"),
            "evaluator": key("evaluator", EVALUATOR_ORG, "评价中心李工"),
            "conflicted": key("evaluator", orgs["owner"], "研究院评价部")}  # the owner's own evaluation department
    techs = {"owner": ok(client(keys["owner"]).post("/v1/technologies", json=technology("空压机余热回收制取生活热水技术")), 201),
             "solver": ok(client(keys["solver"]).post("/v1/technologies", json=technology("油路串接板式换热余热回收装置")), 201)}
    assert all(t["status"] == "published" for t in techs.values()), techs
    demand = ok(client(keys["buyer"]).post("/v1/demands", json={
        "title": "空压站余热回收制取浴室热水", "domain": "energy_saving",
        "description": "6台55kW空压机常年运行，希望回收余热制取浴室热水，替代燃气热水炉。",
        "expected_indicators": "出水温度≥50℃，投资回收期≤2年"}), 201)
    # matching has indexed both technologies and the need once it answers with min_seq at the last write
    ok(admin.post(f"/v1/demands/{demand['id']}/technologies",
                  json={"k": 3, "min_seq": max(r["seq"] for r in (*techs.values(), demand))}))
    return {"keys": keys, "orgs": orgs, "techs": techs, "demand": demand}


def _shots(tmp_path: Path) -> Path:
    shots = Path(os.environ.get("CONSOLE_SCREENSHOT_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    return shots


def _signed_in(browser, base: str, key: str, start: str, viewport: dict = DESKTOP):  # type: ignore[no-untyped-def]
    """A fresh context (own cookies) signed in through the login form, on `start`."""
    page = browser.new_context(viewport=viewport, locale="zh-CN", is_mobile=viewport is PHONE).new_page()
    page.set_default_timeout(30_000)
    path, _, query = start.partition("?")
    page.goto(f"{base}{path}")
    assert "/console/login" in page.url
    page.fill("#key", key)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(re.escape(path) + "$"))  # sign-in returns to the page asked for
    if query:
        page.goto(f"{base}{start}")
    return page


def _submit(page, form: str) -> None:  # type: ignore[no-untyped-def]
    with page.expect_navigation():
        page.locator(f"{form} button[type=submit]").first.click()


@pytest.fixture(scope="module")
def chromium():  # type: ignore[no-untyped-def]
    sync_playwright = _browser_or_skip()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def test_evaluation_flow(live: dict, chromium, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    shots, base, tech = _shots(tmp_path), live["url"], live["techs"]["owner"]

    owner = _signed_in(chromium, base, live["keys"]["owner"], "/console/evaluations")
    owner.select_option("#technology_id", tech["id"])
    owner.fill("#evaluator_org_id", EVALUATOR_ORG)
    owner.fill("#note", "申报推广目录前需要第三方技术评价")
    _submit(owner, "#request-form form")
    request_card = owner.locator("li.request").first
    assert request_card.get_attribute("data-status") == "open" and "待接受" in request_card.inner_text()
    owner.screenshot(path=str(shots / "console-evaluation-requested.png"), full_page=True)

    evaluator = _signed_in(chromium, base, live["keys"]["evaluator"], "/console/evaluations")
    card = evaluator.locator("li.request[data-status=open]").first
    assert tech["title"] in card.inner_text()
    with evaluator.expect_navigation():
        card.locator("form.accept-form button[type=submit]").click()
    evaluator.locator("li.request[data-status=accepted] a.button").first.click()
    evaluator.wait_for_url(re.compile(r"/console/evaluations/new\?"))
    for code, value in (("maturity", "85"), ("effect", "80"), ("economic_benefit", "75"), ("environmental_benefit", "90"),
                        ("ip_status", "70")):
        evaluator.fill(f"#score-{code}", value)
    evaluator.select_option("#verdict", "recommended")
    evaluator.fill("#assessed_trl", "8")
    evaluator.fill("#summary", "现场核查两套示范装置，出水温度实测55℃，与申报参数一致。")
    evaluator.fill("input[name='evidence.0.title']", "第三方检测报告")
    evaluator.fill("input[name='evidence.0.reference']", "CMA 2026-HB-0183")
    evaluator.screenshot(path=str(shots / "console-evaluation-form.png"), full_page=True)
    _submit(evaluator, "#evaluation-form")
    assert re.search(rf"/console/technologies/{tech['id']}", evaluator.url)
    assert "80.0 分" in evaluator.inner_text("#evaluation-summary") and "推荐" in evaluator.inner_text("#evaluation-summary")
    evaluator.screenshot(path=str(shots / "console-evaluation-recorded.png"), full_page=True)

    # the owner sees it on its technology and responds
    owner.goto(f"{base}/console/technologies/{tech['id']}")
    article = owner.locator("article.evaluation").first
    article.locator("textarea[name=response]").fill("感谢评价，示范工程运行数据已补充。")
    _submit(owner, "article.evaluation form")
    assert "示范工程运行数据已补充" in owner.inner_text(".owner-response")
    owner.goto(f"{base}/console/evaluations")
    assert owner.locator("li.request").first.get_attribute("data-status") == "completed"

    # the evaluating organization withdraws its evaluation: marked 已撤回, the technology has none current
    owner.goto(f"{base}/console/technologies/{tech['id']}")
    assert owner.locator("form.withdraw-form").count() == 0  # only the evaluating organization withdraws
    evaluator.goto(f"{base}/console/technologies/{tech['id']}")
    _submit(evaluator, "article.evaluation form.withdraw-form")
    assert "已撤回" in evaluator.inner_text("article.evaluation") and evaluator.inner_text("#evaluation-summary") == "暂无"
    evaluator.screenshot(path=str(shots / "console-evaluation-withdrawn.png"), full_page=True)

    # the owner's own evaluation department is refused: conflict of interest, said in Chinese
    conflicted = _signed_in(chromium, base, live["keys"]["conflicted"], f"/console/evaluations/new?technology_id={tech['id']}")
    for code in ("maturity", "effect", "economic_benefit", "environmental_benefit", "ip_status"):
        conflicted.fill(f"#score-{code}", "95")
    conflicted.fill("#summary", "自评")
    conflicted.fill("input[name='evidence.0.title']", "自评报告")
    conflicted.fill("input[name='evidence.0.reference']", "ZP-1")
    _submit(conflicted, "#evaluation-form")
    message = conflicted.inner_text("#page-message")
    assert "利益冲突" in message and "conflict" not in message
    conflicted.screenshot(path=str(shots / "console-evaluation-conflict.png"), full_page=True)
    for page in (owner, evaluator, conflicted):
        page.context.close()


def test_catalog_flow(live: dict, chromium, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    shots, base, tech = _shots(tmp_path), live["url"], live["techs"]["owner"]

    admin = _signed_in(chromium, base, live["keys"]["admin"], "/console/catalog")  # 开启征集
    admin.click("#open-call summary")
    admin.fill("#call-name", "2026 第一批")
    admin.fill("#call-description", "先进适用绿色低碳技术")
    admin.fill("#nominations_close_at", (live["clock"]() + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M"))
    _submit(admin, "#open-call form")
    match = re.search(r"/console/catalog/calls/(cc_\w+)$", admin.url)
    assert match and "征集中" in admin.inner_text("main"), admin.url
    call = live["call"] = {"id": match.group(1)}

    owner = _signed_in(chromium, base, live["keys"]["owner"], "/console/catalog")
    owner.click("#calls >> text=2026 第一批")
    owner.wait_for_url(re.compile(rf"/console/catalog/calls/{call['id']}$"))
    owner.select_option("#technology_id", tech["id"])
    owner.fill("#reason", "已在12家企业应用，节能效果经第三方检测")
    _submit(owner, "#nominate form")
    assert owner.locator("li.nomination").count() == 1 and "待评审" in owner.inner_text("li.nomination")

    evaluator = _signed_in(chromium, base, live["keys"]["evaluator"], f"/console/catalog/calls/{call['id']}")
    nomination = evaluator.locator("li.nomination").first
    nomination.locator("input[name=score]").fill("88")
    nomination.locator("textarea[name=comments]").fill("工艺成熟，节能数据可信，建议纳入")
    _submit(evaluator, "li.nomination form.review-form")
    assert "贵机构已评审" in evaluator.inner_text("li.nomination") and "88 分" in evaluator.inner_text("li.nomination")
    evaluator.screenshot(path=str(shots / "console-catalog-reviewed.png"), full_page=True)

    admin.goto(f"{base}/console/catalog/calls/{call['id']}")
    _submit(admin, "#publish form")
    admin.wait_for_url(re.compile(r"/console/catalog$"))
    admin.click("#editions a")  # the published edition
    admin.wait_for_url(re.compile(r"/console/catalog/(?!calls)[^/]+$"))
    edition_url = admin.url.replace(base, "")
    assert tech["title"] in admin.inner_text("main")
    owner.goto(admin.url)  # visible to everyone
    assert owner.locator(".catalog-entry").count() == 1 and tech["title"] in owner.inner_text(".catalog-entry")
    owner.screenshot(path=str(shots / "console-catalog-published.png"), full_page=True)

    phone = _signed_in(chromium, base, live["keys"]["admin"], edition_url, viewport=PHONE)  # the adjustment form on a phone
    assert phone.locator("#adjust fieldset.withdrawal").count() == 1
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone.screenshot(path=str(shots / "console-390-admin-catalog-adjust.png"), full_page=True)
    phone.context.close()

    # dynamic adjustment (动态调整): the admin withdraws the entry with a reason; everyone sees why
    admin.fill("#adjustment_name", "2027 年动态调整")
    admin.check(f"input[name='withdraw.{tech['id']}']")
    admin.fill(f"#reason-{tech['id']}", "技术已被更先进工艺替代，推广应用不足")
    _submit(admin, "#adjust form")
    assert admin.url.endswith(f"{edition_url}#adjustments")
    assert "2027 年动态调整" in admin.inner_text("li.adjustment") and admin.locator("#adjust").count() == 0
    owner.reload()
    withdrawn = owner.locator(".catalog-entry.withdrawn")
    assert withdrawn.count() == 1 and "2027 年动态调整：技术已被更先进工艺替代" in withdrawn.inner_text()
    owner.screenshot(path=str(shots / "console-catalog-adjusted.png"), full_page=True)
    live["edition"] = edition_url
    for page in (owner, evaluator, admin):
        page.context.close()


def test_challenge_flow(live: dict, chromium, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    shots, base, clock = _shots(tmp_path), live["url"], live["clock"]

    # a broker opens a needs collection campaign (征集); the buyer submits its need to it
    broker = _signed_in(chromium, base, live["keys"]["broker"], "/console/campaigns")
    broker.click("#open-campaign summary")
    broker.fill("#campaign-title", "2026 年节能降碳技术需求征集")
    broker.fill("#campaign-description", "面向工业企业和行业协会征集节能降碳技术需求")
    broker.fill("#closes_at", (clock() + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M"))
    _submit(broker, "#open-campaign form")
    match = re.search(r"/console/campaigns/(ccp_\w+)$", broker.url)
    assert match, broker.url
    campaign_url = f"/console/campaigns/{match.group(1)}"

    buyer = _signed_in(chromium, base, live["keys"]["buyer"], "/console/challenges")
    buyer.click("#campaigns-link")
    buyer.click("#campaigns >> text=2026 年节能降碳技术需求征集")
    buyer.wait_for_url(re.compile(re.escape(campaign_url) + "$"))
    buyer.select_option("#demand_id", live["demand"]["id"])
    _submit(buyer, "#submit-need form")
    assert live["demand"]["title"] in buyer.inner_text("#need-" + live["demand"]["id"])
    buyer.screenshot(path=str(shots / "console-campaign-need.png"), full_page=True)

    # the collected need becomes a challenge: the form comes with the need and the campaign filled in
    buyer.click(f"#need-{live['demand']['id']} a.publish-challenge")
    buyer.wait_for_url(re.compile(r"/console/challenges/new\?"))
    assert buyer.input_value("#demand_id") == live["demand"]["id"] and buyer.input_value("#campaign_id") == match.group(1)
    buyer.fill("#award_cny", "1000000.00")
    buyer.fill("#deadline", (clock() + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M"))
    buyer.fill("#eligibility", "具备工程实施能力的企业或科研院所")
    buyer.fill("#ip_terms", "成果归揭榜方，发榜方享有优先实施许可")
    buyer.fill("#criteria", "技术先进性 60\n经济性 40")
    buyer.fill("#evaluator_org_ids", EVALUATOR_ORG)
    _submit(buyer, "#challenge-form")
    match = re.search(r"/console/challenges/(chl_\w+)$", buyer.url)
    assert match, buyer.url
    challenge_url = f"/console/challenges/{match.group(1)}"
    assert "¥1,000,000.00" in buyer.inner_text("main") and "技术先进性（权重 60" in buyer.inner_text("main")
    assert "来自需求征集" in buyer.inner_text("main")

    # matching proposes likely solvers; their owners are notified
    _submit(buyer, "#propose form")
    proposal = buyer.locator(f"li.proposal[data-technology='{live['techs']['solver']['id']}']")
    assert proposal.count() == 1 and proposal.get_attribute("data-notified") == "yes" and "已通知" in proposal.inner_text()
    buyer.screenshot(path=str(shots / "console-challenge-proposed.png"), full_page=True)

    solver = _signed_in(chromium, base, live["keys"]["solver"], "/console/challenges")  # notified: 推荐贵机构揭榜
    listed = solver.locator("li.card", has=solver.locator(f"a[href='{challenge_url}']"))
    assert listed.locator(".proposed-to-me").count() == 1
    listed.locator(f"a[href='{challenge_url}']").click()
    solver.wait_for_url(re.compile(re.escape(challenge_url) + "$"))
    assert live["techs"]["solver"]["title"] in solver.inner_text("#proposed-mine")
    solver.check(f"#enter input[value='{live['techs']['solver']['id']}']")
    solver.fill("#solution", "油路串接板式换热器回收压缩热，出水55℃，投资回收期18个月。")
    solver.fill("#attachment_title", "技术方案书")
    solver.fill("#attachment_reference", "https://example.cn/files/plan.pdf")
    _submit(solver, "#enter form")
    solver.wait_for_url(re.compile(r"/console/challenge-entries/ce_"))
    entry_url = solver.url.replace(base, "")
    assert "技术方案书" in solver.inner_text("#entry")
    solver.screenshot(path=str(shots / "console-challenge-entered.png"), full_page=True)

    clock.advance(days=8)  # the deadline passes: scoring and awards open
    evaluator = _signed_in(chromium, base, live["keys"]["evaluator"], "/console/evaluations")
    evaluator.click(f"#assigned a[href='{challenge_url}']")
    evaluator.wait_for_url(re.compile(re.escape(challenge_url) + "$"))
    evaluator.click("#entries a.button")
    evaluator.wait_for_url(re.compile(re.escape(entry_url) + "$"))
    evaluator.fill("#score-0", "85")
    evaluator.fill("#score-1", "75")
    evaluator.fill("#comments", "方案成熟，投资回收期短")
    _submit(evaluator, "#score form")
    assert "加权 81.0 分" in evaluator.inner_text("#scores")
    evaluator.screenshot(path=str(shots / "console-challenge-scored.png"), full_page=True)

    buyer.goto(f"{base}{challenge_url}")
    assert "81.0" in buyer.inner_text("#entries")
    buyer.locator("#award input[name^='amount.']").first.fill("800000.00")
    _submit(buyer, "#award form")
    award = buyer.locator("li.award").first
    assert "¥800,000.00" in award.inner_text() and award.locator(".stage").inner_text() == "意向"
    assert buyer.inner_text("#challenge-status") == "已揭榜"
    deal_id = award.locator(".stage").get_attribute("data-deal")
    buyer.screenshot(path=str(shots / "console-challenge-awarded.png"), full_page=True)

    admin = _signed_in(chromium, base, live["keys"]["admin"], f"/console/deals/{deal_id}")
    assert admin.inner_text("#deal-stage") == "意向"
    assert live["techs"]["solver"]["title"] in admin.inner_text("main")
    live["touched"] = {"challenge": challenge_url, "entry": entry_url, "deal": f"/console/deals/{deal_id}", "campaign": campaign_url}
    for page in (broker, buyer, solver, evaluator, admin):
        page.context.close()


def test_pages_fit_a_390px_screen(live: dict, chromium, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Every page of these flows, as each role sees it, at phone width: no sideways scrolling."""
    shots, base = _shots(tmp_path), live["url"]
    touched = live.get("touched") or pytest.skip("needs test_challenge_flow first")
    live.get("edition") or pytest.skip("needs test_catalog_flow first")
    tech, call = live["techs"]["owner"], live["call"]
    pages = {
        "owner": ["/console/evaluations", f"/console/technologies/{tech['id']}", "/console/catalog",
                  f"/console/catalog/calls/{call['id']}", "/console/challenges/new"],
        "evaluator": ["/console/evaluations", f"/console/evaluations/new?technology_id={tech['id']}", touched["entry"],
                      f"/console/catalog/calls/{call['id']}", f"/console/technologies/{tech['id']}"],
        "buyer": [touched["challenge"], "/console/challenges", "/console/campaigns", touched["campaign"]],
        "admin": ["/console/demands", touched["deal"], "/console/catalog", live["edition"], "/console/campaigns"],
    }
    for who, paths in pages.items():
        page = _signed_in(chromium, base, live["keys"][who], paths[0], viewport=PHONE)
        for path in paths:
            page.goto(f"{base}{path}")
            assert page.url.endswith(path), (who, path, page.url)
            page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")  # folded forms too
            width = page.evaluate("document.documentElement.scrollWidth")
            name = re.sub(r"[^a-z0-9]+", "-", path.split("?")[0].removeprefix("/console/"))[:60]
            page.screenshot(path=str(shots / f"console-390-{who}-{name}.png"), full_page=True)
            assert width <= PHONE["width"], f"{path} as {who} is {width}px wide at 390px"
        page.context.close()
