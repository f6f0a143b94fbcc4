"""Calls for nominations, nominations, expert reviews and adoption reports (workflow state, gateway-owned)."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from services.gateway.brokers.columns import utc_column


class CatalogCall(SQLModel, table=True):
    __tablename__ = "catalog_call"

    id: str = Field(primary_key=True, max_length=40)
    name: str = Field(max_length=60)  # the edition's name, e.g. "2026 第一批"
    description: str | None = Field(None, max_length=4000)
    nominations_close_at: datetime = Field(sa_column=utc_column())
    status: str = Field(max_length=20, index=True)  # open | published
    edition_id: str | None = Field(None, max_length=40)
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(sa_column=utc_column(index=True))
    updated_at: datetime = Field(sa_column=utc_column())


class CatalogNomination(SQLModel, table=True):
    __tablename__ = "catalog_nomination"
    __table_args__ = (sa.UniqueConstraint("call_id", "technology_id", name="uq_catalog_nomination_technology"),)

    id: str = Field(primary_key=True, max_length=40)
    call_id: str = Field(foreign_key="catalog_call.id", max_length=40, index=True)
    technology_id: str = Field(max_length=64)
    technology_title: str = Field(max_length=200)
    domain: str | None = Field(None, max_length=40)
    owner_org_id: str | None = Field(None, max_length=64, index=True)
    nominated_by_org_id: str = Field(max_length=64, index=True)
    reason: str = Field(max_length=4000)
    status: str = Field(max_length=20)  # nominated | accepted | not_accepted
    created_at: datetime = Field(sa_column=utc_column())


class CatalogReview(SQLModel, table=True):
    __tablename__ = "catalog_review"
    __table_args__ = (sa.UniqueConstraint("nomination_id", "reviewer_org_id", name="uq_catalog_review_reviewer"),)

    id: str = Field(primary_key=True, max_length=40)
    nomination_id: str = Field(foreign_key="catalog_nomination.id", max_length=40, index=True)
    reviewer_org_id: str = Field(max_length=64)
    reviewer_key_id: str = Field(max_length=64)
    score: int
    recommend: bool
    comments: str = Field(max_length=4000)
    created_at: datetime = Field(sa_column=utc_column())


class AdoptionReport(SQLModel, table=True):
    __tablename__ = "catalog_adoption_report"

    id: str = Field(primary_key=True, max_length=40)
    edition_id: str = Field(max_length=40, index=True)
    technology_id: str = Field(max_length=64)
    reporter_org_id: str = Field(max_length=64)
    adopter: str = Field(max_length=200)
    summary: str = Field(max_length=4000)
    energy_saved_tce_per_year: float | None = None
    co2_cut_t_per_year: float | None = None
    created_at: datetime = Field(sa_column=utc_column())
