"""揭榜挂帅: campaign (征集) → challenge on a published demand → solvers proposed by matching and notified → entries
until the deadline → scoring by appointed evaluators after it → awards (one or several, staged) → deals.

Confidentiality: an entry, its attachments and its scores exist only for the challenge owner, the appointed
evaluators, admins and (without the scores) the entry's own solver; to anyone else every route answers 404 as for
a missing entry, and entry lists leave them out. The challenge itself (award, deadline, eligibility, IP terms,
criteria) is public. An award opens a deal at 意向 in the existing pipeline (brokers.open_trading_deal, origin
`challenge`), so stages, commission and statistics follow. Every change is audited and sent as a webhook event.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import Request
from sqlmodel import Session

from services.gateway import upstream
from services.gateway.audit import service as audit
from services.gateway.auth.deps import Principal
from services.gateway.auth.permissions import Action, authorize_record, forbidden, require
from services.gateway.auth.roles import Role
from services.gateway.brokers import service as deals
from services.gateway.brokers.columns import new_id
from services.gateway.challenges import repository
from services.gateway.challenges.models import (
    CampaignNeed,
    Challenge,
    ChallengeAward,
    ChallengeCampaign,
    ChallengeEntry,
    ChallengeScore,
)
from services.gateway.challenges.schemas import (
    ChallengeAwardCreate,
    CampaignCreate,
    CampaignNeedCreate,
    ChallengeCreate,
    EntryCreate,
    EntryPublic,
    ScoreCreate,
    ScorePublic,
)
from services.gateway.interests.models import Notification
from services.gateway.public import records
from services.gateway.public.registry_calls import registry
from services.gateway.trading_common.money import fen_or_none
from services.gateway.trading_common.operator import operator_org_id
from services.gateway.webhooks import service as webhooks
from services.gateway.webhooks.schemas import EventType
from shared.errors import FieldError, ProblemError, conflict, invalid, not_found

PROPOSALS = 5  # technologies proposed (and their owners notified) per request


# --------------------------------------------------------------------------- campaigns (征集)
def open_campaign(session: Session, principal: Principal, body: CampaignCreate, at: datetime) -> ChallengeCampaign:
    require(principal, Action.challenge_campaign)
    if body.closes_at <= at:
        raise invalid("body.closes_at", "The campaign must close in the future.")
    row = ChallengeCampaign(id=new_id("ccp"), title=body.title, description=body.description, organizer_org_id=principal.org_id,
                            closes_at=body.closes_at, created_at=at)
    session.add(row)
    audit.record(session, principal, "challenge_campaign.open", "challenge_campaign", row.id, {"title": row.title})
    session.commit()
    return row


def campaigns(session: Session, principal: Principal) -> list[ChallengeCampaign]:
    require(principal, Action.challenge_read)
    return list(repository.campaigns(session))


def readable_campaign(session: Session, principal: Principal, campaign_id: str) -> ChallengeCampaign:
    require(principal, Action.challenge_read)
    row = repository.campaign(session, campaign_id)
    if row is None:
        raise not_found("campaign", campaign_id)
    return row


async def add_need(session: Session, request: Request, principal: Principal, campaign_id: str, body: CampaignNeedCreate,
                   at: datetime) -> ChallengeCampaign:
    require(principal, Action.challenge_publish)
    campaign = readable_campaign(session, principal, campaign_id)
    if at >= campaign.closes_at:
        raise invalid("closes_at", f"The campaign closed at {campaign.closes_at.isoformat()}.", status=409, type_="closed")
    demand = await _published_demand(request, principal, body.demand_id)
    authorize_record(principal, Action.challenge_publish, demand)
    if repository.need(session, campaign.id, demand["id"]) is not None:
        raise conflict("This need is in the campaign already.", field="body.demand_id")
    session.add(CampaignNeed(id=new_id("cnd"), campaign_id=campaign.id, demand_id=demand["id"], demand_title=demand["title"][:200],
                             owner_org_id=demand.get("owner_org_id") or principal.org_id, created_at=at))
    audit.record(session, principal, "challenge_campaign.need", "challenge_campaign", campaign.id, {"demand_id": demand["id"]})
    session.commit()
    return campaign


async def _published_demand(request: Request, principal: Principal, demand_id: str) -> dict[str, Any]:
    demand = await records.fetch_visible(request, principal, "demand", demand_id)
    if demand.get("status") != "published":
        raise invalid("body.demand_id", f"This demand is {demand.get('status')}; only published demands are used.")
    return demand


# --------------------------------------------------------------------------- challenges
async def publish(session: Session, request: Request, principal: Principal, body: ChallengeCreate, at: datetime) -> Challenge:
    require(principal, Action.challenge_publish)
    if body.deadline <= at:
        raise invalid("body.deadline", "The deadline must be in the future.")
    demand = await _published_demand(request, principal, body.demand_id)
    authorize_record(principal, Action.challenge_publish, demand)
    if body.campaign_id is not None and repository.campaign(session, body.campaign_id) is None:
        raise invalid("body.campaign_id", f"No campaign {body.campaign_id!r}.")
    if repository.open_for_demand(session, demand["id"]) is not None:
        raise conflict("This demand already has an open challenge.", field="body.demand_id")
    if not demand.get("expected_indicators"):  # the registry's screening holds back a challenge without them
        raise invalid("body.demand_id", "A challenge must state measurable target indicators: add expected_indicators "
                                        "(预期指标) to the demand first.")
    # The registry's demand becomes a challenge too (kind, award, deadline, IP terms), so the feed carries it to
    # matching and to other tenants; criteria, evaluators and entries stay here.
    patched = (await registry(request, principal, "PATCH", records.record_path("demand", demand["id"]), json={
        "version": demand["version"], "kind": "challenge", "award_cny": str(body.award_cny),
        "deadline": body.deadline.date().isoformat(), "ip_terms": body.ip_terms[:2000]})).json()
    if patched.get("status") != "published":
        raise conflict(f"body.demand_id: screening put the demand {patched.get('status')} as a challenge; fix it and publish again.",
                       field="body.demand_id", screening=patched.get("screening"))
    row = Challenge(id=new_id("chl"), demand_id=demand["id"], campaign_id=body.campaign_id,
                    owner_org_id=demand.get("owner_org_id") or principal.org_id, title=demand["title"][:200],
                    domain=demand.get("domain"), region=demand.get("region"), award_fen=fen_or_none(body.award_cny) or 0,
                    deadline_at=body.deadline, eligibility=body.eligibility, ip_terms=body.ip_terms,
                    criteria=[c.model_dump() for c in body.criteria], evaluator_org_ids=list(dict.fromkeys(body.evaluator_org_ids)),
                    status="open", created_at=at)
    session.add(row)
    audit.record(session, principal, "challenge.publish", "challenge", row.id,
                 {"demand_id": row.demand_id, "award_fen": row.award_fen, "deadline": row.deadline_at.isoformat()})
    webhooks.enqueue_many(session, set(row.evaluator_org_ids), EventType.challenge_published, _event(row))
    session.commit()
    return row


def challenges(session: Session, principal: Principal) -> list[Challenge]:
    require(principal, Action.challenge_read)
    return list(repository.challenges(session))


def readable(session: Session, principal: Principal, challenge_id: str) -> Challenge:
    require(principal, Action.challenge_read)
    row = repository.challenge(session, challenge_id)
    if row is None:
        raise not_found("challenge", challenge_id)
    return row


def is_owner(principal: Principal, ch: Challenge) -> bool:
    return principal.is_admin() or principal.org_id == ch.owner_org_id or (
        principal.role == Role.platform and principal.may_act_for(ch.owner_org_id))


def is_evaluator(principal: Principal, ch: Challenge) -> bool:
    return principal.role == Role.evaluator and principal.org_id in ch.evaluator_org_ids


def _owned(session: Session, principal: Principal, challenge_id: str) -> Challenge:
    require(principal, Action.challenge_publish)
    ch = readable(session, principal, challenge_id)
    if not is_owner(principal, ch):
        raise forbidden("Only the challenge's owner may do this.", action=Action.challenge_publish)
    return ch


async def propose_solvers(session: Session, request: Request, principal: Principal, challenge_id: str, min_seq: int | None,
                          at: datetime) -> list[dict[str, Any]]:
    """Ask matching for the technologies fitting the challenge's demand; notify their owners (notification + webhook)."""
    ch = _owned(session, principal, challenge_id)
    await records.fetch_visible(request, principal, "demand", ch.demand_id)
    resp = await upstream.call(upstream.get_matching(request), request, "POST", f"/v1/demands/{ch.demand_id}/technologies",
                               principal=principal, service=upstream.MATCHING,
                               json={"k": PROPOSALS, **({"min_seq": min_seq} if min_seq is not None else {})})
    found = resp.json()
    proposals = []
    for hit in found.get("items", []):
        technology = await records.fetch(request, principal, "technology", hit["id"])
        owner = technology.get("owner_org_id")
        notified = bool(owner) and owner != ch.owner_org_id
        if notified:
            session.add(Notification(org_id=owner, kind="challenge_solver", technology_id=hit["id"], technology_title=hit["title"][:200],
                                     demand_id=ch.demand_id, score=hit.get("score"), strength=hit.get("strength"),
                                     feed_seq=int(found.get("indexed_seq") or 0), created_at=at))
            webhooks.enqueue(session, owner, EventType.challenge_solver_proposed,
                             {**_event(ch), "technology_id": hit["id"], "score": hit.get("score"), "strength": hit.get("strength")})
        proposals.append({"technology_id": hit["id"], "title": hit["title"], "owner_org_id": owner, "score": hit.get("score"),
                          "strength": hit.get("strength"), "notified": notified})
    audit.record(session, principal, "challenge.propose_solvers", "challenge", ch.id, {"technology_ids": [p["technology_id"] for p in proposals]})
    session.commit()
    return proposals


# --------------------------------------------------------------------------- entries (揭榜)
async def enter(session: Session, request: Request, principal: Principal, challenge_id: str, body: EntryCreate, at: datetime) -> ChallengeEntry:
    require(principal, Action.challenge_enter)
    ch = readable(session, principal, challenge_id)
    if at >= ch.deadline_at:
        raise invalid("deadline", f"Entries closed at the deadline ({ch.deadline_at.isoformat()}).", status=409, type_="closed")
    if principal.org_id == ch.owner_org_id:
        raise forbidden("The challenge's owner cannot enter its own challenge.", action=Action.challenge_enter)
    errors = []
    for i, technology_id in enumerate(body.technology_ids):
        try:
            technology = await records.fetch_visible(request, principal, "technology", technology_id)
        except ProblemError:
            technology = None
        if technology is None or technology.get("status") != "published" or technology.get("owner_org_id") != principal.org_id:
            errors.append(FieldError(field=f"body.technology_ids.{i}", message=f"{technology_id} is not a published technology of your organization."))
    if errors:
        raise ProblemError(422, "Invalid request", "; ".join(e.message for e in errors), kind="validation-error", errors=errors)
    if repository.entry_of(session, ch.id, principal.org_id) is not None:
        raise conflict("Your organization has entered this challenge already.")
    row = ChallengeEntry(id=new_id("ce"), challenge_id=ch.id, solver_org_id=principal.org_id, technology_ids=list(body.technology_ids),
                         solution=body.solution, attachments=[a.model_dump() for a in body.attachments], status="submitted", submitted_at=at)
    session.add(row)
    audit.record(session, principal, "challenge.enter", "challenge_entry", row.id, {"challenge_id": ch.id})
    webhooks.enqueue(session, ch.owner_org_id, EventType.challenge_entry_submitted, {**_event(ch), "entry_id": row.id})
    session.commit()
    return row


def _may_read_entry(principal: Principal, ch: Challenge, entry: ChallengeEntry) -> bool:
    return is_owner(principal, ch) or is_evaluator(principal, ch) or principal.org_id == entry.solver_org_id or (
        principal.role == Role.platform and principal.may_act_for(entry.solver_org_id))


def readable_entry(session: Session, principal: Principal, entry_id: str) -> tuple[Challenge, ChallengeEntry]:
    require(principal, Action.challenge_read)
    entry = repository.entry(session, entry_id)
    ch = repository.challenge(session, entry.challenge_id) if entry else None
    if entry is None or ch is None or not _may_read_entry(principal, ch, entry):
        raise not_found("challenge entry", entry_id)
    return ch, entry


def entries(session: Session, principal: Principal, challenge_id: str) -> tuple[Challenge, list[ChallengeEntry]]:
    ch = readable(session, principal, challenge_id)
    return ch, [e for e in repository.entries(session, ch.id) if _may_read_entry(principal, ch, e)]


def entry_view(session: Session, principal: Principal, ch: Challenge, entry: ChallengeEntry) -> EntryPublic:
    scores = []
    if is_owner(principal, ch) or is_evaluator(principal, ch):  # scores stay with the owner and the jury
        scores = [ScorePublic.model_validate(s, from_attributes=True) for s in repository.scores(session, entry.id)]
    mean = round(sum(s.weighted for s in scores) / len(scores), 1) if scores else None
    fields = {name: getattr(entry, name) for name in EntryPublic.model_fields if hasattr(entry, name) and name != "scores"}
    return EntryPublic.model_validate({**fields, "scores": scores, "mean_score": mean})


def score(session: Session, principal: Principal, entry_id: str, body: ScoreCreate, at: datetime) -> tuple[Challenge, ChallengeEntry]:
    require(principal, Action.challenge_score)
    ch, entry = readable_entry(session, principal, entry_id)
    if not is_evaluator(principal, ch):
        raise not_found("challenge entry", entry_id)
    if at < ch.deadline_at:
        raise invalid("deadline", f"Scoring opens after the deadline ({ch.deadline_at.isoformat()}).", status=409, type_="not_yet")
    names = [c["name"] for c in ch.criteria]
    errors = [FieldError(field=f"body.scores.{n}", message=f"Score {n!r} (0–100).") for n in names if n not in body.scores]
    errors += [FieldError(field=f"body.scores.{n}", message=f"{n!r} is not a criterion of this challenge ({', '.join(names)}).")
               for n in body.scores if n not in names]
    if errors:
        raise ProblemError(422, "Invalid request", "; ".join(e.message for e in errors), kind="validation-error", errors=errors)
    if repository.score_by(session, entry.id, principal.org_id) is not None:
        raise conflict("Your organization scored this entry already.")
    total_weight = sum(c["weight"] for c in ch.criteria)
    weighted = round(sum(body.scores[c["name"]] * c["weight"] for c in ch.criteria) / total_weight, 1)
    session.add(ChallengeScore(id=new_id("cs"), entry_id=entry.id, evaluator_org_id=principal.org_id, scores=dict(body.scores),
                               weighted=weighted, comments=body.comments, created_at=at))
    audit.record(session, principal, "challenge.score", "challenge_entry", entry.id, {"weighted": weighted})
    session.commit()
    return ch, entry


# --------------------------------------------------------------------------- awards
def award(session: Session, principal: Principal, challenge_id: str, body: ChallengeAwardCreate, at: datetime) -> list[ChallengeAward]:
    ch = _owned(session, principal, challenge_id)
    if at < ch.deadline_at:
        raise invalid("deadline", f"Awards come after the deadline ({ch.deadline_at.isoformat()}).", status=409, type_="not_yet")
    if ch.status != "open":
        raise conflict(f"This challenge is {ch.status} already.", status=ch.status)
    chosen = _check_awards(session, ch, body)
    made = []
    for item, entry in chosen:
        amount_fen = fen_or_none(item.amount_cny) or 0
        deal = deals.open_trading_deal(session, principal, origin="challenge", origin_id=ch.id, technology_id=entry.technology_ids[0],
                                       seller_org_id=entry.solver_org_id, buyer_org_id=ch.owner_org_id, amount_fen=amount_fen,
                                       broker_org_id=operator_org_id(), domain=ch.domain, region=ch.region, demand_id=ch.demand_id, at=at)
        row = ChallengeAward(id=new_id("caw"), challenge_id=ch.id, entry_id=entry.id, amount_fen=amount_fen, deal_id=deal.id, created_at=at,
                             milestones=[{"title": m.title, "due": m.due.isoformat(), "amount_fen": fen_or_none(m.amount_cny)}
                                         for m in item.milestones])
        entry.status = "awarded"
        session.add_all([row, entry])
        made.append(row)
        webhooks.enqueue(session, entry.solver_org_id, EventType.challenge_awarded, {**_event(ch), "entry_id": entry.id, "deal_id": deal.id})
    ch.status = "awarded"
    session.add(ch)
    audit.record(session, principal, "challenge.award", "challenge", ch.id,
                 {"awards": [{"entry_id": r.entry_id, "amount_fen": r.amount_fen, "deal_id": r.deal_id} for r in made]})
    webhooks.enqueue(session, ch.owner_org_id, EventType.challenge_awarded, {**_event(ch), "entry_ids": [r.entry_id for r in made]})
    session.commit()
    return made


def _check_awards(session: Session, ch: Challenge, body: ChallengeAwardCreate) -> list[tuple[Any, ChallengeEntry]]:
    errors, chosen = [], []
    for i, item in enumerate(body.awards):
        entry = repository.entry(session, item.entry_id)
        if entry is None or entry.challenge_id != ch.id:
            errors.append(FieldError(field=f"body.awards.{i}.entry_id", message=f"{item.entry_id} is not an entry of this challenge."))
            continue
        if not entry.technology_ids:
            errors.append(FieldError(field=f"body.awards.{i}.entry_id", message="This entry links no technology; a deal needs one."))
        staged = sum((m.amount_cny for m in item.milestones), start=type(item.amount_cny)(0))
        if item.milestones and staged != item.amount_cny:
            errors.append(FieldError(field=f"body.awards.{i}.milestones", message=f"Milestones add up to {staged}, not the award {item.amount_cny}."))
        chosen.append((item, entry))
    if len({e.id for _, e in chosen}) != len(chosen):
        errors.append(FieldError(field="body.awards", message="An entry is awarded twice."))
    total = sum(fen_or_none(item.amount_cny) or 0 for item in body.awards)
    if total > ch.award_fen:
        errors.append(FieldError(field="body.awards", message=f"The awards add up to more than the challenge's award ({ch.award_fen / 100:.2f} yuan)."))
    if errors:
        raise ProblemError(422, "Invalid request", "; ".join(e.message for e in errors), kind="validation-error", errors=errors)
    return chosen


def _event(ch: Challenge) -> dict[str, Any]:
    return {"challenge_id": ch.id, "demand_id": ch.demand_id, "title": ch.title, "deadline": ch.deadline_at.isoformat()}
