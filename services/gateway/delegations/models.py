"""Delegations: an organization lets one trading platform write its records (admin-granted, revocable, audited)."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


class Delegation(SQLModel, table=True):
    __tablename__ = "delegation"

    id: str = Field(primary_key=True, max_length=40)
    org_id: str = Field(max_length=64, index=True, description="The organization whose records the platform may write")
    platform_org_id: str = Field(max_length=64, index=True, description="The platform's organization (its keys' org_id)")
    note: str | None = Field(None, max_length=500)
    granted_by: str | None = Field(None, max_length=40, description="Key id of the admin (or platform, for orgs it registered)")
    granted_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    revoked_at: datetime | None = Field(None, sa_column=sa.Column(sa.DateTime(timezone=True), nullable=True))
    revoked_by: str | None = Field(None, max_length=40)
