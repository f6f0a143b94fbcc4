"""Saved interests (checked against matching when saved) and reading notifications."""
from __future__ import annotations

from fastapi import Request
from sqlmodel import Session

from services.gateway import upstream
from services.gateway.audit import service as audit
from services.gateway.auth.deps import Principal
from services.gateway.brokers.columns import new_id, now
from services.gateway.interests.models import Notification, SavedInterest
from services.gateway.interests.schemas import InterestCreate
from shared.errors import not_found


async def create_interest(session: Session, request: Request, principal: Principal, body: InterestCreate) -> SavedInterest:
    # Ask matching once now, so a filter it does not accept is refused here (422 naming it), not silently later.
    await upstream.call(upstream.get_matching(request), request, "POST", "/v1/search", principal=principal,
                        service=upstream.MATCHING,
                        json={"query": body.query, "target": "technology", "k": 1, "filters": body.filters})
    interest = SavedInterest(id=new_id("int"), org_id=principal.org_id, key_id=principal.key_id, name=body.name,
                             query=body.query, filters=body.filters, created_at=now())
    session.add(interest)
    audit.record(session, principal, "interest.create", "saved_interest", interest.id, {"query": body.query})
    session.commit()
    return interest


def delete_interest(session: Session, principal: Principal, interest_id: str) -> None:
    interest = session.get(SavedInterest, interest_id)
    if interest is None or interest.org_id != principal.org_id:
        raise not_found("saved interest", interest_id)
    session.delete(interest)
    audit.record(session, principal, "interest.delete", "saved_interest", interest_id, {})
    session.commit()


def mark_read(session: Session, principal: Principal, notification_id: int) -> Notification:
    note = session.get(Notification, notification_id)
    if note is None or note.org_id != principal.org_id:
        raise not_found("notification", str(notification_id))
    if note.read_at is None:
        note.read_at = now()
        session.add(note)
        session.commit()
    return note
