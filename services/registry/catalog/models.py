"""Promotion catalog editions (推广目录). Entries are frozen copies of technologies, stored with their edition."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from services.registry.db import UTCDateTime


class CatalogEdition(SQLModel, table=True):
    __tablename__ = "catalog_editions"

    id: str = Field(primary_key=True, max_length=40)
    name: str = Field(max_length=60, unique=True)
    description: str | None = None
    call_id: str | None = Field(None, max_length=40)
    status: str = Field(max_length=20)
    entries: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    adjustments: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    version: int = 1
    published_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
