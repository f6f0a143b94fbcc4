"""Finance products of financial institutions and financing needs of technology holders (amounts in fen)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from services.registry.db import UTCDateTime

BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


class FinanceProductRow(SQLModel, table=True):
    __tablename__ = "finance_products"

    id: str = Field(primary_key=True, max_length=40)
    org_id: str = Field(max_length=40, foreign_key="organizations.id", index=True)
    name: str = Field(max_length=120)
    product_type: str = Field(max_length=30)
    description: str | None = None
    rules: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)  # Eligibility without the amounts
    amount_min_fen: int | None = Field(None, sa_type=BIGINT)
    amount_max_fen: int | None = Field(None, sa_type=BIGINT)
    terms: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    status: str = Field(max_length=20, index=True)
    version: int = 1
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class FinancingNeedRow(SQLModel, table=True):
    __tablename__ = "financing_needs"

    id: str = Field(primary_key=True, max_length=40)
    org_id: str = Field(max_length=40, foreign_key="organizations.id", index=True)
    technology_id: str | None = Field(None, max_length=40, foreign_key="technologies.id")
    deal_id: str | None = Field(None, max_length=40)  # a gateway deal: checked there (the registry has no deals)
    title: str = Field(max_length=120)
    purpose: str
    description: str | None = None
    amount_fen: int = Field(sa_type=BIGINT)
    stage: str | None = Field(None, max_length=30)
    trl: int | None = None
    domain: str | None = Field(None, max_length=40)
    region: str | None = Field(None, max_length=6)
    collateral_patent_ids: list[str] = Field(default_factory=list, sa_type=JSON)
    evaluation_id: str | None = Field(None, max_length=40)
    status: str = Field(max_length=20, index=True)
    version: int = 1
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
