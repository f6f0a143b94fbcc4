"""Auctions, their registered bidders (with deposit) and accepted bids."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from services.gateway.brokers.columns import BIGINT, utc_column


class Auction(SQLModel, table=True):
    """One auction row is the lock and the truth of the price: every accepted bid is a compare-and-set on
    (current_fen, version) here, inside a transaction holding the row (FOR UPDATE / BEGIN IMMEDIATE)."""

    __tablename__ = "auction"

    id: str = Field(primary_key=True, max_length=40)
    kind: str = Field(max_length=10)  # english | sealed
    listing_id: str | None = Field(None, max_length=40, index=True)
    technology_id: str = Field(max_length=64, index=True)
    title: str = Field(max_length=200)
    seller_org_id: str = Field(max_length=64, index=True)
    domain: str | None = Field(None, max_length=40)
    region: str | None = Field(None, max_length=6)
    reserve_fen: int = Field(sa_column=sa.Column(BIGINT, nullable=False))
    starting_fen: int = Field(sa_column=sa.Column(BIGINT, nullable=False))
    increment_fen: int = Field(sa_column=sa.Column(BIGINT, nullable=False))
    deposit_fen: int = Field(sa_column=sa.Column(BIGINT, nullable=False))
    anti_snipe_minutes: int = 5
    starts_at: datetime = Field(sa_column=utc_column())
    ends_at: datetime = Field(sa_column=utc_column(index=True))
    original_ends_at: datetime = Field(sa_column=utc_column())
    status: str = Field(max_length=20, index=True)  # open | closed | failed (流拍)
    current_fen: int | None = Field(None, sa_column=sa.Column(BIGINT, nullable=True))
    leader_org_id: str | None = Field(None, max_length=64)
    bid_count: int = 0
    extensions: int = 0
    winner_org_id: str | None = Field(None, max_length=64)
    winning_fen: int | None = Field(None, sa_column=sa.Column(BIGINT, nullable=True))
    deal_id: str | None = Field(None, max_length=40)
    created_by: str = Field(max_length=40)
    created_at: datetime = Field(sa_column=utc_column(index=True))
    closed_at: datetime | None = Field(None, sa_column=utc_column(nullable=True))
    version: int = 1


class AuctionBidder(SQLModel, table=True):
    __tablename__ = "auction_bidder"

    auction_id: str = Field(foreign_key="auction.id", primary_key=True, max_length=40)
    org_id: str = Field(primary_key=True, max_length=64)
    key_id: str = Field(max_length=40)
    deposit_fen: int = Field(sa_column=sa.Column(BIGINT, nullable=False))
    deposit_reference: str = Field(max_length=100)  # bank transfer reference of the 保证金
    deposit_status: str = Field(max_length=20)  # held | applied (winner: counts toward the price) | to_return
    registered_at: datetime = Field(sa_column=utc_column())


class AuctionBid(SQLModel, table=True):
    __tablename__ = "auction_bid"
    __table_args__ = (sa.UniqueConstraint("auction_id", "bidder_org_id", "client_bid_id", name="uq_auction_bid_client_id"),)

    id: str = Field(primary_key=True, max_length=40)
    auction_id: str = Field(foreign_key="auction.id", max_length=40, index=True)
    seq: int  # 1, 2, 3 … in acceptance order (the auction's bid_count after this bid)
    bidder_org_id: str = Field(max_length=64)
    key_id: str = Field(max_length=40)
    client_bid_id: str = Field(max_length=100)
    amount_fen: int = Field(sa_column=sa.Column(BIGINT, nullable=False))
    placed_at: datetime = Field(sa_column=utc_column())
    extended_end_to: datetime | None = Field(None, sa_column=utc_column(nullable=True))
