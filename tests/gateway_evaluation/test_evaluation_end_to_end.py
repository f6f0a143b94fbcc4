"""技术评价 end to end: request → accept → bad input refused (nothing stored) → evaluation recorded → visible on the
technology and in the feed → owner's response → expiry; conflicts of interest refused; matching filters on it."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import httpx

from tests.gateway_evaluation.conftest import World, ok, problem, technology

SCORES = {"maturity": 82, "effect": 88, "economic_benefit": 75, "environmental_benefit": 90, "ip_status": 70}
EVIDENCE = [{"kind": "test_report", "title": "第三方检测报告", "reference": "CMA 2026-HB-0183"},
            {"kind": "site_visit", "title": "宁波示范工程现场核查", "reference": "https://example.cn/visits/2026-11-20"}]


def submission(technology_id: str, valid_until: date, **extra) -> dict:
    return {"technology_id": technology_id, "scores": SCORES, "verdict": "recommended", "assessed_trl": 7,
            "energy_saved_tce_per_year": 1150, "co2_cut_t_per_year": 3000,
            "summary": "现场核查两套示范装置，节能率实测与申报参数一致；专利权属清晰。", "evidence": EVIDENCE,
            "valid_until": valid_until.isoformat(), **extra}


def registry_feed(world: World) -> list[dict]:
    resp = httpx.get(f"{world.registry_url}/v1/changes", params={"limit": 1000}, headers={"X-Service-Token": "test-service-token"})
    return ok(resp)["items"]


def test_request_record_respond_and_expire(world: World) -> None:
    tech = world.technologies["S"]
    today = world.clock().date()
    req = ok(world.call("S", "POST", "/v1/evaluation-requests",
                        json={"technology_id": tech["id"], "evaluator_org_id": "org_eval_cnis", "note": "申报推广目录前评价"}), 201)
    assert req["status"] == "open"
    for outsider in ("C", "evaluator_B", "broker"):  # not a party: the request does not exist for them
        problem(world.call(outsider, "GET", f"/v1/evaluation-requests/{req['id']}"), 404)
        assert req["id"] not in [r["id"] for r in ok(world.call(outsider, "GET", "/v1/evaluation-requests"))["items"]]
    problem(world.call("C", "POST", "/v1/evaluation-requests", json={"technology_id": tech["id"]}), 403)  # not the owner
    accepted = ok(world.call("evaluator", "POST", f"/v1/evaluation-requests/{req['id']}/decision",
                             json={"decision": "accept", "note": "两周内安排现场核查"}))
    assert accepted["status"] == "accepted" and accepted["evaluator_org_id"] == "org_eval_cnis"

    # bad input: 422 naming the field, nothing stored
    bad = {"body.scores.maturity": submission(tech["id"], today + timedelta(days=365), scores={**SCORES, "maturity": 101}),
           "body.valid_until": submission(tech["id"], today - timedelta(days=1)),
           "body.evidence": submission(tech["id"], today + timedelta(days=365), evidence=[]),
           "body.verdict": submission(tech["id"], today + timedelta(days=365), verdict="excellent")}
    for field, body in bad.items():
        problem(world.call("evaluator", "POST", "/v1/evaluations", json=body), 422, field)
    problem(world.call("evaluator", "POST", "/v1/evaluations", json=submission(tech["id"], today.replace(year=today.year + 6))),
            422, "body.valid_until")
    assert ok(world.call("S", "GET", f"/v1/technologies/{tech['id']}/evaluations")) == []
    assert ok(world.call("S", "GET", f"/v1/technologies/{tech['id']}"))["evaluation"] is None
    problem(world.call("S", "POST", "/v1/evaluations", json=submission(tech["id"], today + timedelta(days=365))), 403)  # owners don't

    valid_until = today + timedelta(days=365)
    evaluation = ok(world.call("evaluator", "POST", "/v1/evaluations",
                               json=submission(tech["id"], valid_until, request_id=req["id"])), 201)
    assert evaluation["overall_score"] == 81.0 and evaluation["current"] is True
    assert evaluation["evaluator_org_id"] == "org_eval_cnis" and evaluation["seq"] > 0
    assert ok(world.call("S", "GET", f"/v1/evaluation-requests/{req['id']}"))["status"] == "completed"

    # visible on the technology (to other tenants too) and on the registry's feed as its own entity
    summary = ok(world.call("C", "GET", f"/v1/technologies/{tech['id']}"))["evaluation"]
    assert summary == {"evaluation_id": evaluation["id"], "overall_score": 81.0, "verdict": "recommended",
                       "evaluator_org_id": "org_eval_cnis", "valid_until": valid_until.isoformat(), "count": 1}
    listed = ok(world.call("C", "GET", f"/v1/technologies/{tech['id']}/evaluations"))
    assert [e["id"] for e in listed] == [evaluation["id"]] and listed[0]["evidence"][1]["kind"] == "site_visit"
    events = [(e["entity"], e["id"], e["op"]) for e in registry_feed(world)]
    assert ("evaluation", evaluation["id"], "create") in events and ("technology", tech["id"], "update") in events

    # the owner responds; nobody else may
    problem(world.call("C", "POST", f"/v1/evaluations/{evaluation['id']}/response", json={"response": "不同意"}), 403)
    answered = ok(world.call("S", "POST", f"/v1/evaluations/{evaluation['id']}/response",
                             json={"response": "感谢评价，示范工程运行数据已补充。"}))
    assert answered["owner_response"] == "感谢评价，示范工程运行数据已补充。"

    # a second evaluation supersedes the first on the technology; withdrawing it falls back to the first
    second = ok(world.call("evaluator", "POST", "/v1/evaluations",
                           json=submission(tech["id"], valid_until, scores={k: 60 for k in SCORES}, verdict="conditional")), 201)
    assert ok(world.call("C", "GET", f"/v1/technologies/{tech['id']}"))["evaluation"]["evaluation_id"] == second["id"]
    problem(world.call("evaluator_other", "POST", f"/v1/evaluations/{second['id']}/withdraw"), 403)
    withdrawn = ok(world.call("evaluator", "POST", f"/v1/evaluations/{second['id']}/withdraw"))
    assert withdrawn["status"] == "withdrawn" and withdrawn["current"] is False
    assert ok(world.call("C", "GET", f"/v1/technologies/{tech['id']}"))["evaluation"]["evaluation_id"] == evaluation["id"]

    # audited
    actions = [e["action"] for e in ok(world.call("admin", "GET", "/v1/audit", params={"limit": 100}))["items"]]
    for action in ("evaluation_request.create", "evaluation_request.accept", "evaluation.record", "evaluation.respond",
                   "evaluation.withdraw"):
        assert action in actions, action

    # expiry: past valid_until the evaluation stays visible, no longer current
    world.clock.set(datetime.combine(valid_until + timedelta(days=1), datetime.min.time(), tzinfo=UTC))
    try:
        expired = ok(world.call("C", "GET", f"/v1/evaluations/{evaluation['id']}"))
        assert expired["current"] is False and expired["valid_until"] == valid_until.isoformat()
        assert [e["current"] for e in ok(world.call("S", "GET", f"/v1/technologies/{tech['id']}/evaluations"))] == [False, False]
    finally:
        world.clock.set(datetime(2026, 12, 1, 2, 0, tzinfo=UTC))


def test_conflicts_of_interest_are_refused(world: World) -> None:
    tech_s, tech_c = world.technologies["S"], world.technologies["C"]
    today = world.clock().date()
    body = submission(tech_s["id"], today + timedelta(days=400))
    refused = problem(world.call("evaluator_S", "POST", "/v1/evaluations", json=body), 409)  # its own organization's
    assert refused["field"] == "body.technology_id" and refused["reason"] == "conflict_of_interest"

    # B buys a license to S's technology through public trading → a deal → B may no longer evaluate it
    listing = ok(world.call("S", "POST", "/v1/trading/listings",
                            json={"technology_id": tech_s["id"], "transfer_mode": "license", "price_cny": "800000.00"}), 201)
    ok(world.call("B", "POST", f"/v1/trading/listings/{listing['id']}/applications", json={"offer_cny": "800000.00"}), 201)
    world.clock.advance(days=21)
    try:
        ok(world.call("S", "POST", f"/v1/trading/listings/{listing['id']}/agreement", json={"buyer_org_id": world.orgs["B"]}), 201)
        refused = problem(world.call("evaluator_B", "POST", "/v1/evaluations", json=body), 409)
        assert refused["reason"] == "conflict_of_interest"
        # … and may not accept a request for it either
        req = ok(world.call("S", "POST", "/v1/evaluation-requests", json={"technology_id": tech_s["id"]}), 201)
        problem(world.call("evaluator_B", "POST", f"/v1/evaluation-requests/{req['id']}/decision", json={"decision": "accept"}), 409)
        ok(world.call("S", "POST", f"/v1/evaluation-requests/{req['id']}/cancel"))
        # B has nothing to do with C: evaluating C's technology is fine
        ok(world.call("evaluator_B", "POST", "/v1/evaluations", json=submission(tech_c["id"], world.clock().date() + timedelta(days=30))), 201)
    finally:
        world.clock.set(datetime(2026, 12, 1, 2, 0, tzinfo=UTC))
    assert ok(world.call("S", "GET", f"/v1/technologies/{tech_s['id']}"))["evaluation"]["evaluator_org_id"] != world.orgs["B"]


def test_unpublished_or_unknown_technologies_are_not_evaluated(world: World) -> None:
    hidden = ok(world.call("C", "POST", "/v1/technologies", json=_tech("芬顿氧化+生化组合印染废水处理技术（待撤回）")), 201)
    withdrawn = ok(world.call("C", "POST", f"/v1/technologies/{hidden['id']}/withdraw", headers={"If-Match": f'"{hidden["version"]}"'}))
    assert withdrawn["status"] == "withdrawn"
    today = world.clock().date()
    # evaluators may read unpublished records: they learn it is not published (409 naming the field), nothing stored
    refused = problem(world.call("evaluator", "POST", "/v1/evaluations", json=submission(hidden["id"], today + timedelta(days=30))), 409)
    assert refused["field"] == "body.technology_id"
    assert ok(world.call("C", "GET", f"/v1/technologies/{hidden['id']}/evaluations")) == []
    for tech_id in ("tec_00000000000000000000", "nonsense"):
        problem(world.call("evaluator", "POST", "/v1/evaluations", json=submission(tech_id, today + timedelta(days=30))), 404)
    # for a broker, another tenant's unpublished technology and a missing one answer alike
    for tech_id in (hidden["id"], "tec_00000000000000000000", "nonsense"):
        problem(world.call("broker", "GET", f"/v1/technologies/{tech_id}/evaluations"), 404)
    problem(world.call("evaluator", "GET", "/v1/evaluations/eva_00000000000000000000"), 404)


def test_matching_filters_on_current_evaluations(world: World) -> None:
    """`evaluated` and `min_evaluation_score` through the gateway's /v1/search, answered by the real matching service.
    Matching compares valid_until with the real date: an evaluation recorded while the gateway clock stood in the
    past, valid until a day already gone, counts as none there."""
    fresh = ok(world.call("C", "POST", "/v1/technologies", json=_tech("高效余热回收热泵机组（已评价）")), 201)
    stale = ok(world.call("C", "POST", "/v1/technologies", json=_tech("工业余热回收热泵机组（评价过期）")), 201)
    real_today = datetime.now(UTC).date()
    ok(world.call("evaluator", "POST", "/v1/evaluations", json=submission(fresh["id"], real_today + timedelta(days=700))), 201)
    world.clock.set(datetime.combine(real_today - timedelta(days=60), datetime.min.time(), tzinfo=UTC))
    try:
        last = ok(world.call("evaluator", "POST", "/v1/evaluations",
                             json=submission(stale["id"], real_today - timedelta(days=2), scores={k: 95 for k in SCORES})), 201)
    finally:
        world.clock.set(datetime(2026, 12, 1, 2, 0, tzinfo=UTC))

    def ids(filters: dict) -> set[str]:
        body = {"query": "余热回收热泵机组", "target": "technology", "k": 50, "filters": filters, "min_seq": last["seq"]}
        return {hit["id"] for hit in ok(world.call("broker", "POST", "/v1/search", json=body))["items"]}

    evaluated = ids({"evaluated": True})
    assert fresh["id"] in evaluated and stale["id"] not in evaluated
    assert stale["id"] in ids({"evaluated": False}) and fresh["id"] not in ids({"evaluated": False})
    assert fresh["id"] in ids({"min_evaluation_score": 80}) and fresh["id"] not in ids({"min_evaluation_score": 90})
    assert stale["id"] not in ids({"min_evaluation_score": 50})  # 95 points, but expired
    problem(world.call("broker", "POST", "/v1/search", json={"query": "余热", "filters": {"min_evaluation_score": 101}}), 422,
            "body.filters.min_evaluation_score")


def _tech(title: str) -> dict:
    return technology(title)
