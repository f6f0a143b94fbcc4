"""Evaluation requests: an owner asks for an evaluation of its technology (workflow state, so gateway-owned)."""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from services.gateway.brokers.columns import utc_column


class EvaluationRequest(SQLModel, table=True):
    __tablename__ = "evaluation_request"

    id: str = Field(primary_key=True, max_length=40)
    technology_id: str = Field(max_length=64, index=True)
    technology_title: str = Field(max_length=200)
    owner_org_id: str = Field(max_length=64, index=True)
    evaluator_org_id: str | None = Field(None, max_length=64, index=True)  # None: open to any evaluator until accepted
    note: str | None = Field(None, max_length=2000)
    status: str = Field(max_length=20, index=True)  # open | accepted | declined | completed | cancelled
    decision_note: str | None = Field(None, max_length=2000)
    evaluation_id: str | None = Field(None, max_length=40)
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(sa_column=utc_column(index=True))
    updated_at: datetime = Field(sa_column=utc_column())
