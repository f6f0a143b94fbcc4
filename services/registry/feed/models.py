"""Transactional outbox: one row per write, appended in the same transaction as the record write."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Integer
from sqlmodel import Field, SQLModel

from services.registry.db import UTCDateTime


class ChangeEventRow(SQLModel, table=True):
    __tablename__ = "change_events"

    seq: int | None = Field(
        default=None,
        sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    )
    entity: str = Field(max_length=20)
    record_id: str = Field(max_length=40, index=True)
    op: str = Field(max_length=10)
    version: int
    at: datetime = Field(sa_type=UTCDateTime)
