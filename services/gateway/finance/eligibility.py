"""Finance matching: eligibility rules as hard filters (each exclusion explained), text similarity to rank.

Pure functions over the public record shapes, so they are tested directly and read the same for both directions
(products for a need, needs for a product). Why not matching's index: a product catalogue is small (tens to a few
hundred products per platform) and the rules decide; a character-bigram cosine over the two texts ranks the few
that pass well enough for Chinese text, needs no matching process and no feed lag. Amounts are compared in fen.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from decimal import Decimal
from typing import Any

from shared import identifiers, taxonomy
from shared.schemas import STAGE_NAMES, Stage
from shared.text import normalize

FEN = Decimal(100)
_CJK_OR_WORD = re.compile(r"[\u3400-\u9fff]|[a-z0-9]+")


def fen(yuan: Any) -> int | None:
    return None if yuan is None else int(Decimal(str(yuan)) * FEN)


def _why(rule: str, detail: str) -> dict[str, str]:
    return {"rule": rule, "detail": detail}


def patent_usable(patent: dict[str, Any]) -> str | None:
    """None when a patent can serve as collateral, else why not (in words a financier uses)."""
    if patent["current_status"] != "granted":
        return {"pending": "尚未授权", "lapsed": "已失效", "expired": "已期满"}.get(patent["current_status"], patent["current_status"])
    if patent["pledged"]:
        return "已质押"
    return None


def exclusions(product: dict[str, Any], need: dict[str, Any], patents: dict[str, dict[str, Any]]) -> list[dict[str, str]]:
    """Every rule of the product this need breaks (empty: eligible)."""
    rules, out = product["rules"], []
    if product.get("status") != "active":
        out.append(_why("status", f"产品已{product.get('status')}"))
    if rules["domains"] and need.get("domain") not in rules["domains"]:
        names = "、".join(taxonomy.DOMAINS[d].name for d in rules["domains"] if d in taxonomy.DOMAINS)
        have = taxonomy.DOMAINS[need["domain"]].name if need.get("domain") in taxonomy.DOMAINS else "未标明领域"
        out.append(_why("domains", f"仅支持{names}；需求领域为{have}"))
    if rules["stages"] and need.get("stage") not in rules["stages"]:
        names = "、".join(STAGE_NAMES[Stage(s)] for s in rules["stages"])
        have = STAGE_NAMES[Stage(need["stage"])] if need.get("stage") else "未标明阶段"
        out.append(_why("stages", f"仅支持{names}阶段；需求为{have}"))
    if rules.get("min_trl") and (need.get("trl") or 0) < rules["min_trl"]:
        out.append(_why("min_trl", f"要求技术成熟度 TRL≥{rules['min_trl']}；需求为{need.get('trl') or '未标明'}"))
    if rules["regions"] and not any(identifiers.region_matches(r, need.get("region")) for r in rules["regions"]):
        out.append(_why("regions", f"仅服务地区 {', '.join(rules['regions'])}；需求地区为{need.get('region') or '未标明'}"))
    amount, lo, hi = fen(need["amount_cny"]), fen(rules.get("amount_min_cny")), fen(rules.get("amount_max_cny"))
    if lo is not None and amount is not None and amount < lo:
        out.append(_why("amount", f"金额 {need['amount_cny']} 元低于产品下限 {rules['amount_min_cny']} 元"))
    if hi is not None and amount is not None and amount > hi:
        out.append(_why("amount", f"金额 {need['amount_cny']} 元高于产品上限 {rules['amount_max_cny']} 元"))
    required = rules.get("patents_required") or 0
    if required:
        usable, unusable = 0, []
        for pid in need.get("collateral_patent_ids", []):
            patent = patents.get(pid)
            why = patent_usable(patent) if patent else "无法读取"
            if why is None:
                usable += 1
            else:
                unusable.append(f"{patent['application_number'] if patent else pid}{why}")
        if usable < required:
            extra = f"（{'；'.join(unusable)}）" if unusable else ""
            out.append(_why("patents_required", f"需要 {required} 件可质押的有效专利，需求提供 {usable} 件{extra}"))
    if rules.get("evaluation_required") and not need.get("evaluation_id"):
        out.append(_why("evaluation_required", "产品要求技术评价（技术评价报告），需求未提供 evaluation_id"))
    return out


def _grams(text: str) -> Counter:
    tokens = _CJK_OR_WORD.findall(normalize(text))
    return Counter(a + b if len(a) == 1 and len(b) == 1 else a for a, b in zip(tokens, tokens[1:] + [""]))


def _text(record: dict[str, Any], fields: tuple[str, ...]) -> str:
    return " ".join(str(record.get(f) or "") for f in fields)


NEED_TEXT = ("title", "purpose", "description")
PRODUCT_TEXT = ("name", "description")


def similarity(product: dict[str, Any], need: dict[str, Any]) -> tuple[float, list[str]]:
    """Cosine of character bigrams (words for Latin text) of the two texts, and the shared terms."""
    a = _grams(_text(product, PRODUCT_TEXT) + " " + str(product.get("terms", {}).get("text") or ""))
    b = _grams(_text(need, NEED_TEXT))
    shared = set(a) & set(b)
    dot = sum(a[t] * b[t] for t in shared)
    norm = math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values()))
    terms = sorted(shared, key=lambda t: -(a[t] * b[t]))[:8]
    return (round(dot / norm, 4) if norm else 0.0), terms


def fits(product: dict[str, Any], need: dict[str, Any]) -> list[str]:
    """The rules that constrain and that this (eligible) need meets, for the explanation."""
    rules = product["rules"]
    named = [("domains", rules["domains"]), ("stages", rules["stages"]), ("min_trl", rules.get("min_trl")),
             ("regions", rules["regions"]), ("amount", rules.get("amount_min_cny") or rules.get("amount_max_cny")),
             ("patents_required", rules.get("patents_required")), ("evaluation_required", rules.get("evaluation_required"))]
    return [name for name, constraint in named if constraint]


# --------------------------------------------------------------------------- strength of an eligible match
# A RULE, not a fitted model: there are no graded finance labels to fit or calibrate on (technology matches are
# calibrated on brokers' grades; docs/ip_and_finance.md says the difference). Eligibility is decided before this:
# only products whose every hard rule the need meets get a score at all.
RULE_VERSION = "finance-strength-rule-1"
TEXT_FULL = 0.30  # bigram cosine at which the text component saturates (related Chinese product/need texts: 0.1-0.4)
TEXT_WEIGHT, SOFT_WEIGHT = 0.5, 0.5
STRONG, POSSIBLE = 0.65, 0.35  # band lower bounds on the score
STRONG_MIN_TEXT = 0.10  # "strong" needs the texts to share something, whatever the soft criteria say
SOFT_CRITERIA = ("domain_targeted", "stage_targeted", "amount_in_range", "type_suits_need")
EARLY = {"research", "lab", "pilot", "demonstration"}
LATE = {"demonstration", "industrialization"}


def soft_criteria(product: dict[str, Any], need: dict[str, Any], patents: dict[str, dict[str, Any]]) -> dict[str, bool]:
    """Signs of a targeted fit beyond eligibility (a product open to everything passes its rules without them):
    it names the need's domain, names its stage, states an amount range the need lies in, and its type suits the
    need (a pledge loan with usable collateral, first-set insurance or green credit for a late stage or TRL >= 7,
    a fund for an early stage)."""
    rules = product["rules"]
    usable = sum(1 for pid in need.get("collateral_patent_ids", []) if pid in patents and patent_usable(patents[pid]) is None)
    stage, trl = need.get("stage"), need.get("trl") or 0
    kind = product.get("product_type")
    suits = {"ip_pledge_loan": usable > 0,
             "first_set_insurance": stage in LATE or trl >= 7,
             "green_credit": stage in LATE or trl >= 7,
             "equity_fund": stage in EARLY or (0 < trl <= 6),
             "guidance_fund": stage in EARLY or (0 < trl <= 6)}.get(kind, False)
    return {"domain_targeted": bool(rules["domains"]) and need.get("domain") in rules["domains"],
            "stage_targeted": bool(rules["stages"]) and stage in rules["stages"],
            "amount_in_range": bool(rules.get("amount_min_cny") or rules.get("amount_max_cny")),  # eligible: inside it
            "type_suits_need": suits}


def strength(text_similarity: float, soft: dict[str, bool]) -> tuple[float, str]:
    """score = 0.5 * min(1, text / 0.30) + 0.5 * (soft criteria met / 4), in [0, 1]; strong >= 0.65 (and text >= 0.10),
    possible >= 0.35, else weak."""
    score = TEXT_WEIGHT * min(1.0, text_similarity / TEXT_FULL) + SOFT_WEIGHT * sum(soft.values()) / len(SOFT_CRITERIA)
    score = round(min(1.0, max(0.0, score)), 4)
    band = "strong" if score >= STRONG and text_similarity >= STRONG_MIN_TEXT else "possible" if score >= POSSIBLE else "weak"
    return score, band


def rank(pairs: list[tuple[dict[str, Any], dict[str, Any]]], patents: dict[str, dict[str, Any]], *,
         candidate: str) -> dict[str, Any]:
    """(product, need) pairs → eligible candidates ranked by strength score, and the excluded with their reasons.
    `candidate` names which side of each pair is the proposal ("product" or "need")."""
    eligible, excluded = [], []
    for product, need in pairs:
        item = product if candidate == "product" else need
        label = {"id": item["id"], "name": item.get("name") or item.get("title")}
        why = exclusions(product, need, patents)
        if why:
            excluded.append({**label, "reasons": why})
            continue
        text, terms = similarity(product, need)
        soft = soft_criteria(product, need, patents)
        score, band = strength(text, soft)
        eligible.append({**label, "score": score, "strength": band,
                         "explanation": {"text_similarity": text, "shared_terms": terms, "rules_met": fits(product, need),
                                         "soft_criteria": soft, "rule": RULE_VERSION},
                         candidate: item})
    eligible.sort(key=lambda e: (-e["score"], -e["explanation"]["text_similarity"], e["id"]))
    return {"items": eligible, "excluded": excluded}
