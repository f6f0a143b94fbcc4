"""Display helpers used as Jinja2 filters: money to the fen, times, Chinese names, highlighted shared terms."""
from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from markupsafe import Markup, escape

from services.gateway.brokers.stages import STAGE_NAMES, DealStage
from shared import taxonomy
from shared.identifiers import PROVINCES
from shared.schemas import STAGE_NAMES as TECH_STAGE_NAMES
from shared.schemas import TRANSFER_MODE_NAMES, Stage, TransferMode

STRENGTH = {"strong": ("强", "strong"), "possible": ("可能", "possible"), "weak": ("弱", "weak")}
INTRO_STATUS = {"requested": "已申请，待对方答复", "accepted": "已接受", "declined": "已婉拒"}
DECLINE_REASONS = {"too_early": "时机未到", "price": "价格不合适", "technical_fit": "技术不匹配", "region": "地域不合适",
                   "other": "其他"}
AUCTION_KINDS = {"english": "公开增价", "sealed": "密封递价"}
AUCTION_STATUS = {"open": "竞价中", "closed": "已成交", "failed": "流拍"}
LISTING_STATUS = {"notice": "公示中", "suspended": "异议成立，暂停", "withdrawn": "已撤牌", "agreed": "协议成交",
                  "auction": "转入拍卖", "lapsed": "公示期满，无人受让"}
OBJECTION_STATUS = {"open": "待处理", "upheld": "异议成立", "dismissed": "异议不成立"}
PATENT_FLAGS = {"lapsed": "已失效", "expired": "已期满", "pledged": "已质押", "pending": "未授权"}
PATENT_STATUS = {"pending": "申请中", "granted": "已授权", "lapsed": "已失效", "expired": "已期满"}
INFRINGEMENT_STATUS = {"recorded": "已记录", "answered": "已答复", "under_appeal": "复议/上诉中", "upheld": "维持原决定",
                       "overturned": "已撤销"}
INFRINGEMENT_ENTRIES = {"recorded": "记录决定", "answer": "答复", "appeal": "上诉", "appeal_decision": "上诉决定", "correction": "更正"}
FINANCE_RULES = {"domains": "领域", "stages": "阶段", "min_trl": "成熟度", "regions": "地区", "amount": "金额",
                 "patents_required": "质押专利", "evaluation_required": "技术评价"}
COMPONENTS = (("dense", "语义"), ("lexical", "关键词"), ("structured", "结构化"))


def yuan(amount: Any) -> str:
    """'1234567.891' → '¥1,234,567.89' (exact Decimal, half-up to the fen); blank for None."""
    if amount in (None, ""):
        return "—"
    try:
        value = Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except InvalidOperation:
        return str(amount)
    return f"¥{value:,.2f}"


def when(value: Any) -> str:
    """ISO-8601 (UTC) → '2025-03-01 08:00 UTC'."""
    if not value:
        return "—"
    try:
        dt = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    if dt.tzinfo is not None:
        dt = dt.astimezone(UTC)
    return dt.strftime("%Y-%m-%d %H:%M UTC")


def domain_name(code: str | None) -> str:
    if not code:
        return "—"
    return taxonomy.domain_name(code) if taxonomy.is_domain(code) else code


def region_name(code: str | None) -> str:
    if not code:
        return "—"
    province = PROVINCES.get(code[:2])
    return f"{province} {code}" if province else code


def stage_name(code: str | None) -> str:
    try:
        return STAGE_NAMES[DealStage(code)]
    except ValueError:
        return str(code)


def tech_stage_name(code: str | None) -> str:
    try:
        return TECH_STAGE_NAMES[Stage(code)]
    except ValueError:
        return str(code or "—")


def transfer_mode_name(code: str) -> str:
    try:
        return TRANSFER_MODE_NAMES[TransferMode(code)]
    except ValueError:
        return code


# Matching explains fit as `field: 说明` with the record's field name; brokers read the Chinese label instead.
FIT_FIELDS = {"domain": "领域", "domain (suggested)": "领域（系统推测）", "region": "地区", "trl": "成熟度", "stage": "阶段",
              "price": "报价", "budget": "预算", "transfer_modes": "转让方式", "ipc": "IPC 分类", "keywords": "关键词"}


def fit_line(line: str | None) -> str:
    """'transfer_modes: 都接受许可' → '转让方式：都接受许可'; a line without a known field stays as it is."""
    text = str(line or "")
    field, sep, rest = text.partition(": ")
    if sep and field.strip() in FIT_FIELDS:
        return f"{FIT_FIELDS[field.strip()]}：{rest}"
    return text


def score(value: Any) -> str:
    return "—" if value is None else f"{float(value):.2f}"


def percent_width(value: Any) -> int:
    """A component score (-1..1 or 0..1) as a bar width 0..100."""
    return 0 if value is None else max(0, min(100, round(float(value) * 100)))


def highlight(text: str | None, terms: list[str] | None) -> Markup:
    """Escape `text` and wrap every (case-insensitive) occurrence of a shared term in <mark>."""
    if not text:
        return Markup("")
    words = sorted({t for t in (terms or []) if t and t.strip()}, key=len, reverse=True)
    if not words:
        return escape(text)
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
    out, last = [], 0
    for m in pattern.finditer(text):
        out.append(escape(text[last:m.start()]))
        out.append(Markup("<mark>%s</mark>") % m.group(0))
        last = m.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


FILTERS = {
    "yuan": yuan, "when": when, "domain_name": domain_name, "region_name": region_name, "stage_name": stage_name,
    "tech_stage_name": tech_stage_name, "transfer_mode_name": transfer_mode_name, "score": score,
    "percent_width": percent_width, "highlight": highlight, "fit_line": fit_line,
}
GLOBALS = {"STRENGTH": STRENGTH, "INTRO_STATUS": INTRO_STATUS, "DECLINE_REASONS": DECLINE_REASONS,
           "COMPONENTS": COMPONENTS, "AUCTION_KINDS": AUCTION_KINDS, "AUCTION_STATUS": AUCTION_STATUS,
           "LISTING_STATUS": LISTING_STATUS, "PATENT_FLAGS": PATENT_FLAGS, "PATENT_STATUS": PATENT_STATUS,
           "INFRINGEMENT_STATUS": INFRINGEMENT_STATUS, "INFRINGEMENT_ENTRIES": INFRINGEMENT_ENTRIES, "FINANCE_RULES": FINANCE_RULES, "OBJECTION_STATUS": OBJECTION_STATUS, "DOMAINS": {code: d.name for code, d in taxonomy.DOMAINS.items()}}
