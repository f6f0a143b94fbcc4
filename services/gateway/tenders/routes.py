"""Tender routes (招标): thin, the logic is in tenders.service."""
from __future__ import annotations

from fastapi import APIRouter, Request

from services.gateway.auth.deps import PrincipalDep
from services.gateway.brokers import service as deals
from services.gateway.brokers.schemas import DealPublic
from services.gateway.db import SessionDep
from services.gateway.tenders import repository, service
from services.gateway.tenders.schemas import (
    TenderAwardCreate,
    OfferCreate,
    OfferPublic,
    ScoresUpdate,
    TenderCreate,
    TenderPublic,
    TenderStatus,
)
from services.gateway.trading_common.clock import NowDep
from services.gateway.trading_common.pages import Limit, before, next_cursor
from shared.errors import PROBLEM_RESPONSES
from shared.pagination import DEFAULT_LIMIT, Page

router = APIRouter(prefix="/v1/tenders", tags=["tenders"], responses=PROBLEM_RESPONSES)


@router.post("", status_code=201, response_model=TenderPublic, summary="Publish a tender (招标) with scoring weights and a deadline")
async def publish_tender(body: TenderCreate, request: Request, principal: PrincipalDep, session: SessionDep, now: NowDep) -> TenderPublic:
    return service.view(session, await service.publish(session, request, principal, body, now))


@router.get("", response_model=Page[TenderPublic], summary="Tenders (public to any key; offers stay sealed)")
def list_tenders(principal: PrincipalDep, session: SessionDep, now: NowDep, status: TenderStatus | None = None,
                 limit: Limit = DEFAULT_LIMIT, cursor: str | None = None) -> Page[TenderPublic]:
    rows = repository.page(session, status.value if status else None, limit + 1, before(cursor))
    items = [service.view(session, service.readable(session, principal, r.id, now)) for r in rows[:limit]]
    return Page[TenderPublic](items=items, next_cursor=next_cursor(rows, limit))


@router.get("/{tender_id}", response_model=TenderPublic, summary="One tender (opened on the first read after the deadline)")
def get_tender(tender_id: str, principal: PrincipalDep, session: SessionDep, now: NowDep) -> TenderPublic:
    return service.view(session, service.readable(session, principal, tender_id, now))


@router.post("/{tender_id}/offers", status_code=201, response_model=OfferPublic, summary="Submit your sealed offer before the deadline (投标)")
async def submit_offer(tender_id: str, body: OfferCreate, request: Request, principal: PrincipalDep, session: SessionDep,
                       now: NowDep) -> OfferPublic:
    offer = await service.submit_offer(session, request, principal, tender_id, body, now)
    tender = service.readable(session, principal, tender_id, now)
    return next(o for o in service.visible_offers(session, principal, tender) if o.id == offer.id)


@router.get("/{tender_id}/offers", response_model=list[OfferPublic],
            summary="Offers: your own while sealed; after the opening all of them with scores for the buyer")
def list_offers(tender_id: str, principal: PrincipalDep, session: SessionDep, now: NowDep) -> list[OfferPublic]:
    return service.visible_offers(session, principal, service.readable(session, principal, tender_id, now))


@router.put("/{tender_id}/scores", response_model=list[OfferPublic], summary="The buyer's technical scores (0–100) after the opening")
def set_scores(tender_id: str, body: ScoresUpdate, principal: PrincipalDep, session: SessionDep, now: NowDep) -> list[OfferPublic]:
    tender = service.set_scores(session, principal, tender_id, body, now)
    return service.visible_offers(session, principal, tender)


@router.post("/{tender_id}/award", status_code=201, response_model=DealPublic, summary="Award an offer (定标) → a deal at 意向")
def award_tender(tender_id: str, body: TenderAwardCreate, principal: PrincipalDep, session: SessionDep, now: NowDep) -> DealPublic:
    _tender, deal = service.award(session, principal, tender_id, body, now)
    return deals.deal_view(session, deal)
