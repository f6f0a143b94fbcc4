"""Webhook subscriptions and the outbox: events are written in the same transaction as the change they report."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from services.gateway.auth.deps import Principal
from services.gateway.brokers.columns import new_id, now
from services.gateway.webhooks import repository
from services.gateway.webhooks.config import WebhookSettings
from services.gateway.webhooks.models import WebhookDelivery, WebhookEvent, WebhookSubscription
from services.gateway.webhooks.rotation import new_signing_secret, previous_secret_expiry
from services.gateway.webhooks.schemas import (AttemptPublic, DeliveryPublic, EventType, SubscriptionCreate,
                                              SubscriptionCreated, SubscriptionPublic)
from services.gateway.webhooks.targets import unsafe_reason
from shared.errors import ProblemError, conflict, invalid, not_found


def enqueue(session: Session, org_id: str, event_type: EventType, data: dict[str, Any]) -> WebhookEvent | None:
    """Record one event for `org_id` and a pending delivery per matching subscription. Caller commits."""
    subs = [s for s in repository.active_subscriptions(session, org_id) if event_type.value in s.event_types]
    if not subs:
        return None
    at = now()
    event = WebhookEvent(id=new_id("evt"), type=event_type.value, org_id=org_id, data=data, created_at=at)
    session.add(event)
    session.flush()  # the event row first: deliveries reference it
    for sub in subs:
        session.add(WebhookDelivery(id=new_id("dlv"), event_id=event.id, subscription_id=sub.id, status="pending",
                                    attempts=0, next_attempt_at=at, created_at=at))
    return event


def enqueue_many(session: Session, org_ids: set[str | None], event_type: EventType, data: dict[str, Any]) -> None:
    for org_id in sorted(o for o in org_ids if o):
        enqueue(session, org_id, event_type, data)


def create_subscription(session: Session, principal: Principal, body: SubscriptionCreate,
                        settings: WebhookSettings | None = None) -> WebhookSubscription:
    settings = settings or WebhookSettings()
    if not settings.webhook_allow_private_targets and (reason := unsafe_reason(str(body.url))):
        raise invalid("url", f"{reason}; webhooks are only sent to public http(s) endpoints", type_="unsafe_target")
    sub = WebhookSubscription(
        id=new_id("whs"), org_id=principal.org_id, url=str(body.url), secret=new_signing_secret(),
        event_types=sorted({e.value for e in body.event_types}), active=True, created_by=principal.key_id, created_at=now(),
    )
    session.add(sub)
    return sub


def subscription_view(sub: WebhookSubscription, at: datetime | None = None) -> SubscriptionPublic:
    return SubscriptionPublic(id=sub.id, org_id=sub.org_id, url=sub.url, event_types=sub.event_types, active=sub.active,
                              created_at=sub.created_at, previous_secret_expires_at=previous_secret_expiry(sub, at or now()))


def subscription_with_secret(sub: WebhookSubscription, at: datetime | None = None) -> SubscriptionCreated:
    """The one answer that shows the secret: at creation and after a rotation."""
    return SubscriptionCreated(**subscription_view(sub, at).model_dump(), secret=sub.secret)


def own_subscription(session: Session, principal: Principal, subscription_id: str) -> WebhookSubscription:
    sub = session.get(WebhookSubscription, subscription_id)
    if sub is None or (sub.org_id != principal.org_id and not principal.is_admin()):
        raise not_found("webhook subscription", subscription_id)
    return sub


def delivery_view(session: Session, delivery: WebhookDelivery, *, with_attempts: bool = True) -> DeliveryPublic:
    event = repository.event(session, delivery.event_id)
    attempts = repository.attempts_for(session, delivery.id) if with_attempts else []
    return DeliveryPublic(
        id=delivery.id, event_id=delivery.event_id, event_type=event.type if event else "?",
        subscription_id=delivery.subscription_id, status=delivery.status, attempts=delivery.attempts,
        next_attempt_at=delivery.next_attempt_at if delivery.status == "pending" else None,
        last_status_code=delivery.last_status_code, last_error=delivery.last_error, created_at=delivery.created_at,
        delivered_at=delivery.delivered_at,
        attempt_log=[AttemptPublic(number=a.number, at=a.at, status_code=a.status_code, error=a.error,
                                   duration_ms=a.duration_ms) for a in attempts],
    )


def own_delivery(session: Session, principal: Principal, delivery_id: str) -> WebhookDelivery:
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        raise not_found("webhook delivery", delivery_id)
    own_subscription(session, principal, delivery.subscription_id)
    return delivery


def replay(session: Session, principal: Principal, delivery_id: str) -> WebhookDelivery:
    """Send a failed delivery again (same event id, so receivers can still dedupe), with a fresh attempt budget."""
    delivery = own_delivery(session, principal, delivery_id)
    if delivery.status != "failed":
        raise conflict(f"Only failed deliveries can be replayed; this one is {delivery.status}.", state=delivery.status)
    sub = session.get(WebhookSubscription, delivery.subscription_id)
    if sub is None or not sub.active:
        raise ProblemError(409, "Conflict", "The subscription is deleted; create a new one to receive events.", kind="conflict")
    delivery.status = "pending"
    delivery.attempts = 0
    delivery.next_attempt_at = now()
    session.add(delivery)
    return delivery
