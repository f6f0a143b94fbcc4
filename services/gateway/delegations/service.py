"""Granting, revoking and listing delegations.

A platform key writes records for its own organization and for organizations that delegated that to it:
an administrator grants the delegation (on the organization's mandate), or the platform registered the
organization itself (recorded as a delegation at registration, so one rule covers both and an admin can
revoke either). Every grant and revocation is in the audit log.
"""
from __future__ import annotations

from datetime import UTC, datetime

from fastapi import Request
from sqlmodel import Session

from services.gateway.audit import service as audit
from services.gateway.auth.deps import Principal
from services.gateway.brokers.columns import new_id
from services.gateway.delegations import repository
from services.gateway.delegations.models import Delegation
from services.gateway.delegations.schemas import DelegationCreate, DelegationPublic
from services.gateway.public import records
from shared.errors import ProblemError, conflict, invalid, not_found
from shared.pagination import decode_cursor, encode_cursor


def view(row: Delegation) -> DelegationPublic:
    def utc(value: datetime | None) -> datetime | None:
        return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)

    return DelegationPublic(id=row.id, org_id=row.org_id, platform_org_id=row.platform_org_id, note=row.note,
                            granted_by=row.granted_by, granted_at=utc(row.granted_at), revoked_at=utc(row.revoked_at),
                            revoked_by=row.revoked_by, active=row.revoked_at is None)


async def grant(session: Session, request: Request, admin: Principal, body: DelegationCreate) -> Delegation:
    try:
        await records.fetch(request, admin, "organization", body.org_id)
    except ProblemError as exc:
        if exc.status != 404:
            raise
        raise invalid("body.org_id", f"No organization {body.org_id!r} in the registry: register it first.") from None
    if not repository.is_platform_org(session, body.platform_org_id):
        raise invalid("body.platform_org_id", f"{body.platform_org_id!r} has no platform key: delegations go to a trading "
                      "platform's organization (the org_id of its platform keys).")
    if repository.active(session, body.org_id, body.platform_org_id):
        raise conflict(f"{body.org_id} already delegates to {body.platform_org_id}.", field="body.org_id")
    row = _add(session, admin, body.org_id, body.platform_org_id, body.note, request_id=request.state.request_id)
    session.commit()
    return row


def record_registration(session: Session, platform: Principal, org_id: str, *, request_id: str | None) -> None:
    """A platform registered this organization: it may write its records (same transaction as the audit entry)."""
    if not repository.active(session, org_id, platform.org_id):
        _add(session, platform, org_id, platform.org_id, "registered by this platform", request_id=request_id)


def _add(session: Session, actor: Principal, org_id: str, platform_org_id: str, note: str | None, *,
         request_id: str | None) -> Delegation:
    row = Delegation(id=new_id("dlg"), org_id=org_id, platform_org_id=platform_org_id, note=note,
                     granted_by=actor.key_id, granted_at=datetime.now(UTC))
    session.add(row)
    audit.record(session, actor, "delegation.grant", "delegation", row.id,
                 {"org_id": org_id, "platform_org_id": platform_org_id, "note": note}, request_id=request_id)
    return row


def revoke(session: Session, admin: Principal, delegation_id: str, *, request_id: str | None) -> Delegation:
    row = session.get(Delegation, delegation_id)
    if row is None:
        raise not_found("delegation", delegation_id)
    if row.revoked_at is None:
        row.revoked_at, row.revoked_by = datetime.now(UTC), admin.key_id
        session.add(row)
        audit.record(session, admin, "delegation.revoke", "delegation", row.id,
                     {"org_id": row.org_id, "platform_org_id": row.platform_org_id}, request_id=request_id)
        session.commit()
    return row


def list_page(session: Session, principal: Principal, cursor: str | None, limit: int) -> tuple[list[Delegation], str | None]:
    """Admins see every delegation; anyone else those their organization gave or received."""
    after = (decode_cursor(cursor) or {}).get("id")
    rows = repository.page(session, visible_to_org=None if principal.is_admin() else principal.org_id,
                           after_id=after, limit=limit + 1)
    next_cursor = encode_cursor({"id": rows[limit - 1].id}) if len(rows) > limit else None
    return rows[:limit], next_cursor
