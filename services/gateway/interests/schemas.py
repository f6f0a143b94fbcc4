"""Saved interests and notifications API shapes."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainSerializer

from shared.matching_schemas import SearchFilters


def _plain(filters: SearchFilters) -> dict[str, Any]:
    return filters.model_dump(mode="json", exclude_unset=True)


# Typed in the document and checked here; kept as the plain JSON the interest stores and sends to matching.
Filters = Annotated[SearchFilters, AfterValidator(_plain), PlainSerializer(lambda v: v, when_used="always")]


class InterestCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"name": "长三角VOCs治理", "query": "喷涂车间低浓度VOCs废气治理", "filters": {"region": "330000", "domain": "pollution_control"}}]})
    name: str | None = Field(None, max_length=100)
    query: str = Field(min_length=2, max_length=500, description="What technologies you look for, in plain Chinese")
    filters: Filters = Field(default_factory=dict, description="Matching filters (domain, region, trl_min, stage, transfer_modes, budget_max_cny)")


class InterestPublic(BaseModel):
    id: str
    org_id: str
    name: str | None
    query: str
    filters: SearchFilters
    created_at: datetime


class NotificationPublic(BaseModel):
    id: int
    kind: str = Field(description="`interest_match`: a new technology fits a saved interest; `demand_match`: it fits a demand")
    technology_id: str
    technology_title: str = Field(examples=["沸石转轮吸附浓缩+蓄热燃烧(RTO)VOCs治理技术"])
    interest_id: str | None
    demand_id: str | None
    score: float | None
    strength: str | None
    feed_seq: int
    created_at: datetime
    read_at: datetime | None
