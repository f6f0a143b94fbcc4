"""Trading state changes reach webhook subscribers, and sealed bids/offers tell nobody but their sender."""
from __future__ import annotations

from datetime import timedelta

from tests.gateway_trading.conftest import World, ok

HOOK = "http://93.184.215.14/hook"  # a public address: accepted as a target; deliveries may fail, events are what we check


def _subscribe(world: World, who: str, types: list[str]) -> str:
    return ok(world.call(who, "POST", "/v1/webhooks", json={"url": HOOK, "event_types": types}), 201)["id"]


def _types(world: World, who: str, subscription_id: str) -> list[str]:
    items = ok(world.call(who, "GET", f"/v1/webhooks/{subscription_id}/deliveries", params={"limit": 500}))["items"]
    return [d["event_type"] for d in items]


def test_events_for_listing_auction_and_tender(world: World) -> None:
    trading = ["trade_listing.published", "trade_listing.objection_raised", "trade_listing.objection_resolved",
               "trade_listing.applied", "trade_listing.concluded", "auction.opened", "auction.bidder_registered",
               "auction.bid_placed", "auction.extended", "auction.closed", "tender.published", "tender.offer_submitted",
               "tender.opened", "tender.awarded", "deal.stage_changed"]
    seller, buyer, rival = (_subscribe(world, who, trading) for who in ("S", "B1", "B2"))

    listing = ok(world.call("S", "POST", "/v1/trading/listings", json={
        "technology_id": world.technologies["S"]["id"], "transfer_mode": "license", "price_cny": "800000.00", "notice_days": 5}), 201)
    objection = ok(world.call("B2", "POST", f"/v1/trading/listings/{listing['id']}/objections", json={"reasons": "价格明显偏低"}), 201)
    ok(world.call("admin", "POST", f"/v1/trading/listings/{listing['id']}/objections/{objection['objections'][0]['id']}/resolution",
                  json={"decision": "dismissed"}))
    ok(world.call("B1", "POST", f"/v1/trading/listings/{listing['id']}/applications", json={}), 201)
    world.clock.advance(days=6)
    ok(world.call("S", "POST", f"/v1/trading/listings/{listing['id']}/agreement", json={"buyer_org_id": world.orgs["B1"]}), 201)

    sealed = ok(world.call("S", "POST", "/v1/auctions", json={
        "technology_id": world.technologies["S"]["id"], "kind": "sealed", "reserve_cny": "0", "starting_cny": "100.00",
        "increment_cny": "1.00", "ends_at": (world.clock() + timedelta(hours=1)).isoformat()}), 201)
    for who in ("B1", "B2"):
        ok(world.call(who, "POST", f"/v1/auctions/{sealed['id']}/bidders", json={}), 201)
    seller_before = _types(world, "S", seller).count("auction.bid_placed")
    ok(world.call("B1", "POST", f"/v1/auctions/{sealed['id']}/bids", json={"amount_cny": "150.00"}), 201)
    assert _types(world, "S", seller).count("auction.bid_placed") == seller_before  # the seller learns nothing
    assert "auction.bid_placed" in _types(world, "B1", buyer)  # the bidder gets its receipt
    assert "auction.bid_placed" not in _types(world, "B2", rival)
    world.clock.advance(hours=2)
    ok(world.call("S", "POST", f"/v1/auctions/{sealed['id']}/close"))

    tender = ok(world.call("B1", "POST", "/v1/tenders", json={
        "title": "余热回收技术招标", "requirements": "回收率≥70%", "weights": {"price": 60, "technical": 40, "delivery": 0},
        "deadline": (world.clock() + timedelta(days=1)).isoformat()}), 201)
    ok(world.call("B2", "POST", f"/v1/tenders/{tender['id']}/offers",
                  json={"price_cny": "90000.00", "delivery_days": 30, "technical_proposal": "热管换热方案",
                        "technology_id": world.technologies["B2"]["id"]}), 201)
    assert "tender.offer_submitted" not in _types(world, "B1", buyer)  # sealed: not even that an offer came in
    world.clock.advance(days=2)
    ok(world.call("B1", "GET", f"/v1/tenders/{tender['id']}"))

    seller_types, buyer_types, rival_types = (set(_types(world, w, s)) for w, s in (("S", seller), ("B1", buyer), ("B2", rival)))
    assert {"trade_listing.published", "trade_listing.objection_raised", "trade_listing.objection_resolved",
            "trade_listing.applied", "trade_listing.concluded", "deal.stage_changed", "auction.opened",
            "auction.bidder_registered", "auction.closed"} <= seller_types
    assert {"trade_listing.concluded", "deal.stage_changed", "auction.closed", "tender.published", "tender.opened"} <= buyer_types
    assert {"trade_listing.objection_resolved", "auction.closed", "tender.offer_submitted", "tender.opened"} <= rival_types
