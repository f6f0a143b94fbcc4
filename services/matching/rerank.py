"""Second stage: every candidate of the two retrievers gets generic features, and a logistic model turns them into
the probability that a broker would judge the hit at least "partly useful" (grade >= 2).

The probability is the hit's `score`, the order of the results and, through fixed bands, its strength, so the
three can never disagree. The model (feature standardisation, coefficients, bands) is fitted by
`python -m services.matching.evaluation fit` with scikit-learn on the graded labels (grouped cross-validation by
need for the reported figures, all labels for the shipped file) and stored in `rerank_model.json`; here it is
only applied. Features describe the pair, never a particular need or record:

- dense_z: cosine to the query minus the query's mean cosine to a background sample of the index, over that
  sample's std (raw cosines are compressed into a narrow band for any pair of texts);
- dense_gap: dense_z minus the best candidate's dense_z (how far behind the best semantic match);
- title_z: cosine of the query to the record's title alone (encoded when the record is indexed, `index/titles.py`), in
  standard deviations over the query's candidates: a short title states what a record is about more sharply
  than the mean over a long record, and it is the dense evidence that carries across languages best (an
  English need against Chinese records, where the lexical features are empty);
- dense_rank / lexical_rank: 1 / log2(1 + rank) in each retriever's list (0 when not in it);
- bm25_rel: BM25 over the best candidate's BM25 (0..1, relative: orders candidates);
- bm25_abs: BM25 over the query's ideal BM25 (every query term matched with saturated frequency; 0..1,
  absolute: a query that matches nothing well keeps it low even for its best candidate);
- coverage: IDF-weighted share of the query's character bigrams found in the record;
- term_coverage: IDF-weighted share of the query's specific words found in the record (`terms.py`);
- title_coverage: IDF-weighted share of the record title's bigrams found in the query;
- latin: share of the query's letters that are Latin (lexical evidence means little for an English query);
- z_x_terms, z_x_coverage, dense_rank_x_terms, lexical_rank_x_terms: products with the lexical evidence
  (semantic closeness and a top rank count for more when the record also shares the query's specific words;
  a linear model cannot form these products itself). Without them a job advert's best hit, first in both
  lists but sharing no word with it, was "strong".
"""
from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np

from services.matching.index.lexical import LexicalIndex

FEATURES: tuple[str, ...] = (
    "dense_z", "dense_gap", "title_z", "dense_rank", "lexical_rank", "bm25_rel", "bm25_abs", "coverage", "term_coverage",
    "title_coverage", "latin", "z_x_terms", "z_x_coverage", "dense_rank_x_terms", "lexical_rank_x_terms",
)
log = logging.getLogger(__name__)
MODEL_PATH = Path(__file__).with_name("rerank_model.json")
Strength = Literal["strong", "possible", "weak"]


@dataclass
class Candidates:
    """The candidates of one query with their features (rows aligned with `ids`)."""

    ids: list[str]
    features: np.ndarray  # (len(ids), len(FEATURES))
    dense: dict[str, float] = field(default_factory=dict)  # raw cosine per id
    coverage: dict[str, float] = field(default_factory=dict)
    dense_rank: dict[str, int] = field(default_factory=dict)  # 1-based rank in each retriever's list
    lexical_rank: dict[str, int] = field(default_factory=dict)

    def column(self, name: str) -> np.ndarray:
        return self.features[:, FEATURES.index(name)]


def latin_share(text: str) -> float:
    letters = [c for c in text if c.isalpha()]
    return sum(c.isascii() for c in letters) / len(letters) if letters else 0.0


def weighted_share(tokens: set[str], present: set[str], lexical: LexicalIndex) -> float:
    total = sum(lexical.idf(t) for t in tokens)
    return sum(lexical.idf(t) for t in tokens if t in present) / total if total else 0.0


def rank_feature(rank: int | None) -> float:
    return 0.0 if rank is None else 1.0 / math.log2(1 + rank)


@dataclass(frozen=True)
class RerankModel:
    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    strong: float  # band lower bounds on the probability
    possible: float
    prior_mean: float  # background cosine prior (blended in for small indexes)
    prior_std: float
    prior_weight: int = 10
    meta: dict[str, Any] = field(default_factory=dict, compare=False)

    def logit(self, x: np.ndarray) -> np.ndarray:
        return ((np.asarray(x, dtype=np.float64) - self.mean) / self.scale) @ self.coef + self.intercept

    def probability(self, x: np.ndarray) -> np.ndarray:
        """P(grade >= 2) per row of features; monotone in the logit."""
        return 1.0 / (1.0 + np.exp(-self.logit(x)))

    def band(self, p: float) -> Strength:
        return "strong" if p >= self.strong else "possible" if p >= self.possible else "weak"

    def dense_z(self, cosines: np.ndarray, background: tuple[float, float, int]) -> np.ndarray:
        mean, std, n = background
        w = self.prior_weight
        mean = (n * mean + w * self.prior_mean) / (n + w)
        std = max((n * std + w * self.prior_std) / (n + w), 1e-3)
        return (np.asarray(cosines) - mean) / std

    def to_json(self) -> dict[str, Any]:
        return {
            "features": list(self.features), "mean": self.mean.tolist(), "scale": self.scale.tolist(),
            "coef": self.coef.tolist(), "intercept": self.intercept,
            "bands": {"strong": self.strong, "possible": self.possible},
            "dense_prior": {"mean": self.prior_mean, "std": self.prior_std, "weight": self.prior_weight},
            **({"meta": self.meta} if self.meta else {}),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "RerankModel":
        if tuple(data["features"]) != FEATURES:
            raise ValueError(f"rerank model has features {data['features']}, this code computes {list(FEATURES)}; "
                             "refit it with `python -m services.matching.evaluation fit`")
        prior = data["dense_prior"]
        return cls(tuple(data["features"]), np.asarray(data["mean"]), np.asarray(data["scale"]),
                   np.asarray(data["coef"]), float(data["intercept"]), float(data["bands"]["strong"]),
                   float(data["bands"]["possible"]), float(prior["mean"]), float(prior["std"]),
                   int(prior.get("weight", 10)), data.get("meta", {}))


@lru_cache(maxsize=8)
def load_models(path: str | None = None) -> dict[str, RerankModel]:
    """Fitted models by encoder name (`{"default": name, "models": {name: model}}`)."""
    data = json.loads(Path(path or MODEL_PATH).read_text(encoding="utf-8"))
    models = {name: RerankModel.from_json(m) for name, m in data["models"].items()}
    models["default"] = models[data["default"]]
    return models


def model_for(encoder_name: str, path: str | None = None) -> RerankModel:
    """The model fitted with this encoder's features; another encoder gets the default one (its dense_z is
    relative to each query's own background, so it carries over roughly; refit for real figures)."""
    models = load_models(path)
    found = models.get(encoder_name)
    if found is None:
        log.warning("no rerank model fitted for encoder %r; using the default (%s); refit with "
                    "`python -m services.matching.evaluation fit`", encoder_name, models["default"].meta.get("encoder"))
        return models["default"]
    return found
