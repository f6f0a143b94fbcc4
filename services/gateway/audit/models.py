"""Audit table. Append-only: the code has no update/delete path and the database refuses both (triggers)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"

    id: int | None = Field(None, sa_column=sa.Column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True))
    at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False, index=True))
    actor_key_id: str | None = Field(None, max_length=40, index=True)
    actor_role: str | None = Field(None, max_length=20)
    actor_org_id: str | None = Field(None, max_length=64, index=True)
    action: str = Field(max_length=60, index=True)
    entity: str = Field(max_length=40)
    entity_id: str | None = Field(None, max_length=64, index=True)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=sa.Column(sa.JSON, nullable=False))
    request_id: str | None = Field(None, max_length=64)
