"""Bad input is a 4xx problem+json naming the field, and nothing is stored."""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests.gateway_trading.conftest import World, ok, problem


@pytest.fixture(scope="module")
def english(world: World) -> dict:
    auction = ok(world.call("S", "POST", "/v1/auctions", json={
        "technology_id": world.technologies["S"]["id"], "reserve_cny": "100.00", "starting_cny": "100.00",
        "increment_cny": "10.00", "ends_at": (world.clock() + timedelta(days=30)).isoformat()}), 201)
    ok(world.call("B1", "POST", f"/v1/auctions/{auction['id']}/bidders", json={}), 201)
    ok(world.call("B1", "POST", f"/v1/auctions/{auction['id']}/bids", json={"amount_cny": "100.00"}), 201)
    return auction


@pytest.mark.parametrize(("amount", "status"), [
    ("105.00", 422),  # below current + increment
    ("-120.00", 422), ("0", 422), ("120.001", 422), ("abc", 422), ("300万", 422),
])
def test_bad_bids_name_the_amount_and_store_nothing(world: World, english: dict, amount: str, status: int) -> None:
    path = f"/v1/auctions/{english['id']}/bids"
    before = ok(world.call("S", "GET", path))
    problem(world.call("B1", "POST", path, json={"amount_cny": amount}), status, "body.amount_cny")
    assert ok(world.call("S", "GET", path)) == before


def test_unregistered_bidder_and_unknown_auction(world: World, english: dict) -> None:
    path = f"/v1/auctions/{english['id']}/bids"
    before = ok(world.call("S", "GET", path))
    problem(world.call("B2", "POST", path, json={"amount_cny": "500.00"}), 403, "path.auction_id")
    problem(world.call("B2", "POST", "/v1/auctions/auc_nope/bids", json={"amount_cny": "500.00"}), 404)
    problem(world.call("broker", "POST", path, json={"amount_cny": "500.00"}), 403)  # brokers do not bid
    assert ok(world.call("S", "GET", path)) == before


@pytest.mark.parametrize(("terms", "field"), [
    ({"starting_cny": "-1.00"}, "body.starting_cny"),
    ({"increment_cny": "0.001"}, "body.increment_cny"),
    ({"anti_snipe_minutes": 500}, "body.anti_snipe_minutes"),
    ({"ends_at": "2020-01-01T00:00:00Z"}, "body.ends_at"),
    ({"ends_at": "2026-12-31T00:00:00"}, "body.ends_at"),  # no time zone
])
def test_bad_auction_terms(world: World, terms: dict, field: str) -> None:
    before = ok(world.call("S", "GET", "/v1/auctions", params={"limit": 500}))["items"]
    body = {"technology_id": world.technologies["S"]["id"], "reserve_cny": "100.00", "starting_cny": "100.00",
            "increment_cny": "10.00", "ends_at": (world.clock() + timedelta(days=1)).isoformat(), **terms}
    problem(world.call("S", "POST", "/v1/auctions", json=body), 422, field)
    assert ok(world.call("S", "GET", "/v1/auctions", params={"limit": 500}))["items"] == before


@pytest.mark.parametrize(("weights", "deadline_days", "field"), [
    ({"price": 30, "technical": 30, "delivery": 30}, 7, "body.weights"),
    ({"price": 120, "technical": -20, "delivery": 0}, 7, "body.weights.price"),
    ({"price": 40, "technical": 50, "delivery": 10}, -1, "body.deadline"),
])
def test_bad_tenders(world: World, weights: dict, deadline_days: int, field: str) -> None:
    before = ok(world.call("B1", "GET", "/v1/tenders", params={"limit": 500}))["items"]
    body = {"title": "余热利用技术招标", "requirements": "回收效率≥70%", "weights": weights,
            "deadline": (world.clock() + timedelta(days=deadline_days)).isoformat()}
    problem(world.call("B1", "POST", "/v1/tenders", json=body), 422, field)
    assert ok(world.call("B1", "GET", "/v1/tenders", params={"limit": 500}))["items"] == before


def test_offer_after_the_deadline_and_bad_offers(world: World) -> None:
    tender = ok(world.call("B1", "POST", "/v1/tenders", json={
        "title": "余热利用技术招标", "requirements": "回收效率≥70%", "weights": {"price": 50, "technical": 50, "delivery": 0},
        "deadline": (world.clock() + timedelta(hours=1)).isoformat()}), 201)
    offers = f"/v1/tenders/{tender['id']}/offers"
    tech = world.technologies["B2"]["id"]
    problem(world.call("B2", "POST", offers, json={"price_cny": "10.005", "delivery_days": 10, "technical_proposal": "方案", "technology_id": tech}),
            422, "body.price_cny")
    problem(world.call("B2", "POST", offers, json={"price_cny": "10.00", "delivery_days": 0, "technical_proposal": "方案", "technology_id": tech}),
            422, "body.delivery_days")
    problem(world.call("B3", "POST", offers, json={"price_cny": "10.00", "delivery_days": 10, "technical_proposal": "方案",
                                                   "technology_id": tech}), 422, "body.technology_id")  # not B3's technology
    world.clock.advance(hours=2)
    problem(world.call("B2", "POST", offers, json={"price_cny": "10.00", "delivery_days": 10, "technical_proposal": "方案", "technology_id": tech}),
            409, "tender.deadline")
    assert ok(world.call("B1", "GET", f"/v1/tenders/{tender['id']}"))["offer_count"] == 0


def test_listing_bad_input(world: World) -> None:
    tech = world.technologies["S"]["id"]
    for body, field in (({"technology_id": tech, "transfer_mode": "license", "price_cny": "-1"}, "body.price_cny"),
                        ({"technology_id": tech, "transfer_mode": "barter"}, "body.transfer_mode"),
                        ({"technology_id": tech, "transfer_mode": "license", "notice_days": 61}, "body.notice_days")):
        problem(world.call("S", "POST", "/v1/trading/listings", json=body), 422, field)
    problem(world.call("S", "POST", "/v1/trading/listings", json={"technology_id": "tec_00000000000000000000",
                                                                    "transfer_mode": "license"}), 404)
    problem(world.call("B1", "POST", "/v1/trading/listings/tl_missing/objections", json={"reasons": "没有这个挂牌"}), 404)
