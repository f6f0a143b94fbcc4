"""基础甄别 (basic screening) rules: pure functions over a record's content, no database.

Each check yields Findings. Severity decides the outcome:
- `reject`: the listing is not acceptable at all (spam, advertising) -> status `rejected`;
- `fix`: a person must fix the named field before it can be published -> status `on_hold`;
- `warn`: published, but the score drops and the reason is shown to the owner.
Identifiers (credit codes, patent numbers, IPC, regions, amounts) are already validated by the schemas.
"""
from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

from shared import taxonomy
from shared.domain_suggestion import DomainSuggestion, suggest_for_record
from shared.text import normalize

PENALTY = {"reject": 100, "fix": 25, "warn": 5}
PASS_SCORE = 60  # below this, even without a `fix` finding, the listing goes on hold
# One sentence that says what the technology is or what is needed (剥离液再生装置, 28 characters:
# "该系统以高效率回收液晶屏幕生产过程中从废溶液中排除的溶剂。"). Below it a listing says no more than its title.
MIN_DESCRIPTION = {"technology": 20, "demand": 15}
# A technology listing should say how it works: a description of substance, a core process or key parameters.
# Without one it is published with that advice (real catalogues list many technologies in one factual sentence),
# unless its text is promotion ("效果显著，欢迎洽谈"), which cannot be evaluated or matched: then it is held.
MIN_SUBSTANTIVE_DESCRIPTION = 40
PROMOTIONAL_PHRASES = ("欢迎来电", "欢迎洽谈", "洽谈合作", "欢迎咨询", "欢迎垂询", "效果显著", "各行各业",
                       "价格优惠", "价格实惠", "质量可靠", "行业领先", "国际领先", "国内领先", "品质保证", "销量领先", "市场份额",
                       "contact us", "call us", "best price", "best quality", "world-leading", "market leader",
                       "leading provider", "high quality products")
# A title made of a generic word or two and a number ("Wind Technology 10159", "技术成果 0231") is a catalogue's
# placeholder, not the name of a technology.
PLACEHOLDER_TITLE_WORDS = frozenset("technology technologies tech system systems solution solutions product products project "
                                    "item record listing no number id 技术 技术成果 成果 系统 产品 项目 方案 编号".split())
_TITLE_NUMBER = re.compile(r"^[#№]?\d{3,}$")
# An English word carries about what one to two Chinese characters do: minimum lengths count Latin text at a third.
LATIN_CHARS_PER_CJK = 3
MIN_CJK_CHARS = 2  # a field with a Chinese part (搅拌曝气装置（DTA：Draft Tube Aerator）) is read as Chinese
# English fields (international technologies) get the same kind of check in their language: mostly letters, in
# words that look like words (a vowel, a plausible length), not keyboard mash or a string of codes.
MIN_LETTER_SHARE = 0.5
MIN_WORDLIKE_SHARE = 0.7
# 1 t standard coal equivalent emits about 2.6-2.8 t CO2. Process emissions (cement, steel) can add several
# times that, so a high ratio is only a warning; far beyond it a unit is wrong (kg vs t).
WARN_CO2_PER_TCE = 4.0
MAX_CO2_PER_TCE = 30.0
# General environmental words: enough to show green relevance, too vague to pick a domain.
GENERAL_GREEN_TERMS = ("环保", "污染", "减排", "排放", "环境", "绿色", "低碳", "修复", "净化", "治理", "节约",
                       "environment", "pollut", "emission", "renewable", "sustainab", "clean energy", "carbon",
                       "greenhouse", "climate", "energy efficien", "energy saving", "recycl")
# TRL ranges that fit each development stage (研发, 小试, 中试, 示范, 产业化).
STAGE_TRL = {"research": (1, 4), "lab": (3, 5), "pilot": (4, 7), "demonstration": (6, 8), "industrialization": (7, 9)}
BANNED_PHRASES = ("加微信", "加v", "代开发票", "刷单", "兼职日结", "贷款秒批", "博彩", "赌博", "色情")
_FILLER = re.compile(r"(.{1,6}?)\1{5,}")  # the same 1-6 characters repeated 6+ times in a row
_LATIN = re.compile(r"[A-Za-z]")
_WORD = re.compile(r"[a-z]+")
_VOWELS = set("aeiouy")
_CJK_CHARS = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class Finding:
    field: str
    message: str
    severity: str  # reject | fix | warn
    check: str  # completeness | text_quality | green_relevance | plausibility
    suggestion: dict[str, Any] | None = None  # a value the owner can accept (the suggested domain)


@dataclass(frozen=True)
class Outcome:
    decision: str  # published | on_hold | rejected
    score: int
    reasons: list[dict[str, str]]


def screen(entity: str, record: Mapping[str, Any], *, today: date | None = None) -> Outcome:
    suggestion = suggest_for_record(record)  # from the text even when a domain is set: evidence of green relevance
    findings = [
        *completeness(entity, record, suggestion),
        *text_quality(record),
        *green_relevance(entity, record, suggestion),
        *plausibility(entity, record, today or date.today()),
    ]
    score = max(0, 100 - sum(PENALTY[f.severity] for f in findings))
    if any(f.severity == "reject" for f in findings):
        decision = "rejected"
    elif any(f.severity == "fix" for f in findings) or score < PASS_SCORE:
        decision = "on_hold"
    else:
        decision = "published"
    if decision == "on_hold" and not any(f.severity == "fix" for f in findings):
        findings.append(Finding("description", f"Overall screening score {score} is below {PASS_SCORE}: fill in the fields named above.", "fix", "completeness"))
    return Outcome(decision, score, [_reason(f) for f in findings])


def _reason(finding: Finding) -> dict[str, Any]:
    reason = asdict(finding)
    if reason["suggestion"] is None:
        del reason["suggestion"]
    return reason


def _text(record: Mapping[str, Any], *fields: str) -> str:
    parts = []
    for name in fields:
        value = record.get(name)
        if isinstance(value, list):
            parts.extend(str(v) for v in value)
        elif value:
            parts.append(str(value))
    return "\n".join(parts)


def completeness(entity: str, record: Mapping[str, Any], suggestion: DomainSuggestion | None = None) -> Iterator[Finding]:
    body_fields = ("summary", "description") if entity == "technology" else ("description",)
    body = _text(record, *body_fields)
    minimum = MIN_DESCRIPTION[entity]
    if _content_length(body) < minimum:
        yield Finding("description", f"Describe the {'technology' if entity == 'technology' else 'need'} in at least {minimum} characters "
                      f"(about {minimum * LATIN_CHARS_PER_CJK} in English): 现状、技术内容、指标 / what it is, how it works, key figures.", "fix", "completeness")
    if not record.get("domain"):
        if suggestion is not None:
            where = taxonomy.domain_name(suggestion.domain) + (
                f" / {taxonomy.DOMAINS[suggestion.domain].subdomains[suggestion.subdomain]}" if suggestion.subdomain else "")
            yield Finding("domain", f"No domain chosen. Suggested from the text: {where} ({suggestion.domain}"
                          f"{'/' + suggestion.subdomain if suggestion.subdomain else ''}, confidence {suggestion.confidence:.2f}, "
                          f"from {'、'.join(suggestion.terms[:4])}); matching uses it until you choose. Accept it by "
                          "sending domain (and subdomain) in a PATCH.", "warn", "completeness", suggestion.as_dict())
        else:
            yield Finding("domain", "Choose a domain from GET /v1/taxonomy so the listing can be found and matched.", "warn", "completeness")
    if not record.get("region"):
        yield Finding("region", "Give the region (GB/T 2260 code) where the technology is offered or the need arises.", "warn", "completeness")
    if entity == "technology":
        described = _content_length(_text(record, "description")) >= MIN_SUBSTANTIVE_DESCRIPTION
        if not described and not record.get("core_process") and not record.get("key_parameters"):
            promotion = promotional_phrases(body)
            advice = (f"Say how the technology works: add 核心工艺 (core_process), 关键参数 (key_parameters) or a description "
                      f"of at least {MIN_SUBSTANTIVE_DESCRIPTION} characters (about {MIN_SUBSTANTIVE_DESCRIPTION * LATIN_CHARS_PER_CJK} in English).")
            if promotion:
                yield Finding("core_process", f"{advice} The text is promotion ({'、'.join(promotion)}), not a description.", "fix", "completeness")
            else:
                yield Finding("core_process", advice, "warn", "completeness")
        if record.get("trl") is None and not record.get("stage"):
            yield Finding("stage", "State the maturity: stage (研发/小试/中试/示范/产业化) or TRL 1-9.", "warn", "completeness")
        if not record.get("transfer_modes"):
            yield Finding("transfer_modes", "Say how the technology can be transferred (转让, 许可, 作价入股, 合作开发, 技术服务).", "warn", "completeness")
    elif record.get("kind") == "challenge" and not record.get("expected_indicators"):
        yield Finding("expected_indicators", "A challenge (揭榜挂帅) must state measurable target indicators.", "fix", "completeness")


def promotional_phrases(text: str) -> list[str]:
    lowered = normalize(text).replace(" ", "")
    return [p for p in PROMOTIONAL_PHRASES if p.replace(" ", "") in lowered]


def placeholder_title(title: str) -> bool:
    """Generic words and a number, nothing that names the technology ("Wind Technology 10159")."""
    words = re.findall(r"[#№]?\w+", normalize(title))
    generic = [w for w in words if w in PLACEHOLDER_TITLE_WORDS]
    named = [w for w in words if w not in PLACEHOLDER_TITLE_WORDS and not _TITLE_NUMBER.match(w)]
    return bool(generic) and any(_TITLE_NUMBER.match(w) for w in words) and len(named) <= 1


def _content_length(text: str) -> float:
    """Characters of content: Chinese text as is, mostly-Latin text at a third (so English meets the same bar)."""
    text = normalize(text)
    cjk = len(_CJK_CHARS.findall(text))
    return len(text) if cjk * 10 >= 3 * len(text) else cjk + (len(text) - cjk) / LATIN_CHARS_PER_CJK


def text_quality(record: Mapping[str, Any]) -> Iterator[Finding]:
    title = record.get("title")
    if title and placeholder_title(str(title)):
        yield Finding("title", f"{str(title)!r} is a placeholder (generic words and a number): give the technology or need "
                      "its own name, as its holder calls it.", "fix", "text_quality")
    for name in ("title", "summary", "description"):
        raw = record.get(name)
        if not raw:
            continue
        text = normalize(str(raw))
        lowered = text.replace(" ", "")
        banned = [p for p in BANNED_PHRASES if p in lowered]
        if banned:
            yield Finding(name, f"Contains advertising or prohibited content ({'、'.join(banned)}); listings describe technologies or needs only.", "reject", "text_quality")
            continue
        filler = _filler(lowered)
        if filler and len(filler) * 2 >= len(lowered):
            yield Finding(name, f"Mostly repeated filler text ({filler[:20]!r}...): write real content.", "reject", "text_quality")
        elif filler:
            yield Finding(name, f"Contains repeated filler text ({filler[:20]!r}): remove it.", "fix", "text_quality")
        if len(lowered) >= 8 and len(_CJK_CHARS.findall(text)) < MIN_CJK_CHARS and not _readable_english(text):
            yield Finding(name, "Write this field in Chinese or in plain English words (not codes, symbols or random letters).", "fix", "text_quality")
        letters = _LATIN.findall(str(raw))
        latin_only = len(_CJK_CHARS.findall(text)) < MIN_CJK_CHARS  # 防锈油：ANTIRUST TERAMI is a product name, not shouting
        if latin_only and len(letters) >= 12 and sum(c.isupper() for c in letters) / len(letters) > 0.8:
            yield Finding(name, "Do not write in capital letters throughout.", "fix", "text_quality")


def _filler(text: str) -> str | None:
    """The first run of repeated words or letters (啊啊啊啊啊啊, 好好好好好好, abcabc…); runs of punctuation or
    symbols (------ used as arrows, ====== rules, 。。。。。。) are layout and runs of digits (10000000元) are
    numbers, not filler."""
    for match in _FILLER.finditer(text):
        if any(c.isalpha() for c in match.group(1)):
            return match.group(0)
    return None


def _readable_english(text: str) -> bool:
    """Mostly letters, in word-like words: the English counterpart of 'is this written in Chinese'."""
    chars = [c for c in text if not c.isspace()]
    letters = [c for c in chars if c.isascii() and c.isalpha()]
    if not chars or len(letters) / len(chars) < MIN_LETTER_SHARE:
        return False
    words = _WORD.findall(text.lower())
    wordlike = [w for w in words if (len(w) <= 3 or _VOWELS & set(w)) and len(w) <= 20]
    return len(wordlike) / len(words) >= MIN_WORDLIKE_SHARE if words else False


def green_terms(record: Mapping[str, Any]) -> dict[str, list[str]]:
    """Taxonomy vocabulary found in the record's text, grouped by domain code."""
    text = normalize(_text(record, "title", "summary", "description", "keywords", "core_process", "benefits",
                           "applicable_scope", "expected_indicators"))
    found: dict[str, list[str]] = {}
    for code, vocab in _domain_vocabulary().items():
        hits = [word for word, normalized in vocab if normalized in text]
        if hits:
            found[code] = hits
    return found


@cache
def _domain_vocabulary() -> dict[str, list[tuple[str, str]]]:
    """Per domain, its words (keywords, subdomain and domain names) with their normalised form, sorted; built once."""
    return {code: sorted((w, normalize(w)) for w in {*domain.keywords, *domain.subdomains.values(), domain.name})
            for code, domain in taxonomy.DOMAINS.items()}


def green_relevance(entity: str, record: Mapping[str, Any], suggestion: DomainSuggestion | None = None) -> Iterator[Finding]:
    """Green if the text uses the taxonomy's vocabulary, a general environmental word, or names a green technology
    the domain suggester recognises (风力发电, 能源管理系统, 润滑油, hydrogen purity …); generic words alone
    (a pump, a sensor, payroll data analysis) are not enough."""
    found = green_terms(record)
    text = normalize(_text(record, "title", "summary", "description", "keywords", "benefits"))
    recognised = suggestion is not None and suggestion.specific
    if not found and not recognised and not any(term in text for term in GENERAL_GREEN_TERMS):
        severity = "fix" if entity == "technology" else "warn"
        yield Finding("description", "No green-technology term found (e.g. 节能, 减排, 脱硫, 回收利用, 光伏; energy saving, "
                      "emissions, renewable): state the environmental benefit.", severity, "green_relevance")
        return
    if not found:
        return
    domain = record.get("domain")
    if domain and domain not in found:
        best = max(found, key=lambda c: len(found[c]))
        yield Finding("domain", f"The text reads like {taxonomy.domain_name(best)} ({best}), not {taxonomy.domain_name(domain)}: check the domain.", "warn", "green_relevance")


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def plausibility(entity: str, record: Mapping[str, Any], today: date) -> Iterator[Finding]:
    figures = record.get("benefit_figures") or {}
    tce, co2 = figures.get("energy_saved_tce_per_year"), figures.get("co2_reduced_t_per_year")
    if tce and co2 and co2 / tce > WARN_CO2_PER_TCE:
        severity = "fix" if co2 / tce > MAX_CO2_PER_TCE else "warn"
        yield Finding("benefit_figures.co2_reduced_t_per_year", f"{co2:g} t CO2 for {tce:g} tce saved is {co2 / tce:.1f} t per tce; burning 1 tce emits about 2.7 t CO2. Check the units (or explain process emissions).", severity, "plausibility")
    lo_name, hi_name = ("price_min_cny", "price_max_cny") if entity == "technology" else ("budget_min_cny", "budget_max_cny")
    lo, hi = _dec(record.get(lo_name)), _dec(record.get(hi_name))
    for name, value in ((lo_name, lo), (hi_name, hi)):
        if value is not None and Decimal(0) < value < Decimal(100):
            yield Finding(name, f"{value} yuan is implausibly small for a technology deal: amounts are in yuan (not 万元).", "fix", "plausibility")
    if lo and hi and hi > lo * 100:
        yield Finding(hi_name, f"The range {lo}-{hi} yuan spans more than 100x: narrow it.", "warn", "plausibility")
    trl, stage = record.get("trl"), record.get("stage")
    if trl is not None and stage in STAGE_TRL:
        low, high = STAGE_TRL[stage]
        if not low <= trl <= high:
            yield Finding("trl", f"TRL {trl} does not fit stage {stage} (expected TRL {low}-{high}): correct one of them.", "fix", "plausibility")
    expires = record.get("expires_at")
    if isinstance(expires, date) and expires <= today:
        yield Finding("expires_at", "expires_at is in the past: choose a future date or leave it empty (one year).", "fix", "plausibility")
    deadline = record.get("deadline")
    if isinstance(deadline, date) and deadline < today:
        yield Finding("deadline", "The deadline has passed: set a future date.", "fix", "plausibility")
