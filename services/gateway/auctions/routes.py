"""Auction routes (拍卖/竞价): thin, the logic is in auctions.service."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request, Response

from services.gateway.auctions import repository, service
from services.gateway.auctions.schemas import (
    AuctionCreate,
    AuctionPublic,
    AuctionStatus,
    BidCreate,
    BidderPublic,
    BidderRegister,
    BidPublic,
)
from services.gateway.auth.deps import PrincipalDep
from services.gateway.db import SessionDep
from services.gateway.trading_common.clock import NowDep
from services.gateway.trading_common.pages import Limit, before, next_cursor
from shared.errors import PROBLEM_RESPONSES
from shared.pagination import DEFAULT_LIMIT, Page

router = APIRouter(prefix="/v1/auctions", tags=["auctions"], responses=PROBLEM_RESPONSES)
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=100)]


@router.post("", status_code=201, response_model=AuctionPublic, summary="Auction a published technology of yours (拍卖/竞价)")
async def create_auction(body: AuctionCreate, request: Request, principal: PrincipalDep, session: SessionDep,
                         now: NowDep) -> AuctionPublic:
    return service.view(session, principal, await service.create(session, request, principal, body, now))


@router.get("", response_model=Page[AuctionPublic], summary="Auctions (public to any key)")
def list_auctions(principal: PrincipalDep, session: SessionDep, now: NowDep, status: AuctionStatus | None = None,
                  limit: Limit = DEFAULT_LIMIT, cursor: str | None = None) -> Page[AuctionPublic]:
    rows = repository.page(session, status.value if status else None, limit + 1, before(cursor))
    items = [service.view(session, principal, service.readable(session, principal, r.id, now)) for r in rows[:limit]]
    return Page[AuctionPublic](items=items, next_cursor=next_cursor(rows, limit))


@router.get("/{auction_id}", response_model=AuctionPublic, summary="One auction (closed on read once past its end)")
def get_auction(auction_id: str, principal: PrincipalDep, session: SessionDep, now: NowDep) -> AuctionPublic:
    return service.view(session, principal, service.readable(session, principal, auction_id, now))


@router.post("/{auction_id}/bidders", status_code=201, response_model=BidderPublic,
             summary="Register your organization as a bidder, with the deposit reference (保证金)")
def register_bidder(auction_id: str, body: BidderRegister, principal: PrincipalDep, session: SessionDep, now: NowDep) -> BidderPublic:
    return service.bidder_view(service.register_bidder(session, principal, auction_id, body, now))


@router.get("/{auction_id}/bidders", response_model=list[BidderPublic],
            summary="Registered bidders and deposit status (all for the seller and admins, your own for bidders)")
def list_bidders(auction_id: str, principal: PrincipalDep, session: SessionDep, now: NowDep) -> list[BidderPublic]:
    auction = service.readable(session, principal, auction_id, now)
    return [service.bidder_view(b) for b in service.visible_bidders(session, principal, auction)]


@router.post("/{auction_id}/bids", status_code=201, response_model=BidPublic,
             summary="Bid (English: at least current + increment; sealed: one hidden bid). Same client_bid_id → same bid, not applied twice")
def place_bid(auction_id: str, body: BidCreate, principal: PrincipalDep, session: SessionDep, now: NowDep, response: Response,
              idempotency_key: IdempotencyKey = None) -> BidPublic:
    bid, replayed = service.place_bid(session, principal, auction_id, body, idempotency_key, now)
    if replayed:
        response.status_code = 200
    return service.bid_view(bid)


@router.get("/{auction_id}/bids", response_model=list[BidPublic],
            summary="Accepted bids in order (sealed: only your own until the auction closes)")
def list_bids(auction_id: str, principal: PrincipalDep, session: SessionDep, now: NowDep) -> list[BidPublic]:
    auction = service.readable(session, principal, auction_id, now)
    return [service.bid_view(b) for b in service.visible_bids(session, principal, auction)]


@router.post("/{auction_id}/close", response_model=AuctionPublic,
             summary="Close after the end (seller or admin): the winner opens a deal, other deposits are marked for return")
def close_auction(auction_id: str, principal: PrincipalDep, session: SessionDep, now: NowDep) -> AuctionPublic:
    return service.view(session, principal, service.close_by_request(session, principal, auction_id, now))
