"""Run a labelled set through the service's own code once: index its records, encode its needs in one batch,
and keep every need's candidates with their features and labels (fitting and cross-validation then only
re-weight these rows, no re-encoding)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from services.matching.encoder import Encoder
from services.matching.evaluation.datasets import RELEVANT, LabelledSet, Need
from services.matching.indexer import MatchIndex
from services.matching.rerank import Candidates, RerankModel
from services.matching.search import FusionConfig, HybridSearcher, Mode, Query


@dataclass
class NeedRun:
    need: Need
    candidates: Candidates
    grades: np.ndarray  # grade per candidate row

    @property
    def labels(self) -> np.ndarray:
        return (self.grades >= RELEVANT).astype(int)


@dataclass
class SetRun:
    set: LabelledSet
    searcher: HybridSearcher
    needs: list[NeedRun]

    def ranked(self, mode: Mode, p: list[np.ndarray] | None = None, k: int = 10) -> list[list[str]]:
        """Top-k ids per need in the service's order for `mode`; `p` (probabilities per need, e.g. cross-validated)
        replaces the shipped model's for "fused"."""
        out = []
        for i, run in enumerate(self.needs):
            rows, probs = self.searcher.order(run.candidates, mode)
            if mode == "fused" and p is not None:
                rows = sorted(range(len(run.candidates.ids)), key=lambda r: (-p[i][r], run.candidates.ids[r]))
            out.append([run.candidates.ids[r] for r in rows[:k]])
        return out


def build_index(ls: LabelledSet, encoder: Encoder) -> MatchIndex:
    """The set's technologies indexed on the configured vector backend (MATCHING_VECTOR_BACKEND: faiss, or milvus
    in a fresh collection per set under MATCHING_MILVUS_URI / the data dir's milvus-lite file)."""
    from services.matching.settings import MatchingSettings

    settings = MatchingSettings()
    milvus = None
    if settings.vector_backend == "milvus":
        settings.ensure_data_dir()
        slug = "".join(c if c.isalnum() else "_" for c in ls.name.lower())
        milvus = {**settings.milvus_options(), "milvus_collection": f"{settings.milvus_collection}_eval_{slug}"}
    index = MatchIndex(encoder, vector_backend=settings.vector_backend, milvus=milvus)
    if milvus:
        for entity_index in index.entities.values():  # leftovers of an earlier run of another set version
            entity_index.dense.drop()
        index = MatchIndex(encoder, vector_backend=settings.vector_backend, milvus=milvus)
    index.index_records("technology", ls.records)
    return index


def encode_needs(index: MatchIndex, ls: LabelledSet) -> np.ndarray:
    return index.encoder.encode([n.text for n in ls.needs])


def background_prior(pairs: list[tuple[MatchIndex, np.ndarray]]) -> tuple[float, float]:
    """Mean cosine of needs to a background sample of their index, and its std, averaged over all needs (no
    labels used): the prior that steadies dense_z on small indexes."""
    stats = [index["technology"].dense.background(v)[:2] for index, vectors in pairs for v in vectors]
    return float(np.mean([m for m, _ in stats])), float(np.mean([s for _, s in stats]))


def collect(ls: LabelledSet, index: MatchIndex, vectors: np.ndarray, model: RerankModel, k: int = 10,
            fusion: FusionConfig | None = None) -> SetRun:
    searcher = HybridSearcher(index, fusion or FusionConfig(), model=model)
    needs = []
    with index.lock:
        for need, v in zip(ls.needs, vectors):
            cands = searcher.candidates(Query(need.text, target="technology", k=k), v)
            needs.append(NeedRun(need, cands, np.array([need.grades.get(i, 0) for i in cands.ids])))
    return SetRun(ls, searcher, needs)
