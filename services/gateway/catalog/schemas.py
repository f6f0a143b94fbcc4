"""Promotion catalog API shapes (published editions are shared.schemas.CatalogEditionPublic, owned by the registry)."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from shared.schemas import CatalogWithdrawal


class CallCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "name": "2026 第一批", "description": "征集先进适用的绿色低碳技术，经专家评审后纳入推广目录",
        "nominations_close_at": "2026-12-31T16:00:00Z"}]})
    name: Annotated[str, Field(min_length=2, max_length=60)]
    description: str | None = Field(None, max_length=4000)
    nominations_close_at: datetime = Field(description="Nominations are taken until then (in the future)")


class CallPublic(BaseModel):
    id: str
    name: str
    description: str | None
    nominations_close_at: datetime
    status: str
    edition_id: str | None
    created_at: datetime


class NominationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "technology_id": "tec_01hx3k9q2m7a4b5c6d7e", "reason": "已在12家钢厂应用，节能效果经第三方检测"}]})
    technology_id: str = Field(max_length=64)
    reason: Annotated[str, Field(min_length=2, max_length=4000)]


class ReviewCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "score": 86, "recommend": True, "comments": "工艺成熟，节能数据可信，建议纳入"}]})
    score: int = Field(ge=0, le=100)
    recommend: bool
    comments: Annotated[str, Field(min_length=2, max_length=4000)]


class ReviewPublic(BaseModel):
    id: str
    reviewer_org_id: str
    score: int
    recommend: bool
    comments: str
    created_at: datetime


class NominationPublic(BaseModel):
    id: str
    call_id: str
    technology_id: str
    technology_title: str
    domain: str | None
    owner_org_id: str | None
    nominated_by_org_id: str
    reason: str
    status: str
    created_at: datetime
    reviews: list[ReviewPublic] = Field(default_factory=list)
    mean_score: float | None = None


class PublishRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"min_score": 70, "min_reviews": 2}]})
    min_score: float = Field(60, ge=0, le=100, description="Mean review score a nomination needs")
    min_reviews: int = Field(1, ge=1, le=20, description="Reviews a nomination needs")


class AdjustmentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "name": "2027 年动态调整", "withdrawals": [{"technology_id": "tec_01hx3k9q2m7a4b5c6d7e", "reason": "技术已被更新换代，推广应用不足"}]}]})
    name: Annotated[str, Field(min_length=2, max_length=60)]
    withdrawals: list[CatalogWithdrawal] = Field(min_length=1, max_length=500)


class AdoptionReportCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "technology_id": "tec_01hx3k9q2m7a4b5c6d7e", "adopter": "宁波某钢铁有限公司",
        "summary": "2027年3月投运，一年节能1100吨标准煤", "energy_saved_tce_per_year": 1100, "co2_cut_t_per_year": 2900}]})
    technology_id: str = Field(max_length=64)
    adopter: Annotated[str, Field(min_length=2, max_length=200)]
    summary: Annotated[str, Field(min_length=2, max_length=4000)]
    energy_saved_tce_per_year: float | None = Field(None, ge=0, le=1e8)
    co2_cut_t_per_year: float | None = Field(None, ge=0, le=1e9)


class AdoptionReportPublic(BaseModel):
    id: str
    edition_id: str
    technology_id: str
    reporter_org_id: str
    adopter: str
    summary: str
    energy_saved_tce_per_year: float | None
    co2_cut_t_per_year: float | None
    created_at: datetime
