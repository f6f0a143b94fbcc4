"""Technologies and demands through the gateway: permission checks, the registry call, the audit entry."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request, Response
from pydantic import BaseModel
from sqlmodel import Session

from services.gateway import upstream
from services.gateway.audit import service as audit
from services.gateway.auth import permissions as perm
from services.gateway.auth.deps import Principal
from services.gateway.auth.permissions import Action, Scope
from services.gateway.auth.roles import Role
from services.gateway.public import access, records
from services.gateway.brokers.service import broker_has_accepted_introduction
from services.gateway.public.registry_calls import raw_json_body, registry
from shared.errors import FieldError, ProblemError


@dataclass(frozen=True)
class Kind:
    entity: str  # "technology" | "demand"
    path: str  # "/v1/technologies"


def _audit(session: Session, request: Request, principal: Principal, action: str, kind: Kind, record: dict[str, Any], **extra: Any) -> None:
    detail = {k: record.get(k) for k in ("title", "status", "version", "seq") if k in record}
    audit.record(session, principal, f"{kind.entity}.{action}", kind.entity, record.get("id"), {**detail, **extra},
                 request_id=request.state.request_id)
    session.commit()


def _check_new_record(principal: Principal, data: dict[str, Any], field: str) -> dict[str, Any]:
    """Who may write which record (docs/permissions.md, "Ownership"):
    - enterprises: only for their own organization, and never under an external_ref (a platform's namespace);
    - platforms: only under their own external_ref.source, and only for organizations they may act for
      (their own or one that delegated to them)."""
    if principal.role == Role.enterprise:
        if data.get("owner_org_id") not in (None, principal.org_id):
            raise _forbidden_field(f"{field}.owner_org_id", f"Enterprises create records only for their own organization ({principal.org_id}).")
        if data.get("external_ref") is not None:
            raise _forbidden_field(f"{field}.external_ref", "external_ref marks a record synced by a trading platform: only that "
                                   "platform's key (for its registered source) or an administrator sets it. Remove it.")
        return {**data, "owner_org_id": principal.org_id}
    if principal.role == Role.platform:
        if perm.source_of(data) != principal.source:
            raise _forbidden_field(f"{field}.external_ref.source",
                                   f"This platform key syncs only records with external_ref.source = {principal.source!r}.")
        if not principal.may_act_for(data.get("owner_org_id")):
            raise _forbidden_field(f"{field}.owner_org_id", f"Organization {data.get('owner_org_id')!r} has not delegated its records to "
                                   "this platform: an administrator grants that (POST /v1/delegations) on the organization's mandate.")
    return data


def _forbidden_field(field: str, message: str) -> ProblemError:
    return ProblemError(403, "Forbidden", f"{field}: {message}", kind="forbidden", errors=[FieldError(field=field, message=message, type="forbidden")])


async def create(request: Request, session: Session, principal: Principal, kind: Kind, body: BaseModel) -> Response:
    perm.require(principal, Action.listing_create)
    data = _check_new_record(principal, body.model_dump(mode="json", exclude_unset=True), "body")
    resp = await registry(request, principal, "POST", kind.path, json=data)
    _audit(session, request, principal, "create", kind, resp.json())
    return upstream.relay(resp)


async def list_records(request: Request, principal: Principal, kind: Kind, params: dict[str, Any]) -> Response:
    perm.require(principal, Action.listing_read)
    resp = await registry(request, principal, "GET", kind.path, params=access.scope_list_params(principal, params))
    return upstream.relay(resp)


async def export(request: Request, principal: Principal, kind: Kind, params: dict[str, Any]) -> Response:
    perm.require(principal, Action.listing_export)
    resp = await registry(request, principal, "GET", f"{kind.path}/export", params=access.scope_list_params(principal, params))
    return upstream.relay(resp)


async def get_visible(request: Request, principal: Principal, kind: Kind, record_id: str) -> dict[str, Any]:
    perm.require(principal, Action.listing_read)
    return await records.fetch_visible(request, principal, kind.entity, record_id)


async def update(request: Request, session: Session, principal: Principal, kind: Kind, record_id: str, body: BaseModel) -> Response:
    await _authorize_existing(request, principal, kind, record_id, Action.listing_update)
    resp = await registry(request, principal, "PATCH", records.record_path(kind.entity, record_id), json=body.model_dump(mode="json", exclude_unset=True))
    _audit(session, request, principal, "update", kind, resp.json(), fields=sorted(body.model_fields_set - {"version"}))
    return upstream.relay(resp)


async def transition(request: Request, session: Session, principal: Principal, kind: Kind, record_id: str, verb: str) -> Response:
    """withdraw / renew: owner's status changes."""
    await _authorize_existing(request, principal, kind, record_id, Action.listing_update)
    resp = await registry(request, principal, "POST", f"{records.record_path(kind.entity, record_id)}/{verb}", json=await raw_json_body(request))
    _audit(session, request, principal, verb, kind, resp.json())
    return upstream.relay(resp)


async def override(request: Request, session: Session, principal: Principal, kind: Kind, record_id: str, body: BaseModel) -> Response:
    perm.require(principal, Action.listing_override)
    resp = await registry(request, principal, "POST", f"{records.record_path(kind.entity, record_id)}/override", json=body.model_dump(mode="json"))
    _audit(session, request, principal, "override", kind, resp.json(), reason=getattr(body, "reason", None))
    return upstream.relay(resp)


async def bulk_upsert(request: Request, session: Session, principal: Principal, kind: Kind, items: list[BaseModel]) -> Response:
    scope = perm.require(principal, Action.listing_bulk_upsert)
    data = []
    for i, item in enumerate(items):
        row = item.model_dump(mode="json", exclude_unset=True)
        if row.get("external_ref") is None:
            raise ProblemError(422, "Invalid request", f"body.items.{i}.external_ref: bulk upsert needs external_ref on every item.",
                               kind="validation-error", errors=[FieldError(field=f"body.items.{i}.external_ref", message="required for bulk upsert")])
        if scope == Scope.own:
            row = _check_new_record(principal, row, f"body.items.{i}")
        data.append(row)
    resp = await registry(request, principal, "POST", f"{kind.path}/bulk-upsert", json={"items": data})
    result = resp.json()
    outcomes = [o.get("outcome") for o in result.get("items", []) if isinstance(o, dict)]
    audit.record(session, principal, f"{kind.entity}.bulk_upsert", kind.entity, None,
                 {"count": len(data), "created": outcomes.count("created"), "updated": outcomes.count("updated"),
                  "unchanged": outcomes.count("unchanged"), "ids": [o.get("id") for o in result.get("items", []) if isinstance(o, dict)],
                  "seq": result.get("seq")}, request_id=request.state.request_id)
    session.commit()
    return upstream.relay(resp)


async def owner_contacts(request: Request, session: Session, principal: Principal, kind: Kind, record_id: str) -> dict[str, Any]:
    """Contact people of the record's owner: for admins, the owner, and brokers with an accepted introduction."""
    record = await get_visible(request, principal, kind, record_id)
    scope = perm.require(principal, Action.contacts_read)
    allowed = scope == Scope.all or (
        principal.role == Role.enterprise and record.get("owner_org_id") == principal.org_id
    ) or (principal.role == Role.broker and broker_has_accepted_introduction(session, principal.org_id, record_id))
    if not allowed:
        raise perm.forbidden("Owner contacts are shared only after the owner accepts an introduction by your broker engagement.",
                             action=Action.contacts_read)
    owner_id = record.get("owner_org_id")
    if not owner_id:
        return {"record_id": record_id, "organization_id": "", "organization_name": None, "contacts": []}
    org = await records.fetch(request, principal, "organization", owner_id)
    return {"record_id": record_id, "organization_id": owner_id, "organization_name": org.get("name"), "contacts": org.get("contacts", [])}


async def _authorize_existing(request: Request, principal: Principal, kind: Kind, record_id: str, action: Action) -> None:
    scope = perm.require(principal, action)
    if scope == Scope.all:
        return
    record = await records.fetch_visible(request, principal, kind.entity, record_id)
    perm.authorize_record(principal, action, record)
