"""Recording state changes (`record`) and reading them back (`list_events`)."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from services.gateway.audit import repository
from services.gateway.audit.models import AuditEvent
from services.gateway.audit.schemas import AuditEventPublic, AuditPage
from shared.pagination import decode_cursor, encode_cursor

if TYPE_CHECKING:
    from services.gateway.auth.deps import Principal


def record(
    session: Session,
    principal: "Principal | None",
    action: str,
    entity: str,
    entity_id: str | None,
    detail: dict[str, Any] | None = None,
    *,
    request_id: str | None = None,
) -> AuditEvent:
    """Append one audit event to the session; it commits with the caller's transaction."""
    event = AuditEvent(
        at=datetime.now(UTC),
        actor_key_id=principal.key_id if principal else None,
        actor_role=principal.role.value if principal else None,
        actor_org_id=principal.org_id if principal else None,
        action=action,
        entity=entity,
        entity_id=entity_id,
        detail=_jsonable(detail or {}),
        request_id=request_id,
    )
    repository.append(session, event)
    return event


def list_events(session: Session, *, cursor: str | None, limit: int, **filters: Any) -> AuditPage:
    keyset = decode_cursor(cursor)
    for bound in ("since", "until"):
        if filters.get(bound) is not None:
            filters[bound] = _as_utc(filters[bound])
    rows = repository.page(session, before_id=(keyset or {}).get("id"), limit=limit + 1, **filters)
    next_cursor = encode_cursor({"id": rows[limit - 1].id}) if len(rows) > limit else None
    items = [AuditEventPublic.model_validate(_utc(r), from_attributes=True) for r in rows[:limit]]
    return AuditPage(items=items, next_cursor=next_cursor)


def _utc(row: AuditEvent) -> AuditEvent:
    if row.at.tzinfo is None:
        row.at = row.at.replace(tzinfo=UTC)
    return row


def _as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _jsonable(value: Any) -> Any:
    import json

    return json.loads(json.dumps(value, default=str, ensure_ascii=False))
