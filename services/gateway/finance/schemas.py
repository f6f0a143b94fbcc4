"""Request and response shapes of the gateway's finance workflow."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from shared.finance_schemas import FinanceProductPublic, FinancingNeedPublic
from shared.schemas import PositiveCny


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class FinanceIntroductionCreate(_Strict):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True,
                              json_schema_extra={"examples": [{"product_id": "fpr_01m8vt1fqrea0adqk8rn", "note": "企业已备齐专利权属证明"}]})
    product_id: str = Field(max_length=40)
    note: str | None = Field(None, max_length=1000)


class FinanceDecline(_Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{'reason': '抵押物估值不足，建议补充专利质押'}]})
    reason: str = Field(min_length=1, max_length=1000, examples=["抵押物估值不足"])


class FinanceGrant(_Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{'amount_cny': '3000000.00'}]})
    amount_cny: PositiveCny = Field(description="Amount granted (授信/放款/承保金额), yuan")


class FinanceIntroductionPublic(BaseModel):
    id: str
    need_id: str
    product_id: str
    product_type: str
    need_org_id: str
    financier_org_id: str
    requested_by_org_id: str
    status: str
    amount_requested_cny: Decimal
    amount_granted_cny: Decimal | None = None
    note: str | None = None
    decline_reason: str | None = None
    version: int
    created_at: datetime
    updated_at: datetime


class FinanceIntroductionPage(BaseModel):
    items: list[FinanceIntroductionPublic]
    next_cursor: str | None = Field(None, description="Pass as `cursor` for the next page; null on the last page")


class FinancingNeedPage(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [{
        "id": "fnd_01m8vt1fqrea0adqk8rn", "org_id": "org_01m8vt1fqrea0adqk8rn", "technology_id": "tec_01m8vt1fqrea0adqk8rn",
        "title": "脱硝催化剂产线扩产融资", "purpose": "新建年产2000立方米低温SCR催化剂生产线", "amount_cny": "8000000.00",
        "stage": "industrialization", "trl": 8, "domain": "pollution_control", "region": "330100",
        "collateral_patent_ids": ["pat_01m8vt1ftjh4xt7pfg32"], "status": "open", "version": 1,
        "created_at": "2026-11-02T08:00:00Z", "updated_at": "2026-11-02T08:00:00Z"}], "next_cursor": None}]})
    items: list[FinancingNeedPublic]
    next_cursor: str | None = Field(None, description="Pass as `cursor` for the next page; null on the last page")


# --------------------------------------------------------------------------- matching both ways
class FinanceSoftCriteria(BaseModel):
    domain_targeted: bool = Field(description="The product names the need's domain")
    stage_targeted: bool = Field(description="The product names the need's stage")
    amount_in_range: bool = Field(description="The product states an amount range and the need lies in it")
    type_suits_need: bool = Field(description="Pledge loan with usable collateral; insurance/credit for a late stage or TRL>=7; funds for an early stage")


class FinanceMatchExplanation(BaseModel):
    text_similarity: float = Field(description="Cosine of character bigrams of the two texts, 0-1")
    shared_terms: list[str]
    rules_met: list[str] = Field(description="Eligibility rules that constrain and that the need meets")
    soft_criteria: FinanceSoftCriteria
    rule: str = Field(description="Version of the strength rule (a rule, not fitted on labels)")


class FinanceExclusionReason(BaseModel):
    rule: str
    detail: str


class FinanceExcluded(BaseModel):
    id: str
    name: str | None = None
    reasons: list[FinanceExclusionReason]


_EXPLANATION = {"text_similarity": 0.2143, "shared_terms": ["专利", "质押", "治理"], "rules_met": ["domains", "patents_required"],
                "soft_criteria": {"domain_targeted": True, "stage_targeted": False, "amount_in_range": True, "type_suits_need": True},
                "rule": "finance-strength-rule-1"}


class FinanceProductMatch(BaseModel):
    id: str
    name: str | None = None
    score: float = Field(ge=0, le=1, description="0.5·min(1, text/0.30) + 0.5·(soft criteria met / 4); items are ordered by it")
    strength: str = Field(description="strong (score>=0.65 and text>=0.10) | possible (>=0.35) | weak")
    explanation: FinanceMatchExplanation
    product: FinanceProductPublic


class FinanceNeedMatch(BaseModel):
    id: str
    name: str | None = None
    score: float = Field(ge=0, le=1)
    strength: str
    explanation: FinanceMatchExplanation
    need: FinancingNeedPublic


class ProductsForNeed(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "need_id": "fnd_01m8vt1fqrea0adqk8rn",
        "items": [{"id": "fpr_01m8vt1fqrea0adqk8rn", "name": "绿色技术知识产权质押贷", "score": 0.7321, "strength": "strong",
                   "explanation": _EXPLANATION, "product": {
                       "id": "fpr_01m8vt1fqrea0adqk8rn", "org_id": "org_01m8vt1fqrea0adqk8rq", "name": "绿色技术知识产权质押贷",
                       "product_type": "ip_pledge_loan", "product_type_name": "知识产权质押融资",
                       "description": "面向持有授权发明专利的节能环保企业，以专利权质押发放贷款",
                       "rules": {"domains": ["pollution_control"], "amount_min_cny": "500000", "amount_max_cny": "20000000",
                                 "patents_required": 1},
                       "terms": {"rate_percent": "3.450", "term_months": 36, "text": "LPR+10BP，按季付息"}, "status": "active",
                       "version": 1, "created_at": "2026-11-01T08:00:00Z", "updated_at": "2026-11-01T08:00:00Z"}}],
        "excluded": [{"id": "fpr_01m8vt1fqrea0adqk8rp", "name": "首台（套）重大技术装备保险",
                      "reasons": [{"rule": "min_trl", "detail": "要求技术成熟度 TRL≥7；需求为6"}]}]}]})
    need_id: str
    items: list[FinanceProductMatch] = Field(description="Eligible products, strongest first")
    excluded: list[FinanceExcluded] = Field(description="Every product the need is not eligible for, with each broken rule")


class NeedsForProduct(BaseModel):
    product_id: str
    items: list[FinanceNeedMatch] = Field(description="Eligible open needs the caller may read, strongest first")
    excluded: list[FinanceExcluded]
