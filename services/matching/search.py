"""Explained hybrid search: dense (embeddings) + lexical (char-n-gram BM25) fused by reciprocal rank fusion,
nudged by structured fit, each hit with its component scores, shared key terms, fitting/conflicting fields
and a calibrated strength.

In-process use (no HTTP), e.g. from the evaluation or a benchmark:

    from services.matching.encoder import load_encoder
    from services.matching.indexer import MatchIndex
    from services.matching.search import HybridSearcher, Query
    index = MatchIndex(load_encoder())
    index.index_records("technology", [{"id": "S01", "title": "烧结烟气脱硫脱硝一体化技术"}])
    hits = HybridSearcher(index).search(Query("钢厂烧结烟气脱硝", target="technology", k=5))
    hits[0].id, hits[0].strength, hits[0].components

`mode="dense"` or `mode="lexical"` ranks by one retriever only (used to measure what fusion adds).
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any, Literal

import jieba
import numpy as np

from services.matching.documents import build_document, display_title
from services.matching.fit import Wants, assess
from services.matching.indexer import EntityIndex, MatchIndex
from shared.matching_schemas import Components, Fit, Hit, SearchFilters
from shared.schemas import Entity
from shared.text import normalize

jieba.setLogLevel(logging.WARNING)

Mode = Literal["fused", "dense", "lexical"]

# Words too generic to show as "shared key terms" (they match almost anything).
GENERIC_TERMS = frozenset(
    "我们 你们 他们 需要 希望 想要 要求 问题 技术 一种 进行 可以 能够 实现 通过 以及 或者 方法 方案 系统 企业 公司 工厂 "
    "目前 现在 主要 相关 提供 使用 利用 采用 解决 提高 降低 减少 一个 没有 不能 比较 非常 很多 大量 已经 "
    "左右 以上 以下 同时 还有 什么 怎么 如何 这个 那个 这些 那些 每天 每年 用于 适用 适用于 应用".split()
)
# A shared term is a Chinese word of 2+ characters or a Latin token starting with a letter (vocs, scr, co2,
# pm2.5); tokens starting with a digit ("50m", "0mg") and bare units are tokenisation debris, not terms.
_TERM = re.compile(r"^(?:[\u3400-\u9fff]{2,}|[a-z][a-z0-9.+-]+)$")
_UNITS = frozenset("mg kg km m2 m3 nm3 kw kwh mw mwh gw mpa kpa pa ppm ppb db ml cm mm".split())


@dataclass(frozen=True)
class FusionConfig:
    """Reciprocal rank fusion: score(d) = sum_i w_i / (rrf_k + rank_i(d)). See docs/matching.md for tuning."""

    rrf_k: int = 60
    pool: int = 100  # candidates taken from each retriever
    dense_weight: float = 1.0
    lexical_weight: float = 1.0
    structured_weight: float = 0.05  # a nudge: text relevance decides, structure breaks near-ties


@dataclass(frozen=True)
class StrengthThresholds:
    """Strength from two absolute signals, not ranks (rank 1 is not a match by itself):
    - dense_z: how many standard deviations the hit's cosine lies above the query's cosine to a background
      sample of the index (raw m3e cosines are compressed into ~0.7-0.85 for any Chinese text);
    - lexical coverage: IDF-weighted share of the query's terms present in the record (off-topic queries
      rarely exceed 0.05).
    Tuned on the smoke set and checked against off-topic real needs; see docs/matching.md."""

    strong_z: float = 2.5
    strong_coverage: float = 0.10
    possible_z: float = 2.0
    possible_coverage: float = 0.05
    # Background prior for small indexes (m3e-small on Chinese green-tech text: mean 0.67, std 0.04); it counts
    # as `prior_weight` samples, so with a handful of records the z-score is not noise.
    prior_mean: float = 0.67
    prior_std: float = 0.04
    prior_weight: int = 10

    def dense_z(self, dense: float, background: tuple[float, float, int]) -> float:
        mean, std, n = background
        w = self.prior_weight
        mean = (n * mean + w * self.prior_mean) / (n + w)
        std = max((n * std + w * self.prior_std) / (n + w), 1e-3)
        return (dense - mean) / std

    def classify(self, dense_z: float, coverage: float) -> str:
        if dense_z >= self.strong_z and coverage >= self.strong_coverage:
            return "strong"
        if dense_z >= self.possible_z and coverage >= self.possible_coverage:
            return "possible"
        return "weak"


@dataclass
class Query:
    text: str
    target: Entity | str = Entity.technology
    k: int = 10
    filters: SearchFilters | None = None
    context: tuple[Entity, dict[str, Any]] | None = None  # the asking record, for structured fit
    exclude: frozenset[str] = field(default_factory=frozenset)
    vector: np.ndarray | None = None  # reuse a stored embedding instead of encoding `text`


def shared_terms(query: str, doc_text: str, limit: int = 8) -> list[str]:
    """Words of the query (jieba) that also occur in the record text, longest first, no generic words."""
    doc_text = normalize(doc_text)
    found: list[str] = []
    for word in jieba.lcut(normalize(query)):
        word = word.strip()
        if word in GENERIC_TERMS or word in _UNITS or not _TERM.match(word) or word in found:
            continue
        if word in doc_text:
            found.append(word)
        elif len(word) > 2 and not word.isascii():  # "烧结机" -> "烧结"; never "cod" -> "co"
            part = next((word[i:i + n] for n in range(len(word) - 1, 1, -1) for i in range(len(word) - n + 1)
                         if word[i:i + n] in doc_text and word[i:i + n] not in GENERIC_TERMS), None)
            if part and part not in found:
                found.append(part)
    found.sort(key=len, reverse=True)
    kept: list[str] = []
    for word in found:
        if not any(word in longer for longer in kept):
            kept.append(word)
    return kept[:limit]


class HybridSearcher:
    def __init__(
        self,
        index: MatchIndex,
        fusion: FusionConfig = FusionConfig(),
        strength: StrengthThresholds = StrengthThresholds(),
    ) -> None:
        self.index = index
        self.fusion = fusion
        self.strength = strength

    def search(self, query: Query, mode: Mode = "fused") -> list[Hit]:
        return self.search_many([query], mode)[0]

    def search_many(self, queries: list[Query], mode: Mode = "fused") -> list[list[Hit]]:
        """Encode all query texts in one batch, then rank each."""
        todo = [i for i, q in enumerate(queries) if q.vector is None]
        vectors: dict[int, np.ndarray] = {}
        if todo:
            encoded = self.index.encoder.encode([queries[i].text for i in todo])
            vectors = dict(zip(todo, encoded))
        with self.index.lock:
            return [self._rank(q, q.vector if q.vector is not None else vectors[i], mode) for i, q in enumerate(queries)]

    def record_query(self, entity: Entity | str, record_id: str) -> tuple[str, dict[str, Any], np.ndarray | None] | None:
        """(query text, record fields, stored vector) for a known record, or None if never seen / deleted."""
        entity = Entity(entity)
        with self.index.lock:
            stored = self.index.store.get(entity, record_id)
            if stored is None or not stored.fields:
                return None
            return build_document(entity, stored.fields).text, stored.fields, self.index[entity].dense.vector(record_id)

    # ------------------------------------------------------------------ ranking
    def _rank(self, q: Query, qvec: np.ndarray, mode: Mode) -> list[Hit]:
        target = Entity(q.target)
        ix = self.index[target]
        allowed = ix.allowed(q.filters, q.exclude)  # bool mask over labels, None = everything
        pool = max(self.fusion.pool, q.k)
        dense_ranked = [] if mode == "lexical" else ix.dense.search(qvec, pool, allowed=allowed)[0]
        lexical_ranked = [] if mode == "dense" else ix.lexical.top(q.text, pool, allowed)

        if mode == "dense":
            base = {i: s for i, s in dense_ranked}
        elif mode == "lexical":
            top = lexical_ranked[0][1] if lexical_ranked else 1.0
            base = {i: s / top for i, s in lexical_ranked}
        else:
            base = self._rrf(dense_ranked, lexical_ranked)
        if not base:
            return []

        wants = Wants.from_filters(q.filters)
        if q.context is not None:
            wants.merge_record(*q.context)
        dense_sims = ix.dense.similarity(qvec, base.keys())
        background = ix.dense.background(qvec)
        # The structured nudge can lift a top text score past 1; rescale so displayed scores stay in [0, 1]
        # without ties at the clamp (two hits both shown as 1.0 would hide their order).
        scale = 1.0 + (self.fusion.structured_weight * 0.5 if mode == "fused" else 0.0)
        scored = []
        for doc_id, value in base.items():
            record = self.index.store.get(target, doc_id)
            fields = record.fields if record else {}
            structured, matched, conflicts = assess(fields, target, wants)
            nudge = 0.0 if structured is None or mode != "fused" else self.fusion.structured_weight * (structured - 0.5)
            scored.append(((value + nudge) / scale, doc_id, structured, matched, conflicts, fields))
        scored.sort(key=lambda t: (-t[0], t[1]))
        return [self._hit(q, ix, target, *row, dense_sims.get(row[1], 0.0), background) for row in scored[: q.k]]

    def _rrf(self, dense: list[tuple[str, float]], lexical: list[tuple[str, float]]) -> dict[str, float]:
        f = self.fusion
        fused: dict[str, float] = {}
        for weight, ranked in ((f.dense_weight, dense), (f.lexical_weight, lexical)):
            for rank, (doc_id, _) in enumerate(ranked, start=1):
                fused[doc_id] = fused.get(doc_id, 0.0) + weight / (f.rrf_k + rank)
        best = (f.dense_weight + f.lexical_weight) / (f.rrf_k + 1)
        return {i: s / best for i, s in fused.items()}

    def _hit(self, q: Query, ix: EntityIndex, target: Entity, score: float, doc_id: str, structured: float | None,
             matched: list[str], conflicts: list[str], fields: dict[str, Any], dense: float,
             background: tuple[float, float, int]) -> Hit:
        doc = ix.docs.get(doc_id)
        lexical = ix.lexical.coverage(q.text, doc_id)
        return Hit(
            id=doc_id, entity=target.value, title=display_title(fields), domain=fields.get("domain"),
            region=fields.get("region"), score=round(min(max(score, 0.0), 1.0), 4),
            strength=self.strength.classify(self.strength.dense_z(dense, background), lexical),
            components=Components(dense=round(dense, 4), lexical=round(lexical, 4),
                                  structured=None if structured is None else round(structured, 4)),
            shared_terms=shared_terms(q.text, doc.text if doc else ""),
            fit=Fit(matched=matched, conflicts=conflicts),
        )
