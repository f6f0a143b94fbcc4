"""Webhook subscriptions, the delivery log and replay."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from services.gateway.audit import service as audit
from services.gateway.auth.deps import Principal, require_roles
from services.gateway.auth.roles import Role
from services.gateway.brokers.columns import now
from services.gateway.db import SessionDep
from services.gateway.webhooks import repository, rotation, service
from services.gateway.webhooks.schemas import (DeliveryPublic, SecretRotation, SubscriptionCreate, SubscriptionCreated,
                                               SubscriptionPublic)
from shared.errors import PROBLEM_RESPONSES
from shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, decode_cursor, encode_cursor

router = APIRouter(prefix="/v1", tags=["webhooks"], responses=PROBLEM_RESPONSES)
Subscriber = Annotated[Principal, Depends(require_roles(Role.admin, Role.broker, Role.enterprise, Role.platform))]


@router.post("/webhooks", status_code=201, response_model=SubscriptionCreated, name="create_webhook_subscription", summary="Subscribe to events (订阅事件推送)")
def create_subscription(body: SubscriptionCreate, principal: Subscriber, session: SessionDep,
                        request: Request) -> SubscriptionCreated:
    sub = service.create_subscription(session, principal, body, request.app.state.webhook_settings)
    audit.record(session, principal, "webhook.subscribe", "webhook_subscription", sub.id,
                 {"url": sub.url, "event_types": sub.event_types})
    session.commit()
    return service.subscription_with_secret(sub)


@router.get("/webhooks", response_model=list[SubscriptionPublic], name="list_webhook_subscriptions", summary="Your organization's subscriptions")
def list_subscriptions(principal: Subscriber, session: SessionDep) -> list[SubscriptionPublic]:
    return [service.subscription_view(s) for s in repository.list_subscriptions(session, principal.org_id)]


@router.post("/webhooks/{subscription_id}/rotate-secret", response_model=SubscriptionCreated,
             summary="Roll the signing secret; the old one keeps signing for an overlap window (default 24 h)")
def rotate_secret(subscription_id: str, principal: Subscriber, session: SessionDep,
                  body: SecretRotation | None = None) -> SubscriptionCreated:
    at = now()
    result = rotation.rotate(session, principal, subscription_id, body or SecretRotation(), at)
    sub = result.subscription
    audit.record(session, principal, "webhook.rotate_secret", "webhook_subscription", sub.id,
                 {"previous_secret_expires_at": sub.previous_secret_expires_at,
                  "dropped_older_secret": result.dropped_older_secret})
    session.commit()
    return service.subscription_with_secret(sub, at)


@router.delete("/webhooks/{subscription_id}", status_code=204, name="delete_webhook_subscription", summary="Unsubscribe (pending deliveries stop)")
def delete_subscription(subscription_id: str, principal: Subscriber, session: SessionDep) -> Response:
    sub = service.own_subscription(session, principal, subscription_id)
    sub.active = False
    session.add(sub)
    audit.record(session, principal, "webhook.unsubscribe", "webhook_subscription", sub.id, {})
    session.commit()
    return Response(status_code=204)


@router.get("/webhooks/{subscription_id}/deliveries", response_model=Page[DeliveryPublic], name="list_webhook_deliveries",
            summary="Delivery log: every attempt with status code and error, newest first")
def list_deliveries(
    subscription_id: str, principal: Subscriber, session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT, cursor: str | None = None,
) -> Page[DeliveryPublic]:
    sub = service.own_subscription(session, principal, subscription_id)
    before = (decode_cursor(cursor) or {}).get("id")
    rows = repository.deliveries_for_subscription(session, sub.id, limit + 1, before)
    next_cursor = encode_cursor({"id": rows[limit - 1].id}) if len(rows) > limit else None
    return Page[DeliveryPublic](items=[service.delivery_view(session, d) for d in rows[:limit]], next_cursor=next_cursor)


@router.get("/webhook-deliveries/{delivery_id}", response_model=DeliveryPublic, name="get_webhook_delivery", summary="One delivery and its attempts")
def get_delivery(delivery_id: str, principal: Subscriber, session: SessionDep) -> DeliveryPublic:
    return service.delivery_view(session, service.own_delivery(session, principal, delivery_id))


@router.post("/webhook-deliveries/{delivery_id}/replay", status_code=202, response_model=DeliveryPublic, name="replay_webhook_delivery",
             summary="Send a failed delivery again (same event id)")
def replay_delivery(delivery_id: str, principal: Subscriber, session: SessionDep) -> DeliveryPublic:
    delivery = service.replay(session, principal, delivery_id)
    audit.record(session, principal, "webhook.replay", "webhook_delivery", delivery.id, {"event_id": delivery.event_id})
    session.commit()
    return service.delivery_view(session, delivery)
