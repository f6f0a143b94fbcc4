"""Technology evaluation (技术评价): requests (gateway workflow) and evaluations (registry records, feed entity).

Rules: an evaluator organization evaluates a PUBLISHED technology it can read; never its own organization's, nor
one its organization has a deal on or with the owner (conflict of interest, 409 naming body.technology_id). The
validity runs from today (the gateway clock) to `valid_until`, at most five years; an evaluation past it stays
visible, marked `current: false`, and matching stops counting it (matching compares valid_until itself). Only the
technology's owner responds to an evaluation or requests one. Every change is audited and sent as a webhook event.
Evaluations are as visible as their technology: one the caller may not read answers 404 like a missing one.
"""
from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from fastapi import Request
from sqlmodel import Session

from services.gateway.audit import service as audit
from services.gateway.auth.deps import Principal
from services.gateway.auth.permissions import Action, authorize_record, forbidden, require
from services.gateway.auth.roles import Role
from services.gateway.brokers.columns import new_id
from services.gateway.evaluations import repository
from services.gateway.evaluations.models import EvaluationRequest
from services.gateway.evaluations.schemas import (
    MAX_VALIDITY_YEARS,
    Decision,
    EvaluationSubmit,
    EvaluationView,
    OwnerResponse,
    RequestCreate,
    RequestDecision,
    RequestStatus,
)
from services.gateway.public import records
from services.gateway.public.registry_calls import registry
from services.gateway.webhooks import service as webhooks
from services.gateway.webhooks.schemas import EventType
from shared.errors import ProblemError, conflict, invalid, not_found
from shared.schemas import EvaluationCreate

_EVALUATION_ID = re.compile(r"^eva_[0-9a-z]{20}$")


# --------------------------------------------------------------------------- evaluations
def view(evaluation: dict[str, Any], at: datetime) -> EvaluationView:
    current = evaluation.get("status") == "published" and date.fromisoformat(evaluation["valid_until"]) >= at.date()
    return EvaluationView.model_validate({**evaluation, "current": current})


def _check_conflict(session: Session, principal: Principal, technology: dict[str, Any]) -> None:
    check_conflict(session, principal, technology["id"], technology.get("owner_org_id"), field="body.technology_id")


def check_conflict(session: Session, principal: Principal, technology_id: str, owner: str | None, *, field: str) -> None:
    """409 when the caller's organization is an interested party of the technology (evaluations, catalog reviews)."""
    if owner == principal.org_id:
        raise conflict(f"{field}: conflict of interest — the technology belongs to your organization.",
                       field=field, reason="conflict_of_interest")
    if repository.has_deal_with(session, principal.org_id, technology_id, owner):
        raise conflict(f"{field}: conflict of interest — your organization has a deal on this technology or with its owner.",
                       field=field, reason="conflict_of_interest")


def _check_validity(valid_until: date, at: datetime) -> None:
    today = at.date()
    if valid_until <= today:
        raise invalid("body.valid_until", f"valid_until must be after today ({today.isoformat()}).")
    if valid_until > today.replace(year=today.year + MAX_VALIDITY_YEARS):
        raise invalid("body.valid_until", f"An evaluation is valid for at most {MAX_VALIDITY_YEARS} years.")


async def record(session: Session, request: Request, principal: Principal, body: EvaluationSubmit, at: datetime) -> EvaluationView:
    require(principal, Action.evaluation_record)
    technology = await records.fetch_published(request, principal, "technology", body.technology_id, field="body.technology_id")
    _check_conflict(session, principal, technology)
    _check_validity(body.valid_until, at)
    answered = _request_answered(session, principal, body) if body.request_id else None
    payload = EvaluationCreate(technology_id=technology["id"], evaluator_org_id=principal.org_id,
                               **body.model_dump(exclude={"technology_id"}))
    evaluation = (await registry(request, principal, "POST", "/v1/evaluations", json=payload.model_dump(mode="json"))).json()
    if answered is not None:
        answered.status, answered.evaluation_id, answered.updated_at = RequestStatus.completed.value, evaluation["id"], at
        answered.evaluator_org_id = principal.org_id
        session.add(answered)
    audit.record(session, principal, "evaluation.record", "evaluation", evaluation["id"],
                 {"technology_id": technology["id"], "overall_score": evaluation["overall_score"],
                  "verdict": evaluation["verdict"], "valid_until": evaluation["valid_until"], "request_id": body.request_id})
    webhooks.enqueue(session, technology.get("owner_org_id"), EventType.evaluation_recorded, _event(evaluation))
    session.commit()
    return view(evaluation, at)


def _request_answered(session: Session, principal: Principal, body: EvaluationSubmit) -> EvaluationRequest:
    row = readable_request(session, principal, body.request_id or "")
    if row.technology_id != body.technology_id:
        raise invalid("body.request_id", "This request is for another technology.")
    addressed_to_me = row.evaluator_org_id in (None, principal.org_id)
    if row.status not in (RequestStatus.open, RequestStatus.accepted) or not addressed_to_me:
        raise conflict(f"body.request_id: the request is {row.status}; only an open or accepted request of yours is answered.",
                       field="body.request_id", status=row.status)
    return row


async def readable(request: Request, principal: Principal, evaluation_id: str) -> dict[str, Any]:
    """The evaluation if the caller may read its technology; otherwise the same 404 as a missing evaluation."""
    if not _EVALUATION_ID.match(evaluation_id):
        raise not_found("evaluation", evaluation_id)
    try:
        evaluation = (await registry(request, principal, "GET", f"/v1/evaluations/{evaluation_id}")).json()
        await records.fetch_visible(request, principal, "technology", evaluation["technology_id"])
    except ProblemError as exc:
        if exc.status == 404:
            raise not_found("evaluation", evaluation_id) from None
        raise
    return evaluation


async def for_technology(request: Request, principal: Principal, technology_id: str, at: datetime) -> list[EvaluationView]:
    technology = await records.fetch_visible(request, principal, "technology", technology_id)
    rows = (await registry(request, principal, "GET", f"{records.record_path('technology', technology['id'])}/evaluations")).json()
    return [view(e, at) for e in rows]


async def respond(session: Session, request: Request, principal: Principal, evaluation_id: str, body: OwnerResponse,
                  at: datetime) -> EvaluationView:
    evaluation = await readable(request, principal, evaluation_id)
    technology = await records.fetch_visible(request, principal, "technology", evaluation["technology_id"])
    authorize_record(principal, Action.evaluation_request, technology)
    evaluation = (await registry(request, principal, "POST", f"/v1/evaluations/{evaluation['id']}/response",
                                 json=body.model_dump())).json()
    audit.record(session, principal, "evaluation.respond", "evaluation", evaluation["id"], {"technology_id": technology["id"]})
    webhooks.enqueue(session, evaluation["evaluator_org_id"], EventType.evaluation_responded, _event(evaluation))
    session.commit()
    return view(evaluation, at)


async def withdraw(session: Session, request: Request, principal: Principal, evaluation_id: str, at: datetime) -> EvaluationView:
    """The evaluator of record withdraws its evaluation; the technology's summary falls back to the previous one."""
    require(principal, Action.evaluation_record)
    evaluation = await readable(request, principal, evaluation_id)
    if evaluation["evaluator_org_id"] != principal.org_id:
        raise forbidden("Only the evaluating organization withdraws its evaluation.", action=Action.evaluation_record)
    evaluation = (await registry(request, principal, "POST", f"/v1/evaluations/{evaluation['id']}/withdraw")).json()
    audit.record(session, principal, "evaluation.withdraw", "evaluation", evaluation["id"], {"technology_id": evaluation["technology_id"]})
    technology = await records.fetch(request, principal, "technology", evaluation["technology_id"])
    webhooks.enqueue_many(session, {technology.get("owner_org_id")}, EventType.evaluation_recorded, _event(evaluation))
    session.commit()
    return view(evaluation, at)


def _event(evaluation: dict[str, Any]) -> dict[str, Any]:
    keys = ("id", "technology_id", "evaluator_org_id", "overall_score", "verdict", "valid_until", "request_id", "status")
    return {k: evaluation.get(k) for k in keys}


# --------------------------------------------------------------------------- requests
async def create_request(session: Session, request: Request, principal: Principal, body: RequestCreate, at: datetime) -> EvaluationRequest:
    require(principal, Action.evaluation_request)
    technology = await records.fetch_published(request, principal, "technology", body.technology_id, field="body.technology_id")
    authorize_record(principal, Action.evaluation_request, technology)
    owner = technology.get("owner_org_id") or principal.org_id
    if body.evaluator_org_id == owner:
        raise invalid("body.evaluator_org_id", "An organization cannot evaluate its own technology: name an independent evaluator.")
    row = EvaluationRequest(id=new_id("evr"), technology_id=technology["id"], technology_title=technology["title"][:200],
                            owner_org_id=owner, evaluator_org_id=body.evaluator_org_id, note=body.note,
                            status=RequestStatus.open.value, created_by=principal.key_id, created_at=at, updated_at=at)
    session.add(row)
    audit.record(session, principal, "evaluation_request.create", "evaluation_request", row.id,
                 {"technology_id": row.technology_id, "evaluator_org_id": row.evaluator_org_id})
    webhooks.enqueue_many(session, {row.evaluator_org_id}, EventType.evaluation_requested, _request_event(row))
    session.commit()
    return row


def readable_request(session: Session, principal: Principal, request_id: str) -> EvaluationRequest:
    """Parties only (admin, the owner organization, the addressed evaluator, any evaluator while open to all)."""
    row = repository.get(session, request_id)
    if row is None or not _is_party(principal, row):
        raise not_found("evaluation request", request_id)
    return row


def _is_party(principal: Principal, row: EvaluationRequest) -> bool:
    if principal.is_admin() or row.owner_org_id == principal.org_id:
        return True
    if principal.role == Role.evaluator:
        return row.evaluator_org_id == principal.org_id or (row.evaluator_org_id is None and row.status == RequestStatus.open)
    return principal.role == Role.platform and principal.may_act_for(row.owner_org_id)


def list_requests(session: Session, principal: Principal, limit: int, before: str | None) -> list[EvaluationRequest]:
    return list(repository.readable_page(session, principal.org_id, admin=principal.is_admin(),
                                         evaluator=principal.role == Role.evaluator, limit=limit, before=before))


async def decide(session: Session, request: Request, principal: Principal, request_id: str, body: RequestDecision,
                 at: datetime) -> EvaluationRequest:
    require(principal, Action.evaluation_decide)
    row = readable_request(session, principal, request_id)
    if row.status != RequestStatus.open:
        raise conflict(f"This request is {row.status}; only an open request is accepted or declined.", status=row.status)
    if body.decision == Decision.accept:
        technology = await records.fetch_published(request, principal, "technology", row.technology_id, field="technology_id")
        _check_conflict(session, principal, technology)
        row.status, row.evaluator_org_id = RequestStatus.accepted.value, principal.org_id
    else:
        if row.evaluator_org_id != principal.org_id:
            raise conflict("This request is open to any evaluator; leave it to another instead of declining it.")
        row.status = RequestStatus.declined.value
    row.decision_note, row.updated_at = body.note, at
    session.add(row)
    audit.record(session, principal, f"evaluation_request.{body.decision.value}", "evaluation_request", row.id, {"note": body.note})
    webhooks.enqueue(session, row.owner_org_id, EventType.evaluation_request_decided, _request_event(row))
    session.commit()
    return row


def cancel(session: Session, principal: Principal, request_id: str, at: datetime) -> EvaluationRequest:
    require(principal, Action.evaluation_request)
    row = readable_request(session, principal, request_id)
    if not (principal.is_admin() or principal.may_act_for(row.owner_org_id)) or principal.role == Role.evaluator:
        raise not_found("evaluation request", request_id)
    if row.status not in (RequestStatus.open, RequestStatus.accepted):
        raise conflict(f"This request is {row.status}; only an open or accepted request can be cancelled.", status=row.status)
    row.status, row.updated_at = RequestStatus.cancelled.value, at
    session.add(row)
    audit.record(session, principal, "evaluation_request.cancel", "evaluation_request", row.id, {})
    webhooks.enqueue_many(session, {row.evaluator_org_id}, EventType.evaluation_request_decided, _request_event(row))
    session.commit()
    return row


def _request_event(row: EvaluationRequest) -> dict[str, Any]:
    return {"id": row.id, "technology_id": row.technology_id, "owner_org_id": row.owner_org_id,
            "evaluator_org_id": row.evaluator_org_id, "status": row.status, "evaluation_id": row.evaluation_id}
