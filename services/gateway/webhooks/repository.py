"""Webhook queries."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from services.gateway.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEvent, WebhookSubscription


def active_subscriptions(session: Session, org_id: str) -> list[WebhookSubscription]:
    stmt = select(WebhookSubscription).where(WebhookSubscription.org_id == org_id, col(WebhookSubscription.active).is_(True))
    return list(session.exec(stmt))


def list_subscriptions(session: Session, org_id: str) -> list[WebhookSubscription]:
    stmt = select(WebhookSubscription).where(WebhookSubscription.org_id == org_id).order_by(col(WebhookSubscription.created_at))
    return list(session.exec(stmt))


def subscription_of_org(session: Session, org_id: str, subscription_id: str, *,
                        for_update: bool = False) -> WebhookSubscription | None:
    """The subscription if it belongs to `org_id`, else None (another organization's looks like a missing one).
    `for_update` locks the row on PostgreSQL so two concurrent rotations apply one after the other (SQLite
    serialises writers anyway and ignores it)."""
    stmt = select(WebhookSubscription).where(WebhookSubscription.id == subscription_id, WebhookSubscription.org_id == org_id)
    return session.exec(stmt.with_for_update() if for_update else stmt).first()


def due_delivery_ids(session: Session, now: datetime, limit: int) -> list[tuple[str, datetime]]:
    stmt = (
        select(WebhookDelivery.id, WebhookDelivery.next_attempt_at)
        .where(WebhookDelivery.status == "pending", col(WebhookDelivery.next_attempt_at) <= now)
        .order_by(col(WebhookDelivery.next_attempt_at))
        .limit(limit)
    )
    return [(row[0], row[1]) for row in session.exec(stmt)]


def claim(session: Session, delivery_id: str, seen_next: datetime, lease_until: datetime) -> bool:
    """Compare-and-set on next_attempt_at, so two workers never send the same attempt."""
    result = session.execute(
        sa.update(WebhookDelivery)
        .where(col(WebhookDelivery.id) == delivery_id, col(WebhookDelivery.status) == "pending",
               col(WebhookDelivery.next_attempt_at) == seen_next)
        .values(next_attempt_at=lease_until)
    )
    return result.rowcount == 1


def attempt_count(session: Session, delivery_id: str) -> int:
    stmt = select(sa.func.count()).select_from(WebhookAttempt).where(WebhookAttempt.delivery_id == delivery_id)
    return int(session.exec(stmt).one())


def deliveries_for_subscription(session: Session, subscription_id: str, limit: int, before: str | None) -> list[WebhookDelivery]:
    stmt = select(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription_id)
    if before:
        stmt = stmt.where(col(WebhookDelivery.id) < before)
    return list(session.exec(stmt.order_by(col(WebhookDelivery.id).desc()).limit(limit)))


def attempts_for(session: Session, delivery_id: str) -> list[WebhookAttempt]:
    stmt = select(WebhookAttempt).where(WebhookAttempt.delivery_id == delivery_id).order_by(col(WebhookAttempt.number))
    return list(session.exec(stmt))


def event(session: Session, event_id: str) -> WebhookEvent | None:
    return session.get(WebhookEvent, event_id)
