"""Technologies and demands through the gateway: permission checks, the registry call, the audit entry."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request, Response
from fastapi.responses import JSONResponse
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
from shared.errors import FieldError, ProblemError, invalid


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


async def get_one(request: Request, principal: Principal, kind: Kind, record_id: str) -> Response:
    """GET of one record: the same checks as get_visible, then the registry's body as it came (not parsed into
    a model and serialised again: the gateway changes nothing in it)."""
    perm.require(principal, Action.listing_read)
    resp, _record = await records.fetch_visible_response(request, principal, kind.entity, record_id)
    return Response(resp.content, media_type="application/json")


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


async def bulk_upsert(request: Request, session: Session, principal: Principal, kind: Kind, items: list[dict[str, Any]], *,
                      atomic: bool = True) -> Response:
    """Platform sync. The gateway's own rules (external_ref required, ownership) are checked item by item here,
    the schema and screening item by item in the registry; with atomic=false refused items are reported by their
    index in the request, whichever side refused them, and the others are written."""
    scope = perm.require(principal, Action.listing_bulk_upsert)
    accepted: list[tuple[int, dict[str, Any]]] = []
    refused: dict[int, list[FieldError]] = {}
    for i, row in enumerate(items):
        try:
            accepted.append((i, _check_bulk_item(principal, scope, row, i)))
        except ProblemError as exc:
            if atomic:
                raise
            refused[i] = exc.errors
    if atomic:
        resp = await registry(request, principal, "POST", f"{kind.path}/bulk-upsert", json={"items": [r for _, r in accepted]})
        result = resp.json()
    elif accepted:
        resp = await registry(request, principal, "POST", f"{kind.path}/bulk-upsert", params={"atomic": "false"},
                              json={"items": [r for _, r in accepted]})
        result = _renumber(resp.json(), [i for i, _ in accepted])
    else:
        resp, result = None, {"items": [], "created": 0, "updated": 0, "unchanged": 0, "invalid": 0, "errors": [], "seq": 0}
    if refused:
        result = _with_refused(result, refused)
    outcomes = [o.get("outcome") for o in result.get("items", [])]
    audit.record(session, principal, f"{kind.entity}.bulk_upsert", kind.entity, None,
                 {"count": len(items), "atomic": atomic, **{k: outcomes.count(k) for k in ("created", "updated", "unchanged", "invalid")},
                  "ids": [o["id"] for o in result.get("items", []) if o.get("id")], "seq": result.get("seq")},
                 request_id=request.state.request_id)
    session.commit()
    if resp is not None and atomic:
        return upstream.relay(resp)
    return upstream.relay(resp, content=result) if resp is not None else JSONResponse(result)


def _check_bulk_item(principal: Principal, scope: Scope, row: Any, i: int) -> dict[str, Any]:
    field = f"body.items.{i}"
    if not isinstance(row, dict):
        raise invalid(field, "Each item is a JSON object (a TechnologyCreate / DemandCreate).")
    if row.get("external_ref") is None:
        raise invalid(f"{field}.external_ref", "required for bulk upsert: the record's id in your system ({source, external_id}).")
    return _check_new_record(principal, row, field) if scope == Scope.own else row


def _renumber(result: dict[str, Any], sent: list[int]) -> dict[str, Any]:
    """The registry numbered the items it was sent; give each its index in the caller's request again."""
    def field(path: str) -> str:
        parts = path.split(".")
        if len(parts) > 2 and parts[:2] == ["body", "items"] and parts[2].isdigit():
            parts[2] = str(sent[int(parts[2])])
        return ".".join(parts)

    def fix_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{**e, "field": field(str(e.get("field", "")))} for e in errors]

    items = [{**o, "index": sent[o["index"]], "errors": fix_errors(o.get("errors") or [])} for o in result.get("items", [])]
    return {**result, "items": items, "errors": fix_errors(result.get("errors") or [])}


def _with_refused(result: dict[str, Any], refused: dict[int, list[FieldError]]) -> dict[str, Any]:
    """Add the items the gateway refused, as `invalid` outcomes in request order."""
    extra = [{"index": i, "outcome": "invalid", "id": None, "version": None, "status": None, "screening": None,
              "errors": [e.model_dump() for e in errors]} for i, errors in refused.items()]
    items = sorted([*result.get("items", []), *extra], key=lambda o: o["index"])
    errors = [e for o in items for e in o.get("errors") or []]
    return {**result, "items": items, "invalid": sum(o["outcome"] == "invalid" for o in items), "errors": errors}


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
