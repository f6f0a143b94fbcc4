"""Offline matching evaluation on labelled sets, through the service's own document, index and search code.

    python -m services.matching.evaluation report ../shared/eval/green_smoke.json ../shared/eval/needs_graded.json
    python -m services.matching.evaluation fit ../shared/eval/green_smoke.json ../shared/eval/needs_graded.json

Every set is indexed and its needs encoded once; each need's candidates (both retrievers' top `pool`) and their
features are kept. The reranker/calibrator is then cross-validated over the union of the sets (folds grouped by
need), and every reported figure of the reranked order and its strength bands is out-of-fold. `fit` writes the
model fitted on all labels to `services/matching/rerank_model.json`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from services.matching.encoder import Encoder
from services.matching.evaluation.datasets import LabelledSet, load_labelled_set
from services.matching.evaluation.fitting import POSSIBLE, STRONG, cross_validated, fit_model, untrained
from services.matching.evaluation.metrics import summarize
from services.matching.evaluation.report import SetFigures, figures, format_figures
from services.matching.evaluation.runs import SetRun, background_prior, build_index, collect, encode_needs
from services.matching.rerank import FEATURES, RerankModel
from services.matching.search import Mode

BASELINES: tuple[Mode, ...] = ("dense", "lexical", "rrf")

__all__ = ["EvalReport", "evaluate", "evaluate_sets", "format_report", "load_labelled_set", "prepare"]


@dataclass
class EvalReport:
    encoder: str
    baselines: dict[str, dict[str, dict[str, float]]]  # set -> mode -> metric
    reranked: dict[str, SetFigures]  # set -> cross-validated figures
    runs: list[SetRun] = field(repr=False, default_factory=list)
    prior: tuple[float, float] = (0.0, 1.0)

    @property
    def metrics(self) -> dict[str, dict[str, float]]:
        """First set's metrics by mode, "fused" = reranked (cross-validated)."""
        name = next(iter(self.reranked))
        return {**self.baselines[name], "fused": self.reranked[name].ranking}


def prepare(sets: list[LabelledSet], encoder: Encoder) -> tuple[list[SetRun], tuple[float, float]]:
    """Index each set and encode its needs once; every need's candidates with features (no weights needed)."""
    indexes = [build_index(ls, encoder) for ls in sets]
    vectors = [encode_needs(ix, ls) for ix, ls in zip(indexes, sets)]
    prior = background_prior(list(zip(indexes, vectors)))
    model = untrained(prior)
    return [collect(ls, ix, v, model) for ls, ix, v in zip(sets, indexes, vectors)], prior


def baseline_metrics(run: SetRun) -> dict[str, dict[str, float]]:
    out = {}
    for mode in BASELINES:
        ranked = run.ranked(mode)
        out[mode] = summarize([(ids, r.need.grades) for ids, r in zip(ranked, run.needs)])
    return out


def reranked_figures(runs: list[SetRun], probs: list[list[np.ndarray]], strong: float = STRONG,
                     possible: float = POSSIBLE) -> dict[str, SetFigures]:
    out = {}
    for run, p in zip(runs, probs):
        ranked = run.ranked("fused", p)
        by_id = [dict(zip(r.candidates.ids, pi)) for r, pi in zip(run.needs, p)]
        out[run.set.name] = figures(run, ranked, by_id, strong, possible)
    return out


def evaluate_sets(sets: list[LabelledSet], encoder: Encoder, features: tuple[str, ...] = FEATURES) -> EvalReport:
    runs, prior = prepare(sets, encoder)
    probs = cross_validated(runs, features)
    return EvalReport(encoder.name, {r.set.name: baseline_metrics(r) for r in runs}, reranked_figures(runs, probs),
                      runs, prior)


def fitted(report: EvalReport) -> RerankModel:
    return fit_model(report.runs, report.prior, meta={
        "encoder": report.encoder, "sets": [r.set.name for r in report.runs],
        "needs": sum(len(r.needs) for r in report.runs),
        "rows": int(sum(len(n.labels) for r in report.runs for n in r.needs)),
    })


def evaluate(data: dict[str, Any] | LabelledSet | Path, encoder: Encoder) -> EvalReport:
    """One set (a path, a loaded set, or the smoke JSON as a dict)."""
    if isinstance(data, dict):
        ls = LabelledSet("set", [{"id": k, "description": v} for k, v in data["supplies"].items()],
                         [], graded=False)
        from services.matching.evaluation.datasets import RELEVANT, Need

        ls.needs = [Need(n["id"], n["text"], n.get("set", "all"), {r: RELEVANT for r in n["relevant"]})
                    for n in data["needs"]]
    else:
        ls = data if isinstance(data, LabelledSet) else load_labelled_set(Path(data))
    return evaluate_sets([ls], encoder)


def format_report(report: EvalReport) -> str:
    cols = ["recall@1", "recall@5", "recall@10", "mrr", "ndcg@10"]
    lines = [f"encoder {report.encoder}; reranked figures are {len(report.runs) and 5}-fold cross-validated, "
             "folds grouped by need"]
    for run in report.runs:
        name = run.set.name
        lines += ["", f"== {name}: {len(run.set.records)} technologies, {len(run.needs)} needs",
                  f"  {'order':<12}" + "".join(f"{c:>11}" for c in cols)]
        for mode, m in report.baselines[name].items():
            lines.append(f"  {mode:<12}" + "".join(f"{m[c]:>11.3f}" for c in cols))
        m = report.reranked[name].ranking
        lines.append(f"  {'reranked':<12}" + "".join(f"{m[c]:>11.3f}" for c in cols))
        lines.append(format_figures(report.reranked[name]))
    return "\n".join(lines)
