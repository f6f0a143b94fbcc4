"""推广目录: call for nominations → nominations → expert review → publication → dynamic adjustment, adoption reports.

Rules: an admin opens a call (the edition's name, a closing time in the future). Until it closes, the technology's
owner or a broker nominates a PUBLISHED technology (an unpublished one: 422 naming body.technology_id; one the
caller cannot read: 404). Evaluators review nominations (0–100, recommendation, comments), never one their
organization has an interest in (same conflict rule as evaluations). Publication takes the nominations with enough
reviews and a high enough mean score to the registry, which freezes each entry from the technology and publishes
the edition (a feed entity). A later adjustment withdraws entries with a reason. Nominations and their reviews are
seen only by admins, evaluators, the nominating organization and the technology's owner; others get 404.
"""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from fastapi import Request
from sqlmodel import Session

from services.gateway.audit import service as audit
from services.gateway.auth.deps import Principal
from services.gateway.auth.permissions import Action, Scope, authorize_record, require
from services.gateway.auth.roles import Role
from services.gateway.brokers.columns import new_id
from services.gateway.catalog import repository
from services.gateway.catalog.models import AdoptionReport, CatalogCall, CatalogNomination, CatalogReview
from services.gateway.catalog.schemas import (
    AdjustmentCreate,
    AdoptionReportCreate,
    CallCreate,
    NominationCreate,
    NominationPublic,
    PublishRequest,
    ReviewCreate,
    ReviewPublic,
)
from services.gateway.evaluations.service import check_conflict
from services.gateway.public import records
from services.gateway.public.registry_calls import registry
from services.gateway.webhooks import service as webhooks
from services.gateway.webhooks.schemas import EventType
from shared.errors import ProblemError, conflict, invalid, not_found
from shared.schemas import CatalogEditionCreate, CatalogEntryIn

_EDITION_ID = re.compile(r"^cat_[0-9a-z]{20}$")
OPEN, PUBLISHED = "open", "published"


# --------------------------------------------------------------------------- calls and nominations
def open_call(session: Session, principal: Principal, body: CallCreate, at: datetime) -> CatalogCall:
    require(principal, Action.catalog_manage)
    if body.nominations_close_at <= at:
        raise invalid("body.nominations_close_at", "The call must close in the future.")
    row = CatalogCall(id=new_id("cc"), name=body.name, description=body.description, nominations_close_at=body.nominations_close_at,
                      status=OPEN, created_by=principal.key_id, created_at=at, updated_at=at)
    session.add(row)
    audit.record(session, principal, "catalog_call.open", "catalog_call", row.id, {"name": row.name})
    session.commit()
    return row


def calls(session: Session, principal: Principal) -> list[CatalogCall]:
    require(principal, Action.catalog_read)
    return list(repository.calls(session))


def readable_call(session: Session, principal: Principal, call_id: str) -> CatalogCall:
    require(principal, Action.catalog_read)  # a call for nominations is a public announcement
    row = repository.call(session, call_id)
    if row is None:
        raise not_found("catalog call", call_id)
    return row


async def nominate(session: Session, request: Request, principal: Principal, call_id: str, body: NominationCreate,
                   at: datetime) -> CatalogNomination:
    require(principal, Action.catalog_nominate)
    call = readable_call(session, principal, call_id)
    if call.status != OPEN or at >= call.nominations_close_at:
        raise conflict(f"Nominations for {call.name} closed at {call.nominations_close_at.isoformat()}.", status=call.status)
    technology = await records.fetch_visible(request, principal, "technology", body.technology_id)
    if technology.get("status") != "published":
        raise invalid("body.technology_id", f"This technology is {technology.get('status')}; only published technologies are nominated.")
    authorize_record(principal, Action.catalog_nominate, technology)
    if repository.nomination_for(session, call.id, technology["id"]) is not None:
        raise conflict("This technology is nominated to this call already.", field="body.technology_id")
    row = CatalogNomination(id=new_id("cn"), call_id=call.id, technology_id=technology["id"], technology_title=technology["title"][:200],
                            domain=technology.get("domain"), owner_org_id=technology.get("owner_org_id"),
                            nominated_by_org_id=principal.org_id, reason=body.reason, status="nominated", created_at=at)
    session.add(row)
    audit.record(session, principal, "catalog.nominate", "catalog_nomination", row.id, {"call_id": call.id, "technology_id": row.technology_id})
    if row.owner_org_id != principal.org_id:
        webhooks.enqueue_many(session, {row.owner_org_id}, EventType.catalog_nominated,
                              {"nomination_id": row.id, "call_id": call.id, "technology_id": row.technology_id})
    session.commit()
    return row


def _may_see(principal: Principal, row: CatalogNomination) -> bool:
    if principal.is_admin() or principal.role == Role.evaluator:
        return True
    if principal.org_id in (row.nominated_by_org_id, row.owner_org_id):
        return True
    return principal.role == Role.platform and row.owner_org_id is not None and principal.may_act_for(row.owner_org_id)


def readable_nomination(session: Session, principal: Principal, nomination_id: str) -> CatalogNomination:
    row = repository.nomination(session, nomination_id)
    if row is None or not _may_see(principal, row):
        raise not_found("nomination", nomination_id)
    return row


def nominations(session: Session, principal: Principal, call_id: str) -> list[CatalogNomination]:
    call = readable_call(session, principal, call_id)
    return [n for n in repository.nominations(session, call.id) if _may_see(principal, n)]


def nomination_view(session: Session, row: CatalogNomination) -> NominationPublic:
    reviews = [ReviewPublic.model_validate(r, from_attributes=True) for r in repository.reviews(session, row.id)]
    mean = round(sum(r.score for r in reviews) / len(reviews), 1) if reviews else None
    fields = {name: getattr(row, name) for name in NominationPublic.model_fields if hasattr(row, name) and name != "reviews"}
    return NominationPublic.model_validate({**fields, "reviews": reviews, "mean_score": mean})


def review(session: Session, principal: Principal, nomination_id: str, body: ReviewCreate, at: datetime) -> CatalogNomination:
    require(principal, Action.catalog_review)
    row = readable_nomination(session, principal, nomination_id)
    call = repository.call(session, row.call_id)
    if call is None or call.status != OPEN:
        raise conflict("This call's edition is published; reviews are closed.")
    check_conflict(session, principal, row.technology_id, row.owner_org_id, field="nomination_id")
    if repository.review_by(session, row.id, principal.org_id) is not None:
        raise conflict("Your organization reviewed this nomination already.")
    session.add(CatalogReview(id=new_id("crv"), nomination_id=row.id, reviewer_org_id=principal.org_id, reviewer_key_id=principal.key_id,
                              score=body.score, recommend=body.recommend, comments=body.comments, created_at=at))
    audit.record(session, principal, "catalog.review", "catalog_nomination", row.id, {"score": body.score, "recommend": body.recommend})
    session.commit()
    return row


# --------------------------------------------------------------------------- editions
async def publish(session: Session, request: Request, principal: Principal, call_id: str, body: PublishRequest,
                  at: datetime) -> dict[str, Any]:
    require(principal, Action.catalog_manage)
    call = readable_call(session, principal, call_id)
    if call.status != OPEN:
        raise conflict(f"{call.name} is published already.", status=call.status)
    chosen: list[tuple[CatalogNomination, float, int]] = []
    rows = list(repository.nominations(session, call.id))
    for row in rows:
        scores = [r.score for r in repository.reviews(session, row.id)]
        if len(scores) >= body.min_reviews and sum(scores) / len(scores) >= body.min_score:
            chosen.append((row, round(sum(scores) / len(scores), 1), len(scores)))
    if not chosen:
        raise conflict("No nomination has enough reviews with a high enough mean score; nothing to publish.")
    payload = CatalogEditionCreate(name=call.name, description=call.description, call_id=call.id,
                                   entries=[CatalogEntryIn(technology_id=n.technology_id, review_score=s, review_count=c) for n, s, c in chosen])
    edition = (await registry(request, principal, "POST", "/v1/catalog/editions", json=payload.model_dump(mode="json"))).json()
    accepted = {n.id for n, _, _ in chosen}
    for row in rows:
        row.status = "accepted" if row.id in accepted else "not_accepted"
        session.add(row)
    call.status, call.edition_id, call.updated_at = PUBLISHED, edition["id"], at
    session.add(call)
    audit.record(session, principal, "catalog.publish", "catalog_edition", edition["id"],
                 {"call_id": call.id, "entries": len(chosen), "min_score": body.min_score, "min_reviews": body.min_reviews})
    webhooks.enqueue_many(session, {n.owner_org_id for n, _, _ in chosen}, EventType.catalog_published,
                          {"edition_id": edition["id"], "name": edition["name"]})
    session.commit()
    return edition


async def edition(request: Request, principal: Principal, edition_id: str, domain: str | None = None) -> dict[str, Any]:
    require(principal, Action.catalog_read)
    if not _EDITION_ID.match(edition_id):
        raise not_found("catalog edition", edition_id)
    try:
        found = (await registry(request, principal, "GET", f"/v1/catalog/editions/{edition_id}")).json()
    except ProblemError as exc:
        if exc.status == 404:
            raise not_found("catalog edition", edition_id) from None
        raise
    if domain:
        found["entries"] = [e for e in found["entries"] if e.get("domain") == domain]
    return found


async def editions(request: Request, principal: Principal) -> list[dict[str, Any]]:
    require(principal, Action.catalog_read)
    return (await registry(request, principal, "GET", "/v1/catalog/editions")).json()


async def adjust(session: Session, request: Request, principal: Principal, edition_id: str, body: AdjustmentCreate) -> dict[str, Any]:
    require(principal, Action.catalog_manage)
    current = await edition(request, principal, edition_id)
    updated = (await registry(request, principal, "POST", f"/v1/catalog/editions/{current['id']}/adjustments",
                              json=body.model_dump(mode="json"))).json()
    owners = {e["technology_id"]: e.get("owner_org_id") for e in updated["entries"]}
    audit.record(session, principal, "catalog.adjust", "catalog_edition", current["id"],
                 {"adjustment": body.name, "withdrawn": [w.model_dump() for w in body.withdrawals]})
    for w in body.withdrawals:
        webhooks.enqueue_many(session, {owners.get(w.technology_id)}, EventType.catalog_entry_withdrawn,
                              {"edition_id": current["id"], "technology_id": w.technology_id, "adjustment": body.name, "reason": w.reason})
    session.commit()
    return updated


async def report_adoption(session: Session, request: Request, principal: Principal, edition_id: str, body: AdoptionReportCreate,
                          at: datetime) -> AdoptionReport:
    scope = require(principal, Action.catalog_report)
    current = await edition(request, principal, edition_id)
    entry = next((e for e in current["entries"] if e["technology_id"] == body.technology_id), None)
    if entry is None:
        raise invalid("body.technology_id", "This technology is not an entry of the edition.")
    if scope == Scope.own:
        technology = await records.fetch_visible(request, principal, "technology", body.technology_id)
        authorize_record(principal, Action.catalog_report, technology)
    row = AdoptionReport(id=new_id("car"), edition_id=current["id"], reporter_org_id=principal.org_id, created_at=at,
                         **body.model_dump())
    session.add(row)
    audit.record(session, principal, "catalog.adoption_report", "catalog_edition", current["id"], {"report_id": row.id, "technology_id": row.technology_id})
    session.commit()
    return row


async def adoption_reports(session: Session, request: Request, principal: Principal, edition_id: str) -> list[AdoptionReport]:
    current = await edition(request, principal, edition_id)
    return list(repository.adoption_reports(session, current["id"]))
