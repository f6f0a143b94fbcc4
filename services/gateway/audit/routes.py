from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from services.gateway.audit import service
from services.gateway.audit.schemas import AuditPage
from services.gateway.auth.deps import AdminDep
from services.gateway.db import SessionDep
from shared.pagination import DEFAULT_LIMIT, MAX_LIMIT

router = APIRouter(prefix="/v1/audit", tags=["audit"])


@router.get("", response_model=AuditPage, name="list_audit_events", summary="Audit log (admin): every state change made through the gateway, newest first")
def list_audit(
    session: SessionDep,
    _admin: AdminDep,
    actor_key_id: str | None = None,
    actor_org_id: str | None = None,
    action: Annotated[str | None, Query(examples=["technology.update"])] = None,
    entity: Annotated[str | None, Query(examples=["technology"])] = None,
    entity_id: str | None = None,
    since: Annotated[datetime | None, Query(description="UTC, inclusive")] = None,
    until: Annotated[datetime | None, Query(description="UTC, exclusive")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> AuditPage:
    return service.list_events(
        session, cursor=cursor, limit=limit, actor_key_id=actor_key_id, actor_org_id=actor_org_id,
        action=action, entity=entity, entity_id=entity_id, since=since, until=until,
    )
