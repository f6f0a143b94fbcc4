"""The trading rows of the permission matrix, role by role: refused roles get 403, allowed ones do not."""
from __future__ import annotations

from datetime import timedelta

import pytest

from services.gateway.auth.permissions import MATRIX, Action
from services.gateway.auth.roles import Role
from tests.gateway.conftest import issue_key
from tests.gateway_trading.conftest import World, ok

ROLES = ("admin", "broker", "enterprise", "platform", "evaluator")


@pytest.fixture(scope="module")
def keys(world: World) -> dict[str, str]:
    if "platform" not in world.keys:
        world.keys["platform"] = issue_key(world.gw, Role.platform, "org_platform_zjtm", source="zjtm")
    return {"admin": "admin", "broker": "broker", "enterprise": "B1", "platform": "platform", "evaluator": "evaluator"}


@pytest.fixture(scope="module")
def targets(world: World) -> dict[str, dict]:
    listing = ok(world.call("S", "POST", "/v1/trading/listings", json={
        "technology_id": world.technologies["S"]["id"], "transfer_mode": "license", "notice_days": 30}), 201)
    auction = ok(world.call("S", "POST", "/v1/auctions", json={
        "technology_id": world.technologies["S"]["id"], "reserve_cny": "1.00", "starting_cny": "1.00", "increment_cny": "1.00",
        "ends_at": (world.clock() + timedelta(days=30)).isoformat()}), 201)
    return {"listing": listing, "auction": auction}


def _allowed(action: Action, role: str) -> bool:
    return MATRIX[action][Role(role)] is not None


@pytest.mark.parametrize("role", ROLES)
def test_trading_read(world: World, keys, targets, role: str) -> None:
    for path in (f"/v1/trading/listings/{targets['listing']['id']}", f"/v1/auctions/{targets['auction']['id']}", "/v1/tenders"):
        assert world.call(keys[role], "GET", path).status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_trading_list(world: World, keys, targets, role: str) -> None:
    resp = world.call(keys[role], "POST", "/v1/auctions", json={
        "technology_id": world.technologies["S"]["id"], "reserve_cny": "1.00", "starting_cny": "1.00", "increment_cny": "1.00",
        "ends_at": (world.clock() + timedelta(days=1)).isoformat()})
    # enterprise B1 does not own the technology: own scope refuses it too
    assert resp.status_code == (201 if role == "admin" else 403), resp.text


@pytest.mark.parametrize("role", ROLES)
def test_trading_object(world: World, keys, targets, role: str) -> None:
    resp = world.call(keys[role], "POST", f"/v1/trading/listings/{targets['listing']['id']}/objections",
                      json={"reasons": f"{role} 的异议理由"})
    assert resp.status_code == (201 if _allowed(Action.trading_object, role) else 403), resp.text


@pytest.mark.parametrize("role", ROLES)
def test_trading_resolve(world: World, keys, targets, role: str) -> None:
    listing = ok(world.call("admin", "GET", f"/v1/trading/listings/{targets['listing']['id']}"))
    objection = ok(world.call("evaluator", "POST", f"/v1/trading/listings/{listing['id']}/objections", json={"reasons": "待裁决的异议"}), 201)
    oid = objection["objections"][-1]["id"]
    resp = world.call(keys[role], "POST", f"/v1/trading/listings/{listing['id']}/objections/{oid}/resolution", json={"decision": "dismissed"})
    assert resp.status_code == (200 if _allowed(Action.trading_resolve, role) else 403), resp.text


@pytest.mark.parametrize("role", ROLES)
def test_trading_bid(world: World, keys, targets, role: str) -> None:
    resp = world.call(keys[role], "POST", f"/v1/auctions/{targets['auction']['id']}/bidders", json={})
    assert resp.status_code == (201 if _allowed(Action.trading_bid, role) else 403), resp.text


@pytest.mark.parametrize("role", ROLES)
def test_tender_publish(world: World, keys, role: str) -> None:
    resp = world.call(keys[role], "POST", "/v1/tenders", json={
        "title": "权限测试招标", "requirements": "无特殊要求", "weights": {"price": 100, "technical": 0, "delivery": 0},
        "deadline": (world.clock() + timedelta(days=1)).isoformat()})
    assert resp.status_code == (201 if _allowed(Action.tender_publish, role) else 403), resp.text


@pytest.mark.parametrize("role", ROLES)
def test_contract_read_and_register(world: World, keys, role: str) -> None:
    listed = world.call(keys[role], "GET", "/v1/contracts")
    assert listed.status_code == (200 if _allowed(Action.contract_read, role) else 403), listed.text
    # no such deal: roles that may register get the deal's 404, the others are refused first
    resp = world.call(keys[role], "POST", "/v1/contracts", json={"deal_id": "deal_missing", "contract_type": "service"})
    assert resp.status_code == (404 if _allowed(Action.contract_register, role) else 403), resp.text
