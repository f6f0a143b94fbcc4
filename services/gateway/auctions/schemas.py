"""Auction API shapes (amounts in yuan on the wire)."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shared.schemas import Cny, PositiveCny

MAX_ANTI_SNIPE_MINUTES = 60


class AuctionKind(StrEnum):
    english = "english"  # 公开增价拍卖 (竞价)
    sealed = "sealed"  # 密封递价


class AuctionStatus(StrEnum):
    open = "open"
    closed = "closed"  # 成交: a winner, a deal
    failed = "failed"  # 流拍: no bid, or the best bid below the reserve


class AuctionTerms(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{'kind': 'english', 'reserve_cny': '1800000.00', 'starting_cny': '1500000.00', 'increment_cny': '50000.00', 'deposit_cny': '100000.00', 'ends_at': '2027-01-15T08:00:00Z', 'anti_snipe_minutes': 5}]})
    kind: AuctionKind = AuctionKind.english
    reserve_cny: Cny = Field(description="保留价: below it nobody wins (hidden from bidders)")
    starting_cny: PositiveCny = Field(description="起拍价: the first bid is at least this")
    increment_cny: PositiveCny = Field(description="加价幅度: each English bid beats the last by at least this")
    deposit_cny: Cny = Field(Decimal(0), description="保证金 each bidder lodges to register")
    starts_at: AwareDatetime | None = Field(None, description="Default: now")
    ends_at: AwareDatetime
    anti_snipe_minutes: int = Field(5, ge=0, le=MAX_ANTI_SNIPE_MINUTES,
                                    description="A bid in the last N minutes extends the end by N minutes (0: off)")


class AuctionCreate(AuctionTerms):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "technology_id": "tec_01hzx3k9q2m7a4b5c6d7", "kind": "english", "reserve_cny": "1000000.00",
        "starting_cny": "800000.00", "increment_cny": "10000.00", "deposit_cny": "50000.00",
        "ends_at": "2026-12-20T10:00:00Z", "anti_snipe_minutes": 5}]})
    technology_id: str = Field(max_length=64)


class BidderRegister(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"deposit_reference": "银行回单 20261202-0001"}]})
    deposit_reference: str = Field("", max_length=100, description="Reference of the deposit transfer (保证金凭证)")


class BidCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"amount_cny": "820000.00", "client_bid_id": "b-0001"}]})
    amount_cny: PositiveCny
    client_bid_id: str | None = Field(None, min_length=1, max_length=100,
                                      description="Your id for this bid; a retry with the same id is not applied twice "
                                                  "(the Idempotency-Key header works the same)")


class BidderPublic(BaseModel):
    org_id: str
    deposit_cny: Decimal
    deposit_reference: str
    deposit_status: str = Field(description="held | applied (winner) | to_return")
    registered_at: datetime


class BidPublic(BaseModel):
    id: str
    seq: int
    bidder_org_id: str
    amount_cny: Decimal
    placed_at: datetime
    client_bid_id: str
    extended_end_to: datetime | None = Field(None, description="Set when this bid extended the auction (anti-sniping)")


class AuctionPublic(BaseModel):
    id: str
    kind: AuctionKind
    listing_id: str | None
    technology_id: str
    title: str
    seller_org_id: str
    domain: str | None
    region: str | None
    reserve_cny: Decimal | None = Field(None, description="Shown to the seller and admins only")
    starting_cny: Decimal
    increment_cny: Decimal
    deposit_cny: Decimal
    anti_snipe_minutes: int
    starts_at: datetime
    ends_at: datetime
    original_ends_at: datetime
    extensions: int
    status: AuctionStatus
    current_cny: Decimal | None = Field(None, description="English: the highest accepted bid; sealed: null until closed")
    leader_org_id: str | None = None
    bid_count: int | None = Field(None, description="Sealed: null until closed")
    winner_org_id: str | None
    winning_cny: Decimal | None
    deal_id: str | None
    registered: bool = Field(description="Is the caller's organization a registered bidder")
    version: int
    created_at: datetime
    closed_at: datetime | None
