"""Screening results as the API shows them."""
from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from shared.schemas import DomainSuggestion, RecordStatus


class ScreeningReason(BaseModel):
    field: str = Field(examples=["description"])
    message: str = Field(examples=["请用至少30个字描述技术内容"])
    severity: str = Field(description="reject | fix | warn", examples=["fix"])
    check: str = Field(description="completeness | text_quality | green_relevance | plausibility", examples=["completeness"])
    suggestion: DomainSuggestion | None = Field(None, description="On the `domain` reason of a record without one: the suggested "
                                                "domain; accept it by PATCHing domain (and subdomain)")


class ScreeningResult(BaseModel):
    kind: str = Field(description="auto (基础甄别) or override (admin decision)", examples=["auto"])
    decision: RecordStatus
    score: int = Field(ge=0, le=100, examples=[90])
    reasons: list[ScreeningReason] = Field(default_factory=list)
    record_version: int
    actor: str | None = Field(None, examples=["admin:key_01"])
    note: str | None = Field(None, description="Override reason", examples=["人工复核：指标已由第三方检测报告证实"])
    at: datetime


class OverrideRequest(BaseModel):
    status: RecordStatus = Field(examples=["published"])
    reason: str = Field(min_length=4, max_length=500, examples=["人工复核：指标已由第三方检测报告证实，准予发布"])
