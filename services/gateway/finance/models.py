"""Introductions of a financing need to a financier's product (the finance side of the broker introduction flow)."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from services.gateway.brokers.columns import BIGINT, utc_column


class FinanceIntroduction(SQLModel, table=True):
    __tablename__ = "finance_introduction"
    __table_args__ = (sa.Index("ix_finance_introduction_pair", "need_id", "product_id"),)

    id: str = Field(primary_key=True, max_length=40)
    need_id: str = Field(max_length=40, index=True)
    product_id: str = Field(max_length=40, index=True)
    product_type: str = Field(max_length=30)
    need_org_id: str = Field(max_length=64, index=True)
    financier_org_id: str = Field(max_length=64, index=True)
    requested_by_org_id: str = Field(max_length=64)
    status: str = Field(max_length=20, index=True)  # requested | accepted | declined | granted
    amount_requested_fen: int = Field(sa_column=sa.Column(BIGINT, nullable=False))
    amount_granted_fen: int | None = Field(default=None, sa_column=sa.Column(BIGINT, nullable=True))
    note: str | None = Field(None, max_length=1000)
    decline_reason: str | None = Field(None, max_length=1000)
    version: int = 1
    created_at: datetime = Field(sa_column=utc_column())
    updated_at: datetime = Field(sa_column=utc_column())
