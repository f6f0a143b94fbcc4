"""Technology evaluations (技术评价): one row per evaluation an evaluator organization recorded."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from services.registry.db import UTCDateTime


class Evaluation(SQLModel, table=True):
    __tablename__ = "evaluations"

    id: str = Field(primary_key=True, max_length=40)
    technology_id: str = Field(max_length=40, foreign_key="technologies.id", index=True)
    evaluator_org_id: str = Field(max_length=64, index=True)
    scores: dict[str, Any] = Field(sa_type=JSON)
    overall_score: float
    verdict: str = Field(max_length=20)
    assessed_trl: int | None = None
    energy_saved_tce_per_year: float | None = None
    co2_cut_t_per_year: float | None = None
    summary: str
    evidence: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    valid_until: date = Field(index=True)
    request_id: str | None = Field(None, max_length=40)
    owner_response: str | None = None
    status: str = Field(max_length=20)  # published | withdrawn
    version: int = 1
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
