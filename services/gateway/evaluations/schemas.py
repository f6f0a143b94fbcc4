"""Evaluation API shapes (the evaluation record itself is shared.schemas.EvaluationPublic, owned by the registry)."""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from shared.schemas import EvaluationPublic, EvaluationScores, EvaluationVerdict, EvaluationEvidence

MAX_VALIDITY_YEARS = 5


class EvaluationSubmit(BaseModel):
    """What an evaluator sends; its organization (the key's) is the evaluator of record."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "technology_id": "tec_01hx3k9q2m7a4b5c6d7e", "request_id": None,
        "scores": {"maturity": 82, "effect": 88, "economic_benefit": 75, "environmental_benefit": 90, "ip_status": 70},
        "verdict": "recommended", "assessed_trl": 7, "energy_saved_tce_per_year": 1150, "co2_cut_t_per_year": 3000,
        "summary": "现场核查两套示范装置，脱硫效率实测98.6%，与申报参数一致；专利权属清晰。",
        "evidence": [{"kind": "test_report", "title": "第三方检测报告", "reference": "CMA 2026-HB-0183"},
                     {"kind": "site_visit", "title": "宁波示范工程现场核查", "reference": "2026-11-20 核查记录"}],
        "valid_until": "2028-12-31"}]})
    technology_id: str = Field(max_length=64)
    request_id: str | None = Field(None, max_length=40, description="The evaluation request this answers, if any")
    scores: EvaluationScores
    verdict: EvaluationVerdict
    assessed_trl: int | None = Field(None, ge=1, le=9)
    energy_saved_tce_per_year: float | None = Field(None, ge=0, le=1e8, description="吨标准煤/年 (as found)")
    co2_cut_t_per_year: float | None = Field(None, ge=0, le=1e9, description="吨CO2/年 (as found)")
    summary: Annotated[str, Field(min_length=1, max_length=4000)]
    evidence: list[EvaluationEvidence] = Field(min_length=1, max_length=50, description="Documents, test reports, site visits relied on")
    valid_until: date = Field(description=f"Last day the evaluation is valid (after today, at most {MAX_VALIDITY_YEARS} years)")


class EvaluationView(EvaluationPublic):
    current: bool = Field(description="Not withdrawn and valid_until not passed (an expired evaluation stays visible)")
    seq: int | None = Field(None, description="On writes: the registry feed position (pass as min_seq to matching)")


class OwnerResponse(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"response": "感谢评价，示范工程运行数据已补充。"}]})
    response: Annotated[str, Field(min_length=1, max_length=4000)]


class RequestStatus(StrEnum):
    open = "open"
    accepted = "accepted"
    declined = "declined"
    completed = "completed"
    cancelled = "cancelled"


class RequestCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "technology_id": "tec_01hx3k9q2m7a4b5c6d7e", "evaluator_org_id": None, "note": "申报推广目录前需要第三方技术评价"}]})
    technology_id: str = Field(max_length=64)
    evaluator_org_id: str | None = Field(None, max_length=64, description="Ask one evaluator organization; null = any")
    note: str | None = Field(None, max_length=2000)


class Decision(StrEnum):
    accept = "accept"
    decline = "decline"


class RequestDecision(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"decision": "accept", "note": "两周内安排现场核查"}]})
    decision: Decision
    note: str | None = Field(None, max_length=2000)


class RequestPublic(BaseModel):
    id: str
    technology_id: str
    technology_title: str
    owner_org_id: str
    evaluator_org_id: str | None
    note: str | None
    status: RequestStatus
    decision_note: str | None
    evaluation_id: str | None
    created_at: datetime
    updated_at: datetime
