"""Tender API shapes (amounts in yuan on the wire)."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from shared.schemas import PositiveCny


class TenderStatus(StrEnum):
    open = "open"  # 投标中: offers sealed
    opened = "opened"  # 已开标: offers visible to the buyer, scoring
    awarded = "awarded"  # 已定标 → deal
    cancelled = "cancelled"


class Weights(BaseModel):
    model_config = ConfigDict(extra="forbid")
    price: int = Field(ge=0, le=100)
    technical: int = Field(ge=0, le=100)
    delivery: int = Field(ge=0, le=100)

    @model_validator(mode="after")
    def _sum_to_100(self) -> Weights:
        if self.price + self.technical + self.delivery != 100:
            raise ValueError(f"price + technical + delivery must sum to 100 (they sum to {self.price + self.technical + self.delivery})")
        return self


class TenderCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "title": "印染废水深度处理及回用技术招标", "requirements": "COD≤50mg/L，回用率≥60%，提供工程案例",
        "demand_id": "dem_01hzx3k9q2m7a4b5c6d7", "weights": {"price": 40, "technical": 50, "delivery": 10},
        "budget_cny": "2000000.00", "deadline": "2026-12-31T09:00:00Z"}]})
    title: str = Field(min_length=2, max_length=200)
    requirements: str = Field(min_length=2, max_length=8000)
    demand_id: str | None = Field(None, max_length=64, description="Your published demand this tender serves (optional)")
    domain: str | None = Field(None, max_length=40)
    region: str | None = Field(None, max_length=6)
    weights: Weights
    budget_cny: PositiveCny | None = None
    deadline: AwareDatetime


class OfferCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "price_cny": "1800000.00", "delivery_days": 90, "technical_proposal": "膜生物反应器+臭氧催化氧化组合工艺……",
        "technology_id": "tec_01hzx3k9q2m7a4b5c6d7"}]})
    price_cny: PositiveCny
    delivery_days: int = Field(ge=1, le=3650)
    technical_proposal: str = Field(min_length=2, max_length=8000)
    technology_id: str = Field(max_length=64, description="Your published technology this offer is about (the deal's subject)")


class TechnicalScore(BaseModel):
    model_config = ConfigDict(extra="forbid")
    offer_id: str = Field(max_length=40)
    technical_score: Decimal = Field(ge=0, le=100, max_digits=5, decimal_places=2)


class ScoresUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"scores": [{"offer_id": "tof_0193…", "technical_score": "85.5"}]}]})
    scores: list[TechnicalScore] = Field(min_length=1, max_length=500)


class TenderAwardCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{'offer_id': 'ofr_0193a1b2c3d4e5f6a7b8'}]})
    offer_id: str = Field(max_length=40)


class OfferPublic(BaseModel):
    id: str
    tender_id: str
    bidder_org_id: str
    technology_id: str
    price_cny: Decimal
    delivery_days: int
    technical_proposal: str
    submitted_at: datetime
    technical_score: Decimal | None = None
    price_score: Decimal | None = Field(None, description="After opening")
    delivery_score: Decimal | None = None
    total_score: Decimal | None = None
    rank: int | None = None


class TenderPublic(BaseModel):
    id: str
    buyer_org_id: str
    demand_id: str | None
    title: str
    requirements: str
    domain: str | None
    region: str | None
    weights: Weights
    budget_cny: Decimal | None
    deadline: datetime
    status: TenderStatus
    opened_at: datetime | None
    offer_count: int | None = Field(None, description="Null until the opening (offers are sealed)")
    awarded_offer_id: str | None
    deal_id: str | None
    version: int
    created_at: datetime
