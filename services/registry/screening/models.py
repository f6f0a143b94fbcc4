"""Screening history: every automatic screening and every admin override, never overwritten."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index
from sqlmodel import Field, SQLModel

from services.registry.db import UTCDateTime


class ScreeningRecord(SQLModel, table=True):
    __tablename__ = "screening_records"
    __table_args__ = (Index("ix_screening_records_record_id_id", "record_id", "id"),)  # latest per record

    id: int | None = Field(None, primary_key=True)
    entity: str = Field(max_length=20)
    record_id: str = Field(max_length=40)
    record_version: int
    kind: str = Field(max_length=20, description="auto | override")
    decision: str = Field(max_length=20, description="resulting status")
    score: int
    reasons: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    actor: str | None = Field(None, max_length=120)
    note: str | None = Field(None, description="override reason")
    created_at: datetime = Field(sa_type=UTCDateTime)
