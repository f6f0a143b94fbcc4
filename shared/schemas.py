"""Record schemas passed between services: request bodies (Create/Update) and public records.

The registry validates with these, the matching service reads them from the change feed, and the gateway
re-exposes them in the platform's single OpenAPI document. Field limits are part of the API contract.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from shared import identifiers, taxonomy


# --------------------------------------------------------------------------- enums
class OrganizationType(StrEnum):
    enterprise = "enterprise"  # 企业
    university = "university"  # 高校
    research_institute = "research_institute"  # 科研院所
    intermediary = "intermediary"  # 中介服务机构
    financial_institution = "financial_institution"  # 金融机构
    government = "government"  # 政府部门


class TransferMode(StrEnum):
    assignment = "assignment"  # 转让
    license = "license"  # 许可
    equity = "equity"  # 作价入股
    joint_development = "joint_development"  # 合作开发
    technical_service = "technical_service"  # 技术服务


TRANSFER_MODE_NAMES = {
    TransferMode.assignment: "转让",
    TransferMode.license: "许可",
    TransferMode.equity: "作价入股",
    TransferMode.joint_development: "合作开发",
    TransferMode.technical_service: "技术服务",
}


class Stage(StrEnum):
    research = "research"  # 研发
    lab = "lab"  # 小试
    pilot = "pilot"  # 中试
    demonstration = "demonstration"  # 示范
    industrialization = "industrialization"  # 产业化


STAGE_NAMES = {
    Stage.research: "研发", Stage.lab: "小试", Stage.pilot: "中试",
    Stage.demonstration: "示范", Stage.industrialization: "产业化",
}


class PatentStatus(StrEnum):
    pending = "pending"  # 申请中
    granted = "granted"  # 已授权
    lapsed = "lapsed"  # 失效
    expired = "expired"  # 期满


class RecordStatus(StrEnum):
    submitted = "submitted"  # waiting for screening (基础甄别)
    published = "published"  # visible and matchable
    on_hold = "on_hold"  # screening found things the owner must fix
    rejected = "rejected"
    withdrawn = "withdrawn"
    expired = "expired"


class DemandKind(StrEnum):
    need = "need"  # 需求征集: an ordinary technical need
    challenge = "challenge"  # 揭榜挂帅: a need with an award and a deadline that solvers answer


class Entity(StrEnum):
    organization = "organization"
    technology = "technology"
    demand = "demand"
    infringement = "infringement"  # shared/ip_schemas.InfringementPublic
    patent = "patent"  # IP services (shared/ip_schemas.PatentPublic)
    finance_product = "finance_product"  # shared/finance_schemas.FinanceProductPublic
    financing_need = "financing_need"  # shared/finance_schemas.FinancingNeedPublic
    evaluation = "evaluation"  # third-party technology evaluation (技术评价); shared.schemas.EvaluationPublic
    catalog_edition = "catalog_edition"  # promotion catalog edition (推广目录) with its frozen entries; CatalogEditionPublic


class ChangeOp(StrEnum):
    create = "create"
    update = "update"  # includes status changes (publish, withdraw, expire, renew)
    delete = "delete"  # record is gone; `record` is null (a tombstone)


# --------------------------------------------------------------------------- validated scalar types
def _credit(v: str) -> str:
    return identifiers.validate_credit_code(v)


def _region(v: str) -> str:
    return identifiers.validate_region(v)


def _patent(v: str) -> str:
    return identifiers.validate_patent_number(v)


def _ipc(v: str) -> str:
    return identifiers.validate_ipc(v)


def _cny(v: Decimal) -> Decimal:
    return identifiers.validate_cny(v)


CreditCode = Annotated[str, Field(examples=["91330100MA27XL0Q2T"]), AfterValidator(_credit)]
RegionCode = Annotated[str, Field(description="GB/T 2260 administrative division code", examples=["330100"]), AfterValidator(_region)]
PatentNumber = Annotated[str, Field(examples=["CN202010123456.7"]), AfterValidator(_patent)]
IpcCode = Annotated[str, Field(examples=["B01D 53/86"]), AfterValidator(_ipc)]
# Strings are made plain first (１００, ¥1,500,000.00; "300万" is refused: give yuan) so Decimal parsing and
# validate_cny see one form; both steps are identifiers.validate_cny, the one money parser.
Cny = Annotated[Decimal, BeforeValidator(identifiers.cny_text),
                Field(description="Amount in yuan (CNY), at most 2 decimals", examples=["1500000.00"]), AfterValidator(_cny)]
PositiveCny = Annotated[Decimal, BeforeValidator(identifiers.cny_text),
                        Field(description="Amount in yuan (CNY) above 0, at most 2 decimals", examples=["3000000.00"]),
                        AfterValidator(identifiers.validate_positive_cny)]

Title = Annotated[str, Field(min_length=2, max_length=120)]  # real titles: 风车, 蒸馏塔, 能源帆
ShortText = Annotated[str, Field(max_length=2000)]
LongText = Annotated[str, Field(max_length=20000)]
Keyword = Annotated[str, Field(min_length=1, max_length=30)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# --------------------------------------------------------------------------- nested parts
class Contact(_Strict):
    name: str = Field(max_length=50, examples=["王工"])
    phone: str | None = Field(None, max_length=30, pattern=r"^[0-9+\-() ]{5,30}$", examples=["0571-88886666"])
    email: str | None = Field(None, max_length=120, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", examples=["wang@example.cn"])
    role: str | None = Field(None, max_length=50, examples=["技术总监"])


class ExternalRef(_Strict):
    source: str = Field(min_length=1, max_length=50, pattern=r"^[a-z0-9][a-z0-9_.-]*$", description="Source platform code", examples=["zjtm"])
    external_id: str = Field(min_length=1, max_length=100, examples=["T-2024-000183"])


class Patent(_Strict):
    number: PatentNumber
    title: str | None = Field(None, max_length=200)
    status: PatentStatus = PatentStatus.granted
    ipc_codes: list[IpcCode] = Field(default_factory=list, max_length=20)


class BenefitFigures(_Strict):
    """Quantified benefits per year of operation, where the holder knows them."""

    energy_saved_tce_per_year: float | None = Field(None, ge=0, le=1e8, description="吨标准煤/年")
    co2_reduced_t_per_year: float | None = Field(None, ge=0, le=1e9, description="吨CO2/年")
    water_saved_t_per_year: float | None = Field(None, ge=0, le=1e10, description="吨水/年")


class DomainSuggestion(BaseModel):
    """A domain the registry suggests from the record's text (and IPC codes) while the record has none.

    The owner accepts it by PATCHing `domain` (and `subdomain`); matching uses it for structured fit and domain
    filters until then. Computed by `shared.domain_suggestion`; null when the record has a domain or the evidence
    is too thin."""

    domain: str = Field(examples=["clean_energy"])
    subdomain: str | None = Field(None, examples=["wind"])
    confidence: float = Field(ge=0, le=1, description="Roughly the probability the suggestion is right (0.3-1)", examples=[0.82])
    terms: list[str] = Field(default_factory=list, description="Evidence: terms and IPC codes found", examples=[["风力发电", "F03D"]])


def _check_range(lo: Decimal | None, hi: Decimal | None, name: str) -> None:
    if lo is not None and hi is not None and lo > hi:
        raise ValueError(f"{name}_min_cny must not exceed {name}_max_cny")


def _check_taxonomy(domain: str | None, subdomain: str | None) -> None:
    if domain is not None and not taxonomy.is_domain(domain):
        raise ValueError(f"unknown domain {domain!r}; use one of: {', '.join(taxonomy.DOMAINS)}")
    if subdomain is not None:
        if domain is None:
            raise ValueError("subdomain needs domain")
        if not taxonomy.is_subdomain(domain, subdomain):
            raise ValueError(f"unknown subdomain {subdomain!r} for {domain}; use one of: {', '.join(taxonomy.DOMAINS[domain].subdomains)}")


# --------------------------------------------------------------------------- organizations
class OrganizationCreate(_Strict):
    name: str = Field(min_length=2, max_length=100, examples=["杭州绿源环保科技有限公司"])
    type: OrganizationType
    credit_code: CreditCode | None = Field(None, description="统一社会信用代码 (GB 32100-2015)")
    region: RegionCode | None = None
    contacts: list[Contact] = Field(default_factory=list, max_length=10)
    external_ref: ExternalRef | None = None


class OrganizationUpdate(_Strict):
    version: int = Field(ge=1, le=2**31 - 1, description="The version you read; a stale one gets 409")
    name: str | None = Field(None, min_length=2, max_length=100)
    type: OrganizationType | None = None
    credit_code: CreditCode | None = None
    region: RegionCode | None = None
    contacts: list[Contact] | None = Field(None, max_length=10)


class OrganizationPublic(BaseModel):
    id: str
    name: str
    type: OrganizationType
    credit_code: str | None = None
    region: str | None = None
    contacts: list[Contact] = Field(default_factory=list)
    external_ref: ExternalRef | None = None
    version: int
    created_at: datetime
    updated_at: datetime


# --------------------------------------------------------------------------- technologies (supply)
class _TechnologyFields(_Strict):
    summary: ShortText | None = Field(None, examples=["烧结烟气循环流化床半干法脱硫与中低温SCR脱硝一体化"])
    description: LongText | None = None
    subdomain: str | None = None
    keywords: list[Keyword] = Field(default_factory=list, max_length=20, examples=[["脱硫", "脱硝", "超低排放"]])
    core_process: ShortText | None = Field(None, description="核心工艺")
    key_parameters: ShortText | None = Field(None, description="关键参数")
    benefits: ShortText | None = Field(None, description="综合效益")
    benefit_figures: BenefitFigures | None = None
    applicable_scope: ShortText | None = Field(None, description="适用范围")
    trl: int | None = Field(None, ge=1, le=9, description="Technology readiness level 1-9")
    stage: Stage | None = None
    patents: list[Patent] = Field(default_factory=list, max_length=50)
    transfer_modes: list[TransferMode] = Field(default_factory=list, max_length=5)
    price_min_cny: Cny | None = None
    price_max_cny: Cny | None = None
    region: RegionCode | None = None
    expires_at: date | None = Field(None, description="Listing expiry; default one year after publishing")


class TechnologyCreate(_TechnologyFields):
    title: Title = Field(examples=["钢铁烧结烟气脱硫脱硝一体化技术"])
    domain: str = Field(examples=["pollution_control"], description="Domain code from GET /v1/taxonomy")
    owner_org_id: str | None = None
    external_ref: ExternalRef | None = None

    @model_validator(mode="after")
    def _consistent(self) -> "TechnologyCreate":
        _check_taxonomy(self.domain, self.subdomain)
        _check_range(self.price_min_cny, self.price_max_cny, "price")
        return self


class TechnologyUpdate(_TechnologyFields):
    """Partial update: only fields present are changed. `version` is required (optimistic concurrency)."""

    version: int = Field(ge=1, le=2**31 - 1)
    title: Title | None = None
    domain: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> "TechnologyUpdate":
        if self.domain is not None or self.subdomain is not None:
            if self.subdomain is not None and self.domain is None:
                return self  # checked against the stored domain by the registry
            _check_taxonomy(self.domain, self.subdomain)
        _check_range(self.price_min_cny, self.price_max_cny, "price")
        return self


class EvaluationSummary(BaseModel):
    """The technology's governing evaluation (the most recent one not withdrawn), carried on the technology record so
    matching can filter and rank by it without following a second entity. Current while `valid_until` >= today."""

    evaluation_id: str
    overall_score: float = Field(ge=0, le=100)
    verdict: str
    evaluator_org_id: str
    valid_until: date
    count: int = Field(ge=1, description="Evaluations recorded for the technology (withdrawn ones excluded)")


class TechnologyPublic(BaseModel):
    id: str
    title: str
    summary: str | None = None
    description: str | None = None
    domain: str
    subdomain: str | None = None
    keywords: list[str] = Field(default_factory=list)
    core_process: str | None = None
    key_parameters: str | None = None
    benefits: str | None = None
    benefit_figures: BenefitFigures | None = None
    applicable_scope: str | None = None
    trl: int | None = None
    stage: Stage | None = None
    patents: list[Patent] = Field(default_factory=list)
    transfer_modes: list[TransferMode] = Field(default_factory=list)
    price_min_cny: Decimal | None = None
    price_max_cny: Decimal | None = None
    region: str | None = None
    domain_suggestion: DomainSuggestion | None = Field(None, description="Suggested domain while `domain` is empty")
    owner_org_id: str | None = None
    external_ref: ExternalRef | None = None
    status: RecordStatus
    version: int
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None = None
    expires_at: date | None = None
    evaluation: EvaluationSummary | None = Field(None, description="Governing third-party evaluation (技术评价), if any")


# --------------------------------------------------------------------------- demands (needs, challenges)
class _DemandFields(_Strict):
    description: LongText | None = Field(None, examples=["我们是家具厂，喷漆车间排出的有机废气风量大、浓度低，环保检查不达标，需要治理方案"])
    subdomain: str | None = None
    keywords: list[Keyword] = Field(default_factory=list, max_length=20)
    expected_indicators: ShortText | None = Field(None, description="预期指标", examples=["VOCs去除率≥90%，排放浓度≤50mg/m³"])
    budget_min_cny: Cny | None = None
    budget_max_cny: Cny | None = None
    cooperation_modes: list[TransferMode] = Field(default_factory=list, max_length=5)
    region: RegionCode | None = None
    deadline: date | None = None
    kind: DemandKind = DemandKind.need
    award_cny: Cny | None = Field(None, description="揭榜挂帅 award; required for challenges")
    ip_terms: ShortText | None = Field(None, description="Challenge IP terms (who owns the results)")
    expires_at: date | None = None


class DemandCreate(_DemandFields):
    title: Title = Field(examples=["家具喷涂车间低浓度大风量VOCs治理"])
    domain: str | None = Field(None, description="Domain code; optional: enterprises often do not know it")
    owner_org_id: str | None = None
    external_ref: ExternalRef | None = None

    @model_validator(mode="after")
    def _consistent(self) -> "DemandCreate":
        _check_taxonomy(self.domain, self.subdomain)
        _check_range(self.budget_min_cny, self.budget_max_cny, "budget")
        if self.kind == DemandKind.challenge and (self.award_cny is None or self.deadline is None):
            raise ValueError("a challenge (揭榜挂帅) needs award_cny and deadline")
        return self


class DemandUpdate(_DemandFields):
    version: int = Field(ge=1, le=2**31 - 1)
    title: Title | None = None
    domain: str | None = None
    kind: DemandKind | None = None  # type: ignore[assignment]

    @model_validator(mode="after")
    def _consistent(self) -> "DemandUpdate":
        if self.domain is not None:
            _check_taxonomy(self.domain, self.subdomain)
        _check_range(self.budget_min_cny, self.budget_max_cny, "budget")
        return self


class DemandPublic(BaseModel):
    id: str
    title: str
    description: str | None = None
    domain: str | None = None
    subdomain: str | None = None
    keywords: list[str] = Field(default_factory=list)
    expected_indicators: str | None = None
    budget_min_cny: Decimal | None = None
    budget_max_cny: Decimal | None = None
    cooperation_modes: list[TransferMode] = Field(default_factory=list)
    region: str | None = None
    deadline: date | None = None
    kind: DemandKind = DemandKind.need
    award_cny: Decimal | None = None
    ip_terms: str | None = None
    domain_suggestion: DomainSuggestion | None = Field(None, description="Suggested domain while `domain` is empty")
    owner_org_id: str | None = None
    external_ref: ExternalRef | None = None
    status: RecordStatus
    version: int
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None = None
    expires_at: date | None = None


# --------------------------------------------------------------------------- change feed
class ChangeEvent(BaseModel):
    seq: int = Field(description="Strictly increasing position in the feed")
    entity: Entity
    id: str
    op: ChangeOp
    version: int = Field(description="Record version this event produced")
    at: datetime
    record: dict[str, Any] | None = Field(
        None, description="The record as it is NOW (latest version, may be newer than `version`), or null if deleted"
    )


class ChangesPage(BaseModel):
    items: list[ChangeEvent]
    last_seq: int = Field(description="Seq of the last item, or `after` when empty: pass as the next `after`")
    head_seq: int = Field(description="Highest seq a reader can safely have seen now (events at or below it never appear later)")


class TaxonomySubdomain(BaseModel):
    code: str = Field(examples=["air_pollution"])
    name: str = Field(examples=["大气污染防治"])


class TaxonomyDomain(BaseModel):
    """One domain of the green technology taxonomy (绿色技术领域分类) with its subdomains."""

    code: str = Field(examples=["pollution_control"])
    name: str = Field(examples=["污染治理"])
    subdomains: list[TaxonomySubdomain]


class WriteReceipt(BaseModel):
    """Mixed into write responses: the feed position of this write, for read-your-writes (`min_seq`)."""

    seq: int


def record_text_fields(entity: Entity) -> list[str]:
    """Fields carrying free text, in order of weight for matching (title first)."""
    if entity == Entity.technology:
        return ["title", "summary", "keywords", "core_process", "applicable_scope", "key_parameters", "benefits", "description"]
    return ["title", "keywords", "description", "expected_indicators"]


# --------------------------------------------------------------------------- technology evaluation (技术评价)
class EvaluationVerdict(StrEnum):
    recommended = "recommended"  # 推荐
    conditional = "conditional"  # 有条件推荐
    not_recommended = "not_recommended"  # 不推荐


class EvidenceKind(StrEnum):
    document = "document"
    test_report = "test_report"
    site_visit = "site_visit"


class EvaluationEvidence(_Strict):
    kind: EvidenceKind
    title: Annotated[str, Field(min_length=1, max_length=200)]
    reference: Annotated[str, Field(min_length=1, max_length=500, description="Document number, report id or URL")]


CriterionScore = Annotated[int, Field(ge=0, le=100, description="0–100")]


class EvaluationScores(_Strict):
    """One score per criterion, 0–100 each."""

    maturity: CriterionScore = Field(description="成熟度: readiness found against the stated TRL")
    effect: CriterionScore = Field(description="技术效果: measured effect against the stated key parameters")
    economic_benefit: CriterionScore = Field(description="经济效益")
    environmental_benefit: CriterionScore = Field(description="环境效益 (energy saved, CO2 cut)")
    ip_status: CriterionScore = Field(description="知识产权状况")

    def overall(self) -> float:
        values = list(self.model_dump().values())
        return round(sum(values) / len(values), 1)


class EvaluationCreate(_Strict):
    """What the registry stores for one evaluation (the gateway checks roles, conflicts and the validity date)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{'technology_id': 'tec_01hzx3k9q2m7a4b5c6d7', 'evaluator_org_id': 'org_01hzx3k9q2m7a4b5c6e8', 'scores': {'maturity': 85, 'effect': 80, 'economic_benefit': 75, 'environmental_benefit': 90, 'ip_status': 70}, 'verdict': 'recommended', 'assessed_trl': 8, 'energy_saved_tce_per_year': 1200, 'co2_cut_t_per_year': 3200, 'summary': '经现场核查与第三方检测，VOCs去除率达97%以上，与申报参数一致。', 'evidence': [{'kind': 'test_report', 'title': '第三方检测报告', 'reference': 'CMA-2026-0815'}], 'valid_until': '2028-12-31'}]})
    technology_id: str
    evaluator_org_id: str
    scores: EvaluationScores
    verdict: EvaluationVerdict
    assessed_trl: int | None = Field(None, ge=1, le=9, description="TRL the evaluator found")
    energy_saved_tce_per_year: float | None = Field(None, ge=0, le=1e8)
    co2_cut_t_per_year: float | None = Field(None, ge=0, le=1e9)
    summary: Annotated[str, Field(min_length=1, max_length=4000)]
    evidence: list[EvaluationEvidence] = Field(min_length=1, max_length=50)
    valid_until: date
    request_id: str | None = Field(None, max_length=40, description="The gateway evaluation request it answers")


class EvaluationPublic(BaseModel):
    id: str
    technology_id: str
    evaluator_org_id: str
    scores: EvaluationScores
    overall_score: float
    verdict: EvaluationVerdict
    assessed_trl: int | None = None
    energy_saved_tce_per_year: float | None = None
    co2_cut_t_per_year: float | None = None
    summary: str
    evidence: list[EvaluationEvidence]
    valid_until: date
    request_id: str | None = None
    owner_response: str | None = None
    status: str  # published | withdrawn (published: visible with the technology and on the feed)
    version: int
    created_at: datetime
    updated_at: datetime


# --------------------------------------------------------------------------- promotion catalog (推广目录)
class CatalogEntryIn(_Strict):
    """A technology the gateway's expert review accepted into an edition (the registry freezes its content)."""

    technology_id: str
    review_score: float = Field(ge=0, le=100)
    review_count: int = Field(ge=1)


class CatalogEditionCreate(_Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{'name': '2026 第一批', 'description': '绿色技术推广目录（2026年第一批）', 'entries': [{'technology_id': 'tec_01hzx3k9q2m7a4b5c6d7', 'review_score': 86.5, 'review_count': 3}]}]})
    name: Annotated[str, Field(min_length=2, max_length=60, examples=["2026 第一批"])]
    description: str | None = Field(None, max_length=4000)
    call_id: str | None = Field(None, max_length=40, description="The gateway call for nominations it closes")
    entries: list[CatalogEntryIn] = Field(min_length=1, max_length=2000)


class CatalogWithdrawal(_Strict):
    technology_id: str
    reason: Annotated[str, Field(min_length=2, max_length=2000)]


class CatalogAdjustmentCreate(_Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{'name': '2027 年动态调整', 'withdrawals': [{'technology_id': 'tec_01hzx3k9q2m7a4b5c6d7', 'reason': '技术已被更先进工艺替代'}]}]})
    name: Annotated[str, Field(min_length=2, max_length=60, examples=["2027 年动态调整"])]
    withdrawals: list[CatalogWithdrawal] = Field(min_length=1, max_length=500)


class CatalogEntry(BaseModel):
    """One entry as published: the technology's content frozen at publication (later edits do not change it)."""

    technology_id: str
    title: str
    domain: str | None = None
    subdomain: str | None = None
    owner_org_id: str | None = None
    applicable_scope: str | None = None
    core_process: str | None = None
    key_parameters: str | None = None
    benefits: str | None = None
    energy_saved_tce_per_year: float | None = None
    co2_cut_t_per_year: float | None = None
    water_saved_t_per_year: float | None = None
    review_score: float
    review_count: int
    status: str = "listed"  # listed | withdrawn
    withdrawn_reason: str | None = None
    withdrawn_in: str | None = None  # the adjustment's name
    withdrawn_at: datetime | None = None


class CatalogAdjustment(BaseModel):
    name: str
    at: datetime
    withdrawn: list[str]


class CatalogEditionPublic(BaseModel):
    id: str
    name: str
    description: str | None = None
    call_id: str | None = None
    status: str  # published
    entries: list[CatalogEntry]
    adjustments: list[CatalogAdjustment] = Field(default_factory=list)
    version: int
    published_at: datetime
    updated_at: datetime
