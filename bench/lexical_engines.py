"""Lexical engines side by side: our hand-written BM25 (services/matching/index/lexical.py) against tantivy
(the Rust engine under Quickwit / ParadeDB, via its Python bindings) on update cost, query latency and ranking.

    .venv/bin/python bench/lexical_engines.py --sizes 10000,100000 --sets ../shared/eval/needs_graded.json,../shared/eval/green_smoke.json

Engines (all index the same weighted document fields the service builds, a field of weight w repeated w times):
- ours: LexicalIndex (BM25 over CJK 1-2-grams + Latin words, k1=1.2 b=0.75), refreshed after each batch.
- tantivy-ngram: tantivy's own NgramTokenizer(1, 2) + lowercase on the normalised text, the query an OR of the
  query's 1-2-grams as term queries (tantivy's query parser would make an n-gram phrase query).
- tantivy-ours-tokens: tantivy over the service's own tokens (char_ngrams joined by spaces, whitespace
  tokenizer): the same terms as ours, so ranking differences are the engine's BM25 alone.
Update cost: index N records (batches of 2,000, commit per batch), then replace 200 records and make them
searchable (ours: refresh on the next query; tantivy: commit + reload). Latency: single queries of generated
colloquial needs, wall clock and process CPU time (all threads; the machine is shared, CPU time is steadier). Ranking: nDCG@10 / MRR / recall@10 on the labelled sets with each
engine alone ranking all technologies, and the mean top-10 overlap with ours.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from bench.common import generate_needs, generate_records, machine, percentiles, rss_mb, table  # noqa: E402
from services.matching.documents import build_document  # noqa: E402
from services.matching.index.lexical import LexicalIndex, char_ngrams  # noqa: E402
from shared.text import normalize  # noqa: E402

K = 10


def weighted_text(fields: list[tuple[str, int]]) -> str:
    return "\n".join(" ".join([text] * weight) for text, weight in fields if text)


class Ours:
    name = "ours (LexicalIndex BM25)"

    def __init__(self) -> None:
        self.index = LexicalIndex()

    def add(self, docs: list[tuple[str, list[tuple[str, int]]]]) -> None:
        for doc_id, fields in docs:
            self.index.upsert_weighted(doc_id, fields)

    def commit(self) -> None:
        self.index.refresh()

    def search(self, text: str, k: int) -> list[str]:
        return [i for i, _ in self.index.search(text, k)]


class Tantivy:
    def __init__(self, own_tokens: bool) -> None:
        import tantivy

        self.t = tantivy
        self.own_tokens = own_tokens
        self.name = "tantivy (our tokens, whitespace)" if own_tokens else "tantivy (NgramTokenizer 1-2)"
        builder = tantivy.SchemaBuilder()
        builder.add_text_field("id", stored=True, tokenizer_name="raw")
        builder.add_text_field("body", stored=False, tokenizer_name="tokens" if own_tokens else "ngram12",
                               index_option="freq")
        self.schema = builder.build()
        self.index = tantivy.Index(self.schema)  # in memory (RAM directory)
        if own_tokens:
            analyzer = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build()
            self.index.register_tokenizer("tokens", analyzer)
        else:
            analyzer = (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.ngram(min_gram=1, max_gram=2, prefix_only=False))
                        .filter(tantivy.Filter.lowercase()).build())
            self.index.register_tokenizer("ngram12", analyzer)
        self.writer = self.index.writer(heap_size=100_000_000, num_threads=1)

    def _body(self, fields: list[tuple[str, int]]) -> str:
        if self.own_tokens:
            return "\n".join(" ".join(char_ngrams(text) * weight) for text, weight in fields if text)
        return normalize(weighted_text(fields))

    def add(self, docs: list[tuple[str, list[tuple[str, int]]]]) -> None:
        for doc_id, fields in docs:
            self.writer.delete_documents_by_term("id", doc_id)  # an upsert is delete + add by the id term
            self.writer.add_document(self.t.Document(id=doc_id, body=self._body(fields)))

    def commit(self) -> None:
        self.writer.commit()
        self.index.reload()

    def _terms(self, text: str) -> list[str]:
        if self.own_tokens:
            return list(dict.fromkeys(char_ngrams(text)))
        s = normalize(text).lower()
        return list(dict.fromkeys([c for c in s if not c.isspace()] + [s[i : i + 2] for i in range(len(s) - 1)]))

    def search(self, text: str, k: int) -> list[str]:
        t = self.t
        clauses = [(t.Occur.Should, t.Query.term_query(self.schema, "body", term)) for term in self._terms(text)]
        if not clauses:
            return []
        searcher = self.index.searcher()
        hits = searcher.search(t.Query.boolean_query(clauses), k).hits
        return [searcher.doc(addr)["id"][0] for _, addr in hits]


ENGINES = {"ours": lambda: Ours(), "tantivy-ngram": lambda: Tantivy(False), "tantivy-ours-tokens": lambda: Tantivy(True)}


def docs_of(records: list[dict]) -> list[tuple[str, list[tuple[str, int]]]]:
    return [(str(r["id"]), build_document("technology", r).weighted_fields) for r in records]


def scale_run(engines: list[str], size: int, queries: list[str]) -> list[dict]:
    records = list(generate_records(size))
    docs = docs_of(records)
    changed = docs_of([{**r, "title": r["title"] + "（改进型）"} for r in records[:200]])
    rows = []
    for key in engines:
        engine = ENGINES[key]()
        before = rss_mb()
        start = time.perf_counter()
        for s in range(0, len(docs), 2_000):
            engine.add(docs[s : s + 2_000])
            engine.commit()
        build = time.perf_counter() - start
        mem = rss_mb() - before
        engine.search(queries[0], K)
        start = time.perf_counter()
        engine.add(changed)
        engine.commit()
        engine.search(queries[0], K)  # ours assembles its matrix on the first query after a change
        update = time.perf_counter() - start
        for q in queries[:3]:
            engine.search(q, K)
        times, cpu = [], []
        for q in queries:
            t0, c0 = time.perf_counter(), time.process_time()
            engine.search(q, K)
            times.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
        lat = percentiles(times)
        rows.append({"size": size, "engine": engine.name, "index s": build, "RSS +MB": mem,
                     "200 updates visible s": update, "p50 ms": lat["p50"], "p95 ms": lat["p95"], "p99 ms": lat["p99"],
                     "cpu p50 ms": percentiles(cpu)["p50"], "cpu p95 ms": percentiles(cpu)["p95"]})
        print(table(rows[-1:], list(rows[-1])), flush=True)
        del engine
    return rows


def ranking_run(engines: list[str], path: Path) -> list[dict]:
    from services.matching.evaluation.datasets import load_labelled_set
    from services.matching.evaluation.metrics import summarize

    ls = load_labelled_set(path)
    docs = docs_of(ls.records)
    answers: dict[str, list[list[str]]] = {}
    rows = []
    for key in engines:
        engine = ENGINES[key]()
        engine.add(docs)
        engine.commit()
        answers[key] = [engine.search(n.text, K) for n in ls.needs]
        figures = summarize([(ranked, n.grades) for ranked, n in zip(answers[key], ls.needs)])
        overlap = np.mean([len(set(a) & set(b)) / max(len(b), 1) for a, b in zip(answers[key], answers[engines[0]])])
        rows.append({"set": path.name, "engine": engine.name, **{m: figures[m] for m in ("ndcg@10", "mrr", "recall@10")
                                                                  if m in figures},
                     f"top-10 overlap with {engines[0]}": float(overlap)})
    print(table(rows, list(rows[0])), flush=True)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--engines", default="ours,tantivy-ngram,tantivy-ours-tokens")
    ap.add_argument("--sets", default="", help="labelled sets (comma-separated) for the ranking comparison")
    args = ap.parse_args()
    engines = args.engines.split(",")
    print(machine())
    for path in filter(None, args.sets.split(",")):
        ranking_run(engines, Path(path))
    queries = generate_needs(args.queries)
    for size in (int(s) for s in args.sizes.split(",") if s):
        scale_run(engines, size, queries)


if __name__ == "__main__":
    main()
