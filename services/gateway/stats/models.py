"""A small projection of published listings, kept by the feed follower for statistics."""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from services.gateway.brokers.columns import utc_column


class Listing(SQLModel, table=True):
    __tablename__ = "listing"

    id: str = Field(primary_key=True, max_length=64)
    entity: str = Field(max_length=20, index=True)  # technology | demand
    domain: str | None = Field(None, max_length=40)
    region: str | None = Field(None, max_length=6)
    owner_org_id: str | None = Field(None, max_length=64)
    published_at: datetime = Field(sa_column=utc_column(index=True))
