"""Infringement records and their append-only history (answers, appeals, decisions, corrections)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from services.registry.db import UTCDateTime


class InfringementRow(SQLModel, table=True):
    __tablename__ = "infringements"

    id: str = Field(primary_key=True, max_length=40)
    decision_reference: str = Field(max_length=100)
    authority: str = Field(max_length=200)
    decided_on: date
    patent_id: str = Field(max_length=40, foreign_key="patents.id", index=True)
    accused_org_id: str = Field(max_length=40, foreign_key="organizations.id", index=True)
    claimant_org_id: str | None = Field(None, max_length=40)
    claimant_name: str = Field(max_length=200)
    summary: str
    evidence: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    status: str = Field(max_length=20)
    version: int = 1
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class InfringementEntryRow(SQLModel, table=True):
    """Never updated or deleted: the record's history is these rows in id order."""
    __tablename__ = "infringement_entries"

    id: int | None = Field(None, primary_key=True)
    infringement_id: str = Field(max_length=40, foreign_key="infringements.id", index=True)
    kind: str = Field(max_length=20)
    text: str
    detail: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)  # outcome, changes, evidence
    actor: str | None = Field(None, max_length=120)
    actor_org_id: str | None = Field(None, max_length=40)
    at: datetime = Field(sa_type=UTCDateTime)
