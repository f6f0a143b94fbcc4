"""Technology (supply) table."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Numeric, UniqueConstraint
from sqlmodel import Field

from services.registry.listings.models import ListingColumns, ListingGram, keyset_indexes


class Technology(ListingColumns, table=True):
    __tablename__ = "technologies"
    __table_args__ = (UniqueConstraint("source", "external_id", name="uq_technologies_external_ref"), *keyset_indexes("technologies"))

    summary: str | None = None
    core_process: str | None = None
    key_parameters: str | None = None
    benefits: str | None = None
    benefit_figures: dict[str, Any] | None = Field(None, sa_type=JSON)
    applicable_scope: str | None = None
    trl: int | None = None
    stage: str | None = Field(None, max_length=30)
    patents: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    transfer_modes: list[str] = Field(default_factory=list, sa_type=JSON)
    price_min_cny: Decimal | None = Field(None, sa_type=Numeric(15, 2))
    price_max_cny: Decimal | None = Field(None, sa_type=Numeric(15, 2))
    # Governing evaluation's summary (shared.schemas.EvaluationSummary), kept by evaluations/service.py (migration 0004)
    evaluation: dict[str, Any] | None = Field(None, sa_type=JSON)


class TechnologyGram(ListingGram, table=True):
    __tablename__ = "technology_grams"
    __table_args__ = {"sqlite_with_rowid": False}
