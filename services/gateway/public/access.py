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
    """A feed event as this caller may see it (shared/feed_schemas.py): no contacts of others; others' unpublished
    listings cut to id/status; patents, evaluations and catalog editions whole (public); infringement cases and
    financing needs, and finance
    products that are not active, cut to id/version unless they are the caller's own."""
    record = event.get("record")
    if not isinstance(record, dict) or principal.role == Role.admin:
        return event
    entity = event.get("entity")
    if entity == "organization":
        return {**event, "record": redact_organization(principal, record)}
    if entity in ("technology", "demand"):
        if record.get("status") != PUBLISHED and not perm.may_see_unpublished(principal, record):
            return {**event, "record": {"id": record.get("id"), "status": record.get("status"), "version": record.get("version")}}
        return event
    if entity in ("patent", "evaluation", "catalog_edition") or (entity == "finance_product" and record.get("status") == "active"):
        return event
    if principal.org_id in _parties(record):
        return event
    return {**event, "record": {"id": record.get("id"), "version": record.get("version")}}


def _parties(record: dict[str, Any]) -> set[str]:
    """Organizations a record belongs to, whatever the entity calls them."""
    keys = ("owner_org_id", "org_id", "accused_org_id", "claimant_org_id")
    return {str(record[k]) for k in keys if record.get(k)}
