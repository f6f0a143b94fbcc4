"""What a caller may see of registry answers: published-only for non-owners, contacts hidden, feed redacted."""
from __future__ import annotations

from typing import Any

from services.gateway.auth import permissions as perm
from services.gateway.auth.deps import Principal
from services.gateway.auth.permissions import Action, Scope
from services.gateway.auth.roles import Role
from shared.errors import ProblemError, not_found

PUBLISHED = "published"


def scope_list_params(principal: Principal, params: dict[str, Any]) -> dict[str, Any]:
    """List/export filters the caller may use: non-owners only ever get published records."""
    scope = perm.scope_of(principal, Action.listing_read_unpublished)
    if scope == Scope.all:
        return params
    if scope == Scope.own and _filters_to_own(principal, params):
        return params
    status = params.get("status")
    if status not in (None, PUBLISHED):
        hint = {
            Role.enterprise: f" For your own records add owner_org_id={principal.org_id}.",
            Role.platform: f" For your own records add source={principal.source}.",
        }.get(principal.role, "")
        raise ProblemError(403, "Forbidden", f"Only published records of other organizations are visible (status={status} refused).{hint}",
                           kind="forbidden", extra={"action": Action.listing_read_unpublished.value})
    return {**params, "status": PUBLISHED}


def _filters_to_own(principal: Principal, params: dict[str, Any]) -> bool:
    if principal.role == Role.enterprise:
        return params.get("owner_org_id") == principal.org_id
    if principal.role == Role.platform:
        return params.get("source") == principal.source
    return False


def ensure_visible(principal: Principal, entity: str, record: dict[str, Any]) -> None:
    """Unpublished records of others answer 404, exactly as if they did not exist."""
    if record.get("status") != PUBLISHED and not perm.may_see_unpublished(principal, record):
        raise not_found(entity, str(record.get("id")))


def may_see_org_contacts(principal: Principal, org: dict[str, Any]) -> bool:
    return principal.role == Role.admin or org.get("id") == principal.org_id


def redact_organization(principal: Principal, org: dict[str, Any]) -> dict[str, Any]:
    if may_see_org_contacts(principal, org):
        return org
    return {**org, "contacts": []}


def redact_change(principal: Principal, event: dict[str, Any]) -> dict[str, Any]:
    """A feed event as this caller may see it: no contacts of others, unpublished records cut to id/status."""
    record = event.get("record")
    if not isinstance(record, dict) or principal.role == Role.admin:
        return event
    if event.get("entity") == "organization":
        return {**event, "record": redact_organization(principal, record)}
    if record.get("status") != PUBLISHED and not perm.may_see_unpublished(principal, record):
        return {**event, "record": {"id": record.get("id"), "status": record.get("status"), "version": record.get("version")}}
    return event
