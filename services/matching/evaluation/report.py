"""Per-set figures of one ordering (and, for the reranked order, its probabilities): ranking quality on the
needs that have a relevant technology, and the trust figures of the strength bands over the hits shown (top 10)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from services.matching.evaluation.datasets import RELEVANT
from services.matching.evaluation.metrics import summarize
from services.matching.evaluation.runs import SetRun

SHOWN = 10
BINS = 10


@dataclass
class SetFigures:
    name: str
    ranking: dict[str, float]  # recall@k, mrr, ndcg@10 over needs with a relevant label
    english_recall10: float | None
    strong_precision: float
    strong_hits: int
    possible_precision: float
    possible_hits: int
    nomatch_top_strong: float  # share of needs with no label whose top hit is strong
    nomatch_needs: int
    best_top_strong: float  # share of needs with a top-grade label whose top hit is strong
    best_needs: int
    ece: float
    shown: list[tuple[float, int]]  # (probability, relevant) of every hit shown, for the reliability plot


def expected_calibration_error(pairs: list[tuple[float, int]], bins: int = BINS) -> float:
    """Mean |observed share relevant - mean probability| over equal-width probability bins, weighted by count."""
    if not pairs:
        return 0.0
    p = np.array([a for a, _ in pairs])
    y = np.array([b for _, b in pairs])
    which = np.minimum((p * bins).astype(int), bins - 1)
    return float(sum(abs(y[which == b].mean() - p[which == b].mean()) * (which == b).sum()
                     for b in range(bins) if (which == b).any()) / len(p))


def figures(run: SetRun, ranked: list[list[str]], probs: list[dict[str, float]], strong: float,
            possible: float) -> SetFigures:
    needs = [r.need for r in run.needs]
    ranking = summarize([(ids, n.grades) for ids, n in zip(ranked, needs)])
    english = [(ids, n.grades) for ids, n in zip(ranked, needs) if n.kind == "english" and n.relevant]
    shown = [(probs[i][d], int(n.grades.get(d, 0) >= RELEVANT)) for i, (ids, n) in enumerate(zip(ranked, needs))
             for d in ids[:SHOWN]]
    strong_hits = [y for p, y in shown if p >= strong]
    possible_hits = [y for p, y in shown if possible <= p < strong]
    top_strong = [bool(ids) and probs[i][ids[0]] >= strong for i, ids in enumerate(ranked)]
    nomatch = [t for t, n in zip(top_strong, needs) if not n.grades]
    top = run.set.top_grade
    best = [t for t, n in zip(top_strong, needs) if top in n.grades.values()]
    return SetFigures(
        run.set.name, ranking, summarize(english)["recall@10"] if english else None,
        float(np.mean(strong_hits)) if strong_hits else 0.0, len(strong_hits),
        float(np.mean(possible_hits)) if possible_hits else 0.0, len(possible_hits),
        float(np.mean(nomatch)) if nomatch else 0.0, len(nomatch),
        float(np.mean(best)) if best else 0.0, len(best),
        expected_calibration_error(shown), shown,
    )


def format_figures(f: SetFigures, label: str = "reranked") -> str:
    r = f.ranking
    lines = [
        f"  {label}: nDCG@10 {r['ndcg@10']:.3f}   MRR {r['mrr']:.3f}   recall@10 {r['recall@10']:.3f}   "
        f"recall@1 {r['recall@1']:.3f}",
        f"    strong precision {f.strong_precision:.3f} ({f.strong_hits} hits)   possible precision "
        f"{f.possible_precision:.3f} ({f.possible_hits} hits)   ECE {f.ece:.3f}",
        f"    no-match needs with a strong top hit {f.nomatch_top_strong:.1%} (of {f.nomatch_needs})   "
        f"needs with a top-grade technology whose top hit is strong {f.best_top_strong:.1%} (of {f.best_needs})",
    ]
    if f.english_recall10 is not None:
        lines.append(f"    English needs recall@10 {f.english_recall10:.3f}")
    return "\n".join(lines)


def reliability_plot(sets: list[SetFigures], path: Path, bins: int = BINS) -> Path:
    """Observed share of relevant hits against the predicted probability, per set (the diagonal is perfect)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 5))
    ax.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1)
    for f in sets:
        p = np.array([a for a, _ in f.shown])
        y = np.array([b for _, b in f.shown])
        which = np.minimum((p * bins).astype(int), bins - 1)
        xs = [p[which == b].mean() for b in range(bins) if (which == b).any()]
        ys = [y[which == b].mean() for b in range(bins) if (which == b).any()]
        ax.plot(xs, ys, marker="o", label=f"{f.name} (ECE {f.ece:.3f}, {len(p)} hits)")
    ax.set_xlabel("predicted probability of grade >= 2 (cross-validated)")
    ax.set_ylabel("observed share of grade >= 2")
    ax.set_title("Reliability of the hit score, top 10 hits")
    ax.legend(loc="upper left", fontsize=8)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
