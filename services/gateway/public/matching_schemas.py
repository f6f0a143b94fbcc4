"""Matching request/response shapes for the public OpenAPI document (docs/contracts.md "Matching").

Services never import each other, so these mirror the contract; the matching service validates every detail
(unknown filter values and the like) and its 422 problems are passed through unchanged.
"""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Target = Literal["technology", "demand"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Query(_Strict):
    k: int = Field(10, ge=1, le=100)
    filters: dict[str, Any] | None = Field(
        None, description="domain, region, trl_min, stage, transfer_modes, budget_max_cny, price_max_cny",
        examples=[{"domain": "pollution_control", "region": "330000", "budget_max_cny": "2000000"}],
    )
    min_seq: int | None = Field(None, ge=0, description="Read your write: the `seq` a write returned")


class SearchRequest(_Query):
    query: str = Field(min_length=1, max_length=4000, examples=["我们是家具厂，喷漆车间有机废气浓度低、风量大，需要治理方案"])
    target: Target = "technology"


class RecordQuery(_Query):
    pass


class SimilarRequest(_Strict):
    entity: Target
    id: str | None = Field(None, max_length=100)
    text: str | None = Field(None, max_length=4000, examples=["钢铁烧结烟气脱硫脱硝一体化"])
    k: int = Field(5, ge=1, le=100)
    min_seq: int | None = Field(None, ge=0)


class BatchRequest(_Strict):
    queries: list[SearchRequest] = Field(min_length=1, max_length=50)


class Components(BaseModel):
    dense: float
    lexical: float
    structured: float | None = None


class Fit(BaseModel):
    matched: list[str] = Field(default_factory=list, examples=[["domain: 同属污染治理"]])
    conflicts: list[str] = Field(default_factory=list, examples=[["price: 报价起点3,000,000元超出预算2,000,000元"]])


class Hit(BaseModel):
    id: str
    entity: Target
    title: str = Field(examples=["家具喷涂VOCs沸石转轮吸附浓缩+RTO治理技术"])
    domain: str | None = None
    region: str | None = None
    score: float
    strength: Literal["strong", "possible", "weak"]
    components: Components
    shared_terms: list[str] = Field(default_factory=list, examples=[["喷涂", "vocs", "废气"]])
    fit: Fit


class SearchResponse(BaseModel):
    items: list[Hit]
    indexed_seq: int


class BatchResponse(BaseModel):
    results: list[SearchResponse]
