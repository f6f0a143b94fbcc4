"""Explained hybrid search: dense (embeddings) and lexical (char-n-gram BM25) candidates, reranked by a fitted
model into the probability that a broker finds the hit useful; each hit with that probability as its score,
a strength band of it, its component scores, shared key terms and fitting/conflicting structured fields.

In-process use (no HTTP), e.g. from the evaluation or a benchmark:

    from services.matching.encoder import load_encoder
    from services.matching.indexer import MatchIndex
    from services.matching.search import HybridSearcher, Query
    index = MatchIndex(load_encoder())
    index.index_records("technology", [{"id": "S01", "title": "烧结烟气脱硫脱硝一体化技术"}])
    hits = HybridSearcher(index).search(Query("钢厂烧结烟气脱硝", target="technology", k=5))
    hits[0].id, hits[0].score, hits[0].strength, hits[0].components

One path for every query: a record's own text (record routes) and free text go through the same encoding,
candidates, features and model, so a record and its text sent as a query give the same hits. Structured fit is
explained but does not reorder (it would make the two routes differ and is not part of the fitted estimate).
`mode="dense"` or `mode="lexical"` orders by one retriever only (used to measure what the reranker adds);
`mode="rrf"` orders by reciprocal rank fusion of the two (the previous default, kept for the ablation).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from services.matching.crosslingual import lexical_text
from services.matching.documents import build_document, display_title
from services.matching.fit import Wants, assess
from services.matching.indexer import EntityIndex, MatchIndex
from services.matching.rerank import (
    FEATURES, Candidates, RerankModel, latin_share, model_for, rank_feature, weighted_share,
)
from services.matching.terms import shared_terms, specific_terms, term_coverage
from services.matching.index.lexical import bigrams_only, char_ngrams
from shared.matching_schemas import Components, Fit, Hit, SearchFilters
from shared.schemas import Entity

Mode = Literal["fused", "rrf", "dense", "lexical"]


def standardized(values: np.ndarray) -> np.ndarray:
    """Values over the candidates in standard deviations from their mean (0 for one candidate or no spread)."""
    values = np.asarray(values, dtype=np.float64)
    if len(values) == 0:
        return values
    return (values - values.mean()) / max(float(values.std()), 1e-3)


@dataclass(frozen=True)
class FusionConfig:
    """Candidate generation: the top `pool` of each retriever are reranked. Reciprocal rank fusion
    (score(d) = sum_i w_i / (rrf_k + rank_i(d))) is only the order of `mode="rrf"`."""

    rrf_k: int = 60
    pool: int = 30  # candidates taken from each retriever (recall@30 of either is ~1 on both labelled sets)
    latin_pool: int = 60  # dense candidates for a mostly-Latin query (its BM25 candidates are noise)
    latin_threshold: float = 0.5  # share of Latin letters from which a query counts as mostly Latin
    gloss_latin: bool = True  # the lexical side of a mostly-Latin query also reads its Chinese glosses
    dense_weight: float = 1.0
    lexical_weight: float = 1.0


@dataclass
class Query:
    text: str
    target: Entity | str = Entity.technology
    k: int = 10
    filters: SearchFilters | None = None
    context: tuple[Entity, dict[str, Any]] | None = None  # the asking record, for structured fit
    exclude: frozenset[str] = field(default_factory=frozenset)
    vector: np.ndarray | None = None  # reuse a stored embedding instead of encoding `text`


class HybridSearcher:
    def __init__(self, index: MatchIndex, fusion: FusionConfig = FusionConfig(), model: RerankModel | None = None) -> None:
        self.index = index
        self.fusion = fusion
        self.model = model or model_for(index.encoder.name)

    def search(self, query: Query, mode: Mode = "fused") -> list[Hit]:
        return self.search_many([query], mode)[0]

    def search_many(self, queries: list[Query], mode: Mode = "fused") -> list[list[Hit]]:
        """Encode all query texts in one batch, then rank each."""
        vectors = self.query_vectors(queries)
        with self.index.lock:
            return [self._rank(q, v, mode) for q, v in zip(queries, vectors)]

    def query_vectors(self, queries: list[Query]) -> list[np.ndarray]:
        todo = [i for i, q in enumerate(queries) if q.vector is None]
        vectors: dict[int, np.ndarray] = {}
        if todo:
            vectors = dict(zip(todo, self.index.encoder.encode([queries[i].text for i in todo])))
        return [q.vector if q.vector is not None else vectors[i] for i, q in enumerate(queries)]

    def record_query(self, entity: Entity | str, record_id: str) -> tuple[str, dict[str, Any], np.ndarray | None] | None:
        """(query text, record fields, stored vector) for a known record, or None if never seen / deleted. The
        stored vector is the encoding of exactly this text (same chunked encoder), so reusing it changes nothing."""
        entity = Entity(entity)
        with self.index.lock:
            stored = self.index.store.get(entity, record_id)
            if stored is None or not stored.fields:
                return None
            return build_document(entity, stored.fields).text, stored.fields, self.index[entity].dense.vector(record_id)

    # ------------------------------------------------------------------ candidates and features
    def lexical_text(self, ix: EntityIndex, text: str, latin: float) -> str:
        """The query as the lexical side reads it: a mostly-Latin query with its Chinese glosses (`crosslingual`)."""
        if not self.fusion.gloss_latin:
            return text
        return lexical_text(text, ix.lexical, latin, self.fusion.latin_threshold)

    def candidates(self, q: Query, qvec: np.ndarray) -> Candidates:
        """The union of both retrievers' top `pool` (after filters) with the reranker's features."""
        ix = self.index[Entity(q.target)]
        allowed = ix.allowed(q.filters, q.exclude)  # bool mask over labels, None = everything
        pool = max(self.fusion.pool, q.k)
        latin = latin_share(q.text)
        dense_pool = max(self.fusion.latin_pool, pool) if latin >= self.fusion.latin_threshold else pool
        dense_ranked = ix.dense_search(qvec, dense_pool, allowed, q.filters, q.exclude)
        text = self.lexical_text(ix, q.text, latin)
        lexical_ranked = ix.lexical.top(text, pool, allowed)
        ids = list(dict.fromkeys([i for i, _ in dense_ranked] + [i for i, _ in lexical_ranked]))
        if not ids:
            return Candidates([], np.zeros((0, len(FEATURES))))
        dense_rank = {i: r for r, (i, _) in enumerate(dense_ranked, start=1)}
        lexical_rank = {i: r for r, (i, _) in enumerate(lexical_ranked, start=1)}
        bm25 = dict(lexical_ranked)
        best_bm25 = max(bm25.values(), default=0.0) or 1.0
        ideal_bm25 = ix.lexical.ideal_score(text) or 1.0
        sims = ix.dense.similarity(qvec, ids)
        cosines = np.array([sims.get(i, 0.0) for i in ids])
        z = self.model.dense_z(cosines, ix.dense.background(qvec))
        query_bigrams = bigrams_only(char_ngrams(text))
        terms = specific_terms(ix.lexical, text)
        records = [self.index.store.get(ix.entity, doc_id) for doc_id in ids]
        title_z = standardized(ix.titles.vectors(ids) @ np.asarray(qvec, dtype=np.float32))
        rows = []
        coverage = ix.lexical.coverage_many(text, ids)
        for doc_id, zi, record, tz in zip(ids, z, records, title_z):
            doc = ix.docs.get(doc_id)
            doc_text = doc.match_text if doc else ""
            title = bigrams_only(char_ngrams(str(record.fields.get("title") or ""))) if record else set()
            terms_share = term_coverage(terms, doc_text)
            d_rank, l_rank = rank_feature(dense_rank.get(doc_id)), rank_feature(lexical_rank.get(doc_id))
            values = {
                "dense_z": zi, "dense_gap": zi - z.max(), "title_z": tz, "dense_rank": d_rank, "lexical_rank": l_rank,
                "bm25_rel": bm25.get(doc_id, 0.0) / best_bm25, "bm25_abs": bm25.get(doc_id, 0.0) / ideal_bm25,
                "coverage": coverage[doc_id], "term_coverage": terms_share,
                "title_coverage": weighted_share(title, query_bigrams, ix.lexical), "latin": latin,
                "z_x_terms": zi * terms_share, "z_x_coverage": zi * coverage[doc_id],
                "dense_rank_x_terms": d_rank * terms_share, "lexical_rank_x_terms": l_rank * terms_share,
            }
            rows.append([values[name] for name in FEATURES])
        return Candidates(ids, np.asarray(rows, dtype=np.float64), dict(zip(ids, cosines.tolist())), coverage,
                          dense_rank, lexical_rank)

    # ------------------------------------------------------------------ ranking
    def order(self, cands: Candidates, mode: Mode) -> tuple[list[int], np.ndarray]:
        """(row order, probability per row): by probability for "fused", else by the named retriever."""
        p = self.model.probability(cands.features) if len(cands.ids) else np.zeros(0)
        if mode == "fused":
            key = -p
        elif mode == "dense":
            key = -np.array([cands.dense[i] for i in cands.ids])
        elif mode == "lexical":
            key = -cands.column("bm25_rel")
        else:
            f = self.fusion
            key = -np.array([f.dense_weight / (f.rrf_k + cands.dense_rank.get(i, np.inf))
                             + f.lexical_weight / (f.rrf_k + cands.lexical_rank.get(i, np.inf)) for i in cands.ids])
        if mode == "lexical":  # records without any shared term are not lexical results
            rows = [r for r in range(len(cands.ids)) if cands.column("bm25_rel")[r] > 0]
        else:
            rows = list(range(len(cands.ids)))
        rows.sort(key=lambda r: (key[r], cands.ids[r]))
        return rows, p

    def _rank(self, q: Query, qvec: np.ndarray, mode: Mode) -> list[Hit]:
        target = Entity(q.target)
        ix = self.index[target]
        cands = self.candidates(q, qvec)
        rows, p = self.order(cands, mode)
        wants = Wants.from_filters(q.filters)
        if q.context is not None:
            wants.merge_record(*q.context)
        terms = specific_terms(ix.lexical, self.lexical_text(ix, q.text, latin_share(q.text)))
        return [self._hit(ix, target, cands, r, float(p[r]), wants, terms) for r in rows[: q.k]]

    def _hit(self, ix: EntityIndex, target: Entity, cands: Candidates, row: int, p: float, wants: Wants,
             terms: list[tuple[str, float]]) -> Hit:
        doc_id = cands.ids[row]
        record = self.index.store.get(target, doc_id)
        fields = record.fields if record else {}
        structured, matched, conflicts = assess(fields, target, wants)
        doc = ix.docs.get(doc_id)
        return Hit(
            id=doc_id, entity=target.value, title=display_title(fields), domain=fields.get("domain"),
            region=fields.get("region"), score=round(p, 4), strength=self.model.band(p),
            components=Components(
                dense=round(cands.dense[doc_id], 4), lexical=round(cands.coverage[doc_id], 4),
                structured=None if structured is None else round(structured, 4),
                dense_z=round(float(cands.column("dense_z")[row]), 3),
                terms=round(float(cands.column("term_coverage")[row]), 4),
            ),
            shared_terms=shared_terms(ix.lexical, terms, doc.match_text if doc else ""),
            fit=Fit(matched=matched, conflicts=conflicts),
        )
