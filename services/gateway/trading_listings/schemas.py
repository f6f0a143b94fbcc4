"""Trading listing API shapes (amounts in yuan on the wire)."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from shared.schemas import PositiveCny, TransferMode

DEFAULT_NOTICE_DAYS, MIN_NOTICE_DAYS, MAX_NOTICE_DAYS = 15, 5, 60


class ListingStatus(StrEnum):
    notice = "notice"  # 公示中
    suspended = "suspended"  # 异议成立，暂停
    withdrawn = "withdrawn"  # 撤牌
    agreed = "agreed"  # 协议成交 → deal
    auction = "auction"  # 多个意向受让方 → 拍卖
    lapsed = "lapsed"  # 公示期满无人受让


class ListingCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "technology_id": "tec_01hzx3k9q2m7a4b5c6d7", "transfer_mode": "license", "price_cny": "1200000.00",
        "notice_days": 15, "description": "高校财政资助成果，独占许可5年，公示期内接受异议"}]})
    technology_id: str = Field(max_length=64)
    transfer_mode: TransferMode
    price_cny: PositiveCny | None = Field(None, description="Listed price in yuan; null = price on request (面议)")
    notice_days: int = Field(DEFAULT_NOTICE_DAYS, ge=MIN_NOTICE_DAYS, le=MAX_NOTICE_DAYS,
                             description=f"Public notice period in days ({MIN_NOTICE_DAYS}–{MAX_NOTICE_DAYS}, default 15)")
    description: str | None = Field(None, max_length=2000)


class ObjectionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"reasons": "该技术的专利权属存在争议，我单位为共同完成人"}]})
    reasons: str = Field(min_length=5, max_length=4000)


class ObjectionDecision(StrEnum):
    upheld = "upheld"  # 异议成立
    dismissed = "dismissed"  # 异议不成立


class ObjectionResolve(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"decision": "dismissed", "note": "权属证明齐全"}]})
    decision: ObjectionDecision
    withdraw: bool = Field(False, description="With `upheld`: withdraw the listing for good instead of suspending it")
    note: str | None = Field(None, max_length=2000)


class ApplicationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"offer_cny": "1200000.00", "note": "愿按挂牌价受让"}]})
    offer_cny: PositiveCny | None = None
    note: str | None = Field(None, max_length=2000)


class AgreementCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"buyer_org_id": "org_01hzx3k9q2m7a4b5c6d7", "amount_cny": "1200000.00"}]})
    buyer_org_id: str = Field(max_length=64)
    amount_cny: PositiveCny | None = Field(None, description="Agreed price; default the listed price")


class ObjectionPublic(BaseModel):
    id: str
    status: str
    reasons: str
    raised_by_org_id: str | None = Field(None, description="Shown to admins and the listing's holder only")
    raised_at: datetime
    resolution_note: str | None
    resolved_at: datetime | None


class ApplicantPublic(BaseModel):
    org_id: str
    offer_cny: Decimal | None
    note: str | None
    applied_at: datetime


class ListingPublic(BaseModel):
    id: str
    technology_id: str
    technology_title: str
    seller_org_id: str
    domain: str | None
    region: str | None
    transfer_mode: str
    price_cny: Decimal | None
    price_on_request: bool
    description: str | None
    notice_days: int
    notice_starts_at: datetime
    notice_ends_at: datetime
    status: ListingStatus
    outcome_note: str | None
    deal_id: str | None
    auction_id: str | None
    objections: list[ObjectionPublic]
    applicant_count: int
    applicants: list[ApplicantPublic] | None = Field(None, description="Holder and admins only")
    version: int
    created_at: datetime
    updated_at: datetime
