"""THE broker workflow through real HTTP: registry, matching and gateway on loopback ports.

An enterprise posts a need, a trading platform bulk-syncs technologies, a broker matches, shortlists and asks
for an introduction, the technology owner accepts, the deal goes 意向 → 洽谈 → 签约 → 成交, the commission is right
to the fen, webhook receivers get signed events they verify, and the statistics show the deal.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.gateway_workflow.conftest import Platform
from tests.gateway_workflow.receiver import Receiver

pytestmark = pytest.mark.model

DEMAND = {
    "title": "家具喷涂车间低浓度大风量VOCs废气治理",
    "description": "我们是家具制造企业，喷漆车间排出的有机废气风量大、浓度低，现有活性炭吸附经常饱和，环保检查VOCs排放不达标，"
                   "需要一套运行成本可控的废气治理技术方案。",
    "domain": "pollution_control",
    "keywords": ["VOCs", "喷涂废气", "家具"],
    "expected_indicators": "VOCs去除率≥90%，排放浓度≤50mg/m³",
    "budget_max_cny": "2000000.00",
    "region": "330100",
}

TECHNOLOGIES = [
    {
        "title": "沸石转轮吸附浓缩+蓄热燃烧(RTO)VOCs治理技术",
        "summary": "针对喷涂、印刷等行业低浓度大风量VOCs废气，先用沸石转轮吸附浓缩，再进入蓄热式焚烧炉燃烧净化。",
        "description": "沸石转轮将大风量低浓度有机废气浓缩10-20倍，脱附气进入RTO高温氧化分解，VOCs去除率95%以上，"
                       "热回收效率超过95%，已在家具、汽车喷涂车间应用，运行稳定，排放浓度低于30mg/m³。",
        "domain": "pollution_control", "subdomain": "air_pollution",
        "keywords": ["VOCs", "沸石转轮", "RTO", "喷涂废气"],
        "stage": "industrialization", "trl": 9, "transfer_modes": ["license", "technical_service"],
        "price_min_cny": "800000.00", "price_max_cny": "1500000.00", "region": "320500",
        "external_ref": {"source": "zjtm", "external_id": "T-2024-0001"},
    },
    {
        "title": "钢渣微粉制备高性能混凝土掺合料技术",
        "summary": "将转炉钢渣经磁选、粉磨制成微粉，替代部分水泥用于混凝土，实现钢渣资源化综合利用。",
        "description": "钢渣经破碎、磁选回收铁后粉磨至比表面积450m²/kg以上，活性指数达到标准要求，可替代20%-30%水泥，"
                       "降低混凝土成本并减少二氧化碳排放，适用于钢铁企业固废综合利用项目。",
        "domain": "resource_recycling", "subdomain": "industrial_solid_waste_utilization",
        "keywords": ["钢渣", "综合利用", "混凝土掺合料"],
        "stage": "demonstration", "trl": 7, "transfer_modes": ["assignment"],
        "price_min_cny": "3000000.00", "region": "130200",
        "external_ref": {"source": "zjtm", "external_id": "T-2024-0002"},
    },
    {
        "title": "畜禽粪污厌氧发酵沼气发电及有机肥生产技术",
        "summary": "规模化养殖场粪污经厌氧发酵产沼气发电，沼渣沼液制成有机肥，实现畜禽粪污资源化利用。",
        "description": "采用高浓度中温厌氧发酵工艺，容积产气率1.2m³/(m³·d)以上，沼气经脱硫后发电并网，余热用于发酵罐保温，"
                       "沼渣好氧堆肥生产商品有机肥，适用于存栏万头以上的生猪养殖场。",
        "domain": "eco_agriculture", "subdomain": "agricultural_waste",
        "keywords": ["畜禽粪污", "沼气", "有机肥"],
        "stage": "industrialization", "trl": 8, "transfer_modes": ["technical_service"],
        "price_min_cny": "500000.00", "region": "410100",
        "external_ref": {"source": "zjtm", "external_id": "T-2024-0003"},
    },
]

ALL_EVENTS = ["introduction.requested", "introduction.accepted", "introduction.declined", "deal.stage_changed",
              "commission.computed", "match.found"]


def ok(resp: httpx.Response, status: int = 200) -> Any:
    assert resp.status_code == status, f"{resp.request.method} {resp.request.url} → {resp.status_code}: {resp.text[:1500]}"
    return resp.json() if resp.content else None


def problem(resp: httpx.Response, status: int) -> dict:
    assert resp.status_code == status, f"expected {status}, got {resp.status_code}: {resp.text[:1000]}"
    assert resp.headers["content-type"].startswith("application/problem+json")
    return resp.json()


def wait_for(check: Callable[[], Any], what: str | Callable[[], str], timeout: float = 120.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what() if callable(what) else what}")


def test_broker_workflow_end_to_end(platform: Platform) -> None:
    admin = platform.client(platform.admin_key)
    # ---- tenants and keys (admin API)
    buyer_org = ok(admin.post("/v1/organizations", json={"name": "浙江安居家具制造有限公司", "type": "enterprise", "region": "330100"}), 201)
    seller_org = ok(admin.post("/v1/organizations", json={"name": "苏州净气环保科技研究院", "type": "research_institute", "region": "320500"}), 201)
    broker_org = ok(admin.post("/v1/organizations", json={"name": "杭州绿桥技术转移服务中心", "type": "intermediary", "region": "330100"}), 201)
    partner_org = ok(admin.post("/v1/organizations", json={"name": "上海长三角技术经纪事务所", "type": "intermediary", "region": "310000"}), 201)

    def key(role: str, org_id: str, name: str, **extra: str) -> str:
        return ok(admin.post("/v1/keys", json={"role": role, "org_id": org_id, "name": name, **extra}), 201)["key"]

    buyer = platform.client(key("enterprise", buyer_org["id"], "家具厂对接"))
    seller = platform.client(key("enterprise", seller_org["id"], "研究院技术转移办"))
    broker = platform.client(key("broker", broker_org["id"], "经纪人王工"))
    syncer = platform.client(key("platform", "org_zjtm", "浙江网上技术市场同步", source="zjtm"))

    with Receiver() as broker_hook, Receiver() as seller_hook:
        sub = ok(broker.post("/v1/webhooks", json={"url": broker_hook.url, "event_types": ALL_EVENTS}), 201)
        broker_hook.secret = sub["secret"]
        seller_sub = ok(seller.post("/v1/webhooks", json={"url": seller_hook.url, "event_types": ["introduction.requested"]}), 201)
        seller_hook.secret = seller_sub["secret"]

        # ---- an enterprise posts its need; the broker saves an interest
        demand = ok(buyer.post("/v1/demands", json=DEMAND), 201)
        assert demand["status"] == "published", demand
        bad_interest = buyer.post("/v1/interests", json={"query": "VOCs", "filters": {"domain": "no_such_domain"}})
        assert bad_interest.status_code == 422, bad_interest.text
        interest = ok(broker.post("/v1/interests", json={"name": "VOCs治理", "query": "喷涂车间VOCs废气治理 沸石转轮 RTO"}), 201)

        # ---- a trading platform bulk-syncs technologies owned by the research institute
        items = [{**t, "owner_org_id": seller_org["id"]} for t in TECHNOLOGIES]
        # not before the institute delegated its listings to the platform (granted by an admin on its mandate)
        refused = problem(syncer.post("/v1/technologies/bulk-upsert", json={"items": items}), 403)
        assert refused["errors"][0]["field"] == "body.items.0.owner_org_id", refused
        ok(admin.post("/v1/delegations", json={"org_id": seller_org["id"], "platform_org_id": "org_zjtm", "note": "委托书 ZJTM-2026-018"}), 201)
        synced = ok(syncer.post("/v1/technologies/bulk-upsert", json={"items": items}))
        assert [r["status"] for r in synced["items"]] == ["published"] * 3, synced
        seq = synced["seq"]
        rto_id = next(r["id"] for r in synced["items"] if r["index"] == 0)

        # ---- the broker works the need
        eng = ok(broker.post("/v1/engagements", json={"subject_entity": "demand", "subject_id": demand["id"],
                                                      "note": "客户预算200万元以内"}), 201)
        assert problem(buyer.post("/v1/engagements", json={"subject_entity": "demand", "subject_id": demand["id"]}), 403)
        matches = ok(broker.post(f"/v1/engagements/{eng['id']}/matches", json={"k": 5, "min_seq": seq}))
        top = matches["items"][0]
        assert top["title"] == TECHNOLOGIES[0]["title"], [h["title"] for h in matches["items"]]
        assert {"score", "strength", "components"} <= set(top)
        assert top["id"] == rto_id
        entry = ok(broker.post(f"/v1/engagements/{eng['id']}/shortlist",
                               json={"candidate_id": rto_id, "note": "家具行业有案例，报价在预算内", "match": top}), 201)
        assert entry["candidate_owner_org_id"] == seller_org["id"]
        problem(broker.post(f"/v1/engagements/{eng['id']}/shortlist", json={"candidate_id": rto_id}), 409)
        intro = ok(broker.post(f"/v1/engagements/{eng['id']}/shortlist/{entry['id']}/introduction",
                               json={"message": "您好，一家家具企业希望洽谈沸石转轮+RTO技术许可。"}), 201)

        # ---- the owner organization answers with its enterprise key
        inbox = ok(seller.get("/v1/introductions", params={"status": "requested"}))
        assert [i["id"] for i in inbox["items"]] == [intro["id"]]
        problem(buyer.post(f"/v1/introductions/{intro['id']}/accept", json={}), 404)  # not a party
        problem(seller.post(f"/v1/introductions/{intro['id']}/decline", json={"reason": "because"}), 422)
        deal = ok(seller.post(f"/v1/introductions/{intro['id']}/accept", json={"text": "欢迎来访交流"}), 201)
        assert deal["stage"] == "intent" and deal["stage_name"] == "意向"
        problem(seller.post(f"/v1/introductions/{intro['id']}/accept", json={}), 409)

        # ---- deal stages: illegal moves refused, amount required at signing
        d = f"/v1/deals/{deal['id']}"
        illegal = problem(broker.post(f"{d}/transitions", json={"to_stage": "closed"}), 409)
        assert illegal["allowed_next"] == ["negotiation", "terminated"]
        ok(broker.post(f"{d}/transitions", json={"to_stage": "negotiation", "note": "首次技术交流"}))
        missing = problem(broker.post(f"{d}/transitions", json={"to_stage": "signed"}), 422)
        assert missing["errors"][0]["field"] == "body.contract_amount_cny"
        problem(broker.post(f"{d}/transitions", json={"to_stage": "signed", "contract_amount_cny": "12.345"}), 422)
        problem(seller.post(f"{d}/transitions", json={"to_stage": "terminated"}), 403)
        signed = ok(broker.post(f"{d}/transitions", json={"to_stage": "signed", "contract_amount_cny": "1234567.89", "version": 2}))
        problem(broker.post(f"{d}/transitions", json={"to_stage": "closed", "version": 2}), 409)  # stale version
        problem(broker.put(f"{d}/brokers", json={"shares": [{"broker_org_id": broker_org["id"], "share_percent": "60"}]}), 422)
        ok(broker.put(f"{d}/brokers", json={"shares": [{"broker_org_id": broker_org["id"], "share_percent": "66.67"},
                                                       {"broker_org_id": partner_org["id"], "share_percent": "33.33"}]}))
        closed = ok(broker.post(f"{d}/transitions", json={"to_stage": "closed", "version": signed["version"], "note": "合同款已到账"}))

        # ---- commission to the fen: 100万×5% + 234,567.89×3% = 57,037.0367 → 57,037.04 yuan
        assert closed["stage_name"] == "成交" and closed["allowed_next"] == []
        assert [h["to_stage"] for h in closed["history"]] == ["intent", "negotiation", "signed", "closed"]
        assert all(h["actor_key_id"] and h["at"].endswith("Z") or "+00:00" in h["at"] for h in closed["history"])
        commission = closed["commission"]
        assert Decimal(commission["commission_cny"]) == Decimal("57037.04")
        # 5,703,704 fen × 66.67 % = 3,802,659.46 and × 33.33 % = 1,901,044.54: the leftover fen goes to the larger remainder
        assert [(a["broker_org_id"], Decimal(a["amount_cny"])) for a in commission["allocations"]] == [
            (broker_org["id"], Decimal("38026.59")), (partner_org["id"], Decimal("19010.45"))]
        preview = ok(broker.get("/v1/commissions/preview", params={"contract_amount_cny": "1234567.89"}))
        assert Decimal(preview["commission_cny"]) == Decimal("57037.04")
        assert ok(broker.get("/v1/commission-rules"))["tiers"][1]["rate"] == "0.03"
        problem(broker.post(f"{d}/transitions", json={"to_stage": "terminated"}), 409)

        # ---- audit: every state change, with who
        audit = ok(admin.get("/v1/audit", params={"entity_id": deal["id"], "limit": 50}))
        actions = sorted(e["action"] for e in audit["items"])
        assert actions.count("deal.transition") == 3 and "deal.open" in actions and "deal.broker_shares" in actions

        # ---- webhooks: signed events, verified by the receivers, each event once
        def broker_events() -> dict[str, list[dict]]:
            by_type: dict[str, list[dict]] = {}
            for e in broker_hook.events.values():
                by_type.setdefault(e["type"], []).append(e)
            return by_type

        wait_for(lambda: len(broker_events().get("deal.stage_changed", [])) == 3 and "commission.computed" in broker_events(),
                 "deal webhooks")
        wait_for(lambda: "match.found" in broker_events(),
                 lambda: f"match webhook; notifications: {ok(broker.get('/v1/notifications'))}; log: {platform.gateway.log()[-3000:]}")
        events = broker_events()
        assert broker_hook.rejected == []
        assert [e["data"]["to_stage"] for e in sorted(events["deal.stage_changed"], key=lambda e: e["data"]["version"])] == \
            ["negotiation", "signed", "closed"]
        assert events["introduction.accepted"][0]["data"]["deal_id"] == deal["id"]
        assert events["commission.computed"][0]["data"]["commission_cny"] == "57037.04"
        assert any(e["data"]["technology_id"] == rto_id and e["data"]["interest_id"] == interest["id"] for e in events["match.found"])
        wait_for(lambda: seller_hook.events, "seller webhook")
        assert [e["data"]["introduction_id"] for e in seller_hook.events.values()] == [intro["id"]]
        log = ok(broker.get(f"/v1/webhooks/{sub['id']}/deliveries"))
        assert all(d["status"] == "delivered" and d["attempt_log"][-1]["status_code"] == 200 for d in log["items"])

        # ---- notifications from the feed follower
        broker_notes = ok(broker.get("/v1/notifications"))["items"]
        assert [n["technology_id"] for n in broker_notes if n["kind"] == "interest_match"] == [rto_id]
        buyer_notes = wait_for(lambda: ok(buyer.get("/v1/notifications"))["items"], "demand owner notification")
        assert any(n["kind"] == "demand_match" and n["demand_id"] == demand["id"] and n["technology_id"] == rto_id
                   for n in buyer_notes)

    # ---- statistics
    by_domain = ok(broker.get("/v1/stats", params={"group_by": "domain"}))
    row = next(r for r in by_domain["items"] if r["key"] == "pollution_control")
    assert row["name"] == "污染治理"
    cur = row["current"]
    assert (cur["technologies_listed"], cur["demands_listed"], cur["introductions_accepted"], cur["deals_closed"]) == (1, 1, 1, 1)
    assert Decimal(cur["deal_amount_cny"]) == Decimal("1234567.89") and Decimal(cur["commission_cny"]) == Decimal("57037.04")
    assert row["yoy_growth"]["deals_closed"] is None  # nothing a year earlier
    assert by_domain["totals"]["technologies_listed"] == 3
    by_region = ok(broker.get("/v1/stats", params={"group_by": "region"}))
    assert next(r for r in by_region["items"] if r["key"] == "330000")["current"]["deals_closed"] == 1
    by_month = ok(broker.get("/v1/stats", params={"group_by": "month"}))
    assert sum(r["current"]["deals_closed"] for r in by_month["items"]) == 1
    problem(broker.get("/v1/stats", params={"from": "2025-13"}), 422)

    # ---- a gateway restart neither loses nor repeats notifications (the cursor commits with them)
    def note_keys(client: httpx.Client) -> list[tuple]:
        return sorted((n["kind"], n["technology_id"], n["interest_id"] or "", n["demand_id"] or "")
                      for n in ok(client.get("/v1/notifications", params={"limit": 500}))["items"])

    before = note_keys(broker)
    platform.restart_gateway()
    broker = platform.client(broker.headers["Authorization"].split()[1])  # the gateway has a new port
    syncer = platform.client(syncer.headers["Authorization"].split()[1])
    more = {**TECHNOLOGIES[0], "title": "活性炭吸附脱附+催化燃烧(CO)喷涂VOCs治理技术",
            "external_ref": {"source": "zjtm", "external_id": "T-2024-0004"}, "owner_org_id": seller_org["id"]}
    new = ok(syncer.post("/v1/technologies/bulk-upsert", json={"items": [more]}))["items"][0]
    after = wait_for(lambda: (keys := note_keys(broker)) != before and keys, "a notification after the restart")
    assert len(after) == len(set(after)), "a notification was recorded twice"
    assert set(before) < set(after)
    assert {k[1] for k in set(after) - set(before)} == {new["id"]}
