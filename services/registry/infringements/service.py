"""Infringement records (侵权行为信息记录): recorded, answered, appealed, decided on appeal, corrected.

The registry stores and orders the history; who may add which entry (admin, the accused organization) is the
gateway's rule. State rules live here so every caller gets the same answers: an answer or an appeal once the
record exists, one appeal at a time, an appeal decision only while under appeal. Nothing is ever deleted: a
correction changes the record's current facts and keeps the old values in its entry.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session

from services.registry.db import new_id, utcnow
from services.registry.infringements import repository
from services.registry.infringements.models import InfringementEntryRow, InfringementRow
from services.registry.patents import repository as patents
from services.registry.uow import UnitOfWork
from shared.errors import conflict, invalid, not_found
from shared.ip_schemas import (
    InfringementEvidence,
    InfringementCreate,
    InfringementEntryCreate,
    InfringementEntryKind,
    InfringementEntryPublic,
    InfringementPublic,
    InfringementStatus,
)
from shared.schemas import ChangeOp, Entity

ENTITY = Entity.infringement.value
CORRECTABLE = ("decision_reference", "authority", "decided_on", "summary", "claimant_name")
K = InfringementEntryKind


def _check_date(value: date, field: str) -> None:
    if value > utcnow().date():
        raise invalid(field, f"{value} is in the future: give the date the decision was made.")


def create(uow: UnitOfWork, payload: InfringementCreate, actor: str | None, actor_org_id: str | None) -> InfringementRow:
    session = uow.session
    _check_date(payload.decided_on, "body.decided_on")
    if patents.get(session, payload.patent_id) is None:
        raise invalid("body.patent_id", f"No patent with id {payload.patent_id!r}: register it first (POST /v1/patents).")
    orgs = patents.organizations(session, [o for o in (payload.accused_org_id, payload.claimant_org_id) if o])
    if payload.accused_org_id not in orgs:
        raise invalid("body.accused_org_id", f"No organization with id {payload.accused_org_id!r}.")
    if payload.claimant_org_id and payload.claimant_org_id not in orgs:
        raise invalid("body.claimant_org_id", f"No organization with id {payload.claimant_org_id!r}.")
    now = utcnow()
    row = InfringementRow(id=new_id("inf"), status=InfringementStatus.recorded.value, created_at=now, updated_at=now,
                          **payload.model_dump(mode="python", exclude={"evidence"}),
                          evidence=[e.model_dump(mode="json", exclude_none=True) for e in payload.evidence])
    session.add(row)
    session.flush()
    session.add(InfringementEntryRow(infringement_id=row.id, kind=K.recorded.value, text=payload.summary, actor=actor,
                                     actor_org_id=actor_org_id, at=now,
                                     detail={"evidence": row.evidence} if row.evidence else {}))
    uow.emit(ENTITY, row.id, ChangeOp.create, row.version)
    return row


def get(session: Session, record_id: str, *, for_update: bool = False) -> InfringementRow:
    row = repository.get(session, record_id, for_update=for_update)
    if row is None:
        raise not_found("infringement", record_id)
    return row


def _correct(row: InfringementRow, changes: dict[str, str]) -> dict[str, dict[str, str | None]]:
    if not changes:
        raise invalid("body.changes", f"A correction names what changes: one or more of {', '.join(CORRECTABLE)}.")
    diff: dict[str, dict[str, str | None]] = {}
    for name, value in changes.items():
        if name not in CORRECTABLE:
            raise invalid(f"body.changes.{name}", f"{name} cannot be corrected; correctable: {', '.join(CORRECTABLE)}.")
        if not value.strip():
            raise invalid(f"body.changes.{name}", "A corrected value cannot be empty.")
        new: Any = value.strip()
        if name == "decided_on":
            try:
                new = date.fromisoformat(new)
            except ValueError:
                raise invalid("body.changes.decided_on", "decided_on must be a date like 2026-10-15.") from None
            _check_date(new, "body.changes.decided_on")
        old = getattr(row, name)
        diff[name] = {"from": str(old) if old is not None else None, "to": str(new)}
        setattr(row, name, new)
    return diff


def add_entry(uow: UnitOfWork, record_id: str, payload: InfringementEntryCreate, actor: str | None,
              actor_org_id: str | None) -> InfringementRow:
    row = get(uow.session, record_id, for_update=True)  # one appeal at a time holds under concurrent writes
    status = InfringementStatus(row.status)
    detail: dict[str, Any] = {}
    if payload.kind == K.recorded:
        raise invalid("body.kind", "A record is recorded once, when created; add an answer, appeal, appeal_decision or correction.")
    if payload.kind == K.answer:
        if status == InfringementStatus.recorded:
            row.status = InfringementStatus.answered.value
    elif payload.kind == K.appeal:
        if status == InfringementStatus.under_appeal:
            raise conflict("An appeal is already pending on this record; wait for its decision.", field="body.kind")
        if status == InfringementStatus.overturned:
            raise conflict("The decision was already overturned on appeal.", field="body.kind")
        row.status = InfringementStatus.under_appeal.value
    elif payload.kind == K.appeal_decision:
        if status != InfringementStatus.under_appeal:
            raise conflict(f"The record is {status}, not under appeal: nothing to decide.", field="body.kind")
        if payload.outcome is None:
            raise invalid("body.outcome", "An appeal decision says upheld (the decision stands) or overturned.")
        row.status, detail["outcome"] = payload.outcome, payload.outcome
    elif payload.kind == K.correction:
        detail["changes"] = _correct(row, payload.changes)
    if payload.evidence:
        detail["evidence"] = [e.model_dump(mode="json", exclude_none=True) for e in payload.evidence]
    uow.session.add(InfringementEntryRow(infringement_id=row.id, kind=payload.kind.value, text=payload.text, detail=detail,
                                         actor=actor, actor_org_id=actor_org_id, at=utcnow()))
    row.version += 1
    row.updated_at = utcnow()
    uow.emit(ENTITY, row.id, ChangeOp.update, row.version)
    return row


def to_public_many(session: Session, rows: list[InfringementRow]) -> list[InfringementPublic]:
    ids = [r.id for r in rows]
    history = repository.entries(session, ids)
    numbers = {r.patent_id: p.application_number for r in rows if (p := patents.get(session, r.patent_id))}
    return [InfringementPublic(
        id=r.id, decision_reference=r.decision_reference, authority=r.authority, decided_on=r.decided_on,
        patent_id=r.patent_id, application_number=numbers.get(r.patent_id), accused_org_id=r.accused_org_id,
        claimant_org_id=r.claimant_org_id, claimant_name=r.claimant_name, summary=r.summary,
        evidence=[InfringementEvidence(**e) for e in r.evidence], status=r.status,
        history=[InfringementEntryPublic(kind=e.kind, text=e.text, outcome=e.detail.get("outcome"),
                                         changes=e.detail.get("changes", {}),
                                         evidence=[InfringementEvidence(**x) for x in e.detail.get("evidence", [])],
                                         actor=e.actor, actor_org_id=e.actor_org_id, at=e.at) for e in history[r.id]],
        version=r.version, created_at=r.created_at, updated_at=r.updated_at) for r in rows]


def to_public(session: Session, row: InfringementRow) -> InfringementPublic:
    return to_public_many(session, [row])[0]
