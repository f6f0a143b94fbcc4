"""Computed commissions, frozen when a deal closes (成交) together with the rules used."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from services.gateway.brokers.columns import BIGINT, utc_column


class Commission(SQLModel, table=True):
    __tablename__ = "commission"

    deal_id: str = Field(foreign_key="deal.id", primary_key=True, max_length=40)
    contract_amount_fen: int = Field(sa_column=sa.Column(BIGINT, nullable=False))
    commission_fen: int = Field(sa_column=sa.Column(BIGINT, nullable=False))
    rules: dict[str, Any] = Field(sa_column=sa.Column(sa.JSON, nullable=False))
    domain: str | None = Field(None, max_length=40)
    region: str | None = Field(None, max_length=6)
    computed_at: datetime = Field(sa_column=utc_column(index=True))


class CommissionAllocation(SQLModel, table=True):
    __tablename__ = "commission_allocation"

    deal_id: str = Field(foreign_key="commission.deal_id", primary_key=True, max_length=40)
    broker_org_id: str = Field(primary_key=True, max_length=64, index=True)
    position: int = 0
    share_percent: Decimal = Field(sa_column=sa.Column(sa.Numeric(5, 2), nullable=False))
    amount_fen: int = Field(sa_column=sa.Column(BIGINT, nullable=False))
