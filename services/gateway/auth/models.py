"""API key table. Only a hash of each key is stored; the key itself is shown once, at creation."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_key"

    id: str = Field(primary_key=True, max_length=40)
    prefix: str = Field(sa_column=sa.Column(sa.String(16), nullable=False, unique=True, index=True))
    key_hash: str = Field(max_length=64, description="sha256 hex of the whole key")
    role: str = Field(max_length=20)
    org_id: str = Field(max_length=64, index=True)
    name: str = Field(max_length=100)
    source: str | None = Field(None, max_length=50, description="Platform keys: the external_ref.source they own")
    created_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    expires_at: datetime | None = Field(None, sa_column=sa.Column(sa.DateTime(timezone=True), nullable=True))
    revoked_at: datetime | None = Field(None, sa_column=sa.Column(sa.DateTime(timezone=True), nullable=True))
    created_by: str | None = Field(None, max_length=40)
