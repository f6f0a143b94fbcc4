"""Trading listing routes (挂牌公示): thin, the logic is in trading_listings.service."""
from __future__ import annotations

from fastapi import APIRouter, Request

from services.gateway.auctions import service as auctions
from services.gateway.auctions.schemas import AuctionPublic, AuctionTerms
from services.gateway.auth.deps import PrincipalDep
from services.gateway.brokers import service as deals
from services.gateway.brokers.schemas import DealPublic
from services.gateway.db import SessionDep
from services.gateway.trading_common.clock import NowDep
from services.gateway.trading_common.pages import Limit, before, next_cursor
from services.gateway.trading_listings import repository, service
from services.gateway.trading_listings.schemas import (
    AgreementCreate,
    ApplicationCreate,
    ListingCreate,
    ListingPublic,
    ListingStatus,
    ObjectionCreate,
    ObjectionResolve,
)
from shared.errors import PROBLEM_RESPONSES
from shared.pagination import DEFAULT_LIMIT, Page

router = APIRouter(prefix="/v1/trading/listings", tags=["trading"], responses=PROBLEM_RESPONSES)


@router.post("", status_code=201, response_model=ListingPublic, summary="List a published technology with a public notice (挂牌公示)")
async def create_listing(body: ListingCreate, request: Request, principal: PrincipalDep, session: SessionDep,
                         now: NowDep) -> ListingPublic:
    return service.view(session, principal, await service.create_listing(session, request, principal, body, now))


@router.get("", response_model=Page[ListingPublic], summary="Listings and their notices (public to any key)")
def list_listings(principal: PrincipalDep, session: SessionDep, now: NowDep, status: ListingStatus | None = None,
                  seller_org_id: str | None = None, limit: Limit = DEFAULT_LIMIT, cursor: str | None = None) -> Page[ListingPublic]:
    rows = repository.page(session, status.value if status else None, seller_org_id, limit + 1, before(cursor))
    items = [service.view(session, principal, service.readable(session, principal, r.id, now)) for r in rows[:limit]]
    return Page[ListingPublic](items=items, next_cursor=next_cursor(rows, limit))


@router.get("/{listing_id}", response_model=ListingPublic, summary="One listing with its notice, objections and outcome")
def get_listing(listing_id: str, principal: PrincipalDep, session: SessionDep, now: NowDep) -> ListingPublic:
    return service.view(session, principal, service.readable(session, principal, listing_id, now))


@router.post("/{listing_id}/objections", status_code=201, response_model=ListingPublic,
             summary="Raise an objection with reasons during the notice (异议)")
def raise_objection(listing_id: str, body: ObjectionCreate, principal: PrincipalDep, session: SessionDep, now: NowDep) -> ListingPublic:
    return service.view(session, principal, service.raise_objection(session, principal, listing_id, body, now))


@router.post("/{listing_id}/objections/{objection_id}/resolution", response_model=ListingPublic,
             summary="Resolve an objection (admin): upheld → listing suspended or withdrawn; dismissed")
def resolve_objection(listing_id: str, objection_id: str, body: ObjectionResolve, principal: PrincipalDep, session: SessionDep,
                      now: NowDep) -> ListingPublic:
    return service.view(session, principal, service.resolve_objection(session, principal, listing_id, objection_id, body, now))


@router.post("/{listing_id}/applications", status_code=201, response_model=ListingPublic,
             summary="Apply to buy during the notice (意向受让)")
def apply_to_trading_listing(listing_id: str, body: ApplicationCreate, principal: PrincipalDep, session: SessionDep, now: NowDep) -> ListingPublic:
    return service.view(session, principal, service.apply(session, principal, listing_id, body, now))


@router.post("/{listing_id}/agreement", status_code=201, response_model=DealPublic,
             summary="After the notice, one applicant: conclude the agreement → a deal at 意向")
def agree_trading_listing(listing_id: str, body: AgreementCreate, principal: PrincipalDep, session: SessionDep, now: NowDep) -> DealPublic:
    _listing, deal = service.agree(session, principal, listing_id, body, now)
    return deals.deal_view(session, deal)


@router.post("/{listing_id}/auction", status_code=201, response_model=AuctionPublic,
             summary="After the notice, several applicants: auction among them (拍卖)")
def start_auction(listing_id: str, body: AuctionTerms, principal: PrincipalDep, session: SessionDep, now: NowDep) -> AuctionPublic:
    return auctions.view(session, principal, auctions.create_from_listing(session, principal, listing_id, body, now))
