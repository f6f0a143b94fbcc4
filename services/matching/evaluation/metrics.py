"""Ranking metrics over a labelled set. Labels are grades (0..3; binary sets use 2 for relevant); "relevant"
means grade >= 2. nDCG uses the grade as gain, so on a binary set it is the usual binary nDCG."""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

RELEVANT = 2


def _relevant(grades: Mapping[str, int]) -> set[str]:
    return {i for i, g in grades.items() if g >= RELEVANT}


def recall_at(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    return len(set(ranked[:k]) & relevant) / len(relevant) if relevant else 0.0


def reciprocal_rank(ranked: Sequence[str], relevant: set[str]) -> float:
    for i, doc_id in enumerate(ranked, start=1):
        if doc_id in relevant:
            return 1.0 / i
    return 0.0


def ndcg_at(ranked: Sequence[str], grades: Mapping[str, int] | set[str], k: int = 10) -> float:
    """Graded nDCG@k (gain = grade); a plain set of ids counts as all grade 1."""
    if not isinstance(grades, Mapping):
        grades = {i: 1 for i in grades}
    dcg = sum(grades.get(d, 0) / math.log2(i + 1) for i, d in enumerate(ranked[:k], start=1))
    best = sorted((g for g in grades.values() if g > 0), reverse=True)[:k]
    ideal = sum(g / math.log2(i + 1) for i, g in enumerate(best, start=1))
    return dcg / ideal if ideal else 0.0


def summarize(runs: list[tuple[list[str], Mapping[str, int] | set[str]]]) -> dict[str, float]:
    """Mean metrics over needs with at least one relevant label (no-match needs are measured elsewhere)."""
    graded = [(r, g if isinstance(g, Mapping) else {i: RELEVANT for i in g}) for r, g in runs]
    graded = [(r, g) for r, g in graded if _relevant(g)]
    n = max(len(graded), 1)
    return {
        "recall@1": sum(recall_at(r, _relevant(g), 1) for r, g in graded) / n,
        "recall@5": sum(recall_at(r, _relevant(g), 5) for r, g in graded) / n,
        "recall@10": sum(recall_at(r, _relevant(g), 10) for r, g in graded) / n,
        "mrr": sum(reciprocal_rank(r, _relevant(g)) for r, g in graded) / n,
        "ndcg@10": sum(ndcg_at(r, g, 10) for r, g in graded) / n,
    }
