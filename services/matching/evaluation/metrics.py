"""Ranking metrics over a labelled set: recall@k, MRR, nDCG@10 (binary relevance)."""
from __future__ import annotations

import math
from collections.abc import Sequence


def recall_at(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    return len(set(ranked[:k]) & relevant) / len(relevant) if relevant else 0.0


def reciprocal_rank(ranked: Sequence[str], relevant: set[str]) -> float:
    for i, doc_id in enumerate(ranked, start=1):
        if doc_id in relevant:
            return 1.0 / i
    return 0.0


def ndcg_at(ranked: Sequence[str], relevant: set[str], k: int = 10) -> float:
    dcg = sum(1.0 / math.log2(i + 1) for i, d in enumerate(ranked[:k], start=1) if d in relevant)
    ideal = sum(1.0 / math.log2(i + 1) for i in range(1, min(len(relevant), k) + 1))
    return dcg / ideal if ideal else 0.0


def summarize(runs: list[tuple[list[str], set[str]]]) -> dict[str, float]:
    n = max(len(runs), 1)
    return {
        "recall@1": sum(recall_at(r, rel, 1) for r, rel in runs) / n,
        "recall@5": sum(recall_at(r, rel, 5) for r, rel in runs) / n,
        "recall@10": sum(recall_at(r, rel, 10) for r, rel in runs) / n,
        "mrr": sum(reciprocal_rank(r, rel) for r, rel in runs) / n,
        "ndcg@10": sum(ndcg_at(r, rel, 10) for r, rel in runs) / n,
    }
