"""Permission checks shared by the trading domains (rows of auth/permissions.py MATRIX)."""
from __future__ import annotations

from typing import Any

from services.gateway.auth.deps import Principal
from services.gateway.auth.permissions import Action, Scope, forbidden, require


def require_for_org(principal: Principal, action: Action, org_id: str | None, what: str) -> None:
    """403 unless the caller may do `action` for `org_id` (ALL scope, or OWN and it is the caller's organization)."""
    scope = require(principal, action)
    if scope == Scope.own and org_id != principal.org_id:
        raise forbidden(f"{action.value} is limited to your own organization's {what} ({principal.org_id}).", action=action)


def require_owner_of(principal: Principal, action: Action, record: dict[str, Any], what: str) -> None:
    require_for_org(principal, action, record.get("owner_org_id"), what)


def is_party(principal: Principal, *org_ids: str | None) -> bool:
    return principal.is_admin() or principal.org_id in {o for o in org_ids if o}
