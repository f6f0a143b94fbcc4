"""Fit the reranker/calibrator (standardised features -> logistic regression, scikit-learn) on the candidates of
both labelled sets, with K-fold cross-validation grouped by need: no need has rows in both a training and a test
fold, so the reported figures are on needs the model never saw. The shipped model is fitted on all rows."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from services.matching.evaluation.runs import SetRun
from services.matching.rerank import FEATURES, RerankModel

FOLDS = 5
C = 3.0  # chosen among 0.3, 1, 3 by CV (equal or better on both sets) and by the off-topic check in tests/matching/test_evaluation.py (docs/matching.md)
# Bands of the probability, fixed policy (not fitted): "strong" = at least 4 in 5 such hits are useful,
# "possible" = at least 1 in 3.
STRONG = 0.8
POSSIBLE = 0.35


def stacked(runs: Sequence[SetRun], features: Sequence[str] = FEATURES) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(X, y, group) over every candidate row of every need of every set."""
    cols = [FEATURES.index(f) for f in features]
    xs, ys, groups = [], [], []
    for run in runs:
        for need in run.needs:
            xs.append(need.candidates.features[:, cols])
            ys.append(need.labels)
            groups.extend([f"{run.set.name}/{need.need.id}"] * len(need.labels))
    return np.vstack(xs), np.concatenate(ys), np.asarray(groups)


def new_pipeline(c: float = C) -> Pipeline:
    return make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=1000))


def cross_validated(runs: Sequence[SetRun], features: Sequence[str] = FEATURES, folds: int = FOLDS,
                    c: float = C, seed: int = 0, extra: np.ndarray | None = None,
                    weights: np.ndarray | None = None) -> list[list[np.ndarray]]:
    """Out-of-fold probabilities, per set, per need, per candidate row (folds grouped by need). `extra`: more
    columns for the same rows (a signal being measured, bench/rerank_signals.py); `weights`: a training weight per
    row (a cost being measured); `seed` shuffles the folds."""
    x, y, groups = stacked(runs, features)
    if extra is not None:
        x = np.hstack([x, extra])
    p = np.zeros(len(y))
    for train, test in GroupKFold(n_splits=folds, shuffle=True, random_state=seed).split(x, y, groups):
        fit_params = {} if weights is None else {"logisticregression__sample_weight": weights[train]}
        p[test] = new_pipeline(c).fit(x[train], y[train], **fit_params).predict_proba(x[test])[:, 1]
    return per_need(runs, p)


def per_need(runs: Sequence[SetRun], p: np.ndarray) -> list[list[np.ndarray]]:
    """Split probabilities over the stacked rows (`stacked` order) back into per set, per need."""
    out: list[list[np.ndarray]] = []
    start = 0
    for run in runs:
        needs = []
        for need in run.needs:
            needs.append(p[start:start + len(need.labels)])
            start += len(need.labels)
        out.append(needs)
    return out


def fit_model(runs: Sequence[SetRun], prior: tuple[float, float], meta: dict | None = None, c: float = C) -> RerankModel:
    """The shipped model: fitted on every labelled row."""
    x, y, _ = stacked(runs)
    pipe = new_pipeline(c).fit(x, y)
    scaler, lr = pipe[0], pipe[-1]
    return RerankModel(FEATURES, scaler.mean_.copy(), scaler.scale_.copy(), lr.coef_[0].copy(), float(lr.intercept_[0]),
                       STRONG, POSSIBLE, prior[0], prior[1], meta=meta or {})


def untrained(prior: tuple[float, float]) -> RerankModel:
    """A model with no weights, only the prior: candidates' features do not depend on the weights."""
    n = len(FEATURES)
    return RerankModel(FEATURES, np.zeros(n), np.ones(n), np.zeros(n), 0.0, STRONG, POSSIBLE, prior[0], prior[1])
