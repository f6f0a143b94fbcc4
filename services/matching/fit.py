"""Structured fit between a candidate record and what the asker wants: domain, region, maturity, budget vs
asking price, transfer mode. Used two ways: as hard filters (`passes`) and as an explained score (`assess`)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from shared.identifiers import PROVINCES, region_matches, region_province
from shared.schemas import STAGE_NAMES, TRANSFER_MODE_NAMES, Entity, Stage, TransferMode
from shared.taxonomy import domain_name

PASS_SCORE = 60.0  # evaluation overall score (0–100) from which it counts for a technology, below it against
MATURE_STAGES = {Stage.demonstration.value, Stage.industrialization.value}


def _amount(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def evaluation_score(record: dict[str, Any], today: date | None = None) -> float | None:
    """The overall score of the record's current evaluation (registry `evaluation` summary whose valid_until has
    not passed), or None: an expired evaluation counts as none."""
    summary = record.get("evaluation")
    if not isinstance(summary, dict):
        return None
    try:
        until = date.fromisoformat(str(summary.get("valid_until")))
        score = float(summary["overall_score"])
    except (KeyError, TypeError, ValueError):
        return None
    return score if until >= (today or datetime.now(UTC).date()) else None


def _modes(record: dict[str, Any], entity: Entity) -> set[str]:
    key = "transfer_modes" if entity == Entity.technology else "cooperation_modes"
    return {str(m) for m in record.get(key) or []}


def _mode_names(modes: set[str]) -> str:
    return "、".join(TRANSFER_MODE_NAMES.get(TransferMode(m), m) for m in sorted(modes) if m in TransferMode.__members__)


def effective_domain(record: dict[str, Any]) -> tuple[str | None, bool]:
    """(domain, suggested): the record's own domain, else the registry's suggested one (`domain_suggestion`, set
    only while the record has no domain), so real needs without a domain still take part in fit and filters."""
    if record.get("domain"):
        return record["domain"], False
    suggested = (record.get("domain_suggestion") or {}).get("domain")
    return (suggested, True) if suggested else (None, False)


@dataclass
class Wants:
    """What the asker wants from a candidate; built from request filters and/or the asking record."""

    domain: str | None = None
    region: str | None = None
    trl_min: int | None = None
    stage: str | None = None
    modes: set[str] = field(default_factory=set)
    budget_max: Decimal | None = None  # asker's budget (candidate is a technology with an asking price)
    price_min: Decimal | None = None  # asker's asking price (candidate is a demand with a budget)

    @classmethod
    def from_filters(cls, filters: Any | None) -> "Wants":
        if filters is None:
            return cls()
        return cls(
            domain=filters.domain, region=filters.region, trl_min=filters.trl_min,
            stage=filters.stage.value if filters.stage else None,
            modes={m.value for m in filters.transfer_modes or []},
            budget_max=filters.budget_max_cny, price_min=filters.price_max_cny,
        )

    def merge_record(self, entity: Entity, record: dict[str, Any]) -> "Wants":
        """Add what an asking record implies (a demand's budget and modes, a technology's price and modes)."""
        self.domain = self.domain or effective_domain(record)[0]
        self.region = self.region or (region_province(record["region"]) if record.get("region") else None)
        self.modes = self.modes or _modes(record, entity)
        if entity == Entity.demand:
            self.budget_max = self.budget_max if self.budget_max is not None else _amount(record.get("budget_max_cny"))
        else:
            self.price_min = self.price_min if self.price_min is not None else _amount(record.get("price_min_cny"))
        return self


def passes(record: dict[str, Any], entity: Entity, filters: Any | None) -> bool:
    """Hard filters from a request (contract: docs/contracts.md "Matching")."""
    if filters is None:
        return True
    if filters.domain and effective_domain(record)[0] != filters.domain:
        return False
    if filters.region and not region_matches(filters.region, record.get("region")):
        return False
    if filters.trl_min is not None and (record.get("trl") is None or int(record["trl"]) < filters.trl_min):
        return False
    if filters.stage is not None and record.get("stage") != filters.stage.value:
        return False
    if filters.transfer_modes and not ({m.value for m in filters.transfer_modes} & _modes(record, entity)):
        return False
    if filters.budget_max_cny is not None:
        price = _amount(record.get("price_min_cny"))
        if price is not None and price > filters.budget_max_cny:
            return False
    if filters.price_max_cny is not None:
        budget = _amount(record.get("budget_max_cny"))
        if budget is not None and budget < filters.price_max_cny:
            return False
    evaluated, min_score = getattr(filters, "evaluated", None), getattr(filters, "min_evaluation_score", None)
    if evaluated is not None or min_score is not None:
        score = evaluation_score(record)
        if evaluated is not None and (score is not None) != evaluated:
            return False
        if min_score is not None and (score is None or score < min_score):
            return False
    return True


def assess(record: dict[str, Any], entity: Entity, wants: Wants) -> tuple[float | None, list[str], list[str]]:
    """(score 0..1 or None when nothing could be compared, matched, conflicts); messages are `field: 说明`."""
    matched: list[str] = []
    conflicts: list[str] = []
    domain, suggested = effective_domain(record)
    if wants.domain and domain:
        label = "domain (suggested)" if suggested else "domain"  # a suggestion is the registry's guess, not the owner's
        if domain == wants.domain:
            matched.append(f"{label}: 同属{domain_name(domain)}")
        else:
            conflicts.append(f"{label}: 领域不同（{domain_name(domain)}，需要{domain_name(wants.domain)}）")
    if wants.region and record.get("region") and region_matches(wants.region, record["region"]):
        matched.append(f"region: 同在{PROVINCES.get(record['region'][:2], record['region'])}")
    if entity == Entity.technology:
        trl = record.get("trl")
        if wants.trl_min is not None and trl is not None:
            (matched if int(trl) >= wants.trl_min else conflicts).append(f"trl: 技术成熟度 TRL {trl}（要求≥{wants.trl_min}）")
        elif record.get("stage") in MATURE_STAGES:
            matched.append(f"stage: 已到{STAGE_NAMES[Stage(record['stage'])]}阶段")
        price = _amount(record.get("price_min_cny"))
        if wants.budget_max is not None and price is not None:
            if price <= wants.budget_max:
                matched.append(f"price: 报价起点{price:,.0f}元在预算{wants.budget_max:,.0f}元内")
            else:
                conflicts.append(f"price: 报价起点{price:,.0f}元超出预算{wants.budget_max:,.0f}元")
        score = evaluation_score(record)  # a current third-party evaluation is a ranking signal, pass mark 60
        if score is not None:
            (matched if score >= PASS_SCORE else conflicts).append(f"evaluation: 第三方技术评价{score:g}分（满分100）")
    else:
        budget = _amount(record.get("budget_max_cny"))
        if wants.price_min is not None and budget is not None:
            if budget >= wants.price_min:
                matched.append(f"budget: 预算{budget:,.0f}元可覆盖报价{wants.price_min:,.0f}元")
            else:
                conflicts.append(f"budget: 预算{budget:,.0f}元低于报价{wants.price_min:,.0f}元")
    offered = _modes(record, entity)
    if wants.modes and offered:
        common = wants.modes & offered
        if common:
            matched.append(f"transfer_modes: 都接受{_mode_names(common)}")
        else:
            conflicts.append(f"transfer_modes: 合作方式不一致（对方{_mode_names(offered)}，需要{_mode_names(wants.modes)}）")
    total = len(matched) + len(conflicts)
    if total == 0:
        return None, matched, conflicts
    return len(matched) / total, matched, conflicts
