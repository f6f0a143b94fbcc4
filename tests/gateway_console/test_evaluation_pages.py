"""Evaluation, catalog and challenge pages (issue #10) rendered from the real gateway API (registry on loopback,
matching unreachable): evaluators and enterprises sign in; every page shows what the API shows the user's key, so an
entry is a 404 page for a competing solver and for an evaluator the challenge did not appoint; refusals are Chinese."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from services.gateway.trading_common.clock import ManualClock
from tests.gateway_console.conftest import browser, csrf_of, sign_in
from tests.gateway_workflow.test_end_to_end import DEMAND, ok


@pytest.fixture(scope="module")
def clock(gateway: TestClient) -> ManualClock:
    """This module's gateway decides deadlines by a clock the tests move (module scope: other files are untouched)."""
    clock = ManualClock(datetime.now(UTC))
    gateway.app.state.trading_clock = clock
    return clock


@pytest.fixture(scope="module")
def people(gateway: TestClient, world: dict) -> dict:
    """Keys of an appointed evaluator, an evaluator not appointed, an evaluator of the technology's own organization
    (conflicted) and a second, competing solver organization."""
    admin = world["bearer"](world["keys"]["admin"])

    def key(role: str, org: str, name: str) -> str:
        return ok(gateway.post("/v1/keys", headers=admin, json={"role": role, "org_id": org, "name": name}), 201)["key"]

    rival = ok(gateway.post("/v1/organizations", headers=admin, json={"name": "江苏清源新材料股份有限公司", "type": "enterprise"}), 201)["id"]
    return {"jury": key("evaluator", "org_eval_jury", "评审专家张工"), "outsider": key("evaluator", "org_eval_outsider", "其他评价机构"),
            "conflicted": key("evaluator", world["orgs"]["seller"], "研究院评价部"), "rival": key("enterprise", rival, "竞争方"),
            "rival_org": rival}


@pytest.fixture(scope="module")
def contest(gateway: TestClient, world: dict, people: dict, clock: ManualClock) -> dict:
    """A challenge of the buyer's with two entries: the seller's (linking its technology) and the rival's."""
    bearer = world["bearer"]
    demand = ok(gateway.post("/v1/demands", headers=bearer(world["keys"]["buyer"]),
                             json={**DEMAND, "title": "喷涂车间VOCs治理揭榜挂帅"}), 201)
    deadline = (clock() + timedelta(days=7)).isoformat()
    challenge = ok(gateway.post("/v1/challenges", headers=bearer(world["keys"]["buyer"]), json={
        "demand_id": demand["id"], "award_cny": "1000000.00", "deadline": deadline, "eligibility": "具备工程实施能力",
        "ip_terms": "成果归揭榜方，发榜方优先实施", "criteria": [{"name": "技术先进性", "weight": 60}, {"name": "经济性", "weight": 40}],
        "evaluator_org_ids": ["org_eval_jury"]}), 201)
    mine = ok(gateway.post(f"/v1/challenges/{challenge['id']}/entries", headers=bearer(world["keys"]["seller"]), json={
        "technology_ids": [world["techs"][0]["id"]], "solution": "研究院方案：沸石转轮浓缩+RTO", "attachments": []}), 201)
    theirs = ok(gateway.post(f"/v1/challenges/{challenge['id']}/entries", headers=bearer(people["rival"]), json={
        "solution": "竞争方机密方案：低温等离子+催化燃烧", "attachments": [{"title": "竞争方附件", "reference": "R-77"}]}), 201)
    return {"challenge": challenge, "mine": mine, "theirs": theirs}


def test_evaluators_sign_in_and_land_on_their_desk(gateway: TestClient, people: dict) -> None:
    client = browser(gateway)
    token = csrf_of(client.get("/console/login").text)
    resp = client.post("/console/login", data={"key": people["jury"], "csrf_token": token, "next": "/console/demands"},
                       follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"] == "/console/evaluations"
    desk = client.get("/console/evaluations")
    assert desk.status_code == 200 and "评价工作台" in desk.text and "技术评价机构" in desk.text
    assert 'href="/console/demands"' not in desk.text and 'href="/console/challenges"' in desk.text
    refused = client.get("/console/demands")
    assert refused.status_code == 403 and 'href="/console/evaluations"' in refused.text


def test_an_evaluator_not_appointed_sees_no_entries_and_no_entry_page(gateway: TestClient, people: dict, contest: dict) -> None:
    outsider = sign_in(browser(gateway), people["outsider"])
    page = outsider.get(f"/console/challenges/{contest['challenge']['id']}")
    assert page.status_code == 200 and "¥1,000,000.00" in page.text
    assert "研究院方案" not in page.text and "竞争方机密方案" not in page.text and "没有您可查看的揭榜方案" in page.text
    for entry in (contest["mine"], contest["theirs"]):
        hidden = outsider.get(f"/console/challenge-entries/{entry['id']}")
        assert hidden.status_code == 404 and "竞争方机密方案" not in hidden.text
    missing = outsider.get("/console/challenge-entries/ce_does_not_exist")
    assert missing.status_code == 404 and missing.text.replace("ce_does_not_exist", contest["theirs"]["id"]) == hidden.text
    token = csrf_of(page.text)  # scoring what one may not see is the same 404
    scored = outsider.post(f"/console/challenge-entries/{contest['theirs']['id']}/scores",
                           data={"csrf_token": token, "score.技术先进性": "90", "score.经济性": "90", "comments": "好"})
    assert scored.status_code == 404


def test_a_competing_solver_cannot_open_another_entry(gateway: TestClient, world: dict, people: dict, contest: dict) -> None:
    rival = sign_in(browser(gateway), people["rival"])
    page = rival.get(f"/console/challenges/{contest['challenge']['id']}")
    assert "竞争方机密方案" in page.text and "研究院方案" not in page.text  # its own entry only
    assert rival.get(f"/console/challenge-entries/{contest['theirs']['id']}").status_code == 200
    other = rival.get(f"/console/challenge-entries/{contest['mine']['id']}")
    assert other.status_code == 404 and "研究院方案" not in other.text
    seller = sign_in(browser(gateway), world["keys"]["seller"])
    assert seller.get(f"/console/challenge-entries/{contest['theirs']['id']}").status_code == 404


def test_the_appointed_evaluator_scores_after_the_deadline_only(gateway: TestClient, people: dict, contest: dict,
                                                               clock: ManualClock) -> None:
    jury = sign_in(browser(gateway), people["jury"])
    page = jury.get(f"/console/challenges/{contest['challenge']['id']}")
    assert "研究院方案" in page.text and "竞争方机密方案" in page.text
    entry_url = f"/console/challenge-entries/{contest['theirs']['id']}"
    entry = jury.get(entry_url)
    assert entry.status_code == 200 and "竞争方附件" in entry.text and 'name="score.技术先进性"' in entry.text
    form = {"csrf_token": csrf_of(entry.text), "score.技术先进性": "80", "score.经济性": "70", "comments": "方案可行"}
    early = jury.post(f"{entry_url}/scores", data=form)
    assert early.status_code == 409 and "截止时间未到" in early.text
    clock.advance(days=8)
    missing = jury.post(f"{entry_url}/scores", data={**form, "score.经济性": ""})
    assert missing.status_code == 422 and 'data-field="scores"' in missing.text
    done = jury.post(f"{entry_url}/scores", data=form, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == entry_url
    assert "76.0" in jury.get(entry_url).text and "贵机构已评分" in jury.get(entry_url).text


def test_conflict_of_interest_is_a_readable_chinese_refusal(gateway: TestClient, world: dict, people: dict) -> None:
    conflicted = sign_in(browser(gateway), people["conflicted"])
    technology = world["techs"][0]
    form_page = conflicted.get(f"/console/evaluations/new?technology_id={technology['id']}")
    assert form_page.status_code == 200 and technology["title"] in form_page.text
    valid_until = (datetime.now(UTC).date() + timedelta(days=400)).isoformat()
    form = {"csrf_token": csrf_of(form_page.text), "technology_id": technology["id"], "request_id": "",
            **{f"scores.{c}": "80" for c in ("maturity", "effect", "economic_benefit", "environmental_benefit", "ip_status")},
            "verdict": "recommended", "summary": "自评", "evidence.0.kind": "document", "evidence.0.title": "自评报告",
            "evidence.0.reference": "ZP-1", "valid_until": valid_until}
    refused = conflicted.post("/console/evaluations/new", data=form)
    assert refused.status_code == 409 and "利益冲突" in refused.text and "conflict of interest" not in refused.text
    assert 'value="自评"' in refused.text or "自评</textarea>" in refused.text  # what was typed stays on the form
    assert ok(gateway.get(f"/v1/technologies/{technology['id']}/evaluations",
                          headers=world["bearer"](world["keys"]["admin"]))) == []  # nothing was written


def test_enterprise_reaches_its_pages_and_forms_need_the_session_token(gateway: TestClient, world: dict) -> None:
    seller = sign_in(browser(gateway), world["keys"]["seller"])
    desk = seller.get("/console/evaluations")
    assert desk.status_code == 200 and "申请技术评价" in desk.text and world["techs"][0]["title"] in desk.text
    forged = seller.post("/console/evaluations/requests", data={"technology_id": world["techs"][0]["id"], "csrf_token": "forged"})
    assert forged.status_code == 403 and "CSRF" in forged.text
    assert seller.get("/console/challenges/new").status_code == 200
    assert seller.get("/console/technologies/tec_does_not_exist").status_code == 404
    assert seller.get("/console/evaluations/new", params={"technology_id": "../../v1/keys"}).status_code == 404  # one segment


def test_broker_nominates_by_id_and_an_enterprise_may_not_nominate_anothers_technology(gateway: TestClient, world: dict) -> None:
    admin = world["bearer"](world["keys"]["admin"])
    closes = (datetime.now(UTC) + timedelta(days=10)).isoformat()
    call = ok(gateway.post("/v1/catalog/calls", headers=admin, json={"name": "2026 第二批", "nominations_close_at": closes}), 201)
    technology = world["techs"][1]
    buyer = sign_in(browser(gateway), world["keys"]["buyer"])  # not the technology's owner
    page = buyer.get(f"/console/catalog/calls/{call['id']}")
    refused = buyer.post(f"/console/catalog/calls/{call['id']}/nominations",
                         data={"csrf_token": csrf_of(page.text), "technology_id": technology["id"], "reason": "替别人提名"})
    assert refused.status_code == 403 and "您的角色无权进行此操作" in refused.text and "替别人提名" in refused.text

    broker = sign_in(browser(gateway), world["keys"]["broker"])
    page = broker.get(f"/console/technologies/{technology['id']}")  # brokers read a technology's evaluations
    assert page.status_code == 200 and "这项技术还没有第三方评价" in page.text and "2026 第二批" in page.text
    page = broker.get(f"/console/catalog/calls/{call['id']}?technology_id={technology['id']}")
    assert f'value="{technology["id"]}"' in page.text  # the id from the technology page's button is filled in
    done = broker.post(f"/console/catalog/calls/{call['id']}/nominations", follow_redirects=False,
                       data={"csrf_token": csrf_of(page.text), "technology_id": technology["id"], "reason": "经纪人推荐：家具行业多家应用"})
    assert done.status_code == 303
    listed = broker.get(done.headers["location"])
    assert technology["title"] in listed.text and "经纪人推荐" in listed.text and "待评审" in listed.text
    assert "经纪人推荐" not in buyer.get(f"/console/catalog/calls/{call['id']}").text  # not the buyer's nomination to see
