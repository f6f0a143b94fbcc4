"""Columns shared by listings (technologies and demands): lifecycle, ownership, external reference."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index
from sqlmodel import Field, SQLModel

from services.registry.db import UTCDateTime


class ListingColumns(SQLModel):
    id: str = Field(primary_key=True, max_length=40)
    title: str = Field(max_length=120)
    description: str | None = None
    domain: str | None = Field(None, max_length=40)
    subdomain: str | None = Field(None, max_length=60)
    domain_suggestion: dict[str, Any] | None = Field(None, sa_type=JSON, description="shared.domain_suggestion result while domain is empty")
    # What the list's domain/subdomain filters match: the record's own, else the suggested one (kept in step by
    # listings/service.py). A column of its own so the domain filter stays one index range (migration 0003).
    listed_domain: str | None = Field(None, max_length=40)
    listed_subdomain: str | None = Field(None, max_length=60)
    keywords: list[str] = Field(default_factory=list, sa_type=JSON)
    region: str | None = Field(None, max_length=6)
    owner_org_id: str | None = Field(None, max_length=40, foreign_key="organizations.id")
    source: str | None = Field(None, max_length=50)
    external_id: str | None = Field(None, max_length=100)
    status: str = Field(max_length=20)
    version: int = 1
    search_text: str = Field("", description="normalised title/summary/description/keywords for `q`")
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    published_at: datetime | None = Field(None, sa_type=UTCDateTime)
    expires_at: date | None = Field(None, index=True)


FILTER_COLUMNS = ("listed_domain", "status", "owner_org_id", "region")


def keyset_indexes(table: str) -> tuple[Index, ...]:
    """Indexes in list order: (filter column, updated_at, id) and (updated_at, id); see migration 0002."""
    return (*(Index(f"ix_{table}_{c}_keyset", c, "updated_at", "id") for c in FILTER_COLUMNS),
            Index(f"ix_{table}_keyset", "updated_at", "id"))


class ListingGram(SQLModel):
    """One distinct character bigram of a listing's search_text (listings/grams.py; migration 0006).

    Primary key (gram, record_id): a gram's records are one index range. SQLite stores the table as that index
    (WITHOUT ROWID); no foreign key, so bulk inserts need no lookups (listings are never deleted, only withdrawn).
    """
    gram: int = Field(sa_type=BigInteger, primary_key=True, sa_column_kwargs={"autoincrement": False})
    record_id: str = Field(primary_key=True, max_length=40)
