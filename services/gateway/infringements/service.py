"""Infringement records: recorded by admins and authority keys, answered and appealed by the accused organization,
decided and corrected by admins and by the authority that recorded them; read by admins, brokers, the accused and claimant organizations and the accused's
counterparties (organizations facing it in a deal or an introduction). Anyone else gets the same 404 as for a
record that does not exist, and an empty list on the organization's profile.
"""
from __future__ import annotations

import re
from typing import Any

from fastapi import Request
from sqlmodel import Session

from services.gateway.audit import service as audit
from services.gateway.auth.deps import Principal
from services.gateway.auth.permissions import Action, Scope, forbidden, require, scope_of
from services.gateway.infringements import repository
from services.gateway.public import records
from services.gateway.public.registry_calls import registry
from services.gateway.webhooks import service as webhooks
from services.gateway.webhooks.schemas import EventType
from shared.errors import ProblemError, not_found
from shared.ip_schemas import InfringementCreate, InfringementEntryCreate, InfringementEntryKind

RECORD_ID = re.compile(r"^inf_[0-9a-z]{20}$")
PARTY_KINDS = {InfringementEntryKind.answer, InfringementEntryKind.appeal}  # the accused organization's entries
PROFILE_LIMIT = 200


def _path(record_id: str) -> str:
    if not RECORD_ID.match(record_id):
        raise not_found("infringement", record_id)
    return f"/v1/infringements/{record_id}"


def may_read(session: Session, principal: Principal, record: dict[str, Any]) -> bool:
    scope = scope_of(principal, Action.infringement_read)
    if scope == Scope.all:
        return True
    if scope != Scope.own:
        return False
    org = principal.org_id
    return org in (record["accused_org_id"], record.get("claimant_org_id")) or \
        repository.are_counterparties(session, org, record["accused_org_id"])


def recorded_by(record: dict[str, Any]) -> str | None:
    """The organization whose key recorded the decision (the first history entry's actor)."""
    first = next((e for e in record.get("history") or [] if e.get("kind") == "recorded"), None)
    return first.get("actor_org_id") if first else None


async def get(session: Session, request: Request, principal: Principal, record_id: str) -> dict[str, Any]:
    try:
        record = (await registry(request, principal, "GET", _path(record_id))).json()
    except ProblemError as exc:
        if exc.status == 404:
            raise not_found("infringement", record_id) from None
        raise
    if not may_read(session, principal, record):
        raise not_found("infringement", record_id)
    return record


def _notify(session: Session, record: dict[str, Any], event: EventType, detail: dict[str, Any]) -> None:
    webhooks.enqueue_many(session, {record["accused_org_id"], record.get("claimant_org_id")}, event,
                          {"infringement_id": record["id"], "decision_reference": record["decision_reference"],
                           "status": record["status"], **detail})


async def create(session: Session, request: Request, principal: Principal, body: InfringementCreate) -> dict[str, Any]:
    require(principal, Action.infringement_record)
    record = (await registry(request, principal, "POST", "/v1/infringements", json=body.model_dump(mode="json", exclude_unset=True))).json()
    audit.record(session, principal, "infringement.recorded", "infringement", record["id"],
                 {"accused_org_id": record["accused_org_id"], "patent_id": record["patent_id"],
                  "decision_reference": record["decision_reference"]})
    _notify(session, record, EventType.infringement_recorded, {})
    session.commit()
    return record


async def add_entry(session: Session, request: Request, principal: Principal, record_id: str,
                    body: InfringementEntryCreate) -> dict[str, Any]:
    record = await get(session, request, principal, record_id)  # 404 first: no hint a hidden record exists
    if body.kind in PARTY_KINDS:
        scope = require(principal, Action.infringement_answer)
        if scope == Scope.own and principal.org_id != record["accused_org_id"]:
            raise forbidden("Only the accused organization answers or appeals its record (or an admin on its behalf).",
                            action=Action.infringement_answer)
    else:
        scope = require(principal, Action.infringement_record)
        if scope == Scope.own and recorded_by(record) != principal.org_id:
            raise forbidden("An authority decides appeals and corrects only the records its organization recorded.",
                            action=Action.infringement_record)
    updated = (await registry(request, principal, "POST", f"{_path(record_id)}/entries",
                              json=body.model_dump(mode="json", exclude_unset=True))).json()
    audit.record(session, principal, f"infringement.{body.kind.value}", "infringement", record_id,
                 {"status": updated["status"], "outcome": body.outcome, "changes": updated["history"][-1]["changes"]})
    _notify(session, updated, EventType.infringement_updated, {"entry": body.kind.value})
    session.commit()
    return updated


async def for_organization(session: Session, request: Request, principal: Principal, org_id: str) -> dict[str, Any]:
    """The infringement section of an organization's profile: what the caller may read of it (maybe nothing)."""
    require(principal, Action.organization_read)
    await records.fetch(request, principal, "organization", org_id)  # unknown org → its 404
    page = (await registry(request, principal, "GET", "/v1/infringements", params={"org_id": org_id, "limit": PROFILE_LIMIT})).json()
    items = [r for r in page["items"] if may_read(session, principal, r)]
    return {"org_id": org_id, "count": len(items), "items": items}


async def export(request: Request, principal: Principal, org_id: str | None) -> bytes:
    require(principal, Action.infringement_export)
    return (await registry(request, principal, "GET", "/v1/infringements/export", params={"org_id": org_id})).content
