"""Broker workspace routes: thin, the logic is in brokers.service."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from services.gateway.auth.deps import Principal, PrincipalDep, require_roles
from services.gateway.auth.roles import Role
from services.gateway.brokers import repository, service
from services.gateway.brokers.schemas import (
    BrokerSharesUpdate,
    DealPublic,
    DealTransition,
    EngagementCreate,
    EngagementPublic,
    IntroductionAccept,
    IntroductionCreate,
    IntroductionDecline,
    IntroductionPublic,
    IntroductionStatus,
    MatchCandidates,
    MatchRequest,
    ShortlistCreate,
    ShortlistEntryPublic,
)
from services.gateway.brokers.stages import DealStage
from services.gateway.db import SessionDep
from shared.errors import PROBLEM_RESPONSES
from shared.openapi import NOT_INDEXED_YET
from shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, decode_cursor, encode_cursor

router = APIRouter(prefix="/v1", responses=PROBLEM_RESPONSES)
Broker = Annotated[Principal, Depends(require_roles(Role.broker))]
BrokerOrAdmin = Annotated[Principal, Depends(require_roles(Role.broker, Role.admin))]
Enterprise = Annotated[Principal, Depends(require_roles(Role.enterprise))]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]


def _before(cursor: str | None) -> str | None:
    return (decode_cursor(cursor) or {}).get("id")


def _next(rows: list, limit: int) -> str | None:
    return encode_cursor({"id": rows[limit - 1].id}) if len(rows) > limit else None


# --------------------------------------------------------------------------- engagements
@router.post("/engagements", status_code=201, response_model=EngagementPublic, tags=["brokers"],
             summary="Open an engagement on a demand or a technology (经纪人立项)")
async def create_engagement(body: EngagementCreate, request: Request, principal: Broker, session: SessionDep) -> EngagementPublic:
    engagement = await service.create_engagement(session, request, principal, body)
    return EngagementPublic.model_validate(engagement, from_attributes=True)


@router.get("/engagements", response_model=Page[EngagementPublic], tags=["brokers"], summary="Your organization's engagements")
def list_engagements(principal: BrokerOrAdmin, session: SessionDep, limit: Limit = DEFAULT_LIMIT,
                     cursor: str | None = None) -> Page[EngagementPublic]:
    rows = repository.engagements_for_org(session, None if principal.is_admin() else principal.org_id, limit + 1, _before(cursor))
    return Page[EngagementPublic](items=[EngagementPublic.model_validate(e, from_attributes=True) for e in rows[:limit]],
                                  next_cursor=_next(rows, limit))


@router.get("/engagements/{engagement_id}", response_model=EngagementPublic, tags=["brokers"], summary="One engagement")
def get_engagement(engagement_id: str, principal: BrokerOrAdmin, session: SessionDep) -> EngagementPublic:
    return EngagementPublic.model_validate(service.own_engagement(session, principal, engagement_id), from_attributes=True)


@router.post("/engagements/{engagement_id}/matches", response_model=MatchCandidates, name="run_engagement_matching", openapi_extra=NOT_INDEXED_YET, tags=["brokers"],
             summary="Run matching for the engagement: explained candidates (demand → technologies, technology → demands)")
async def run_matching(engagement_id: str, body: MatchRequest, request: Request, principal: Broker,
                       session: SessionDep) -> MatchCandidates:
    engagement = service.own_engagement(session, principal, engagement_id)
    return await service.run_matching(request, principal, engagement, body)


@router.get("/engagements/{engagement_id}/shortlist", response_model=list[ShortlistEntryPublic], name="list_shortlist", tags=["brokers"],
            summary="The engagement's shortlist (候选清单)")
def get_shortlist(engagement_id: str, principal: BrokerOrAdmin, session: SessionDep) -> list[ShortlistEntryPublic]:
    engagement = service.own_engagement(session, principal, engagement_id)
    return [ShortlistEntryPublic.model_validate(e, from_attributes=True) for e in repository.shortlist(session, engagement.id)]


@router.post("/engagements/{engagement_id}/shortlist", status_code=201, response_model=ShortlistEntryPublic, name="add_to_shortlist", tags=["brokers"],
             summary="Shortlist a candidate with a note")
async def add_to_shortlist(engagement_id: str, body: ShortlistCreate, request: Request, principal: Broker,
                           session: SessionDep) -> ShortlistEntryPublic:
    engagement = service.own_engagement(session, principal, engagement_id)
    entry = await service.add_to_shortlist(session, request, principal, engagement, body)
    return ShortlistEntryPublic.model_validate(entry, from_attributes=True)


@router.delete("/engagements/{engagement_id}/shortlist/{entry_id}", status_code=204, tags=["brokers"],
               summary="Remove a candidate (not after an introduction was requested)")
def remove_from_shortlist(engagement_id: str, entry_id: str, principal: Broker, session: SessionDep) -> Response:
    service.remove_from_shortlist(session, principal, service.own_engagement(session, principal, engagement_id), entry_id)
    return Response(status_code=204)


@router.post("/engagements/{engagement_id}/shortlist/{entry_id}/introduction", status_code=201,
             response_model=IntroductionPublic, tags=["introductions"],
             summary="Ask the candidate's owner organization for an introduction (申请引荐)")
async def request_introduction(engagement_id: str, entry_id: str, body: IntroductionCreate, request: Request, principal: Broker,
                               session: SessionDep) -> IntroductionPublic:
    engagement = service.own_engagement(session, principal, engagement_id)
    intro = await service.request_introduction(session, request, principal, engagement, entry_id, body)
    return service.introduction_view(session, intro)


# --------------------------------------------------------------------------- introductions
@router.get("/introductions", response_model=Page[IntroductionPublic], tags=["introductions"],
            summary="Introductions you requested (brokers) or that await your answer (enterprises)")
def list_introductions(principal: PrincipalDep, session: SessionDep, status: IntroductionStatus | None = None,
                       limit: Limit = DEFAULT_LIMIT, cursor: str | None = None) -> Page[IntroductionPublic]:
    org = None if principal.is_admin() else principal.org_id
    rows = repository.introductions_visible_to(session, org, status.value if status else None, limit + 1, _before(cursor))
    return Page[IntroductionPublic](items=[service.introduction_view(session, i) for i in rows[:limit]],
                                    next_cursor=_next(rows, limit))


@router.get("/introductions/{introduction_id}", response_model=IntroductionPublic, tags=["introductions"], summary="One introduction")
def get_introduction(introduction_id: str, principal: PrincipalDep, session: SessionDep) -> IntroductionPublic:
    return service.introduction_view(session, service.visible_introduction(session, principal, introduction_id))


@router.post("/introductions/{introduction_id}/accept", status_code=201, response_model=DealPublic, tags=["introductions"],
             summary="Accept: a deal opens at 意向 (intent)")
def accept_introduction(introduction_id: str, body: IntroductionAccept, principal: Enterprise, session: SessionDep) -> DealPublic:
    return service.deal_view(session, service.accept_introduction(session, principal, introduction_id, body))


@router.post("/introductions/{introduction_id}/decline", response_model=IntroductionPublic, tags=["introductions"],
             summary="Decline with a reason: too_early, price, technical_fit, region, other")
def decline_introduction(introduction_id: str, body: IntroductionDecline, principal: Enterprise,
                         session: SessionDep) -> IntroductionPublic:
    return service.introduction_view(session, service.decline_introduction(session, principal, introduction_id, body))


# --------------------------------------------------------------------------- deals
@router.get("/deals", response_model=Page[DealPublic], tags=["deals"], summary="Deals your organization takes part in")
def list_deals(principal: PrincipalDep, session: SessionDep, stage: DealStage | None = None, limit: Limit = DEFAULT_LIMIT,
               cursor: str | None = None) -> Page[DealPublic]:
    org = None if principal.is_admin() else principal.org_id
    rows = repository.deals_visible_to(session, org, stage.value if stage else None, limit + 1, _before(cursor))
    return Page[DealPublic](items=[service.deal_view(session, d) for d in rows[:limit]], next_cursor=_next(rows, limit))


@router.get("/deals/{deal_id}", response_model=DealPublic, tags=["deals"], summary="One deal with its stage history and commission")
def get_deal(deal_id: str, principal: PrincipalDep, session: SessionDep) -> DealPublic:
    return service.deal_view(session, service.visible_deal(session, principal, deal_id))


@router.post("/deals/{deal_id}/transitions", response_model=DealPublic, tags=["deals"],
             summary="Move the deal: 意向 → 洽谈 → 签约 (amount required) → 成交, or 终止; illegal moves get 409")
def transition_deal(deal_id: str, body: DealTransition, principal: BrokerOrAdmin, session: SessionDep) -> DealPublic:
    return service.deal_view(session, service.transition_deal(session, principal, deal_id, body))


@router.put("/deals/{deal_id}/brokers", response_model=DealPublic, tags=["deals"],
            summary="Set the brokers who worked the deal and their commission shares (sum 100 %)")
def set_broker_shares(deal_id: str, body: BrokerSharesUpdate, principal: BrokerOrAdmin, session: SessionDep) -> DealPublic:
    return service.deal_view(session, service.set_broker_shares(session, principal, deal_id, body))
