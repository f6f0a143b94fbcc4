"""Query terms and how specific they are in the index, for the term-coverage feature and the shared terms shown.

A term is a jieba word of the query (2+ Chinese characters, or a Latin token starting with a letter such as
`vocs`, `scr`, `pm2.5`). Its specificity is an IDF from the lexical index: for a Latin token its own, for a
Chinese word the highest IDF of its character bigrams (a word is at most as common as its rarest bigram, so
this is a lower bound on the word's IDF). A term found in more than `MAX_DOC_SHARE` of the indexed records
says nothing about a match (有机, 治理, 处理 in a green-tech index) and is neither counted nor shown; neither are
the words of `GENERIC_TERMS`, which are generic in any index (needs, measurement words, function words).
"""
from __future__ import annotations

import logging
import math
import re
from functools import lru_cache

import jieba

from services.matching.index.lexical import LexicalIndex
from shared.text import normalize

jieba.setLogLevel(logging.WARNING)

MAX_DOC_SHARE = 0.12
MIN_RECORDS = 20

GENERIC_TERMS = frozenset(
    "我们 你们 他们 需要 希望 想要 要求 问题 技术 一种 进行 可以 能够 实现 通过 以及 或者 方法 方案 系统 企业 公司 工厂 "
    "目前 现在 主要 相关 提供 使用 利用 采用 解决 提高 降低 减少 一个 没有 不能 比较 非常 很多 大量 已经 "
    "左右 以上 以下 同时 还有 什么 怎么 如何 这个 那个 这些 那些 每天 每年 用于 适用 适用于 应用 "
    "浓度 含量 效率 效果 成本 费用 能力 标准 达标 指标 情况 工艺 设备 装置 项目 办法 靠谱 处理 治理 改造 "
    "the and for with our we need from that this are can".split()
)
# Shown-only: words that name a setting, not a subject (a shared 车间 or 材料 explains no match). They still count
# in term_coverage, whose fitted weights were measured with them.
NOT_SHOWN = frozenset("车间 材料 行业 生产 产品 单位 厂家 现场 设施 工程 原料 运行 工业".split())
_TERM = re.compile(r"^(?:[\u3400-\u9fff]{2,}|[a-z][a-z0-9.+-]+)$")
_UNITS = frozenset("mg kg km m2 m3 nm3 kw kwh mw mwh gw mpa kpa pa ppm ppb db ml cm mm".split())


@lru_cache(maxsize=4096)
def candidate_terms(query: str) -> tuple[str, ...]:
    """The query's jieba words that could be key terms (no generic words, units or number debris), in order."""
    out: list[str] = []
    for word in jieba.lcut(normalize(query)):
        word = word.strip()
        if word in GENERIC_TERMS or word in _UNITS or not _TERM.match(word) or word in out:
            continue
        out.append(word)
    return tuple(out)


def term_idf(lexical: LexicalIndex, term: str) -> float:
    if term.isascii():
        return lexical.idf(term)
    return max(lexical.idf(term[i:i + 2]) for i in range(len(term) - 1))


def idf_floor(lexical: LexicalIndex) -> float:
    """The IDF of a term found in exactly `MAX_DOC_SHARE` of the records: specific terms lie above it. Below
    `MIN_RECORDS` records document shares are noise (two of five records is not "common"): no floor."""
    n = len(lexical)
    if n < MIN_RECORDS:
        return -math.inf
    return math.log1p((n - n * MAX_DOC_SHARE + 0.5) / (n * MAX_DOC_SHARE + 0.5))


def specific_terms(lexical: LexicalIndex, query: str) -> list[tuple[str, float]]:
    """(term, idf) of the query's terms that are specific in this index."""
    floor = idf_floor(lexical)
    return [(t, w) for t in candidate_terms(query) if (w := term_idf(lexical, t)) >= floor]


def term_coverage(terms: list[tuple[str, float]], doc_text: str) -> float:
    """IDF-weighted share of the specific query terms that occur in the document text, 0..1."""
    total = sum(w for _, w in terms)
    return sum(w for t, w in terms if t in doc_text) / total if total else 0.0


def shared_terms(lexical: LexicalIndex, terms: list[tuple[str, float]], doc_text: str, limit: int = 8) -> list[str]:
    """Specific query terms found in the document, most specific first; a Chinese word not found whole may show
    its longest specific part that is ("烧结机" -> "烧结"), never a cut Latin word ("cod" -> "co")."""
    floor = idf_floor(lexical)
    found: dict[str, float] = {}
    for term, weight in terms:
        if term in doc_text:
            found.setdefault(term, weight)
        elif len(term) > 2 and not term.isascii():
            part = next((term[i:i + n] for n in range(len(term) - 1, 1, -1) for i in range(len(term) - n + 1)
                         if term[i:i + n] in doc_text and term[i:i + n] not in GENERIC_TERMS), None)
            if part and (part_weight := term_idf(lexical, part)) >= floor:
                found.setdefault(part, part_weight)
    kept: list[str] = []
    for term in sorted(found, key=lambda t: (-found[t], -len(t))):
        if term not in NOT_SHOWN and not any(term in longer for longer in kept):
            kept.append(term)
    return kept[:limit]
