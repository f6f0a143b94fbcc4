"""Trading listings (挂牌) and objections raised during their public notice (异议)."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from services.gateway.brokers.columns import BIGINT, utc_column


class TradeListing(SQLModel, table=True):
    __tablename__ = "trade_listing"

    id: str = Field(primary_key=True, max_length=40)
    technology_id: str = Field(max_length=64, index=True)
    technology_title: str = Field(max_length=200)
    seller_org_id: str = Field(max_length=64, index=True)
    domain: str | None = Field(None, max_length=40)
    region: str | None = Field(None, max_length=6)
    transfer_mode: str = Field(max_length=30)
    price_fen: int | None = Field(None, sa_column=sa.Column(BIGINT, nullable=True))  # None: price on request (面议)
    description: str | None = Field(None, max_length=2000)
    notice_days: int
    notice_starts_at: datetime = Field(sa_column=utc_column())
    notice_ends_at: datetime = Field(sa_column=utc_column(index=True))
    status: str = Field(max_length=20, index=True)  # notice | suspended | withdrawn | agreed | auction | lapsed
    outcome_note: str | None = Field(None, max_length=2000)
    deal_id: str | None = Field(None, max_length=40)
    auction_id: str | None = Field(None, max_length=40)
    created_by: str = Field(max_length=40)
    created_at: datetime = Field(sa_column=utc_column(index=True))
    updated_at: datetime = Field(sa_column=utc_column())
    version: int = 1


class ListingObjection(SQLModel, table=True):
    __tablename__ = "trade_listing_objection"

    id: str = Field(primary_key=True, max_length=40)
    listing_id: str = Field(foreign_key="trade_listing.id", max_length=40, index=True)
    raised_by_org_id: str = Field(max_length=64)
    raised_by_key_id: str = Field(max_length=40)
    reasons: str = Field(max_length=4000)
    status: str = Field(max_length=20)  # open | upheld | dismissed
    resolution_note: str | None = Field(None, max_length=2000)
    resolved_by: str | None = Field(None, max_length=40)
    raised_at: datetime = Field(sa_column=utc_column())
    resolved_at: datetime | None = Field(None, sa_column=utc_column(nullable=True))


class ListingApplicant(SQLModel, table=True):
    """An organization that declared it wants to buy during the notice (意向受让方)."""

    __tablename__ = "trade_listing_applicant"

    listing_id: str = Field(foreign_key="trade_listing.id", primary_key=True, max_length=40)
    org_id: str = Field(primary_key=True, max_length=64)
    key_id: str = Field(max_length=40)
    offer_fen: int | None = Field(None, sa_column=sa.Column(BIGINT, nullable=True))
    note: str | None = Field(None, max_length=2000)
    applied_at: datetime = Field(sa_column=utc_column())
