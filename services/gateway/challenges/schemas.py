"""Challenge API shapes. Amounts are yuan on the wire, fen inside."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.schemas import PositiveCny

Text = Annotated[str, Field(min_length=2, max_length=2000)]


class CampaignCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "title": "2026 年浙江省绿色低碳技术需求征集", "description": "面向钢铁、化工、印染企业征集减污降碳技术需求",
        "closes_at": "2027-01-31T16:00:00Z"}]})
    title: Annotated[str, Field(min_length=2, max_length=120)]
    description: str | None = Field(None, max_length=4000)
    closes_at: datetime


class CampaignNeedCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"demand_id": "dem_01hx3k9q2m7a4b5c6d7e"}]})
    demand_id: str = Field(max_length=64)


class CampaignNeedPublic(BaseModel):
    demand_id: str
    demand_title: str
    owner_org_id: str
    created_at: datetime


class CampaignPublic(BaseModel):
    id: str
    title: str
    description: str | None
    organizer_org_id: str
    closes_at: datetime
    created_at: datetime
    needs: list[CampaignNeedPublic] = Field(default_factory=list)


class Criterion(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, Field(min_length=1, max_length=40)]
    weight: float = Field(gt=0, le=100)


class ChallengeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "demand_id": "dem_01hx3k9q2m7a4b5c6d7e", "award_cny": "2000000.00", "deadline": "2027-03-31T16:00:00Z",
        "eligibility": "境内注册的企业、高校、科研院所，具备中试以上条件", "ip_terms": "揭榜成果知识产权归揭榜方，发榜方享有优先实施许可",
        "criteria": [{"name": "技术先进性", "weight": 40}, {"name": "经济性", "weight": 30}, {"name": "实施能力", "weight": 30}],
        "evaluator_org_ids": ["org_eval_cnis"]}]})
    demand_id: str = Field(max_length=64)
    campaign_id: str | None = Field(None, max_length=40)
    award_cny: PositiveCny
    deadline: datetime = Field(description="Entries are taken until then (in the future)")
    eligibility: Text
    ip_terms: Text
    criteria: list[Criterion] = Field(min_length=1, max_length=10)
    evaluator_org_ids: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(min_length=1, max_length=10)

    @model_validator(mode="after")
    def _distinct(self) -> ChallengeCreate:
        if len({c.name for c in self.criteria}) != len(self.criteria):
            raise ValueError("criteria names must be distinct")
        return self


class ChallengePublic(BaseModel):
    id: str
    demand_id: str
    campaign_id: str | None
    owner_org_id: str
    title: str
    domain: str | None
    award_cny: Decimal
    deadline: datetime
    eligibility: str
    ip_terms: str
    criteria: list[Criterion]
    evaluator_org_ids: list[str]
    status: str
    created_at: datetime


class Attachment(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: Annotated[str, Field(min_length=1, max_length=200)]
    reference: Annotated[str, Field(min_length=1, max_length=500, description="URL or document reference")]


class EntryCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "technology_ids": ["tec_01hx3k9q2m7a4b5c6d7e"], "solution": "采用沸石转轮浓缩+RTO，已在3家家具厂稳定运行",
        "attachments": [{"title": "技术方案书", "reference": "https://example.cn/files/plan.pdf"}]}]})
    technology_ids: list[str] = Field(default_factory=list, max_length=10)
    solution: Annotated[str, Field(min_length=2, max_length=20000)]
    attachments: list[Attachment] = Field(default_factory=list, max_length=20)


class ScoreCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "scores": {"技术先进性": 85, "经济性": 78, "实施能力": 90}, "comments": "方案成熟，投资回收期约3年"}]})
    scores: dict[str, Annotated[int, Field(ge=0, le=100)]]
    comments: Annotated[str, Field(min_length=1, max_length=4000)]


class ScorePublic(BaseModel):
    evaluator_org_id: str
    scores: dict[str, int]
    weighted: float
    comments: str
    created_at: datetime


class EntryPublic(BaseModel):
    id: str
    challenge_id: str
    solver_org_id: str
    technology_ids: list[str]
    solution: str
    attachments: list[Attachment]
    status: str
    submitted_at: datetime
    scores: list[ScorePublic] = Field(default_factory=list, description="Only for the challenge owner and its evaluators")
    mean_score: float | None = None


class Milestone(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: Annotated[str, Field(min_length=1, max_length=200)]
    due: date
    amount_cny: PositiveCny


class AwardItem(BaseModel):
    model_config = ConfigDict(extra="forbid")
    entry_id: str = Field(max_length=40)
    amount_cny: PositiveCny
    milestones: list[Milestone] = Field(default_factory=list, max_length=10, description="赛马: staged funding")


class ChallengeAwardCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"awards": [
        {"entry_id": "ce_0190f1a2b3c4d5e6f7a8", "amount_cny": "1000000.00",
         "milestones": [{"title": "中试验证", "due": "2027-09-30", "amount_cny": "400000.00"},
                        {"title": "工程示范", "due": "2028-06-30", "amount_cny": "600000.00"}]}]}]})
    awards: list[AwardItem] = Field(min_length=1, max_length=10, description="One or more entries (赛马: several in parallel)")


class AwardPublic(BaseModel):
    id: str
    entry_id: str
    solver_org_id: str
    amount_cny: Decimal
    milestones: list[Milestone]
    deal_id: str


class ProposalRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{'min_seq': 1024}]})
    min_seq: int | None = Field(None, ge=0, description="Feed position matching must have indexed first (read your write)")


class ProposalPublic(BaseModel):
    technology_id: str
    title: str
    owner_org_id: str | None
    score: float | None
    strength: str | None
    notified: bool
