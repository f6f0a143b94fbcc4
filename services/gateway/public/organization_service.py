"""Organizations (tenants) through the gateway: contacts shown only to the organization itself and admins."""
from __future__ import annotations

from typing import Any

from fastapi import Request, Response
from sqlmodel import Session

from services.gateway import upstream
from services.gateway.audit import service as audit
from services.gateway.auth import permissions as perm
from services.gateway.auth.deps import Principal
from services.gateway.auth.permissions import Action, Scope
from services.gateway.auth.roles import Role
from services.gateway.delegations import service as delegations
from services.gateway.public import access, records
from services.gateway.public.registry_calls import registry
from shared.errors import FieldError, ProblemError
from shared.schemas import OrganizationCreate, OrganizationUpdate

PATH = "/v1/organizations"


async def create(request: Request, session: Session, principal: Principal, body: OrganizationCreate) -> Response:
    scope = perm.require(principal, Action.organization_create)
    data = body.model_dump(mode="json", exclude_unset=True)
    if scope == Scope.own and perm.source_of(data) != principal.source:
        msg = f"This platform key creates only organizations with external_ref.source = {principal.source!r}."
        raise ProblemError(403, "Forbidden", f"body.external_ref.source: {msg}", kind="forbidden",
                           errors=[FieldError(field="body.external_ref.source", message=msg, type="forbidden")])
    resp = await registry(request, principal, "POST", PATH, json=data)
    org = resp.json()
    if principal.role == Role.platform:  # the platform registered it: it may sync its records (revocable)
        delegations.record_registration(session, principal, org["id"], request_id=request.state.request_id)
    _audit(session, request, principal, "create", org)
    return upstream.relay(resp, content=access.redact_organization(principal, org))


async def update(request: Request, session: Session, principal: Principal, org_id: str, body: OrganizationUpdate) -> Response:
    scope = perm.require(principal, Action.organization_update)
    if scope == Scope.own:
        perm.authorize_organization(principal, Action.organization_update, await records.fetch(request, principal, "organization", org_id))
    resp = await registry(request, principal, "PATCH", records.record_path("organization", org_id), json=body.model_dump(mode="json", exclude_unset=True))
    org = resp.json()
    _audit(session, request, principal, "update", org, fields=sorted(body.model_fields_set - {"version"}))
    return upstream.relay(resp, content=access.redact_organization(principal, org))


async def get(request: Request, principal: Principal, org_id: str) -> dict[str, Any]:
    perm.require(principal, Action.organization_read)
    return access.redact_organization(principal, await records.fetch(request, principal, "organization", org_id))


async def list_orgs(request: Request, principal: Principal, params: dict[str, Any]) -> Response:
    perm.require(principal, Action.organization_read)
    resp = await registry(request, principal, "GET", PATH, params=params)
    page = resp.json()
    page["items"] = [access.redact_organization(principal, o) for o in page.get("items", [])]
    return upstream.relay(resp, content=page)


def _audit(session: Session, request: Request, principal: Principal, action: str, org: dict[str, Any], **extra: Any) -> None:
    audit.record(session, principal, f"organization.{action}", "organization", org.get("id"),
                 {"name": org.get("name"), "version": org.get("version"), "seq": org.get("seq"), **extra},
                 request_id=request.state.request_id)
    session.commit()
