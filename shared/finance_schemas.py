"""Record shapes of green finance passed between registry and gateway: finance products and financing needs.

Amounts are yuan on the wire (shared.schemas.Cny / PositiveCny); the registry stores fen.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from shared.schemas import Cny, PositiveCny, RegionCode, Stage


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ProductType(StrEnum):
    green_credit = "green_credit"  # 绿色信贷
    ip_pledge_loan = "ip_pledge_loan"  # 知识产权质押融资
    first_set_insurance = "first_set_insurance"  # 首台（套）保险
    equity_fund = "equity_fund"  # 创业投资/股权基金
    guidance_fund = "guidance_fund"  # 政府引导基金


PRODUCT_TYPE_NAMES = {
    ProductType.green_credit: "绿色信贷", ProductType.ip_pledge_loan: "知识产权质押融资",
    ProductType.first_set_insurance: "首台（套）保险", ProductType.equity_fund: "股权投资基金",
    ProductType.guidance_fund: "政府引导基金",
}


class Eligibility(_Strict):
    """Hard rules: a need that breaks one is never proposed, and the reason is shown."""
    domains: list[str] = Field(default_factory=list, max_length=12, description="Taxonomy domains served (empty: any)")
    stages: list[Stage] = Field(default_factory=list, max_length=5, description="Stages served (empty: any)")
    min_trl: int | None = Field(None, ge=1, le=9)
    regions: list[RegionCode] = Field(default_factory=list, max_length=50, description="GB/T 2260 codes, prefix-aware (empty: any)")
    amount_min_cny: Cny | None = None
    amount_max_cny: Cny | None = None
    patents_required: int = Field(0, ge=0, le=50, description="Collateral patents needed: granted, not lapsed/expired/pledged")
    evaluation_required: bool = Field(False, description="The need must cite a technology evaluation (技术评价) id")


class Terms(_Strict):
    rate_percent: Decimal | None = Field(None, ge=0, le=100, decimal_places=3, description="Annual rate or premium rate, %")
    term_months: int | None = Field(None, ge=1, le=360)
    text: str | None = Field(None, max_length=2000, examples=["LPR+50BP，知识产权质押，最高授信5000万元"])


class FinanceProductCreate(_Strict):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, json_schema_extra={"examples": [{
        "org_id": "org_01m8vt1fqrea0adqk8rn", "name": "绿色技术知识产权质押贷", "product_type": "ip_pledge_loan",
        "description": "面向持有授权发明专利的节能环保企业，以专利权质押发放贷款",
        "rules": {"domains": ["pollution_control", "energy_saving"], "regions": ["330000"], "amount_min_cny": "500000",
                  "amount_max_cny": "20000000", "patents_required": 1},
        "terms": {"rate_percent": "3.450", "term_months": 36, "text": "LPR+10BP，按季付息"}}]})
    org_id: str = Field(max_length=40, description="The financial institution offering it")
    name: str = Field(min_length=1, max_length=120)
    product_type: ProductType
    description: str | None = Field(None, max_length=4000)
    rules: Eligibility = Field(default_factory=Eligibility)
    terms: Terms = Field(default_factory=Terms)


class FinanceProductPublic(BaseModel):
    id: str
    org_id: str
    name: str
    product_type: ProductType
    product_type_name: str
    description: str | None = None
    rules: Eligibility
    terms: Terms
    status: str  # active | withdrawn
    version: int
    created_at: datetime
    updated_at: datetime


class NeedStatus(StrEnum):
    open = "open"
    funded = "funded"
    withdrawn = "withdrawn"


class FinancingNeedCreate(_Strict):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, json_schema_extra={"examples": [{
        "org_id": "org_01m8vt1fqrea0adqk8rn", "technology_id": "tec_01m8vt1fqrea0adqk8rn", "title": "脱硝催化剂产线扩产融资",
        "purpose": "新建年产2000立方米低温SCR催化剂生产线", "amount_cny": "8000000", "stage": "industrialization", "trl": 8,
        "collateral_patent_ids": ["pat_01m8vt1ftjh4xt7pfg32"]}]})
    org_id: str = Field(max_length=40, description="The technology holder asking")
    technology_id: str | None = Field(None, max_length=40, description="The technology to finance (its domain is used)")
    deal_id: str | None = Field(None, max_length=40, description="A deal (交易) this financing is for; the poster must take part in it")
    title: str = Field(min_length=1, max_length=120)
    purpose: str = Field(min_length=1, max_length=2000)
    description: str | None = Field(None, max_length=4000)
    amount_cny: PositiveCny
    stage: Stage | None = None
    trl: int | None = Field(None, ge=1, le=9)
    domain: str | None = Field(None, max_length=40, description="Default: the technology's domain")
    region: RegionCode | None = Field(None, description="Default: the organization's region")
    collateral_patent_ids: list[str] = Field(default_factory=list, max_length=20)
    evaluation_id: str | None = Field(None, max_length=40, description="A technology evaluation (技术评价) the need cites")


class FinancingNeedPublic(BaseModel):
    id: str
    org_id: str
    technology_id: str | None = None
    deal_id: str | None = None
    title: str
    purpose: str
    description: str | None = None
    amount_cny: Decimal
    stage: Stage | None = None
    trl: int | None = None
    domain: str | None = None
    region: str | None = None
    collateral_patent_ids: list[str] = Field(default_factory=list)
    evaluation_id: str | None = None
    status: NeedStatus
    version: int
    created_at: datetime
    updated_at: datetime


class StatusChange(_Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{'status': 'withdrawn'}]})
    status: str = Field(pattern="^(active|withdrawn|open|funded)$")
