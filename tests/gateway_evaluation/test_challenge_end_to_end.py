"""揭榜挂帅 end to end: campaign → challenge (bad award/deadline refused) → solvers proposed by the real matching
service and notified → entries (one after the deadline refused) → scoring after the deadline (out of range refused)
→ award to two entries (赛马, staged) → deals → commission; confidentiality from a competing solver's side."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from tests.gateway_evaluation.conftest import World, ok, problem

DEMAND = {"title": "空压站余热回收制取生活热水", "domain": "energy_saving", "kind": "need",
          "description": "我公司有6台55kW喷油螺杆空压机，常年运行，夏季机房温度高；希望回收空压机余热制取员工浴室热水，"
                         "替代现有燃气热水炉，降低能耗。", "keywords": ["空压机", "余热回收", "热水"],
          "expected_indicators": "出水温度≥50℃，每天供热水≥30吨，投资回收期≤2年"}
CRITERIA = [{"name": "技术先进性", "weight": 40}, {"name": "经济性", "weight": 30}, {"name": "实施能力", "weight": 30}]


def test_campaign_challenge_entries_scoring_award_deal(world: World) -> None:
    now = world.clock()
    demand = ok(world.call("B", "POST", "/v1/demands", json=DEMAND), 201)
    assert demand["status"] == "published", demand
    campaign = ok(world.call("broker", "POST", "/v1/challenge-campaigns",
                             json={"title": "2026 年节能降碳技术需求征集", "closes_at": (now + timedelta(days=20)).isoformat()}), 201)
    problem(world.call("C", "POST", f"/v1/challenge-campaigns/{campaign['id']}/needs", json={"demand_id": demand["id"]}), 403)
    gathered = ok(world.call("B", "POST", f"/v1/challenge-campaigns/{campaign['id']}/needs", json={"demand_id": demand["id"]}), 201)
    assert [n["demand_id"] for n in gathered["needs"]] == [demand["id"]]

    deadline = now + timedelta(days=30)
    body = {"demand_id": demand["id"], "campaign_id": campaign["id"], "award_cny": "1000000.00", "deadline": deadline.isoformat(),
            "eligibility": "具备工程实施能力的企业或高校", "ip_terms": "成果知识产权归揭榜方，发榜方享有优先实施许可",
            "criteria": CRITERIA, "evaluator_org_ids": ["org_eval_cnis"]}
    problem(world.call("B", "POST", "/v1/challenges", json={**body, "award_cny": "-5.00"}), 422, "body.award_cny")
    problem(world.call("B", "POST", "/v1/challenges", json={**body, "deadline": (now - timedelta(days=1)).isoformat()}), 422, "body.deadline")
    problem(world.call("C", "POST", "/v1/challenges", json=body), 403)  # not C's demand
    vague = ok(world.call("B", "POST", "/v1/demands", json={**DEMAND, "title": "空压机余热想利用起来", "expected_indicators": None}), 201)
    problem(world.call("B", "POST", "/v1/challenges", json={**body, "demand_id": vague["id"]}), 422, "body.demand_id")
    assert ok(world.call("B", "GET", f"/v1/demands/{vague['id']}"))["kind"] == "need"  # untouched
    assert [c for c in ok(world.call("B", "GET", "/v1/challenges")) if c["demand_id"] == demand["id"]] == []  # nothing stored
    challenge = ok(world.call("B", "POST", "/v1/challenges", json=body), 201)
    assert challenge["award_cny"] == "1000000.00" and challenge["status"] == "open"
    assert ok(world.call("C", "GET", f"/v1/challenges/{challenge['id']}"))["ip_terms"] == body["ip_terms"]  # public
    as_demand = ok(world.call("C", "GET", f"/v1/demands/{demand['id']}"))  # the registry record (and feed) says so too
    assert (as_demand["kind"], as_demand["award_cny"], as_demand["deadline"]) == ("challenge", "1000000.00", deadline.date().isoformat())

    # matching (a real process following the feed) proposes solvers; their owners are notified
    proposals = ok(world.call("B", "POST", f"/v1/challenges/{challenge['id']}/proposals", json={"min_seq": as_demand_seq(world, demand["id"])}))
    tech_s = world.technologies["S"]
    assert tech_s["id"] in [p["technology_id"] for p in proposals]
    assert next(p for p in proposals if p["technology_id"] == tech_s["id"])["notified"] is True
    notes = ok(world.call("S", "GET", "/v1/notifications"))["items"]
    assert any(n["kind"] == "challenge_solver" and n["technology_id"] == tech_s["id"] and n["demand_id"] == demand["id"] for n in notes)
    problem(world.call("C", "POST", f"/v1/challenges/{challenge['id']}/proposals", json={}), 403)

    # entries before the deadline
    entries = f"/v1/challenges/{challenge['id']}/entries"
    problem(world.call("S", "POST", entries, json={"technology_ids": [world.technologies["C"]["id"]], "solution": "借用别人的技术"}),
            422, "body.technology_ids.0")
    entry_s = ok(world.call("S", "POST", entries, json={
        "technology_ids": [tech_s["id"]], "solution": "油路串接板式换热器回收压缩热，出水50℃，替代燃气热水炉",
        "attachments": [{"title": "技术方案书（保密）", "reference": "https://files.example.cn/s/plan-secret.pdf"}]}), 201)
    entry_c = ok(world.call("C", "POST", entries, json={
        "technology_ids": [world.technologies["C"]["id"]], "solution": "热泵耦合余热回收方案",
        "attachments": [{"title": "C方案", "reference": "https://files.example.cn/c/plan.pdf"}]}), 201)
    problem(world.call("S", "POST", entries, json={"solution": "再交一份"}), 409)

    # confidentiality from the competing solver's side: every route answers as if S's entry did not exist
    missing = world.call("C", "GET", "/v1/challenge-entries/ce_doesnotexist")
    hidden = world.call("C", "GET", f"/v1/challenge-entries/{entry_s['id']}")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["detail"].replace(entry_s["id"], "X") == missing.json()["detail"].replace("ce_doesnotexist", "X")
    assert [e["id"] for e in ok(world.call("C", "GET", entries))] == [entry_c["id"]]
    for outsider in ("broker", "evaluator_other"):  # not a party, not appointed
        assert ok(world.call(outsider, "GET", entries)) == []
        problem(world.call(outsider, "GET", f"/v1/challenge-entries/{entry_s['id']}"), 404)
    assert "plan-secret" not in world.call("C", "GET", f"/v1/challenges/{challenge['id']}").text
    assert {e["id"] for e in ok(world.call("B", "GET", entries))} == {entry_s["id"], entry_c["id"]}
    assert {e["id"] for e in ok(world.call("evaluator", "GET", entries))} == {entry_s["id"], entry_c["id"]}

    # scoring waits for the deadline
    scores = {"技术先进性": 88, "经济性": 80, "实施能力": 90}
    problem(world.call("evaluator", "POST", f"/v1/challenge-entries/{entry_s['id']}/scores", json={"scores": scores, "comments": "好"}),
            409, "deadline")
    world.clock.set(deadline + timedelta(minutes=1))
    try:
        late = world.call("S", "POST", entries, json={"solution": "迟到的方案"})
        problem(late, 409, "deadline")
        assert [e["id"] for e in ok(world.call("S", "GET", entries))] == [entry_s["id"]]  # the late one was not stored
        problem(world.call("evaluator", "POST", f"/v1/challenge-entries/{entry_s['id']}/scores",
                           json={"scores": {**scores, "经济性": 101}, "comments": "越界"}), 422, "body.scores.经济性")
        problem(world.call("evaluator", "POST", f"/v1/challenge-entries/{entry_s['id']}/scores",
                           json={"scores": {"技术先进性": 88}, "comments": "缺项"}), 422, "body.scores.经济性")
        problem(world.call("evaluator_other", "POST", f"/v1/challenge-entries/{entry_s['id']}/scores", json={"scores": scores, "comments": "x"}), 404)
        scored = ok(world.call("evaluator", "POST", f"/v1/challenge-entries/{entry_s['id']}/scores", json={"scores": scores, "comments": "方案成熟"}), 201)
        assert scored["mean_score"] == 86.2  # (88*40 + 80*30 + 90*30) / 100
        ok(world.call("evaluator", "POST", f"/v1/challenge-entries/{entry_c['id']}/scores",
                      json={"scores": {"技术先进性": 70, "经济性": 75, "实施能力": 72}, "comments": "可以一试"}), 201)
        assert ok(world.call("S", "GET", f"/v1/challenge-entries/{entry_s['id']}"))["scores"] == []  # the solver sees no scores
        assert ok(world.call("C", "GET", entries))[0]["scores"] == []
        assert ok(world.call("B", "GET", f"/v1/challenge-entries/{entry_s['id']}"))["mean_score"] == 86.2

        # award: 赛马, two teams in parallel, staged
        awards = f"/v1/challenges/{challenge['id']}/awards"
        problem(world.call("B", "POST", awards, json={"awards": [{"entry_id": entry_s["id"], "amount_cny": "-1"}]}), 422, "body.awards.0.amount_cny")
        problem(world.call("B", "POST", awards, json={"awards": [{"entry_id": entry_s["id"], "amount_cny": "600000.00"},
                                                                  {"entry_id": entry_c["id"], "amount_cny": "600000.00"}]}), 422, "body.awards")
        problem(world.call("B", "POST", awards, json={"awards": [{"entry_id": entry_s["id"], "amount_cny": "600000.00",
                                                                  "milestones": [{"title": "中试", "due": "2027-09-30", "amount_cny": "100000.00"}]}]}),
                422, "body.awards.0.milestones")
        problem(world.call("C", "POST", awards, json={"awards": [{"entry_id": entry_c["id"], "amount_cny": "600000.00"}]}), 403)
        made = ok(world.call("B", "POST", awards, json={"awards": [
            {"entry_id": entry_s["id"], "amount_cny": "600000.00",
             "milestones": [{"title": "中试验证", "due": "2027-09-30", "amount_cny": "200000.00"},
                            {"title": "工程示范", "due": "2028-06-30", "amount_cny": "400000.00"}]},
            {"entry_id": entry_c["id"], "amount_cny": "400000.00"}]}), 201)
        assert [a["solver_org_id"] for a in made] == [world.orgs["S"], world.orgs["C"]]
        assert ok(world.call("B", "GET", f"/v1/challenges/{challenge['id']}"))["status"] == "awarded"
        problem(world.call("B", "POST", awards, json={"awards": [{"entry_id": entry_s["id"], "amount_cny": "1.00"}]}), 409)

        # the award is a deal in the pipeline: stages, commission
        deal = ok(world.call("S", "GET", f"/v1/deals/{made[0]['deal_id']}"))
        assert (deal["origin"], deal["stage"], deal["technology_id"]) == ("challenge", "intent", tech_s["id"])
        for step in ({"to_stage": "negotiation"}, {"to_stage": "signed", "contract_amount_cny": "600000.00"}, {"to_stage": "closed"}):
            deal = ok(world.call("admin", "POST", f"/v1/deals/{deal['id']}/transitions", json=step))
        assert deal["stage"] == "closed" and deal["commission"] is not None and Decimal(deal["commission"]["commission_cny"]) > 0
    finally:
        world.clock.set(now)

    actions = [e["action"] for e in ok(world.call("admin", "GET", "/v1/audit", params={"limit": 200}))["items"]]
    for action in ("challenge_campaign.open", "challenge_campaign.need", "challenge.publish", "challenge.propose_solvers",
                   "challenge.enter", "challenge.score", "challenge.award", "deal.open"):
        assert action in actions, action


def as_demand_seq(world: World, demand_id: str) -> int:
    """The feed position of the demand's latest write (the challenge PATCH), for matching's read-your-write."""
    import httpx

    items = httpx.get(f"{world.registry_url}/v1/changes", params={"limit": 1000},
                      headers={"X-Service-Token": "test-service-token"}).json()["items"]
    return max(e["seq"] for e in items if e["id"] == demand_id)
