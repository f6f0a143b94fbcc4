"""How far can the strength be trusted when the corpus is sparse? Real platforms hold far fewer supplies per field
than the demo corpus the labelled needs were graded against (105 real supplies across every field, against 167 demo
records written to cover the needs), so a need's best candidate is often a neighbour of what it asks for, not a fit.

This script indexes random subsets of each labelled set's corpus (25-60 % of the records kept, `--subsets` draws per
set), collects every labelled need's candidates against each subset through the service's own index and search
code, and keeps the need's grades for the records that stayed. A need whose relevant records were all dropped is a
no-match need on that subset. The shipped features and model pipeline are cross-validated (5 folds grouped by
need: a need's subset rows are always in its own fold) and report, per variant:
- on the labelled sets as they are: nDCG@10, no-match needs with a strong top hit, needs with a top-grade record
  whose top hit is strong, strong precision (the issue #9 figures, `evaluation.report.figures`);
- on the subsets (held-out needs only): no-match needs with a strong top hit, needs with a relevant record left
  whose top hit is strong, strong precision of the top 10 shown.
Variants: the shipped training (labelled sets only), and training that adds the subsets' rows with a total weight
of `alpha` times the labelled rows (augmentation).

With `--real`, each variant is also fitted on all rows and applied to the real records (no labels): the workspace's
CCF/Henan needs, jcpage and WIPO GREEN supplies, imported with the registry CLI and read back published from a
real registry on loopback, their candidates collected in-process as above. It prints how many real needs get a
strong top hit and which, to read by eye.

Run: .venv/bin/python bench/sparse_corpus.py [--subsets 20] [--seeds 3] [--real]   (about 3 minutes on 2 cores,
6 with --real)
"""
from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.model_selection import GroupKFold

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from services.matching.encoder import load_encoder
from services.matching.evaluation import prepare
from services.matching.evaluation.datasets import RELEVANT, LabelledSet, Need, load_labelled_set
from services.matching.evaluation.fitting import STRONG, new_pipeline, per_need, stacked, untrained
from services.matching.evaluation.report import SHOWN, figures
from services.matching.evaluation.runs import NeedRun, SetRun, build_index, collect, encode_needs
from services.matching.settings import MatchingSettings

SETS = (REPO.parent / "shared" / "eval" / "green_smoke.json", REPO.parent / "shared" / "eval" / "needs_graded.json")


class CachingEncoder:
    """The configured encoder, each distinct text encoded once (the subsets re-index the same records)."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.cache: dict[str, np.ndarray] = {}

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    def encode(self, texts: list[str], *, batch_size: int = 64) -> np.ndarray:
        texts = list(texts)
        new = [t for t in dict.fromkeys(texts) if t not in self.cache]
        if new:
            self.cache.update(zip(new, self.inner.encode(new, batch_size=batch_size)))
        return np.stack([self.cache[t] for t in texts]) if texts else np.zeros((0, self.inner.dim), np.float32)


@dataclass
class SubsetRows:
    group: str  # "set/need", the same group as the need's rows on the full set
    run: NeedRun


def subsets(sets: list[LabelledSet], encoder, prior: tuple[float, float], draws: int, seed: int = 0) -> list[SubsetRows]:
    rng = np.random.default_rng(seed)
    model = untrained(prior)  # candidate features do not depend on the weights
    out: list[SubsetRows] = []
    for _ in range(draws):
        for ls in sets:
            keep = rng.random(len(ls.records)) < rng.uniform(0.25, 0.6)
            records = [r for r, k in zip(ls.records, keep) if k]
            kept = {r["id"] for r in records}
            needs = [Need(n.id, n.text, n.kind, {i: g for i, g in n.grades.items() if i in kept}) for n in ls.needs]
            sub = LabelledSet(ls.name, records, needs, ls.graded)
            index = build_index(sub, encoder)
            run = collect(sub, index, encode_needs(index, sub), model)
            out += [SubsetRows(f"{ls.name}/{r.need.id}", r) for r in run.needs if len(r.candidates.ids)]
    return out


def cross_validated(runs: list[SetRun], extra: list[SubsetRows], alpha: float, seed: int):
    """Out-of-fold probabilities for the labelled rows and for the subsets' rows (`alpha` = 0: not trained on)."""
    x, y, groups = stacked(runs)
    xa = np.vstack([s.run.candidates.features for s in extra])
    ya = np.concatenate([s.run.labels for s in extra])
    ga = np.concatenate([[s.group] * len(s.run.labels) for s in extra])
    p, pa = np.zeros(len(y)), np.zeros(len(ya))
    for train, test in GroupKFold(n_splits=5, shuffle=True, random_state=seed).split(x, y, groups):
        in_train = np.isin(ga, groups[train])
        xs, ys = x[train], y[train]
        weights = np.ones(len(train))
        if alpha:
            xs, ys = np.vstack([xs, xa[in_train]]), np.concatenate([ys, ya[in_train]])
            weights = np.concatenate([weights, np.full(in_train.sum(), alpha * len(train) / in_train.sum())])
        model = new_pipeline().fit(xs, ys, logisticregression__sample_weight=weights)
        p[test] = model.predict_proba(x[test])[:, 1]
        pa[~in_train] = model.predict_proba(xa[~in_train])[:, 1]
    per_subset, start = [], 0
    for s in extra:
        per_subset.append(pa[start:start + len(s.run.labels)])
        start += len(s.run.labels)
    return per_need(runs, p), per_subset


def subset_figures(extra: list[SubsetRows], probs: list[np.ndarray]) -> tuple[float, int, float, float]:
    """(no-match needs with a strong top hit, how many such needs, needs with a relevant record left whose top hit is
    strong, strong precision of the top 10 shown)."""
    nomatch, matched, strong_hits = [], [], []
    for s, p in zip(extra, probs):
        order = np.argsort(-p, kind="stable")
        top_strong = bool(p[order[0]] >= STRONG)
        (matched if s.run.labels.any() else nomatch).append(top_strong)
        strong_hits += [int(s.run.grades[r] >= RELEVANT) for r in order[:SHOWN] if p[r] >= STRONG]
    return float(np.mean(nomatch)), len(nomatch), float(np.mean(matched)), float(np.mean(strong_hits))


def real_records() -> tuple[list[dict], list[dict]]:
    """(published technologies, published demands) of the workspace's real files, through the registry CLI and API."""
    import tempfile

    from bench.real_needs_topline import import_real_records, published
    from tests.support.servers import running

    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        env = import_real_records(tmp)
        with running("registry", "services.registry.app:create_app", env, tmp) as registry, registry.client() as client:
            return published(client, "technologies"), published(client, "demands")


def real_top_hits(runs: list[SetRun], extra: list[SubsetRows], alphas: list[float], encoder, prior) -> None:
    from services.matching.documents import build_document, display_title
    from shared.schemas import Entity

    technologies, demands = real_records()
    needs = [Need(d["id"], build_document(Entity.demand, d).text, "real", {}) for d in demands]
    real = LabelledSet("real", technologies, needs, graded=False)
    index = build_index(real, encoder)
    run = collect(real, index, encode_needs(index, real), untrained(prior))
    titles = {t["id"]: display_title(t) for t in technologies}
    x, y, _ = stacked(runs)
    xa = np.vstack([s.run.candidates.features for s in extra])
    ya = np.concatenate([s.run.labels for s in extra])
    print(f"\nreal needs: {len(needs)} published CCF/Henan needs against {len(technologies)} published real supplies")
    for alpha in alphas:
        weights = np.concatenate([np.ones(len(y)), np.full(len(ya), alpha * len(y) / len(ya))])
        model = new_pipeline().fit(np.vstack([x, xa]), np.concatenate([y, ya]), logisticregression__sample_weight=weights)
        strong = []
        for need, demand in zip(run.needs, demands):
            if not len(need.candidates.ids):
                continue
            p = model.predict_proba(need.candidates.features)[:, 1]
            best = int(np.argmax(p))
            if p[best] >= STRONG:
                strong.append(f"{p[best]:.2f} {demand['title'][:18]} -> {titles[need.candidates.ids[best]][:14]}")
        print(f"weight {alpha:g}: {len(strong)} strong top hits: " + "; ".join(strong))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subsets", type=int, default=20, help="random subsets drawn per labelled set")
    parser.add_argument("--seeds", type=int, default=3, help="fold seeds to average over")
    parser.add_argument("--alphas", default="0,0.25,0.5,1", help="weights of the subsets' rows in training")
    parser.add_argument("--real", action="store_true", help="also apply each variant to the real records")
    args = parser.parse_args()
    settings = MatchingSettings()
    encoder = CachingEncoder(load_encoder(settings.model, settings.encoder_backend))
    sets = [load_labelled_set(p) for p in SETS]
    runs, prior = prepare(sets, encoder)
    extra = subsets(sets, encoder, prior, args.subsets)
    smoke, graded = (r.set.name for r in runs)
    print(f"encoder {encoder.name}; {args.subsets} subsets per set ({len(extra)} need lists); mean of {args.seeds} fold seeds")
    print("| training | smoke nDCG | graded nDCG | no-match strong (graded, of 29) | top strong smoke / graded | "
          "strong prec. smoke / graded | subsets: no-match strong | subsets: top strong | subsets: strong prec. |")
    print("|---|---|---|---|---|---|---|---|---|")
    alphas = [float(a) for a in args.alphas.split(",")]
    for alpha in alphas:
        cells, sub = [], []
        for seed in range(args.seeds):
            per_set, per_subset = cross_validated(runs, extra, alpha, seed)
            cells.append({run.set.name: figures(run, run.ranked("fused", p), [dict(zip(n.candidates.ids, pi)) for n, pi in
                                                                             zip(run.needs, p)], STRONG, 0.35)
                          for run, p in zip(runs, per_set)})
            sub.append(subset_figures(extra, per_subset))

        def mean(name: str, get, cells=cells) -> float:
            return float(np.mean([get(c[name]) for c in cells]))

        s = np.mean(sub, axis=0)
        name = "labelled sets only (shipped)" if not alpha else f"+ subsets, weight {alpha:g}"
        print(f"| {name} | {mean(smoke, lambda f: f.ranking['ndcg@10']):.3f} | {mean(graded, lambda f: f.ranking['ndcg@10']):.3f} | "
              f"{mean(graded, lambda f: f.nomatch_top_strong * f.nomatch_needs):.2f} | "
              f"{mean(smoke, lambda f: f.best_top_strong):.2f} / {mean(graded, lambda f: f.best_top_strong):.2f} | "
              f"{mean(smoke, lambda f: f.strong_precision):.3f} / {mean(graded, lambda f: f.strong_precision):.3f} | "
              f"{s[0]:.1%} (of {sub[0][1]}) | {s[2]:.1%} | {s[3]:.3f} |", flush=True)
    if args.real:
        real_top_hits(runs, extra, alphas, encoder, prior)


if __name__ == "__main__":
    main()
