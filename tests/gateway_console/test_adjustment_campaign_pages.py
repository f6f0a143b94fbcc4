"""The console pages that finish issue #10's flows, rendered from the real gateway API (registry on loopback,
matching unreachable): opening a catalog call and the dynamic adjustment (admins), needs collection campaigns
(brokers and admins open, need owners submit and publish as a challenge), proposing solvers (the challenge owner)
and withdrawing an evaluation (the evaluating organization). Each page does what the API lets the user's key do:
one refusal per page, bad input shown on the page with nothing stored."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from fastapi.testclient import TestClient

from tests.gateway_console.conftest import browser, csrf_of, sign_in
from tests.gateway_workflow.test_end_to_end import ok

SCORES = {"maturity": 82, "effect": 88, "economic_benefit": 75, "environmental_benefit": 90, "ip_status": 70}


def _later(days: int) -> str:
    """A datetime-local value (UTC) as the console's forms post it."""
    return (datetime.now(UTC) + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture(scope="module")
def people(gateway: TestClient, world: dict) -> dict:
    admin = world["bearer"](world["keys"]["admin"])

    def key(role: str, org: str, name: str) -> str:
        return ok(gateway.post("/v1/keys", headers=admin, json={"role": role, "org_id": org, "name": name}), 201)["key"]

    return {"evaluator": key("evaluator", "org_eval_cnis", "评价中心李工"), "other_evaluator": key("evaluator", "org_eval_other", "其他评价机构")}


def _as(gateway: TestClient, key: str) -> TestClient:
    return sign_in(browser(gateway), key)


def _api(gateway: TestClient, world: dict, who: str, path: str) -> object:
    return ok(gateway.get(path, headers=world["bearer"](world["keys"][who])))


# --------------------------------------------------------------------------- catalog: opening a call
def test_admin_opens_a_call_for_nominations_and_a_broker_is_refused(gateway: TestClient, world: dict, broker: TestClient) -> None:
    page = broker.get("/console/catalog")
    assert page.status_code == 200 and 'id="open-call"' not in page.text
    refused = broker.post("/console/catalog/calls", data={"csrf_token": csrf_of(page.text), "name": "经纪人擅开的批次",
                                                         "nominations_close_at": _later(10)})
    assert refused.status_code == 403 and "无权" in refused.text and 'id="open-call"' in refused.text
    assert "经纪人擅开的批次" not in str(_api(gateway, world, "admin", "/v1/catalog/calls"))

    admin = _as(gateway, world["keys"]["admin"])
    page = admin.get("/console/catalog")
    assert 'id="open-call"' in page.text and 'action="/console/catalog/calls"' in page.text
    past = admin.post("/console/catalog/calls", data={"csrf_token": csrf_of(page.text), "name": "2027 第一批",
                                                      "nominations_close_at": _later(-1)})
    assert past.status_code == 422 and 'data-field="nominations_close_at"' in past.text and 'value="2027 第一批"' in past.text
    assert _api(gateway, world, "admin", "/v1/catalog/calls") == []  # nothing stored
    done = admin.post("/console/catalog/calls", data={"csrf_token": csrf_of(page.text), "name": "2027 第一批",
                                                      "description": "先进适用绿色低碳技术", "nominations_close_at": _later(10)},
                      follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].startswith("/console/catalog/calls/cc_")
    call = admin.get(done.headers["location"])
    assert "2027 第一批" in call.text and "征集中" in call.text and 'id="publish"' in call.text


# --------------------------------------------------------------------------- catalog: dynamic adjustment
@pytest.fixture(scope="module")
def edition(gateway: TestClient, world: dict, people: dict) -> dict:
    """A published edition with both of the seller's technologies (set up over the API)."""
    admin, seller = world["bearer"](world["keys"]["admin"]), world["bearer"](world["keys"]["seller"])
    call = ok(gateway.post("/v1/catalog/calls", headers=admin, json={
        "name": "2026 第二批", "nominations_close_at": (datetime.now(UTC) + timedelta(days=5)).isoformat()}), 201)
    for tech in world["techs"]:
        nomination = ok(gateway.post(f"/v1/catalog/calls/{call['id']}/nominations", headers=seller,
                                     json={"technology_id": tech["id"], "reason": "已规模化应用"}), 201)
        ok(gateway.post(f"/v1/catalog/nominations/{nomination['id']}/reviews", headers=world["bearer"](people["evaluator"]),
                        json={"score": 85, "recommend": True, "comments": "建议入选"}), 201)
    return ok(gateway.post(f"/v1/catalog/calls/{call['id']}/publish", headers=admin, json={}), 201)


def test_admin_withdraws_an_entry_in_an_adjustment_with_a_reason(gateway: TestClient, world: dict, broker: TestClient,
                                                                edition: dict) -> None:
    url, tech = f"/console/catalog/{edition['id']}", world["techs"][1]
    page = broker.get(url)
    assert page.status_code == 200 and 'id="adjust"' not in page.text and "本批目录尚未调整" in page.text
    form = {"csrf_token": csrf_of(page.text), "adjustment_name": "2027 年动态调整", f"withdraw.{tech['id']}": "yes",
            f"reason.{tech['id']}": "推广应用不足"}
    refused = broker.post(f"{url}/adjustments", data=form)
    assert refused.status_code == 403 and "无权" in refused.text

    admin = _as(gateway, world["keys"]["admin"])
    page = admin.get(url)
    assert 'id="adjust"' in page.text and f'name="withdraw.{tech["id"]}"' in page.text
    form["csrf_token"] = csrf_of(page.text)
    no_reason = admin.post(f"{url}/adjustments", data={**form, f"reason.{tech['id']}": ""})
    assert no_reason.status_code == 422 and f'data-field="reason.{tech["id"]}"' in no_reason.text
    nothing_ticked = admin.post(f"{url}/adjustments", data={k: v for k, v in form.items() if not k.startswith("withdraw.")})
    assert nothing_ticked.status_code == 422 and "请勾选要调出的条目" in nothing_ticked.text
    unchanged = _api(gateway, world, "admin", f"/v1/catalog/editions/{edition['id']}")
    assert unchanged["adjustments"] == [] and {e["status"] for e in unchanged["entries"]} == {"listed"}  # nothing stored

    done = admin.post(f"{url}/adjustments", data=form, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"{url}#adjustments"
    shown = broker.get(url)  # everyone sees the adjustment
    assert "已调出" in shown.text and "2027 年动态调整：推广应用不足" in shown.text and "调出 1 项" in shown.text
    entries = {e["technology_id"]: e["status"] for e in _api(gateway, world, "admin", f"/v1/catalog/editions/{edition['id']}")["entries"]}
    assert entries == {world["techs"][0]["id"]: "listed", tech["id"]: "withdrawn"}


# --------------------------------------------------------------------------- needs collection campaigns
def test_campaign_opened_needs_submitted_and_published_as_a_challenge(gateway: TestClient, world: dict, broker: TestClient) -> None:
    buyer = _as(gateway, world["keys"]["buyer"])
    listing = buyer.get("/console/campaigns")
    assert listing.status_code == 200 and 'id="open-campaign"' not in listing.text and "暂无需求征集活动" in listing.text
    refused = buyer.post("/console/campaigns", data={"csrf_token": csrf_of(listing.text), "title": "企业擅开的征集",
                                                     "closes_at": _later(20)})
    assert refused.status_code == 403 and "无权" in refused.text
    assert _api(gateway, world, "admin", "/v1/challenge-campaigns") == []

    page = broker.get("/console/campaigns")
    token = csrf_of(page.text)
    past = broker.post("/console/campaigns", data={"csrf_token": token, "title": "2026 年节能降碳技术需求征集", "closes_at": _later(-2)})
    assert past.status_code == 422 and 'data-field="closes_at"' in past.text
    assert _api(gateway, world, "admin", "/v1/challenge-campaigns") == []
    done = broker.post("/console/campaigns", data={"csrf_token": token, "title": "2026 年节能降碳技术需求征集",
                                                   "description": "面向家具、印染企业", "closes_at": _later(20)}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].startswith("/console/campaigns/ccp_")
    campaign_url = done.headers["location"]
    assert 'id="submit-need"' not in broker.get(campaign_url).text  # brokers gather, they do not submit

    demand = world["demand"]
    page = buyer.get(campaign_url)
    assert "2026 年节能降碳技术需求征集" in page.text and f'value="{demand["id"]}"' in page.text
    refused = broker.post(f"{campaign_url}/needs", data={"csrf_token": csrf_of(broker.get(campaign_url).text), "demand_id": demand["id"]})
    assert refused.status_code == 403 and "无权" in refused.text
    submitted = buyer.post(f"{campaign_url}/needs", data={"csrf_token": csrf_of(page.text), "demand_id": demand["id"]}, follow_redirects=False)
    assert submitted.status_code == 303
    page = buyer.get(campaign_url)
    assert demand["title"] in page.text and "发布为榜单" in page.text
    again = buyer.post(f"{campaign_url}/needs", data={"csrf_token": csrf_of(page.text), "demand_id": demand["id"]})
    assert again.status_code == 409  # already in the campaign: said on the page, not stored twice
    campaign_id = campaign_url.rsplit("/", 1)[1]
    assert len(_api(gateway, world, "admin", f"/v1/challenge-campaigns/{campaign_id}")["needs"]) == 1

    # 发布为榜单: the challenge form comes with the need and the campaign filled in
    link = next(part.split('"')[0] for part in page.text.split('href="')[1:] if part.startswith("/console/challenges/new?"))
    query = parse_qs(urlparse(link.replace("&amp;", "&")).query)
    assert query == {"demand_id": [demand["id"]], "campaign_id": [campaign_id]}
    form_page = buyer.get(link.replace("&amp;", "&"))
    assert f'value="{campaign_id}"' in form_page.text and f'<option value="{demand["id"]}" selected' in form_page.text
    created = buyer.post("/console/challenges/new", data={
        "csrf_token": csrf_of(form_page.text), "demand_id": demand["id"], "campaign_id": campaign_id, "award_cny": "500000.00",
        "deadline": _later(30), "eligibility": "具备工程实施能力的企业", "ip_terms": "成果归揭榜方，发榜方优先实施",
        "criteria": "技术先进性 60\n经济性 40", "evaluator_org_ids": "org_eval_cnis"}, follow_redirects=False)
    assert created.status_code == 303, created.text[:500]
    challenge = buyer.get(created.headers["location"])
    assert "来自需求征集" in challenge.text and f'href="/console/campaigns/{campaign_id}"' in challenge.text
    assert "已发布为榜单" in buyer.get(campaign_url).text and "发布为榜单</a>" not in buyer.get(campaign_url).text
    world["campaign_challenge"] = created.headers["location"]


# --------------------------------------------------------------------------- proposing solvers
def test_propose_solvers_is_for_the_owner_and_says_when_matching_is_down(gateway: TestClient, world: dict) -> None:
    url = world.get("campaign_challenge") or pytest.skip("needs the campaign test first")
    buyer, seller = _as(gateway, world["keys"]["buyer"]), _as(gateway, world["keys"]["seller"])
    page = buyer.get(url)
    assert 'id="propose"' in page.text
    down = buyer.post(f"{url}/proposals", data={"csrf_token": csrf_of(page.text)})
    assert down.status_code in (502, 503, 504) and "匹配服务暂时不可用" in down.text and "¥500,000.00" in down.text
    other = seller.get(url)
    assert 'id="propose"' not in other.text and 'id="proposed-mine"' not in other.text  # nothing proposed to it
    refused = seller.post(f"{url}/proposals", data={"csrf_token": csrf_of(other.text)})
    assert refused.status_code == 403 and "无权" in refused.text


# --------------------------------------------------------------------------- withdrawing an evaluation
def test_the_evaluating_organization_withdraws_its_evaluation(gateway: TestClient, world: dict, people: dict) -> None:
    tech = world["techs"][0]
    evaluation = ok(gateway.post("/v1/evaluations", headers=world["bearer"](people["evaluator"]), json={
        "technology_id": tech["id"], "scores": SCORES, "verdict": "recommended", "assessed_trl": 7,
        "summary": "现场核查两套示范装置，数据一致。", "evidence": [{"kind": "test_report", "title": "检测报告", "reference": "CMA-1"}],
        "valid_until": (datetime.now(UTC).date() + timedelta(days=365)).isoformat()}), 201)
    url = f"/console/technologies/{tech['id']}"
    withdraw = f"{url}/evaluations/{evaluation['id']}/withdraw"

    assert "撤回本机构的评价" not in _as(gateway, world["keys"]["seller"]).get(url).text  # the owner does not withdraw it
    other = _as(gateway, people["other_evaluator"])
    page = other.get(url)
    assert "撤回本机构的评价" not in page.text
    refused = other.post(withdraw, data={"csrf_token": csrf_of(page.text)})
    assert refused.status_code == 403 and "无权" in refused.text
    assert _api(gateway, world, "admin", f"/v1/evaluations/{evaluation['id']}")["status"] == "published"

    evaluator = _as(gateway, people["evaluator"])
    page = evaluator.get(url)
    assert "撤回本机构的评价" in page.text and "81.0 分" in page.text
    done = evaluator.post(withdraw, data={"csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"{url}#{evaluation['id']}"
    after = evaluator.get(url)
    assert "已撤回" in after.text and "撤回本机构的评价" not in after.text
    assert _api(gateway, world, "admin", f"/v1/technologies/{tech['id']}")["evaluation"] is None
