"""20 threads × 50 bids against one English auction, on SQLite and on PostgreSQL.

Checks: every accepted bid is stored once and only once (retries with the same client bid id are answered with
the first result), accepted bids are strictly increasing by at least the increment in acceptance order, the
final price is the highest accepted bid, and replaying the accepted sequence alone gives the same winner.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal
from itertools import pairwise

import pytest

from services.gateway.auth.roles import Role
from tests.gateway_trading.conftest import World, ok

THREADS, BIDS_PER_THREAD = 20, 50
INCREMENT = Decimal("1.00")
STARTING = Decimal("100000.00")


def _auction(world: World, bidders: list[str], seller: str = "S") -> dict:
    terms = {"technology_id": world.technologies["S"]["id"], "kind": "english", "reserve_cny": "100000.00",
             "starting_cny": str(STARTING), "increment_cny": str(INCREMENT), "deposit_cny": "5000.00",
             "ends_at": (world.clock() + timedelta(days=1)).isoformat(), "anti_snipe_minutes": 5}
    auction = ok(world.call(seller, "POST", "/v1/auctions", json=terms), 201)
    for org in bidders:
        ok(world.gw.post(f"/v1/auctions/{auction['id']}/bidders", json={"deposit_reference": f"回单-{org}"},
                         headers={"Authorization": f"Bearer {world.keys[org]}"}), 201)
    return auction


def _bidder_keys(world: World, prefix: str) -> list[str]:
    names = [f"{prefix}{i:02d}" for i in range(THREADS)]
    for name in names:
        world.keys.setdefault(name, world.key_for(Role.enterprise, f"org_{name}"))
    return names


def _hammer(world: World) -> None:
    bidders = _bidder_keys(world, "conc")
    auction = _auction(world, bidders)
    path = f"/v1/auctions/{auction['id']}/bids"

    def run(t: int) -> list[tuple[str, int, dict | None]]:
        out = []
        headers = {"Authorization": f"Bearer {world.keys[bidders[t]]}"}
        for i in range(BIDS_PER_THREAD):
            amount = STARTING + INCREMENT * (i * THREADS + t)  # every amount distinct; many lose the race and are refused
            body = {"amount_cny": str(amount), "client_bid_id": f"t{t}-b{i}"}
            resp = world.gw.post(path, json=body, headers=headers)
            out.append((body["client_bid_id"], resp.status_code, resp.json()))
            if resp.status_code == 201 and i % 10 == 0:  # a client that timed out and retries: same id → same bid
                again = world.gw.post(path, json=body, headers=headers)
                assert again.status_code == 200 and again.json()["id"] == resp.json()["id"], again.text
        return out

    with ThreadPoolExecutor(THREADS) as pool:
        results = [r for rs in pool.map(run, range(THREADS)) for r in rs]

    assert {status for _, status, _ in results} <= {201, 422}, {s for _, s, _ in results}
    refused = [body for _, status, body in results if status == 422]
    assert all(b["errors"][0]["field"] == "body.amount_cny" for b in refused)
    accepted = {body["id"]: body for _, status, body in results if status == 201}
    stored = ok(world.call("S", "GET", path))
    assert len(stored) == len({b["id"] for b in stored}), "a bid was applied twice"
    assert {b["id"] for b in stored} == set(accepted), "an accepted bid was lost, or a refused one stored"
    assert [b["seq"] for b in stored] == list(range(1, len(stored) + 1))
    amounts = [Decimal(b["amount_cny"]) for b in stored]
    assert all(later - earlier >= INCREMENT for earlier, later in pairwise(amounts)), "not strictly increasing"
    final = ok(world.call("S", "GET", f"/v1/auctions/{auction['id']}"))
    assert Decimal(final["current_cny"]) == max(amounts) == amounts[-1]
    assert final["bid_count"] == len(stored) and final["leader_org_id"] == stored[-1]["bidder_org_id"]

    # The same bid sequence, replayed one by one into a fresh auction, gives the same winner and price.
    replay = _auction(world, bidders)
    org_to_name = {f"org_{n}": n for n in bidders}
    for bid in stored:
        ok(world.gw.post(f"/v1/auctions/{replay['id']}/bids", json={"amount_cny": bid["amount_cny"]},
                         headers={"Authorization": f"Bearer {world.keys[org_to_name[bid['bidder_org_id']]]}"}), 201)
    world.clock.advance(days=2)
    for a in (auction, replay):
        ok(world.call("S", "POST", f"/v1/auctions/{a['id']}/close"))
    first, second = (ok(world.call("S", "GET", f"/v1/auctions/{a['id']}")) for a in (auction, replay))
    assert first["status"] == second["status"] == "closed"
    assert (first["winner_org_id"], first["winning_cny"]) == (second["winner_org_id"], second["winning_cny"])
    assert first["winner_org_id"] == stored[-1]["bidder_org_id"]


def test_concurrent_bids_on_sqlite(world: World) -> None:
    _hammer(world)


@pytest.mark.postgres
def test_concurrent_bids_on_postgres(pg_world: World) -> None:
    _hammer(pg_world)
