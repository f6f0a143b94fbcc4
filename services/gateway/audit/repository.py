"""Queries on the audit_event table. Inserts and reads only: there is deliberately no update or delete."""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from services.gateway.audit.models import AuditEvent


def append(session: Session, event: AuditEvent) -> None:
    session.add(event)


def page(
    session: Session,
    *,
    actor_key_id: str | None = None,
    actor_org_id: str | None = None,
    action: str | None = None,
    entity: str | None = None,
    entity_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    before_id: int | None = None,
    limit: int,
) -> list[AuditEvent]:
    """Newest first; `before_id` continues a previous page."""
    stmt = select(AuditEvent)
    for column, value in ((AuditEvent.actor_key_id, actor_key_id), (AuditEvent.actor_org_id, actor_org_id),
                          (AuditEvent.action, action), (AuditEvent.entity, entity), (AuditEvent.entity_id, entity_id)):
        if value is not None:
            stmt = stmt.where(column == value)
    if since is not None:
        stmt = stmt.where(AuditEvent.at >= since)
    if until is not None:
        stmt = stmt.where(AuditEvent.at < until)
    if before_id is not None:
        stmt = stmt.where(AuditEvent.id < before_id)  # type: ignore[operator]
    return list(session.exec(stmt.order_by(AuditEvent.id.desc()).limit(limit)))  # type: ignore[union-attr]
