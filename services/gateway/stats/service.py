"""Counts and amounts by domain, region or month, with year-on-year growth.

Attribution: listings by their own domain/region and publishing month; introductions and deals by the
technology's domain and the demand's region (the technology's when the demand has none); introductions by the
month requested, deals opened by the month opened, closed deals, amounts and commissions by the month closed.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

from sqlmodel import Session

from services.gateway.commissions.engine import fen_to_yuan
from services.gateway.stats import repository
from services.gateway.stats.schemas import Figures, GroupBy, StatsReport, StatsRow
from shared.identifiers import PROVINCES
from shared.taxonomy import domain_name

UNKNOWN = "unknown"


def month_start(month: str) -> datetime:
    year, mon = (int(p) for p in month.split("-"))
    return datetime(year, mon, 1, tzinfo=UTC)


def add_months(dt: datetime, months: int) -> datetime:
    index = dt.year * 12 + dt.month - 1 + months
    return dt.replace(year=index // 12, month=index % 12 + 1)


def _key(group_by: GroupBy, domain: str | None, region: str | None, at: datetime, shift_years: int) -> str:
    if group_by == GroupBy.domain:
        return domain or UNKNOWN
    if group_by == GroupBy.region:
        return f"{region[:2]}0000" if region else UNKNOWN
    return add_months(at, 12 * shift_years).strftime("%Y-%m")


def _name(group_by: GroupBy, key: str) -> str:
    if key == UNKNOWN:
        return "未标注"
    if group_by == GroupBy.domain:
        return domain_name(key)
    if group_by == GroupBy.region:
        return PROVINCES.get(key[:2], key)
    return f"{key[:4]}年{int(key[5:])}月"


def _collect(session: Session, group_by: GroupBy, start: datetime, end: datetime, shift_years: int) -> dict[str, dict]:
    """Raw figures (amounts in fen) per group key; `shift_years` moves month keys onto the reported period."""
    out: dict[str, dict] = defaultdict(lambda: defaultdict(int))
    key: Callable[..., str] = lambda d, r, at: _key(group_by, d, r, at, shift_years)  # noqa: E731
    for row in repository.listings(session, start, end):
        out[key(row.domain, row.region, row.published_at)]["technologies_listed" if row.entity == "technology" else "demands_listed"] += 1
    for row in repository.introductions(session, start, end):
        bucket = out[key(row.domain, row.region, row.requested_at)]
        bucket["introductions"] += 1
        bucket["introductions_accepted"] += row.status == "accepted"
    for row in repository.deals_opened(session, start, end):
        out[key(row.domain, row.region, row.opened_at)]["deals_opened"] += 1
    for row in repository.deals_closed(session, start, end):
        bucket = out[key(row.domain, row.region, row.closed_at)]
        bucket["deals_closed"] += 1
        bucket["deal_amount_cny"] += row.contract_amount_fen or 0
    for row in repository.commissions(session, start, end):
        out[key(row.domain, row.region, row.computed_at)]["commission_cny"] += row.commission_fen
    return out


def _figures(raw: dict) -> Figures:
    money = {k: fen_to_yuan(raw.get(k, 0)) for k in ("deal_amount_cny", "commission_cny")}
    return Figures(**{k: v for k, v in raw.items() if k not in money}, **money)


def _growth(current: Figures, previous: Figures) -> dict[str, float | None]:
    growth: dict[str, float | None] = {}
    for name, value in current.model_dump().items():
        before = getattr(previous, name)
        growth[name] = None if not before else round(float((Decimal(value) - Decimal(before)) / Decimal(before)), 4)
    return growth


def report(session: Session, group_by: GroupBy, from_month: str, to_month: str) -> StatsReport:
    start, end = month_start(from_month), add_months(month_start(to_month), 1)
    current = _collect(session, group_by, start, end, 0)
    previous = _collect(session, group_by, add_months(start, -12), add_months(end, -12), 1)
    keys = sorted(set(current) | set(previous))
    items = []
    for k in keys:
        cur, prev = _figures(current.get(k, {})), _figures(previous.get(k, {}))
        items.append(StatsRow(key=k, name=_name(group_by, k), current=cur, previous_year=prev, yoy_growth=_growth(cur, prev)))
    totals: dict[str, int] = defaultdict(int)
    for raw in current.values():
        for name, value in raw.items():
            totals[name] += value
    return StatsReport(group_by=group_by, from_month=from_month, to_month=to_month, totals=_figures(totals), items=items)
