"""Saved interests, the notifications the feed follower produces, and the follower's cursor."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from services.gateway.brokers.columns import BIGINT, utc_column


class SavedInterest(SQLModel, table=True):
    __tablename__ = "saved_interest"

    id: str = Field(primary_key=True, max_length=40)
    org_id: str = Field(max_length=64, index=True)
    key_id: str = Field(max_length=40)
    name: str | None = Field(None, max_length=100)
    query: str = Field(max_length=500)
    filters: dict[str, Any] = Field(default_factory=dict, sa_column=sa.Column(sa.JSON, nullable=False))
    created_at: datetime = Field(sa_column=utc_column())


class Notification(SQLModel, table=True):
    __tablename__ = "notification"

    id: int | None = Field(None, sa_column=sa.Column(BIGINT, primary_key=True, autoincrement=True))
    org_id: str = Field(max_length=64, index=True)
    kind: str = Field(max_length=40)  # interest_match | demand_match
    technology_id: str = Field(max_length=64)
    technology_title: str = Field(max_length=200)
    interest_id: str | None = Field(None, max_length=40)
    demand_id: str | None = Field(None, max_length=64)
    score: float | None = None
    strength: str | None = Field(None, max_length=20)
    feed_seq: int = Field(sa_column=sa.Column(BIGINT, nullable=False))
    created_at: datetime = Field(sa_column=utc_column(index=True))
    read_at: datetime | None = Field(None, sa_column=utc_column(nullable=True))


class FeedCursor(SQLModel, table=True):
    __tablename__ = "feed_cursor"

    name: str = Field(primary_key=True, max_length=40)
    last_seq: int = Field(sa_column=sa.Column(BIGINT, nullable=False))
    updated_at: datetime = Field(sa_column=utc_column())
