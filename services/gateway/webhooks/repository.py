"""Webhook queries."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TypeVar

import sqlalchemy as sa
from sqlmodel import Session, col, select

from services.gateway.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEvent, WebhookSubscription

T = TypeVar("T")


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
        .order_by(col(WebhookDelivery.next_attempt_at), col(WebhookDelivery.created_at), col(WebhookDelivery.id))
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


def claim_due(session: Session, now: datetime, lease_until: datetime, limit: int) -> list[tuple[str, datetime]]:
    """Claim up to `limit` due deliveries in one statement; returns (id, the due time seen) of those this caller got,
    oldest due first. The UPDATE only takes rows still pending and due, and sets a lease in the future, so a row
    another worker claimed meanwhile (its next_attempt_at is that worker's lease) is not taken twice."""
    due = due_delivery_ids(session, now, limit)
    if not due:
        return []
    claimed = set(session.execute(
        sa.update(WebhookDelivery)
        .where(col(WebhookDelivery.id).in_([d for d, _ in due]), col(WebhookDelivery.status) == "pending",
               col(WebhookDelivery.next_attempt_at) <= now)
        .values(next_attempt_at=lease_until)
        .returning(WebhookDelivery.id)
    ).scalars())
    return [(d, seen) for d, seen in due if d in claimed]


def release(session: Session, delivery_id: str, lease_until: datetime, due_at: datetime) -> None:
    """Hand a claimed but unsent delivery back at its old due time (only if the lease is still ours)."""
    session.execute(
        sa.update(WebhookDelivery)
        .where(col(WebhookDelivery.id) == delivery_id, col(WebhookDelivery.status) == "pending",
               col(WebhookDelivery.next_attempt_at) == lease_until)
        .values(next_attempt_at=due_at)
    )


def by_ids(session: Session, model: type[T], ids: Iterable[str]) -> dict[str, T]:
    ids = list(set(ids))
    if not ids:
        return {}
    return {row.id: row for row in session.exec(select(model).where(col(model.id).in_(ids)))}  # type: ignore[attr-defined]


def attempt_counts(session: Session, delivery_ids: list[str]) -> dict[str, int]:
    if not delivery_ids:
        return {}
    stmt = (select(WebhookAttempt.delivery_id, sa.func.count()).where(col(WebhookAttempt.delivery_id).in_(delivery_ids))
            .group_by(col(WebhookAttempt.delivery_id)))
    return {row[0]: int(row[1]) for row in session.exec(stmt)}


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
