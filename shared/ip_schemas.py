"""Record shapes of IP services passed between registry and gateway: patents and their legal events.

Kept out of shared/schemas.py (which holds the listing records and the change feed) so the IP domain can grow
on its own; the feed carries `PatentPublic` as the record of `entity: "patent"` events.
"""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from shared.schemas import IpcCode, PatentNumber, PatentStatus, RegionCode


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PatentEventKind(StrEnum):
    granted = "granted"  # 授权
    lapsed = "lapsed"  # 失效（未缴年费、放弃、无效宣告）
    restored = "restored"  # 恢复权利
    transferred = "transferred"  # 转让（权利人变更）
    pledged = "pledged"  # 质押登记
    pledge_released = "pledge_released"  # 质押注销


class Applicant(_Strict):
    org_id: str | None = Field(None, max_length=40, description="Registry organization id, when the applicant is one of ours")
    name: str = Field(min_length=1, max_length=200, examples=["杭州绿源环保科技有限公司"])


class PatentCreate(_Strict):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, json_schema_extra={"examples": [{
        "application_number": "CN202010123456.7", "title": "一种低温SCR脱硝催化剂及其制备方法",
        "applicants": [{"name": "杭州绿源环保科技有限公司"}], "status": "granted", "filing_date": "2020-03-02",
        "grant_date": "2022-06-10", "expiry_date": "2040-03-02", "ipc_codes": ["B01D 53/86", "B01J 23/22"]}]})
    application_number: PatentNumber = Field(description="CNIPA application number with check digit")
    grant_number: str | None = Field(None, max_length=30, description="Grant (publication) number, e.g. CN112345678B")
    title: str = Field(min_length=1, max_length=200)
    applicants: list[Applicant] = Field(min_length=1, max_length=20)
    status: PatentStatus = PatentStatus.pending
    filing_date: date | None = None
    grant_date: date | None = None
    expiry_date: date | None = None
    ipc_codes: list[IpcCode] = Field(default_factory=list, max_length=30)
    technology_ids: list[str] = Field(default_factory=list, max_length=20, description="Technologies this patent protects")
    region: RegionCode | None = Field(None, description="GB/T 2260 code for statistics; default: the first applicant organization's")


class PatentEventCreate(_Strict):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, json_schema_extra={"examples": [
        {"kind": "pledged", "on": "2026-05-20", "pledgee": "中国工商银行杭州分行", "reference": "Y2026330000123"},
        {"kind": "lapsed", "on": "2026-09-01", "note": "未缴年费终止"}]})
    kind: PatentEventKind
    on: date = Field(description="Date of the legal event (as registered by CNIPA)")
    reference: str | None = Field(None, max_length=100, description="Registration / announcement number")
    pledgee: str | None = Field(None, max_length=200, description="Pledgee (质权人), for `pledged`")
    to_applicants: list[Applicant] = Field(default_factory=list, max_length=20, description="New holders, for `transferred`")
    note: str | None = Field(None, max_length=500)


class PatentEventPublic(BaseModel):
    kind: PatentEventKind
    on: date
    reference: str | None = None
    pledgee: str | None = None
    to_applicants: list[Applicant] = Field(default_factory=list)
    note: str | None = None
    recorded_at: datetime
    actor: str | None = None


class GreenClass(BaseModel):
    symbol: str
    domain: str
    subdomain: str


class PatentPublic(BaseModel):
    id: str
    application_number: str
    grant_number: str | None = None
    title: str
    applicants: list[Applicant]
    owner_org_ids: list[str] = Field(description="Applicants that are registry organizations (current holders)")
    status: PatentStatus = Field(description="Legal status as last recorded")
    current_status: str = Field(description="Status today: `expired` once expiry_date has passed, else `status`")
    pledged: bool = False
    flags: list[str] = Field(default_factory=list, description="What a buyer must know: lapsed, expired, pledged, pending")
    filing_date: date | None = None
    grant_date: date | None = None
    expiry_date: date | None = None
    ipc_codes: list[str] = Field(default_factory=list)
    green: list[GreenClass] = Field(default_factory=list, description="Green IPC table entries its codes fall under")
    is_green: bool = False
    region: str | None = None
    technology_ids: list[str] = Field(default_factory=list)
    events: list[PatentEventPublic] = Field(default_factory=list, description="Legal events, oldest first (append-only)")
    version: int
    created_at: datetime
    updated_at: datetime


# --------------------------------------------------------------------------- infringement records (侵权行为信息记录)
class InfringementEntryKind(StrEnum):
    recorded = "recorded"  # the decision, as first recorded (admin / authority)
    answer = "answer"  # the accused organization's answer (答复)
    appeal = "appeal"  # the accused organization appeals (申诉/复议/上诉)
    appeal_decision = "appeal_decision"  # outcome of the appeal (admin / authority)
    correction = "correction"  # a correction of the record's facts (admin / authority); old values stay in history


class InfringementStatus(StrEnum):
    recorded = "recorded"
    answered = "answered"
    under_appeal = "under_appeal"
    upheld = "upheld"  # appeal dismissed: the decision stands
    overturned = "overturned"  # appeal granted: the decision no longer stands (the record stays, marked so)


class InfringementEvidence(_Strict):
    title: str = Field(min_length=1, max_length=200, examples=["行政裁决书（扫描件）"])
    url: str | None = Field(None, max_length=500, pattern=r"^https?://")
    sha256: str | None = Field(None, pattern=r"^[0-9a-f]{64}$", description="Digest of the evidence file")


class InfringementCreate(_Strict):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, json_schema_extra={"examples": [{
        "decision_reference": "浙知执裁字〔2026〕12号", "authority": "浙江省知识产权局", "decided_on": "2026-10-15",
        "patent_id": "pat_01m8vt1ftjh4xt7pfg32", "accused_org_id": "org_01m8vt1fqrea0adqk8rn",
        "claimant_name": "江南大学", "summary": "未经许可制造、销售落入专利权保护范围的脱硝催化剂",
        "evidence": [{"title": "行政裁决书", "url": "https://example.cn/decision.pdf"}]}]})
    decision_reference: str = Field(min_length=1, max_length=100, description="Decision / judgment number (文号)")
    authority: str = Field(min_length=1, max_length=200, description="Who decided: court or IP office")
    decided_on: date
    patent_id: str = Field(max_length=40)
    accused_org_id: str = Field(max_length=40)
    claimant_org_id: str | None = Field(None, max_length=40)
    claimant_name: str = Field(min_length=1, max_length=200)
    summary: str = Field(min_length=1, max_length=2000)
    evidence: list[InfringementEvidence] = Field(default_factory=list, max_length=20)


class InfringementEntryCreate(_Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{'kind': 'answer', 'text': '我方使用的是自有工艺，已提交技术比对说明。', 'evidence': [{'title': '技术比对说明', 'url': 'https://example.cn/compare.pdf'}]}]})
    kind: InfringementEntryKind
    text: str = Field(min_length=1, max_length=4000, description="The answer, the appeal's grounds, the outcome, or why corrected")
    outcome: str | None = Field(None, pattern="^(upheld|overturned)$", description="appeal_decision: upheld or overturned")
    changes: dict[str, str] = Field(default_factory=dict, description="correction: field → new value "
                                    "(decision_reference, authority, decided_on, summary, claimant_name)")
    evidence: list[InfringementEvidence] = Field(default_factory=list, max_length=20)


class InfringementEntryPublic(BaseModel):
    kind: InfringementEntryKind
    text: str
    outcome: str | None = None
    changes: dict[str, dict[str, str | None]] = Field(default_factory=dict, description="field → {from, to}")
    evidence: list[InfringementEvidence] = Field(default_factory=list)
    actor: str | None = None
    actor_org_id: str | None = None
    at: datetime


class InfringementPublic(BaseModel):
    id: str
    decision_reference: str
    authority: str
    decided_on: date
    patent_id: str
    application_number: str | None = None
    accused_org_id: str
    claimant_org_id: str | None = None
    claimant_name: str
    summary: str
    evidence: list[InfringementEvidence]
    status: InfringementStatus
    history: list[InfringementEntryPublic] = Field(description="Every entry, oldest first; never edited or deleted")
    version: int
    created_at: datetime
    updated_at: datetime
