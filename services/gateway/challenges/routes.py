"""Open challenge routes (揭榜挂帅): thin, the logic is in challenges.service."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlmodel import Session

from services.gateway.auth.deps import PrincipalDep
from services.gateway.challenges import repository, service
from services.gateway.challenges.models import Challenge, ChallengeCampaign
from services.gateway.challenges.schemas import (
    ChallengeAwardCreate,
    AwardPublic,
    CampaignCreate,
    CampaignNeedCreate,
    CampaignNeedPublic,
    CampaignPublic,
    ChallengeCreate,
    ChallengePublic,
    EntryCreate,
    EntryPublic,
    ProposalPublic,
    ProposalRequest,
    ScoreCreate,
)
from services.gateway.db import SessionDep
from services.gateway.trading_common.clock import NowDep
from services.gateway.trading_common.money import yuan_or_none
from shared.errors import PROBLEM_RESPONSES

router = APIRouter(prefix="/v1", tags=["challenges"], responses=PROBLEM_RESPONSES)


def _campaign(session: Session, row: ChallengeCampaign) -> CampaignPublic:
    needs = [CampaignNeedPublic.model_validate(n, from_attributes=True) for n in repository.needs(session, row.id)]
    return CampaignPublic.model_validate({**_fields(row, CampaignPublic), "needs": needs})


def _challenge(row: Challenge) -> ChallengePublic:
    return ChallengePublic.model_validate({**_fields(row, ChallengePublic), "award_cny": yuan_or_none(row.award_fen),
                                           "deadline": row.deadline_at})


def _fields(row: Any, schema: Any) -> dict[str, Any]:
    """The row's attributes the schema names (attribute access: JSON columns and expired rows load properly)."""
    return {name: getattr(row, name) for name in schema.model_fields if hasattr(row, name)}


@router.post("/challenge-campaigns", status_code=201, response_model=CampaignPublic, summary="Open a needs collection campaign (征集)")
def open_campaign(body: CampaignCreate, principal: PrincipalDep, session: SessionDep, now: NowDep) -> CampaignPublic:
    return _campaign(session, service.open_campaign(session, principal, body, now))


@router.get("/challenge-campaigns", response_model=list[CampaignPublic], summary="Needs collection campaigns, newest first (any key)")
def list_campaigns(principal: PrincipalDep, session: SessionDep) -> list[CampaignPublic]:
    return [_campaign(session, c) for c in service.campaigns(session, principal)]


@router.get("/challenge-campaigns/{campaign_id}", response_model=CampaignPublic, summary="A campaign with the needs gathered")
def get_campaign(campaign_id: str, principal: PrincipalDep, session: SessionDep) -> CampaignPublic:
    return _campaign(session, service.readable_campaign(session, principal, campaign_id))


@router.post("/challenge-campaigns/{campaign_id}/needs", status_code=201, response_model=CampaignPublic,
             summary="Submit your published demand to a campaign")
async def add_need(campaign_id: str, body: CampaignNeedCreate, request: Request, principal: PrincipalDep, session: SessionDep,
                   now: NowDep) -> CampaignPublic:
    return _campaign(session, await service.add_need(session, request, principal, campaign_id, body, now))


@router.post("/challenges", status_code=201, response_model=ChallengePublic,
             summary="Publish your published demand as a challenge: award, deadline, eligibility, IP terms, criteria, evaluators")
async def publish_challenge(body: ChallengeCreate, request: Request, principal: PrincipalDep, session: SessionDep, now: NowDep) -> ChallengePublic:
    return _challenge(await service.publish(session, request, principal, body, now))


@router.get("/challenges", response_model=list[ChallengePublic], summary="Challenges, newest first (public)")
def list_challenges(principal: PrincipalDep, session: SessionDep) -> list[ChallengePublic]:
    return [_challenge(c) for c in service.challenges(session, principal)]


@router.get("/challenges/{challenge_id}", response_model=ChallengePublic, summary="One challenge (public)")
def get_challenge(challenge_id: str, principal: PrincipalDep, session: SessionDep) -> ChallengePublic:
    return _challenge(service.readable(session, principal, challenge_id))


@router.post("/challenges/{challenge_id}/proposals", response_model=list[ProposalPublic],
             summary="Matching proposes likely solvers; their technologies' owners are notified (owner)")
async def propose_solvers(challenge_id: str, body: ProposalRequest, request: Request, principal: PrincipalDep, session: SessionDep,
                  now: NowDep) -> Any:
    return await service.propose_solvers(session, request, principal, challenge_id, body.min_seq, now)


@router.post("/challenges/{challenge_id}/entries", status_code=201, response_model=EntryPublic,
             summary="Enter the challenge (揭榜) before the deadline: your technologies and/or a described solution, attachments")
async def enter_challenge(challenge_id: str, body: EntryCreate, request: Request, principal: PrincipalDep, session: SessionDep,
                now: NowDep) -> EntryPublic:
    entry = await service.enter(session, request, principal, challenge_id, body, now)
    return service.entry_view(session, principal, service.readable(session, principal, challenge_id), entry)


@router.get("/challenges/{challenge_id}/entries", response_model=list[EntryPublic],
            summary="Entries you may see: all for the owner and appointed evaluators; your own for a solver")
def list_entries(challenge_id: str, principal: PrincipalDep, session: SessionDep) -> list[EntryPublic]:
    ch, rows = service.entries(session, principal, challenge_id)
    return [service.entry_view(session, principal, ch, e) for e in rows]


@router.get("/challenge-entries/{entry_id}", response_model=EntryPublic, summary="One entry with attachments (and scores for the jury)")
def get_entry(entry_id: str, principal: PrincipalDep, session: SessionDep) -> EntryPublic:
    ch, entry = service.readable_entry(session, principal, entry_id)
    return service.entry_view(session, principal, ch, entry)


@router.post("/challenge-entries/{entry_id}/scores", status_code=201, response_model=EntryPublic,
             summary="Score an entry against the criteria after the deadline (appointed evaluators)")
def score_challenge_entry(entry_id: str, body: ScoreCreate, principal: PrincipalDep, session: SessionDep, now: NowDep) -> EntryPublic:
    ch, entry = service.score(session, principal, entry_id, body, now)
    return service.entry_view(session, principal, ch, entry)


@router.post("/challenges/{challenge_id}/awards", status_code=201, response_model=list[AwardPublic],
             summary="Award one or more entries (赛马: several in parallel, staged milestones); each opens a deal (owner)")
def award_challenge(challenge_id: str, body: ChallengeAwardCreate, principal: PrincipalDep, session: SessionDep, now: NowDep) -> list[AwardPublic]:
    rows = service.award(session, principal, challenge_id, body, now)
    return [_award(session, r) for r in rows]


@router.get("/challenges/{challenge_id}/awards", response_model=list[AwardPublic], summary="Awards of a challenge (public)")
def list_awards(challenge_id: str, principal: PrincipalDep, session: SessionDep) -> list[AwardPublic]:
    ch = service.readable(session, principal, challenge_id)
    return [_award(session, r) for r in repository.awards(session, ch.id)]


def _award(session: Session, row: Any) -> AwardPublic:
    entry = repository.entry(session, row.entry_id)
    milestones = [{"title": m["title"], "due": m["due"], "amount_cny": yuan_or_none(m["amount_fen"])} for m in row.milestones]
    return AwardPublic(id=row.id, entry_id=row.entry_id, solver_org_id=entry.solver_org_id if entry else "",
                       amount_cny=yuan_or_none(row.amount_fen), milestones=milestones, deal_id=row.deal_id)
