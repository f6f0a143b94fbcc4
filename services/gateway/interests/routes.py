"""Saved interests and notifications."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from services.gateway.auth.deps import Principal, require_roles
from services.gateway.auth.roles import Role
from services.gateway.db import SessionDep
from services.gateway.interests import repository, service
from services.gateway.interests.schemas import InterestCreate, InterestPublic, NotificationPublic
from shared.errors import PROBLEM_RESPONSES
from shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, decode_cursor, encode_cursor

router = APIRouter(prefix="/v1", tags=["interests"], responses=PROBLEM_RESPONSES)
Member = Annotated[Principal, Depends(require_roles(Role.broker, Role.enterprise, Role.platform))]


@router.post("/interests", status_code=201, response_model=InterestPublic, summary="Save an interest (关注): get notified of new matching technologies")
async def create_interest(body: InterestCreate, request: Request, principal: Member, session: SessionDep) -> InterestPublic:
    return InterestPublic.model_validate(await service.create_interest(session, request, principal, body), from_attributes=True)


@router.get("/interests", response_model=list[InterestPublic], summary="Your organization's saved interests")
def list_interests(principal: Member, session: SessionDep) -> list[InterestPublic]:
    return [InterestPublic.model_validate(i, from_attributes=True) for i in repository.interests_of(session, principal.org_id)]


@router.delete("/interests/{interest_id}", status_code=204, summary="Delete a saved interest")
def delete_interest(interest_id: str, principal: Member, session: SessionDep) -> Response:
    service.delete_interest(session, principal, interest_id)
    return Response(status_code=204)


@router.get("/notifications", response_model=Page[NotificationPublic], summary="New matches for your organization, newest first")
def list_notifications(
    principal: Member, session: SessionDep, unread: bool = False,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT, cursor: str | None = None,
) -> Page[NotificationPublic]:
    before = (decode_cursor(cursor) or {}).get("id")
    rows = repository.notifications_of(session, principal.org_id, unread, limit + 1, before)
    next_cursor = encode_cursor({"id": rows[limit - 1].id}) if len(rows) > limit else None
    return Page[NotificationPublic](items=[NotificationPublic.model_validate(n, from_attributes=True) for n in rows[:limit]],
                                    next_cursor=next_cursor)


@router.post("/notifications/{notification_id}/read", response_model=NotificationPublic, name="mark_notification_read", summary="Mark a notification read")
def mark_read(notification_id: Annotated[int, Path(ge=1, le=2**63 - 1)], principal: Member, session: SessionDep) -> NotificationPublic:
    return NotificationPublic.model_validate(service.mark_read(session, principal, notification_id), from_attributes=True)
