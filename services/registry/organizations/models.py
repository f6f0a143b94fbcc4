"""Organization table (holders of technologies, enterprises posting needs)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, UniqueConstraint
from sqlmodel import Field, SQLModel

from services.registry.db import UTCDateTime


class Organization(SQLModel, table=True):
    __tablename__ = "organizations"
    __table_args__ = (UniqueConstraint("source", "external_id", name="uq_organizations_external_ref"),)

    id: str = Field(primary_key=True, max_length=40)
    name: str = Field(max_length=100)
    type: str = Field(max_length=30)
    credit_code: str | None = Field(None, max_length=18, unique=True)
    region: str | None = Field(None, max_length=6, index=True)
    contacts: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    source: str | None = Field(None, max_length=50)
    external_id: str | None = Field(None, max_length=100)
    search_text: str = Field("", description="normalised name for keyword search")
    version: int = 1
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime, index=True)
