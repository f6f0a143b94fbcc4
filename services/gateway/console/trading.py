"""What the trading pages need (挂牌 listings, auctions), assembled from the public trading API only."""
from __future__ import annotations

import asyncio
import secrets
from decimal import Decimal
from typing import Any

from services.gateway.console.api import GatewayApi
from services.gateway.console.session import ConsoleUser
from services.gateway.console.workspace import PAGE_SIZE, org_names

POLL_SECONDS = 5  # how often an open auction page re-reads itself (console.js)


async def hall_view(api: GatewayApi) -> dict[str, Any]:
    """Listings in notice and open auctions first; recently finished auctions below them."""
    listings, open_auctions, done = await asyncio.gather(
        api.get("/v1/trading/listings", status="notice", limit=PAGE_SIZE),
        api.get("/v1/auctions", status="open", limit=PAGE_SIZE),
        api.get("/v1/auctions", limit=PAGE_SIZE),
    )
    finished = [a for a in done["items"] if a["status"] != "open"]
    return {"listings": listings["items"], "auctions": open_auctions["items"], "finished": finished}


async def listing_view(api: GatewayApi, listing_id: str) -> dict[str, Any]:
    listing = await api.get(f"/v1/trading/listings/{listing_id}")
    orgs = {listing["seller_org_id"]} | {o.get("raised_by_org_id") for o in listing["objections"]}
    orgs |= {a["org_id"] for a in listing.get("applicants") or []}
    return {"listing": listing, "org_names": await org_names(api, orgs)}


async def auction_view(api: GatewayApi, user: ConsoleUser, auction_id: str) -> dict[str, Any]:
    """The auction, the bids the API lets this key see (sealed: only its own until closed) and its registration."""
    auction = await api.get(f"/v1/auctions/{auction_id}")
    bids, bidders = await asyncio.gather(api.get(f"/v1/auctions/{auction_id}/bids"),
                                         api.get(f"/v1/auctions/{auction_id}/bidders"))
    orgs = {auction["seller_org_id"], auction.get("leader_org_id"), auction.get("winner_org_id")}
    orgs |= {b["bidder_org_id"] for b in bids} | {b["org_id"] for b in bidders}
    mine = next((b for b in bidders if b["org_id"] == user.org_id), None)
    return {"auction": auction, "bids": list(reversed(bids)), "bidders": bidders, "my_registration": mine,
            "minimum_cny": minimum_bid(auction), "can_bid": can_bid(user, auction),
            "org_names": await org_names(api, orgs), "poll_seconds": POLL_SECONDS,
            "client_bid_id": "console-" + secrets.token_hex(8)}


def minimum_bid(auction: dict[str, Any]) -> str | None:
    """The least next bid as the API will check it (English: current + increment; else the starting price)."""
    if auction["kind"] == "english" and auction.get("current_cny") is not None:
        return str(Decimal(str(auction["current_cny"])) + Decimal(str(auction["increment_cny"])))
    return str(auction["starting_cny"])


def can_bid(user: ConsoleUser, auction: dict[str, Any]) -> bool:
    """Only enterprise keys hold trading.bid (docs/permissions.md), and not in their own auction."""
    return (auction["status"] == "open" and user.role.value == "enterprise"
            and user.org_id != auction["seller_org_id"])


def bid_body(form: dict[str, str]) -> dict[str, Any]:
    amount = form.get("amount_cny", "").strip().replace(",", "")
    return {"amount_cny": amount or None, "client_bid_id": form.get("client_bid_id") or None}
