"""Stored responses of POSTs sent with an `Idempotency-Key`, written in the same transaction as the write."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from services.registry.db import UTCDateTime


class IdempotencyRecord(SQLModel, table=True):
    __tablename__ = "idempotency_keys"

    scope: str = Field(primary_key=True, max_length=200, description="method + route path")
    key: str = Field(primary_key=True, max_length=200)
    request_hash: str = Field(max_length=64)
    status_code: int
    response_body: dict[str, Any] = Field(sa_type=JSON)
    seq: int | None = None
    created_at: datetime = Field(sa_type=UTCDateTime)
