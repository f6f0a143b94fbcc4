"""Tenders (招标) and sealed offers (投标)."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from services.gateway.brokers.columns import BIGINT, utc_column


class Tender(SQLModel, table=True):
    __tablename__ = "tender"

    id: str = Field(primary_key=True, max_length=40)
    buyer_org_id: str = Field(max_length=64, index=True)
    demand_id: str | None = Field(None, max_length=64)
    title: str = Field(max_length=200)
    requirements: str = Field(max_length=8000)
    domain: str | None = Field(None, max_length=40)
    region: str | None = Field(None, max_length=6)
    weight_price: int
    weight_technical: int
    weight_delivery: int
    budget_fen: int | None = Field(None, sa_column=sa.Column(BIGINT, nullable=True))
    deadline: datetime = Field(sa_column=utc_column(index=True))
    status: str = Field(max_length=20, index=True)  # open | opened | awarded | cancelled
    opened_at: datetime | None = Field(None, sa_column=utc_column(nullable=True))
    awarded_offer_id: str | None = Field(None, max_length=40)
    deal_id: str | None = Field(None, max_length=40)
    created_by: str = Field(max_length=40)
    created_at: datetime = Field(sa_column=utc_column(index=True))
    version: int = 1


class TenderOffer(SQLModel, table=True):
    __tablename__ = "tender_offer"
    __table_args__ = (sa.UniqueConstraint("tender_id", "bidder_org_id", name="uq_tender_offer_bidder"),)

    id: str = Field(primary_key=True, max_length=40)
    tender_id: str = Field(foreign_key="tender.id", max_length=40, index=True)
    bidder_org_id: str = Field(max_length=64)
    key_id: str = Field(max_length=40)
    technology_id: str = Field(max_length=64)  # the bidder's published technology the offer is about
    price_fen: int = Field(sa_column=sa.Column(BIGINT, nullable=False))
    delivery_days: int
    technical_proposal: str = Field(max_length=8000)
    technical_score: Decimal | None = Field(None, sa_column=sa.Column(sa.Numeric(5, 2), nullable=True))
    submitted_at: datetime = Field(sa_column=utc_column())
