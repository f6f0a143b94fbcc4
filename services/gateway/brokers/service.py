"""Broker workflow logic: engagement → match → shortlist → introduction → deal stages → commission.

Every state change is written with its audit event and its webhook events in one transaction.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from fastapi import Request
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from services.gateway import upstream
from services.gateway.audit import service as audit
from services.gateway.auth.deps import Principal
from services.gateway.brokers import repository
from services.gateway.brokers.columns import new_id, now
from services.gateway.brokers.models import Deal, DealBrokerShare, DealStageChange, Engagement, Introduction, ShortlistEntry
from services.gateway.brokers.schemas import (
    BrokerShare,
    BrokerSharesUpdate,
    CommissionSummary,
    DealPublic,
    DealTransition,
    EngagementCreate,
    IntroductionAccept,
    IntroductionCreate,
    IntroductionDecline,
    IntroductionPublic,
    MatchCandidates,
    MatchRequest,
    ShortlistCreate,
    StageChangePublic,
    SubjectEntity,
)
from services.gateway.brokers.stages import (
    STAGE_NAMES,
    TRANSITIONS,
    DealStage,
    IllegalTransition,
    check_transition,
    requires_contract_amount,
)
from services.gateway.commissions import service as commissions
from services.gateway.commissions.engine import fen_to_yuan, validate_shares, yuan_to_fen
from services.gateway.commissions.schemas import AllocationPublic
from services.gateway.public import records
from services.gateway.webhooks import service as webhooks
from services.gateway.webhooks.schemas import EventType
from shared.errors import ProblemError, conflict, invalid, not_found
from shared.identifiers import RECORD_ID_PREFIXES, is_record_id

OTHER_SIDE = {SubjectEntity.demand: SubjectEntity.technology, SubjectEntity.technology: SubjectEntity.demand}


def broker_has_accepted_introduction(session: Session, broker_org_id: str, record_id: str) -> bool:
    """Contact-visibility rule: a broker organization sees a record's contacts once an introduction it
    requested for that record (either side) has been accepted."""
    return repository.accepted_introduction_exists(session, broker_org_id, record_id)


# --------------------------------------------------------------------------- engagements
async def create_engagement(session: Session, request: Request, principal: Principal, body: EngagementCreate) -> Engagement:
    record = await records.fetch_published(request, principal, body.subject_entity.value, body.subject_id, field="body.subject_id")
    engagement = Engagement(
        id=new_id("eng"), broker_org_id=principal.org_id, broker_key_id=principal.key_id,
        subject_entity=body.subject_entity.value, subject_id=record["id"], subject_title=record["title"][:200],
        subject_domain=record.get("domain"), subject_region=record.get("region"),
        subject_owner_org_id=record.get("owner_org_id"), note=body.note, created_at=now(),
    )
    session.add(engagement)
    audit.record(session, principal, "engagement.create", "engagement", engagement.id,
                 {"subject_entity": engagement.subject_entity, "subject_id": engagement.subject_id})
    session.commit()
    return engagement


def own_engagement(session: Session, principal: Principal, engagement_id: str) -> Engagement:
    engagement = session.get(Engagement, engagement_id)
    if engagement is None or (engagement.broker_org_id != principal.org_id and not principal.is_admin()):
        raise not_found("engagement", engagement_id)
    return engagement


async def run_matching(request: Request, principal: Principal, engagement: Engagement, body: MatchRequest) -> MatchCandidates:
    entity = SubjectEntity(engagement.subject_entity)
    path = (f"/v1/demands/{engagement.subject_id}/technologies" if entity == SubjectEntity.demand
            else f"/v1/technologies/{engagement.subject_id}/demands")
    payload = {"k": body.k, "filters": body.filters or {}, "min_seq": body.min_seq}
    resp = await upstream.call(upstream.get_matching(request), request, "POST", path, principal=principal,
                               service=upstream.MATCHING, json=payload)
    data = resp.json()
    return MatchCandidates(engagement_id=engagement.id, target=OTHER_SIDE[entity], items=data.get("items", []),
                           indexed_seq=data.get("indexed_seq"))


async def add_to_shortlist(session: Session, request: Request, principal: Principal, engagement: Engagement,
                           body: ShortlistCreate) -> ShortlistEntry:
    if repository.shortlist_entry_for(session, engagement.id, body.candidate_id):
        raise conflict(f"{body.candidate_id} is already on this shortlist.", field="body.candidate_id")
    candidate_entity = OTHER_SIDE[SubjectEntity(engagement.subject_entity)]
    if not is_record_id(candidate_entity.value, body.candidate_id):
        raise invalid("body.candidate_id", f"This engagement's candidates are {candidate_entity.value} records: "
                      f"give a {candidate_entity.value} id like {RECORD_ID_PREFIXES[candidate_entity.value]}_01hzx3k9q2m7a4b5c6d7.")
    record = await records.fetch_published(request, principal, candidate_entity.value, body.candidate_id, field="body.candidate_id")
    entry = ShortlistEntry(
        id=new_id("sle"), engagement_id=engagement.id, candidate_entity=candidate_entity.value, candidate_id=record["id"],
        candidate_title=record["title"][:200], candidate_domain=record.get("domain"), candidate_region=record.get("region"),
        candidate_owner_org_id=record.get("owner_org_id"), note=body.note, match=body.match,
        created_by=principal.key_id, created_at=now(),
    )
    session.add(entry)
    audit.record(session, principal, "shortlist.add", "shortlist_entry", entry.id,
                 {"engagement_id": engagement.id, "candidate_id": entry.candidate_id})
    try:
        session.commit()
    except IntegrityError:  # a concurrent request shortlisted the same candidate
        session.rollback()
        raise conflict(f"{body.candidate_id} is already on this shortlist.", field="body.candidate_id") from None
    return entry


def remove_from_shortlist(session: Session, principal: Principal, engagement: Engagement, entry_id: str) -> None:
    entry = session.get(ShortlistEntry, entry_id)
    if entry is None or entry.engagement_id != engagement.id:
        raise not_found("shortlist entry", entry_id)
    if repository.introduction_for_entry(session, entry.id):
        raise conflict("An introduction was already requested for this candidate; it stays on the shortlist.")
    session.delete(entry)
    audit.record(session, principal, "shortlist.remove", "shortlist_entry", entry.id, {"engagement_id": engagement.id})
    session.commit()


# --------------------------------------------------------------------------- introductions
async def request_introduction(session: Session, request: Request, principal: Principal, engagement: Engagement, entry_id: str,
                               body: IntroductionCreate) -> Introduction:
    entry = session.get(ShortlistEntry, entry_id)
    if entry is None or entry.engagement_id != engagement.id:
        raise not_found("shortlist entry", entry_id)
    if repository.introduction_for_entry(session, entry.id):
        raise conflict("An introduction was already requested for this candidate.", shortlist_entry_id=entry.id)
    # Both records must still be published now, not only when they were shortlisted.
    await records.fetch_published(request, principal, engagement.subject_entity, engagement.subject_id, field="engagement.subject_id")
    await records.fetch_published(request, principal, entry.candidate_entity, entry.candidate_id, field="shortlist_entry.candidate_id")
    if not entry.candidate_owner_org_id:
        raise conflict("This candidate has no owner organization on the platform, so nobody can accept an introduction; "
                       "ask the registry to link it to an organization first.")
    if SubjectEntity(engagement.subject_entity) == SubjectEntity.demand:
        technology_id, demand_id = entry.candidate_id, engagement.subject_id
        tech_domain, tech_region, demand_region = entry.candidate_domain, entry.candidate_region, engagement.subject_region
    else:
        technology_id, demand_id = engagement.subject_id, entry.candidate_id
        tech_domain, tech_region, demand_region = engagement.subject_domain, engagement.subject_region, entry.candidate_region
    intro = Introduction(
        id=new_id("itr"), engagement_id=engagement.id, shortlist_entry_id=entry.id, broker_org_id=engagement.broker_org_id,
        requested_by=principal.key_id, target_org_id=entry.candidate_owner_org_id, technology_id=technology_id,
        demand_id=demand_id, domain=tech_domain, region=demand_region or tech_region, message=body.message,
        status="requested", requested_at=now(),
    )
    session.add(intro)
    audit.record(session, principal, "introduction.request", "introduction", intro.id,
                 {"target_org_id": intro.target_org_id, "technology_id": technology_id, "demand_id": demand_id})
    webhooks.enqueue(session, intro.target_org_id, EventType.introduction_requested, _intro_event(intro))
    session.commit()
    return intro


def visible_introduction(session: Session, principal: Principal, introduction_id: str) -> Introduction:
    intro = session.get(Introduction, introduction_id)
    if intro is None or not (principal.is_admin() or principal.org_id in (intro.broker_org_id, intro.target_org_id)):
        raise not_found("introduction", introduction_id)
    return intro


def _answerable(session: Session, principal: Principal, introduction_id: str) -> Introduction:
    intro = visible_introduction(session, principal, introduction_id)
    if intro.target_org_id != principal.org_id:
        raise ProblemError(403, "Forbidden", "Only the organization that owns the candidate record can answer this introduction.",
                           kind="forbidden")
    if intro.status != "requested":
        raise conflict(f"This introduction was already {intro.status}.", state=intro.status)
    return intro


def accept_introduction(session: Session, principal: Principal, introduction_id: str, body: IntroductionAccept) -> Deal:
    intro = _answerable(session, principal, introduction_id)
    at = now()
    intro.status, intro.response_text, intro.responded_by, intro.responded_at = "accepted", body.text, principal.key_id, at
    session.add(intro)
    deal = Deal(
        id=new_id("deal"), introduction_id=intro.id, engagement_id=intro.engagement_id, broker_org_id=intro.broker_org_id,
        technology_id=intro.technology_id, demand_id=intro.demand_id, domain=intro.domain, region=intro.region,
        stage=DealStage.intent.value, version=1, opened_at=at, updated_at=at,
    )
    session.add(deal)
    session.flush()
    session.add(DealStageChange(deal_id=deal.id, from_stage=None, to_stage=deal.stage, note=body.text,
                                actor_key_id=principal.key_id, actor_org_id=principal.org_id, at=at))
    session.add(DealBrokerShare(deal_id=deal.id, broker_org_id=intro.broker_org_id, position=0, share_percent=Decimal(100)))
    audit.record(session, principal, "introduction.accept", "introduction", intro.id, {"deal_id": deal.id})
    audit.record(session, principal, "deal.open", "deal", deal.id, {"stage": deal.stage, "introduction_id": intro.id})
    webhooks.enqueue(session, intro.broker_org_id, EventType.introduction_accepted, {**_intro_event(intro), "deal_id": deal.id})
    session.commit()
    return deal


def decline_introduction(session: Session, principal: Principal, introduction_id: str, body: IntroductionDecline) -> Introduction:
    intro = _answerable(session, principal, introduction_id)
    intro.status, intro.decline_reason, intro.response_text = "declined", body.reason.value, body.text
    intro.responded_by, intro.responded_at = principal.key_id, now()
    session.add(intro)
    audit.record(session, principal, "introduction.decline", "introduction", intro.id,
                 {"reason": intro.decline_reason, "text": intro.response_text})
    webhooks.enqueue(session, intro.broker_org_id, EventType.introduction_declined, _intro_event(intro))
    session.commit()
    return intro


def introduction_view(session: Session, intro: Introduction) -> IntroductionPublic:
    deal = repository.deal_for_introduction(session, intro.id)
    return IntroductionPublic.model_validate({**intro.model_dump(), "deal_id": deal.id if deal else None})


def _intro_event(intro: Introduction) -> dict[str, Any]:
    return {"introduction_id": intro.id, "status": intro.status, "technology_id": intro.technology_id,
            "demand_id": intro.demand_id, "broker_org_id": intro.broker_org_id, "target_org_id": intro.target_org_id,
            "decline_reason": intro.decline_reason}


# --------------------------------------------------------------------------- deals
def visible_deal(session: Session, principal: Principal, deal_id: str) -> Deal:
    deal = session.get(Deal, deal_id)
    if deal is None:
        raise not_found("deal", deal_id)
    if principal.is_admin() or principal.org_id in _deal_orgs(session, deal):
        return deal
    raise not_found("deal", deal_id)


def _deal_orgs(session: Session, deal: Deal) -> set[str]:
    intro = session.get(Introduction, deal.introduction_id) if deal.introduction_id else None
    engagement = session.get(Engagement, deal.engagement_id) if deal.engagement_id else None
    orgs = {deal.broker_org_id, *(s.broker_org_id for s in repository.broker_shares(session, deal.id))}
    orgs |= {o for o in (deal.seller_org_id, deal.buyer_org_id) if o}
    if intro:
        orgs.add(intro.target_org_id)
    if engagement and engagement.subject_owner_org_id:
        orgs.add(engagement.subject_owner_org_id)
    return orgs


def _managed_deal(session: Session, principal: Principal, deal_id: str) -> Deal:
    deal = visible_deal(session, principal, deal_id)
    if not principal.is_admin() and principal.org_id != deal.broker_org_id:
        raise ProblemError(403, "Forbidden", "Only the broker organization running this deal can change it.", kind="forbidden")
    return deal


def transition_deal(session: Session, principal: Principal, deal_id: str, body: DealTransition) -> Deal:
    deal = _managed_deal(session, principal, deal_id)
    current, target = DealStage(deal.stage), body.to_stage
    if body.version is not None and body.version != deal.version:
        raise conflict(f"The deal changed since version {body.version} (now {deal.version}); reload it and retry.",
                       current_version=deal.version)
    try:
        check_transition(current, target)
    except IllegalTransition as exc:
        raise ProblemError(409, "Illegal stage transition", str(exc), kind="illegal-transition",
                           extra={"stage": current.value, "allowed_next": exc.allowed}) from None
    amount_fen = yuan_to_fen(body.contract_amount_cny) if body.contract_amount_cny is not None else deal.contract_amount_fen
    if requires_contract_amount(target) and body.contract_amount_cny is None:
        raise invalid("body.contract_amount_cny", "Signing (签约) needs the contract amount in yuan, e.g. \"3000000.00\".")
    if target == DealStage.closed and not amount_fen:
        raise invalid("body.contract_amount_cny", "A deal closes (成交) with a contract amount above 0.")
    at = now()
    values: dict[str, Any] = {"stage": target.value, "updated_at": at, "contract_amount_fen": amount_fen}
    if target == DealStage.closed:
        values["closed_at"] = at
    if not repository.bump_deal(session, deal.id, deal.version, values):
        session.rollback()
        raise conflict("The deal was changed by someone else at the same moment; reload it and retry.")
    session.add(DealStageChange(deal_id=deal.id, from_stage=current.value, to_stage=target.value,
                                contract_amount_fen=amount_fen if body.contract_amount_cny is not None else None, note=body.note,
                                actor_key_id=principal.key_id, actor_org_id=principal.org_id, at=at))
    audit.record(session, principal, "deal.transition", "deal", deal.id,
                 {"from": current.value, "to": target.value, "contract_amount_cny": str(fen_to_yuan(amount_fen)) if amount_fen else None})
    session.refresh(deal)
    event = {"deal_id": deal.id, "from_stage": current.value, "to_stage": target.value, "stage_name": STAGE_NAMES[target],
             "contract_amount_cny": str(fen_to_yuan(amount_fen)) if amount_fen else None, "version": deal.version}
    webhooks.enqueue_many(session, _deal_orgs(session, deal), EventType.deal_stage_changed, event)
    if target == DealStage.closed:
        commission = commissions.compute_for_deal(session, deal, repository.broker_shares(session, deal.id))
        audit.record(session, principal, "commission.compute", "commission", deal.id,
                     {"commission_cny": str(fen_to_yuan(commission.commission_fen))})
        webhooks.enqueue_many(session, {deal.broker_org_id, *(s.broker_org_id for s in repository.broker_shares(session, deal.id))},
                              EventType.commission_computed,
                              {"deal_id": deal.id, "commission_cny": str(fen_to_yuan(commission.commission_fen))})
    session.commit()
    return deal


def set_broker_shares(session: Session, principal: Principal, deal_id: str, body: BrokerSharesUpdate) -> Deal:
    deal = _managed_deal(session, principal, deal_id)
    if DealStage(deal.stage) not in (DealStage.intent, DealStage.negotiation, DealStage.signed):
        raise conflict(f"The deal is {deal.stage}: broker shares are fixed once it is finished.")
    pairs = [(s.broker_org_id, s.share_percent) for s in body.shares]
    try:
        validate_shares(pairs)
    except ValueError as exc:
        raise invalid("body.shares", f"{exc}. Give each broker organization once, shares above 0 summing to 100.") from None
    if deal.broker_org_id not in {b for b, _ in pairs}:
        raise invalid("body.shares", f"The broker organization running the deal ({deal.broker_org_id}) must keep a share.")
    repository.replace_broker_shares(session, deal.id, [
        DealBrokerShare(deal_id=deal.id, broker_org_id=b, position=i, share_percent=p) for i, (b, p) in enumerate(pairs)])
    audit.record(session, principal, "deal.broker_shares", "deal", deal.id,
                 {"shares": [{"broker_org_id": b, "share_percent": str(p)} for b, p in pairs]})
    session.commit()
    return deal


def deal_view(session: Session, deal: Deal) -> DealPublic:
    commission = commissions.for_deal(session, deal.id)
    return DealPublic(
        id=deal.id, introduction_id=deal.introduction_id, engagement_id=deal.engagement_id, broker_org_id=deal.broker_org_id,
        technology_id=deal.technology_id, demand_id=deal.demand_id, origin=deal.origin, origin_id=deal.origin_id,
        seller_org_id=deal.seller_org_id, buyer_org_id=deal.buyer_org_id, stage=DealStage(deal.stage),
        stage_name=STAGE_NAMES[DealStage(deal.stage)], allowed_next=sorted(TRANSITIONS[DealStage(deal.stage)]),
        contract_amount_cny=fen_to_yuan(deal.contract_amount_fen) if deal.contract_amount_fen is not None else None,
        version=deal.version, opened_at=deal.opened_at, updated_at=deal.updated_at, closed_at=deal.closed_at,
        broker_shares=[BrokerShare(broker_org_id=s.broker_org_id, share_percent=s.share_percent)
                       for s in repository.broker_shares(session, deal.id)],
        history=[StageChangePublic(
            from_stage=h.from_stage, to_stage=h.to_stage, stage_name=STAGE_NAMES[DealStage(h.to_stage)],
            contract_amount_cny=fen_to_yuan(h.contract_amount_fen) if h.contract_amount_fen is not None else None,
            note=h.note, actor_key_id=h.actor_key_id, actor_org_id=h.actor_org_id, at=h.at)
            for h in repository.deal_history(session, deal.id)],
        commission=None if commission is None else CommissionSummary(
            commission_cny=fen_to_yuan(commission[0].commission_fen), computed_at=commission[0].computed_at,
            allocations=[AllocationPublic(broker_org_id=a.broker_org_id, share_percent=a.share_percent,
                                          amount_cny=fen_to_yuan(a.amount_fen)) for a in commission[1]]),
    )


# --------------------------------------------------------------------------- deals from public trading
def open_trading_deal(session: Session, principal: Principal | None, *, origin: str, origin_id: str, technology_id: str,
                      seller_org_id: str, buyer_org_id: str, amount_fen: int | None, broker_org_id: str,
                      domain: str | None, region: str | None, demand_id: str | None = None, at: datetime | None = None) -> Deal:
    """Open a deal at 意向 from a trading outcome (listing agreement, auction winner, tender award).

    The deal runs through the same stages and commission as an introduction's; its broker organization is the
    platform operator (trading_common.operator), who keeps a 100 % share unless brokers are added. Caller commits."""
    at = at or now()
    deal = Deal(id=new_id("deal"), broker_org_id=broker_org_id, technology_id=technology_id, demand_id=demand_id,
                origin=origin, origin_id=origin_id, seller_org_id=seller_org_id, buyer_org_id=buyer_org_id,
                domain=domain, region=region, stage=DealStage.intent.value, contract_amount_fen=amount_fen,
                version=1, opened_at=at, updated_at=at)
    session.add(deal)
    session.flush()
    actor_key, actor_org = (principal.key_id, principal.org_id) if principal else ("system", broker_org_id)
    session.add(DealStageChange(deal_id=deal.id, from_stage=None, to_stage=deal.stage, contract_amount_fen=amount_fen,
                                note=f"{origin} {origin_id}", actor_key_id=actor_key, actor_org_id=actor_org, at=at))
    session.add(DealBrokerShare(deal_id=deal.id, broker_org_id=broker_org_id, position=0, share_percent=Decimal(100)))
    audit.record(session, principal, "deal.open", "deal", deal.id, {"stage": deal.stage, "origin": origin, "origin_id": origin_id})
    webhooks.enqueue_many(session, {seller_org_id, buyer_org_id, broker_org_id}, EventType.deal_stage_changed,
                          {"deal_id": deal.id, "from_stage": None, "to_stage": deal.stage, "stage_name": STAGE_NAMES[DealStage.intent],
                           "origin": origin, "origin_id": origin_id, "version": deal.version})
    return deal
