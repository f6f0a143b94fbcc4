"""Patents, their legal events (append-only) and their links to technologies."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from services.registry.db import UTCDateTime


class PatentRow(SQLModel, table=True):
    __tablename__ = "patents"

    id: str = Field(primary_key=True, max_length=40)
    application_number: str = Field(max_length=20, unique=True)
    grant_number: str | None = Field(None, max_length=30)
    title: str = Field(max_length=200)
    applicants: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    status: str = Field(max_length=20)
    pledged: bool = False
    filing_date: date | None = None
    grant_date: date | None = None
    expiry_date: date | None = None
    ipc_codes: list[str] = Field(default_factory=list, sa_type=JSON)
    # First green IPC table entry of its codes: what green statistics group by (null: not a green patent)
    green_domain: str | None = Field(None, max_length=40, index=True)
    green_subdomain: str | None = Field(None, max_length=60)
    region: str | None = Field(None, max_length=6, index=True)
    version: int = 1
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class PatentTechnology(SQLModel, table=True):
    __tablename__ = "patent_technologies"

    patent_id: str = Field(primary_key=True, max_length=40, foreign_key="patents.id")
    technology_id: str = Field(primary_key=True, max_length=40, foreign_key="technologies.id", index=True)


class PatentOwner(SQLModel, table=True):
    """Current holder organizations (applicants with an org id): who may record events, whose profile lists it."""
    __tablename__ = "patent_owners"

    patent_id: str = Field(primary_key=True, max_length=40, foreign_key="patents.id")
    org_id: str = Field(primary_key=True, max_length=40, foreign_key="organizations.id", index=True)


class PatentEventRow(SQLModel, table=True):
    """One legal event. Never updated or deleted: corrections are new events."""
    __tablename__ = "patent_events"

    id: int | None = Field(None, primary_key=True)
    patent_id: str = Field(max_length=40, foreign_key="patents.id", index=True)
    kind: str = Field(max_length=30)
    on: date
    detail: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    recorded_at: datetime = Field(sa_type=UTCDateTime)
    actor: str | None = Field(None, max_length=120)
