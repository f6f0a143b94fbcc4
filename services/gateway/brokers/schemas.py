"""Broker workflow API shapes (amounts in yuan with at most 2 decimals; stored in fen)."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainSerializer, ValidationInfo, create_model, field_validator

from services.gateway.brokers.stages import DealStage
from services.gateway.commissions.schemas import AllocationPublic
from shared.identifiers import RECORD_ID_PREFIXES, is_record_id
from shared.matching_schemas import Hit, SearchFilters
from shared.schemas import PositiveCny

ANY_RECORD_ID = r"^(tec|dem)_[0-9a-z]{20}$"


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SubjectEntity(StrEnum):
    demand = "demand"  # find technologies for an enterprise need
    technology = "technology"  # find buyers for a technology


class EngagementCreate(_In):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"subject_entity": "demand", "subject_id": "dem_01hzx3k9q2m7a4b5c6d7", "note": "客户为家具厂，预算200万元以内，希望年内完成改造"}]})
    subject_entity: SubjectEntity
    subject_id: str = Field(pattern=ANY_RECORD_ID, description="A published record of `subject_entity` (tec_… or dem_…)",
                            examples=["dem_01hzx3k9q2m7a4b5c6d7"])
    note: str | None = Field(None, max_length=2000)

    @field_validator("subject_id")
    @classmethod
    def _of_declared_entity(cls, value: str, info: ValidationInfo) -> str:
        entity = info.data.get("subject_entity")
        if entity is not None and not is_record_id(entity.value, value):
            raise ValueError(f"subject_entity is {entity.value}, so subject_id must be a {entity.value} id "
                             f"({RECORD_ID_PREFIXES[entity.value]}_ followed by 20 characters)")
        return value


class EngagementPublic(BaseModel):
    id: str
    broker_org_id: str
    subject_entity: SubjectEntity
    subject_id: str
    subject_title: str
    subject_domain: str | None
    subject_region: str | None
    note: str | None
    created_at: datetime


def _plain(model: BaseModel | None) -> dict[str, Any] | None:
    """Validated against its model, then kept as the plain JSON the services pass on and store."""
    return None if model is None else model.model_dump(mode="json", exclude_unset=True)


# The matching filters, typed in the document and checked here (a mistake is a 422 naming the field).
PlainFilters = Annotated[SearchFilters | None, AfterValidator(_plain), PlainSerializer(lambda v: v, when_used="always")]


class MatchRequest(_In):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"k": 10, "filters": {"region": "330000"}}]})
    k: int = Field(10, ge=1, le=50)
    filters: PlainFilters = Field(None, description="Matching filters: domain, region, trl_min, stage, transfer_modes, budget_max_cny, price_max_cny")
    min_seq: int | None = Field(None, ge=0, description="Wait until the matching index has seen this feed position")


class MatchCandidates(BaseModel):
    engagement_id: str
    target: SubjectEntity = Field(description="What the candidates are")
    items: list[Hit] = Field(description="Explained hits from the matching service: score, strength, components, shared_terms, fit")
    indexed_seq: int | None = None


# The hit as the match run returned it, every field optional (a client may keep only some), unknown fields
# refused: a free-form dict here let {"score": "high"} in, and every later view of the engagement failed.
# Built from Hit so it follows that model's fields.
ShortlistMatch = create_model(
    "ShortlistMatch", __config__=ConfigDict(extra="forbid", json_schema_extra={
        "description": "A matching hit as returned by the match run (any subset of its fields)"}),
    **{name: (field.annotation | None, None) for name, field in Hit.model_fields.items()},  # type: ignore[call-overload]
)


StoredMatch = Annotated[ShortlistMatch | None, AfterValidator(_plain), PlainSerializer(lambda v: v, when_used="always")]  # type: ignore[valid-type]


class ShortlistCreate(_In):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"candidate_id": "tec_01hzx3k9q2m7a4b5c6d7", "note": "去除率高，已有家具行业案例", "match": {"score": 0.82, "strength": "strong"}}]})
    candidate_id: str = Field(pattern=ANY_RECORD_ID, description="A published record on the other side of the engagement",
                              examples=["tec_01hzx3k9q2m7a4b5c6d7"])
    note: str | None = Field(None, max_length=2000)
    match: StoredMatch = Field(None, description="The hit as returned by the match run (kept for the record)")


class ShortlistEntryPublic(BaseModel):
    id: str
    engagement_id: str
    candidate_entity: SubjectEntity
    candidate_id: str
    candidate_title: str
    candidate_domain: str | None
    candidate_region: str | None
    candidate_owner_org_id: str | None
    note: str | None
    match: ShortlistMatch | None  # type: ignore[valid-type]
    created_at: datetime


class IntroductionCreate(_In):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"message": "您好，我们服务的一家家具企业正在寻找喷涂废气治理技术，希望与贵单位洽谈技术许可。"}]})
    message: str | None = Field(None, max_length=2000)


class IntroductionStatus(StrEnum):
    requested = "requested"
    accepted = "accepted"
    declined = "declined"


class DeclineReason(StrEnum):
    too_early = "too_early"  # 时机未到
    price = "price"  # 价格不合适
    technical_fit = "technical_fit"  # 技术不匹配
    region = "region"  # 地域不合适
    other = "other"  # 其他


class IntroductionAccept(_In):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"text": "欢迎来访，可安排技术交流"}]})
    text: str | None = Field(None, max_length=2000)


class IntroductionDecline(_In):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"reason": "price", "text": "对方预算低于我方最低许可费"}]})
    reason: DeclineReason
    text: str | None = Field(None, max_length=2000)


class IntroductionPublic(BaseModel):
    id: str
    engagement_id: str
    shortlist_entry_id: str
    broker_org_id: str
    target_org_id: str
    technology_id: str
    demand_id: str
    message: str | None
    status: IntroductionStatus
    decline_reason: DeclineReason | None
    response_text: str | None
    requested_at: datetime
    responded_at: datetime | None
    deal_id: str | None = None


class StageChangePublic(BaseModel):
    from_stage: DealStage | None
    to_stage: DealStage
    stage_name: str = Field(examples=["签约"])
    contract_amount_cny: Decimal | None
    note: str | None
    actor_key_id: str
    actor_org_id: str
    at: datetime


class BrokerShare(_In):
    broker_org_id: str = Field(min_length=1, max_length=64)
    share_percent: Decimal = Field(gt=0, le=100, max_digits=5, decimal_places=2, examples=["60"])


class BrokerSharesUpdate(_In):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"shares": [
        {"broker_org_id": "org_broker_hz", "share_percent": "60"}, {"broker_org_id": "org_broker_sh", "share_percent": "40"}]}]})
    shares: list[BrokerShare] = Field(min_length=1, max_length=10)


class DealTransition(_In):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"to_stage": "signed", "contract_amount_cny": "3000000.00", "note": "技术许可合同已签署", "version": 2}]})
    to_stage: DealStage
    contract_amount_cny: PositiveCny | None = Field(None, description="Required when signing (签约), above 0; may be corrected at 成交")
    note: str | None = Field(None, max_length=2000)
    version: int | None = Field(None, ge=1, le=2**31 - 1, description="The deal version you saw; a stale one is refused with 409")


class CommissionSummary(BaseModel):
    commission_cny: Decimal
    allocations: list[AllocationPublic]
    computed_at: datetime


class DealPublic(BaseModel):
    id: str
    introduction_id: str | None
    engagement_id: str | None
    broker_org_id: str
    technology_id: str
    demand_id: str | None
    origin: str = Field("introduction", description="introduction | listing | auction | tender")
    origin_id: str | None = None
    seller_org_id: str | None = None
    buyer_org_id: str | None = None
    stage: DealStage
    stage_name: str = Field(examples=["洽谈"])
    allowed_next: list[DealStage]
    contract_amount_cny: Decimal | None
    version: int
    opened_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    broker_shares: list[BrokerShare]
    history: list[StageChangePublic]
    commission: CommissionSummary | None = None


EntityLiteral = Literal["demand", "technology"]
