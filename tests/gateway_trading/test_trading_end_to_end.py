"""Public trading end to end through the gateway's HTTP API (real registry, manual clock):

listing → objection → resolution → agreement → deal; listing with several applicants → English auction with
deposits → anti-sniping extension → winner → deal → 意向 → 洽谈 → 签约 → 成交 → commission → technology contract
(export, statistics); tender → sealed offers → opening → scoring → award → deal; sealed-bid auction.
"""
from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from decimal import Decimal

from services.gateway.auth.roles import Role
from tests.gateway_trading.conftest import OPERATOR_ORG, World, ok, problem, technology


def _audit_actions(world: World, entity_id: str) -> list[str]:
    events = ok(world.call("admin", "GET", "/v1/audit", params={"entity_id": entity_id, "limit": 200}))["items"]
    return [e["action"] for e in events]


def _listing(world: World, **extra) -> dict:
    body = {"technology_id": world.technologies["S"]["id"], "transfer_mode": "license", "price_cny": "1200000.00", **extra}
    return ok(world.call("S", "POST", "/v1/trading/listings", json=body), 201)


def _close_deal(world: World, deal_id: str, amount: str) -> dict:
    for step in ({"to_stage": "negotiation"}, {"to_stage": "signed", "contract_amount_cny": amount}, {"to_stage": "closed"}):
        deal = ok(world.call("admin", "POST", f"/v1/deals/{deal_id}/transitions", json=step))
    return deal


def test_listing_objection_resolution_agreement_deal(world: World) -> None:
    listing = _listing(world, notice_days=20)
    assert listing["status"] == "notice" and listing["notice_days"] == 20
    # the notice is public: any key reads it
    for who in ("B2", "broker", "evaluator"):
        assert ok(world.call(who, "GET", f"/v1/trading/listings/{listing['id']}"))["status"] == "notice"
    problem(world.call("B1", "POST", "/v1/trading/listings", json={"technology_id": world.technologies["S"]["id"],
                                                                     "transfer_mode": "license"}), 403)
    problem(world.call("S", "POST", "/v1/trading/listings", json={"technology_id": world.technologies["S"]["id"],
                                                                    "transfer_mode": "license", "notice_days": 3}), 422, "body.notice_days")
    problem(world.call("S", "POST", "/v1/trading/listings", json={"technology_id": world.technologies["S"]["id"],
                                                                    "transfer_mode": "license"}), 409)  # one active listing

    objected = ok(world.call("B2", "POST", f"/v1/trading/listings/{listing['id']}/objections",
                             json={"reasons": "该成果的专利权属存在争议，我单位为共同完成人"}), 201)
    objection = objected["objections"][0]
    assert objection["status"] == "open" and objection["raised_by_org_id"] == world.orgs["B2"]
    other_view = ok(world.call("B3", "GET", f"/v1/trading/listings/{listing['id']}"))
    assert other_view["objections"][0]["raised_by_org_id"] is None  # who objected is not public
    ok(world.call("B1", "POST", f"/v1/trading/listings/{listing['id']}/applications", json={"offer_cny": "1200000.00"}), 201)

    world.clock.advance(days=21)
    problem(world.call("S", "POST", f"/v1/trading/listings/{listing['id']}/agreement",
                       json={"buyer_org_id": world.orgs["B1"]}), 409)  # objection still open
    problem(world.call("S", "POST", f"/v1/trading/listings/{listing['id']}/objections/{objection['id']}/resolution",
                       json={"decision": "dismissed"}), 403)
    resolved = ok(world.call("admin", "POST", f"/v1/trading/listings/{listing['id']}/objections/{objection['id']}/resolution",
                             json={"decision": "dismissed", "note": "权属证明齐全"}))
    assert resolved["objections"][0]["status"] == "dismissed" and resolved["status"] == "notice"

    problem(world.call("S", "POST", f"/v1/trading/listings/{listing['id']}/agreement",
                       json={"buyer_org_id": world.orgs["B3"]}), 422, "body.buyer_org_id")  # did not apply
    deal = ok(world.call("S", "POST", f"/v1/trading/listings/{listing['id']}/agreement", json={"buyer_org_id": world.orgs["B1"]}), 201)
    assert (deal["origin"], deal["origin_id"], deal["stage"]) == ("listing", listing["id"], "intent")
    assert (deal["seller_org_id"], deal["buyer_org_id"], deal["broker_org_id"]) == (world.orgs["S"], world.orgs["B1"], OPERATOR_ORG)
    assert deal["contract_amount_cny"] == "1200000.00" and deal["introduction_id"] is None
    final = ok(world.call("B2", "GET", f"/v1/trading/listings/{listing['id']}"))
    assert (final["status"], final["deal_id"]) == ("agreed", deal["id"])
    assert ok(world.call("B1", "GET", f"/v1/deals/{deal['id']}"))["id"] == deal["id"]  # a party reads its deal
    problem(world.call("B3", "GET", f"/v1/deals/{deal['id']}"), 404)  # others: as if absent
    actions = _audit_actions(world, listing["id"])
    assert {"trade_listing.create", "trade_listing.objection", "trade_listing.objection_resolve", "trade_listing.apply",
            "trade_listing.agreed"} <= set(actions)


def test_upheld_objection_suspends_and_a_quiet_notice_lapses(world: World) -> None:
    second = ok(world.call("S", "POST", "/v1/technologies", json=technology("膜法海水淡化能量回收技术")), 201)
    suspended_one = ok(world.call("S", "POST", "/v1/trading/listings",
                                  json={"technology_id": second["id"], "transfer_mode": "assignment"}), 201)
    assert suspended_one["price_on_request"] is True and suspended_one["notice_days"] == 15
    objection = ok(world.call("B3", "POST", f"/v1/trading/listings/{suspended_one['id']}/objections",
                              json={"reasons": "挂牌信息与实际技术成熟度不符"}), 201)["objections"][0]
    suspended = ok(world.call("admin", "POST", f"/v1/trading/listings/{suspended_one['id']}/objections/{objection['id']}/resolution",
                              json={"decision": "upheld", "withdraw": True, "note": "权属不清，撤牌"}))
    assert suspended["status"] == "withdrawn" and suspended["objections"][0]["status"] == "upheld"
    problem(world.call("B1", "POST", f"/v1/trading/listings/{suspended_one['id']}/applications", json={}), 409)
    problem(world.call("admin", "POST", f"/v1/trading/listings/{suspended_one['id']}/objections/{objection['id']}/resolution",
                       json={"decision": "dismissed"}), 409)  # already resolved

    quiet = ok(world.call("S", "POST", "/v1/trading/listings",
                          json={"technology_id": second["id"], "transfer_mode": "assignment", "notice_days": 5}), 201)
    world.clock.advance(days=6)
    problem(world.call("B1", "POST", f"/v1/trading/listings/{quiet['id']}/objections", json={"reasons": "公示期后的异议"}), 409)
    assert ok(world.call("broker", "GET", f"/v1/trading/listings/{quiet['id']}"))["status"] == "lapsed"
    assert "trade_listing.lapsed" in _audit_actions(world, quiet["id"])


def test_listing_to_english_auction_with_anti_sniping_then_deal_commission_contract(world: World) -> None:
    listing = _listing(world)
    for buyer in ("B1", "B2", "B3"):
        ok(world.call(buyer, "POST", f"/v1/trading/listings/{listing['id']}/applications", json={"note": "有意受让"}), 201)
    world.clock.advance(days=16)
    problem(world.call("S", "POST", f"/v1/trading/listings/{listing['id']}/agreement", json={"buyer_org_id": world.orgs["B1"]}), 409)
    now = world.clock()
    terms = {"kind": "english", "reserve_cny": "1300000.00", "starting_cny": "1200000.00", "increment_cny": "10000.00",
             "deposit_cny": "50000.00", "ends_at": (now + timedelta(hours=2)).isoformat(), "anti_snipe_minutes": 5}
    auction = ok(world.call("S", "POST", f"/v1/trading/listings/{listing['id']}/auction", json=terms), 201)
    assert auction["listing_id"] == listing["id"] and auction["reserve_cny"] == "1300000.00"
    assert ok(world.call("B1", "GET", f"/v1/auctions/{auction['id']}"))["reserve_cny"] is None  # reserve hidden from bidders
    assert ok(world.call("B1", "GET", f"/v1/trading/listings/{listing['id']}"))["status"] == "auction"
    bids = f"/v1/auctions/{auction['id']}/bids"

    problem(world.call("B1", "POST", bids, json={"amount_cny": "1200000.00"}), 403, "path.auction_id")  # not registered
    problem(world.call("B1", "POST", f"/v1/auctions/{auction['id']}/bidders", json={}), 422, "body.deposit_reference")
    for buyer in ("B1", "B2", "B3"):
        ok(world.call(buyer, "POST", f"/v1/auctions/{auction['id']}/bidders", json={"deposit_reference": f"保证金回单-{buyer}"}), 201)
    outsider = world.key_for(Role.enterprise, "org_outsider")
    problem(world.gw.post(f"/v1/auctions/{auction['id']}/bidders", json={"deposit_reference": "x"},
                          headers={"Authorization": f"Bearer {outsider}"}), 403)  # did not apply to the listing

    ok(world.call("B1", "POST", bids, json={"amount_cny": "1200000.00"}), 201)
    problem(world.call("B2", "POST", bids, json={"amount_cny": "1205000.00"}), 422, "body.amount_cny")  # below the increment
    ok(world.call("B2", "POST", bids, json={"amount_cny": "1250000.00"}, headers={"Idempotency-Key": "b2-first"}), 201)
    again = world.call("B2", "POST", bids, json={"amount_cny": "1250000.00"}, headers={"Idempotency-Key": "b2-first"})
    assert again.status_code == 200  # the retry is not a second bid
    world.clock.set(now + timedelta(hours=2) - timedelta(minutes=2))  # last 2 minutes: a bid extends the end
    sniped = ok(world.call("B3", "POST", bids, json={"amount_cny": "1300000.00"}), 201)
    assert sniped["extended_end_to"] is not None
    current = ok(world.call("B1", "GET", f"/v1/auctions/{auction['id']}"))
    assert current["ends_at"] > auction["ends_at"] and current["extensions"] == 1 and current["current_cny"] == "1300000.00"
    world.clock.set(now + timedelta(hours=2, minutes=1))  # after the original end, before the extended one
    ok(world.call("B1", "POST", bids, json={"amount_cny": "1350000.00"}), 201)
    problem(world.call("S", "POST", f"/v1/auctions/{auction['id']}/close"), 409)  # still running
    world.clock.set(now + timedelta(hours=3))
    problem(world.call("B2", "POST", bids, json={"amount_cny": "1500000.00"}), 409, "body.amount_cny")  # after the end
    stored = ok(world.call("B2", "GET", bids))
    assert [b["amount_cny"] for b in stored] == ["1200000.00", "1250000.00", "1300000.00", "1350000.00"]

    closed = ok(world.call("B3", "GET", f"/v1/auctions/{auction['id']}"))  # closed lazily on read
    assert (closed["status"], closed["winner_org_id"], closed["winning_cny"]) == ("closed", world.orgs["B1"], "1350000.00")
    deposits = {b["org_id"]: b["deposit_status"] for b in ok(world.call("S", "GET", f"/v1/auctions/{auction['id']}/bidders"))}
    assert deposits == {world.orgs["B1"]: "applied", world.orgs["B2"]: "to_return", world.orgs["B3"]: "to_return"}
    assert [b["org_id"] for b in ok(world.call("B2", "GET", f"/v1/auctions/{auction['id']}/bidders"))] == [world.orgs["B2"]]
    assert ok(world.call("S", "POST", f"/v1/auctions/{auction['id']}/close"))["deal_id"] == closed["deal_id"]  # idempotent

    deal = _close_deal(world, closed["deal_id"], "1350000.00")
    assert (deal["origin"], deal["stage"]) == ("auction", "closed")
    assert deal["commission"] is not None and Decimal(deal["commission"]["commission_cny"]) > 0

    problem(world.call("B1", "POST", "/v1/contracts", json={"deal_id": deal["id"], "contract_type": "license"}), 403)
    problem(world.call("admin", "POST", "/v1/contracts", json={"deal_id": deal["id"], "contract_type": "license",
                                                               "transaction_amount_cny": "1400000.00"}), 422, "body.transaction_amount_cny")
    contract = ok(world.call("admin", "POST", "/v1/contracts", json={
        "deal_id": deal["id"], "contract_type": "license", "transaction_amount_cny": "1200000.00"}), 201)
    assert contract["contract_type_name"] == "技术许可" and contract["contract_amount_cny"] == "1350000.00"
    assert (contract["seller_name"], contract["buyer_name"]) == ("清华大学技术转移研究院", "杭州绿源环保科技有限公司")
    problem(world.call("admin", "POST", "/v1/contracts", json={"deal_id": deal["id"], "contract_type": "license"}), 409)
    assert [c["id"] for c in ok(world.call("B1", "GET", "/v1/contracts"))["items"]] == [contract["id"]]
    assert ok(world.call("B2", "GET", "/v1/contracts"))["items"] == []

    lines = world.call("S", "GET", "/v1/contracts/export").text.splitlines()
    assert [json.loads(line)["id"] for line in lines] == [contract["id"]]
    rows = list(csv.DictReader(io.StringIO(world.call("admin", "GET", "/v1/contracts/export", params={"format": "csv"}).text.lstrip("\ufeff"))))
    assert rows[0]["contract_type_name"] == "技术许可" and rows[0]["transaction_amount_cny"] == "1200000.00"
    stats = ok(world.call("evaluator", "GET", "/v1/contracts/stats", params={"group_by": "domain"}))
    assert stats["total"]["contracts"] >= 1
    row = next(r for r in stats["items"] if r["key"] == "energy_saving")
    assert Decimal(row["transaction_amount_cny"]) >= Decimal("1200000.00")
    month = ok(world.call("B2", "GET", "/v1/contracts/stats", params={"group_by": "month"}))["items"]
    assert contract["registered_on"][:7] in {r["key"] for r in month}
    problem(world.call("B2", "GET", "/v1/contracts/stats", params={"from": "2026-12", "to": "2026-01"}), 422, "query.from")
    assert {"auction.create", "auction.register", "auction.bid", "auction.closed"} <= set(_audit_actions(world, auction["id"]))


def test_sealed_bid_auction_hides_bids_until_the_end(world: World) -> None:
    now = world.clock()
    auction = ok(world.call("S", "POST", "/v1/auctions", json={
        "technology_id": world.technologies["S"]["id"], "kind": "sealed", "reserve_cny": "0", "starting_cny": "500000.00",
        "increment_cny": "1.00", "ends_at": (now + timedelta(days=1)).isoformat(), "anti_snipe_minutes": 0}), 201)
    for buyer in ("B1", "B2", "B3"):
        ok(world.call(buyer, "POST", f"/v1/auctions/{auction['id']}/bidders", json={}), 201)
    bids = f"/v1/auctions/{auction['id']}/bids"
    ok(world.call("B1", "POST", bids, json={"amount_cny": "600000.00"}), 201)
    world.clock.advance(minutes=1)
    ok(world.call("B2", "POST", bids, json={"amount_cny": "650000.00"}), 201)
    world.clock.advance(minutes=1)
    ok(world.call("B3", "POST", bids, json={"amount_cny": "650000.00"}), 201)  # a tie: the earlier bid wins
    problem(world.call("B1", "POST", bids, json={"amount_cny": "700000.00"}), 409, "body.amount_cny")  # one sealed bid each
    for who in ("B1", "S", "broker"):
        seen = ok(world.call(who, "GET", f"/v1/auctions/{auction['id']}"))
        assert seen["current_cny"] is None and seen["bid_count"] is None and seen["leader_org_id"] is None
    assert [b["bidder_org_id"] for b in ok(world.call("B1", "GET", bids))] == [world.orgs["B1"]]
    assert ok(world.call("S", "GET", bids)) == []  # not even the seller
    world.clock.advance(days=2)
    closed = ok(world.call("S", "POST", f"/v1/auctions/{auction['id']}/close"))
    assert (closed["winner_org_id"], closed["winning_cny"]) == (world.orgs["B2"], "650000.00")
    assert len(ok(world.call("B1", "GET", bids))) == 3


def test_tender_sealed_offers_opening_scoring_award(world: World) -> None:
    now = world.clock()
    problem(world.call("B1", "POST", "/v1/tenders", json={
        "title": "印染废水深度处理技术招标", "requirements": "COD≤50mg/L", "weights": {"price": 40, "technical": 50, "delivery": 20},
        "deadline": (now + timedelta(days=7)).isoformat()}), 422, "body.weights")
    before = ok(world.call("B1", "GET", "/v1/tenders"))["items"]
    tender = ok(world.call("B1", "POST", "/v1/tenders", json={
        "title": "印染废水深度处理技术招标", "requirements": "COD≤50mg/L，回用率≥60%", "weights": {"price": 40, "technical": 50, "delivery": 10},
        "budget_cny": "2000000.00", "deadline": (now + timedelta(days=7)).isoformat(), "domain": "pollution_control"}), 201)
    assert len(ok(world.call("B1", "GET", "/v1/tenders"))["items"]) == len(before) + 1
    offers = f"/v1/tenders/{tender['id']}/offers"
    own = ok(world.call("S", "POST", offers, json={"price_cny": "1800000.00", "delivery_days": 90, "technical_proposal": "膜生物反应器+臭氧催化氧化",
                                                   "technology_id": world.technologies["S"]["id"]}), 201)
    ok(world.call("B2", "POST", offers, json={"price_cny": "1500000.00", "delivery_days": 120, "technical_proposal": "芬顿氧化+生化",
                                              "technology_id": world.technologies["B2"]["id"]}), 201)
    problem(world.call("B1", "POST", offers, json={"price_cny": "1.00", "delivery_days": 1, "technical_proposal": "自投",
                                                     "technology_id": world.technologies["S"]["id"]}), 409)
    problem(world.call("B3", "POST", offers, json={"price_cny": "-5.00", "delivery_days": 30, "technical_proposal": "x方案"}), 422, "body.price_cny")
    # sealed: the buyer and an admin see nothing, a bidder only its own, the count is hidden
    assert ok(world.call("B1", "GET", offers)) == [] and ok(world.call("admin", "GET", offers)) == []
    assert [o["id"] for o in ok(world.call("S", "GET", offers))] == [own["id"]]
    assert ok(world.call("B1", "GET", f"/v1/tenders/{tender['id']}"))["offer_count"] is None
    problem(world.call("B1", "PUT", f"/v1/tenders/{tender['id']}/scores", json={"scores": [{"offer_id": own["id"], "technical_score": 90}]}), 409)

    world.clock.advance(days=8)
    problem(world.call("B3", "POST", offers, json={"price_cny": "1000000.00", "delivery_days": 30, "technical_proposal": "迟到方案",
                                                     "technology_id": world.technologies["B2"]["id"]}),
            409, "tender.deadline")
    opened = ok(world.call("B2", "GET", f"/v1/tenders/{tender['id']}"))
    assert (opened["status"], opened["offer_count"]) == ("opened", 2)
    listed = {o["bidder_org_id"]: o for o in ok(world.call("B1", "GET", offers))}
    assert listed[world.orgs["B2"]]["price_score"] == "100.00"  # lowest price: full marks
    assert listed[world.orgs["S"]]["price_score"] == "83.33"  # 100 × 1.5M / 1.8M
    assert listed[world.orgs["S"]]["delivery_score"] == "100.00"
    assert len(ok(world.call("B2", "GET", offers))) == 1  # bidders keep seeing their own only
    problem(world.call("B1", "POST", f"/v1/tenders/{tender['id']}/award", json={"offer_id": own["id"]}), 409)  # not scored yet
    scored = ok(world.call("B1", "PUT", f"/v1/tenders/{tender['id']}/scores", json={"scores": [
        {"offer_id": own["id"], "technical_score": 95}, {"offer_id": listed[world.orgs["B2"]]["id"], "technical_score": 70}]}))
    ranks = {o["bidder_org_id"]: (o["total_score"], o["rank"]) for o in scored}
    # S: 0.4×83.33 + 0.5×95 + 0.1×100 = 90.83; B2: 0.4×100 + 0.5×70 + 0.1×75 = 82.50
    assert ranks == {world.orgs["S"]: ("90.83", 1), world.orgs["B2"]: ("82.50", 2)}
    deal = ok(world.call("B1", "POST", f"/v1/tenders/{tender['id']}/award", json={"offer_id": own["id"]}), 201)
    assert (deal["origin"], deal["seller_org_id"], deal["buyer_org_id"], deal["contract_amount_cny"]) == (
        "tender", world.orgs["S"], world.orgs["B1"], "1800000.00")
    assert ok(world.call("B3", "GET", f"/v1/tenders/{tender['id']}"))["status"] == "awarded"
    assert {"tender.publish", "tender.offer", "tender.open", "tender.score", "tender.award"} <= set(_audit_actions(world, tender["id"]))
