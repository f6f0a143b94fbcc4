"""Webhook subscriptions (with the secret a rotation replaced, valid until its expiry), events (one id per event: receivers dedupe on it), deliveries and their attempts."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from services.gateway.brokers.columns import BIGINT, utc_column


class WebhookSubscription(SQLModel, table=True):
    __tablename__ = "webhook_subscription"

    id: str = Field(primary_key=True, max_length=40)
    org_id: str = Field(max_length=64, index=True)
    url: str = Field(max_length=500)
    secret: str = Field(max_length=80)
    # The secret replaced by the last rotation; deliveries are signed with it too until it expires.
    previous_secret: str | None = Field(None, max_length=80)
    previous_secret_expires_at: datetime | None = Field(None, sa_column=utc_column(nullable=True))
    event_types: list[str] = Field(sa_column=sa.Column(sa.JSON, nullable=False))
    active: bool = True
    created_by: str = Field(max_length=40)
    created_at: datetime = Field(sa_column=utc_column())


class WebhookEvent(SQLModel, table=True):
    __tablename__ = "webhook_event"

    id: str = Field(primary_key=True, max_length=40)
    type: str = Field(max_length=60, index=True)
    org_id: str = Field(max_length=64, index=True)
    data: dict[str, Any] = Field(sa_column=sa.Column(sa.JSON, nullable=False))
    created_at: datetime = Field(sa_column=utc_column())


class WebhookDelivery(SQLModel, table=True):
    __tablename__ = "webhook_delivery"

    id: str = Field(primary_key=True, max_length=40)
    event_id: str = Field(foreign_key="webhook_event.id", max_length=40, index=True)
    subscription_id: str = Field(foreign_key="webhook_subscription.id", max_length=40, index=True)
    status: str = Field(max_length=20, index=True)  # pending | delivered | failed
    attempts: int = 0
    next_attempt_at: datetime | None = Field(None, sa_column=utc_column(nullable=True, index=True))
    last_status_code: int | None = None
    last_error: str | None = Field(None, max_length=500)
    created_at: datetime = Field(sa_column=utc_column())
    delivered_at: datetime | None = Field(None, sa_column=utc_column(nullable=True))


class WebhookAttempt(SQLModel, table=True):
    __tablename__ = "webhook_attempt"

    id: int | None = Field(None, sa_column=sa.Column(BIGINT, primary_key=True, autoincrement=True))
    delivery_id: str = Field(foreign_key="webhook_delivery.id", max_length=40, index=True)
    number: int
    at: datetime = Field(sa_column=utc_column())
    status_code: int | None = None
    error: str | None = Field(None, max_length=500)
    duration_ms: int = 0
