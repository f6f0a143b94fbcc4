"""Demand (enterprise need, or 揭榜挂帅 challenge) table."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import JSON, Numeric, UniqueConstraint
from sqlmodel import Field

from services.registry.listings.models import ListingColumns, ListingGram, keyset_indexes


class Demand(ListingColumns, table=True):
    __tablename__ = "demands"
    __table_args__ = (UniqueConstraint("source", "external_id", name="uq_demands_external_ref"), *keyset_indexes("demands"))

    expected_indicators: str | None = None
    budget_min_cny: Decimal | None = Field(None, sa_type=Numeric(15, 2))
    budget_max_cny: Decimal | None = Field(None, sa_type=Numeric(15, 2))
    cooperation_modes: list[str] = Field(default_factory=list, sa_type=JSON)
    deadline: date | None = None
    kind: str = Field("need", max_length=20)
    award_cny: Decimal | None = Field(None, sa_type=Numeric(15, 2))
    ip_terms: str | None = None


class DemandGram(ListingGram, table=True):
    __tablename__ = "demand_grams"
    __table_args__ = {"sqlite_with_rowid": False}
