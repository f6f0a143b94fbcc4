"""Index build, query latency, memory and ANN recall at 10k / 100k / 1M records, our stack side by side with
a plain FAISS flat loop (what a sentence-transformers + FAISS script does) and txtai.

    .venv/bin/python bench/matching_corpus.py --n 100000        # once: real embeddings (resumable, ~5 min)
    .venv/bin/python bench/matching_index.py --sizes 10000,100000,1000000 --systems ours,hybrid,flat,txtai
    .venv/bin/python bench/matching_index.py --sizes 100000,1000000 --systems ours,milvus --encode-latency '' \
        --milvus-index hnsw --milvus-queries 20
    .venv/bin/python bench/matching_index.py --sizes 100000,1000000 --systems ours,flat,ivf --ef-sweep 512,1024,2048


Corpus: generated green-tech records (bench/common.py) embedded with the "openvino" backend of m3e-small
(--backend picks another); the encoded prefix of bench/out/parts_100000_<backend> is used as is. Larger sizes are grown from those real
embeddings as renormalised mixtures of a real vector and one of its real nearest neighbours (never random
vectors): see bench/common.py:mixture_corpus. Queries: generated colloquial needs, embedded with the same
backend. All systems get the SAME precomputed query vectors, so latencies below EXCLUDE query encoding; the
single-query encoding time per backend is measured and printed separately (add it for end to end).

Systems
- ours: services.matching.index.dense.DenseIndex built by make_backend with MatchingSettings().dense_options()
  (the service's settings, MATCHING_HNSW_* / MATCHING_IVF_* apply; flat below 20k vectors, HNSW up to
  MATCHING_IVF_FROM, IVF-Flat above); --ef-sweep queries the same HNSW graph again at other efSearch values,
  --nprobe-sweep the same IVF lists at other nprobe values. Filtered search by a mask from the service's filter columns (services/matching/index/filters.py). At sizes with real texts up to --hybrid-max, also the full
  HybridSearcher (both retrievers' candidates, the reranker's features and model, explanations), filters as the
  service applies them.
- milvus: services.matching.index.milvus.MilvusIndex (the service's Milvus backend, MATCHING_VECTOR_BACKEND=milvus)
  on milvus-lite (a local file), filters as its scalar filter expression. --milvus-index: hnsw (default; lite
  builds a faiss HNSW per sealed segment of <= 100k rows, M/efConstruction/ef of the service defaults, as a
  cluster would index sealed segments) or flat (exact numpy scan per segment, the service's lite default).
  Build = upserts in feed-sized batches + flush() + waiting for lite's background index builds. milvus-lite 3.x
  runs in this process (gRPC server thread, pure Python), so memory = RSS growth of this process (plus any
  child process, for older lite versions). --milvus-queries bounds its query count (seconds per query at 1M).
- ivf: faiss IndexIVFFlat (--ivf-nlist lists, --ivf-nprobe values on one build), a reference for the HNSW
  recall gap at 1M, not a service backend.
- flat: faiss.IndexFlatIP over all vectors, filter by IDSelectorBatch (exact; the recall reference).
- txtai: txtai.Embeddings(method="external", content=True, backend="faiss", its defaults otherwise), filters
  in its SQL (`similar(:q) and domain = ...`).
Recall@10 is measured against exact flat search over the same (filtered) set.
"""
from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import faiss  # noqa: E402
import numpy as np  # noqa: E402

from bench.common import (  # noqa: E402
    OUT, generate_needs, generate_records, machine, mixture_corpus, mixture_records, percentiles, record_texts, rss_mb,
    table,
)
from services.matching.encoder import load_encoder  # noqa: E402

K = 10


# ----------------------------------------------------------------------------- corpus
def real_corpus(backend: str, planned: int) -> tuple[list[dict], np.ndarray]:
    """The records whose embeddings are already encoded (the finished prefix of the resumable corpus run)."""
    full = OUT / f"corpus_{planned}_{backend}.npy"
    if full.exists():
        vecs = np.load(full)
    else:
        parts = sorted((OUT / f"parts_{planned}_{backend}").glob("*.npy"))
        expected = [f"{i * 2000:08d}.npy" for i in range(len(parts))]
        parts = [p for p, name in zip(parts, expected) if p.name == name]  # contiguous prefix only
        if not parts:
            sys.exit(f"no encoded corpus yet: run bench/matching_corpus.py --n {planned} --backend {backend}")
        vecs = np.vstack([np.load(p) for p in parts])
    return list(generate_records(len(vecs))), np.ascontiguousarray(vecs, dtype=np.float32)


def corpus_of(size: int, records: list[dict], vecs: np.ndarray, backend: str) -> tuple[list[dict], np.ndarray, str]:
    if size <= len(vecs):
        return records[:size], vecs[:size], "real"
    cache = OUT / f"mixture_{size}_from_{len(vecs)}_{backend}.npy"  # 2 GB at 1M; minutes to grow again
    if cache.exists():
        grown = np.load(cache)
    else:
        grown = mixture_corpus(vecs, size)
        np.save(cache, grown)
    return mixture_records(records, size), grown, f"{len(vecs)} real + mixtures"


# ----------------------------------------------------------------------------- systems
class Ours:
    """The service's FAISS backend built exactly as the service builds it: `make_backend` with the options of
    `MatchingSettings` (so MATCHING_HNSW_* in the environment apply here too), compacted after each feed-sized
    batch as `MatchIndex.compact()` does (flat below ann_threshold, HNSW above), plus the service's filter
    columns: a filtered query computes its mask from SearchFilters (timed), as the HybridSearcher does."""

    name = "ours (DenseIndex)"

    def __init__(self, dim: int) -> None:
        from services.matching.index.backend import make_backend
        from services.matching.index.filters import FilterIndex
        from services.matching.settings import MatchingSettings

        self.index = make_backend("faiss", dim, "technology", MatchingSettings().dense_options())
        self.filters = FilterIndex("technology")

    def build(self, ids: list[str], vecs: np.ndarray, domains: list[str]) -> None:
        for s in range(0, len(ids), 10_000):  # the feed follower applies changes in batches, too
            labels = self.index.upsert(ids[s : s + 10_000], vecs[s : s + 10_000])
            self.filters.set(labels, ({"domain": d} for d in domains[s : s + 10_000]))
            if self.index.needs_compaction:
                self.index.rebuild()

    def search(self, q: np.ndarray, domain: str | None) -> list[str]:
        from shared.matching_schemas import SearchFilters

        mask = None if domain is None else self.filters.allowed(SearchFilters(domain=domain), self.index.capacity)
        return [i for i, _ in self.index.search(q, K, allowed=mask)[0]]

    @property
    def kind(self) -> str:
        index = self.index
        if index.kind == "ivf":
            return f"ivf nlist{index._index.nlist} nprobe{index.ivf_nprobe}"
        if index.kind != "hnsw":
            return index.kind
        return f"hnsw M{index.hnsw_m} efC{index.ef_construction} ef{index.effective_ef_search()}"


class Milvus:
    """The service's Milvus backend on milvus-lite: upserts in feed-sized batches with the filter fields, filtered
    search by the Milvus scalar expression built from SearchFilters (as the service does)."""

    name = "Milvus backend (milvus-lite)"

    def __init__(self, dim: int, size: int, index_type: str = "hnsw") -> None:
        from services.matching.index.milvus import MilvusIndex
        from services.matching.settings import MatchingSettings

        folder = OUT / "milvus"
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f"bench-{size}-{os.getpid()}.db"
        opts = MatchingSettings().dense_options()
        self.index = MilvusIndex(dim, uri=str(self.path), collection="bench_technology", entity="technology",
                                 index_type=index_type.upper(), hnsw_m=opts.hnsw_m, ef_search=opts.ef_search,
                                 ef_construction=opts.ef_construction)
        self.phases: dict[str, float] = {}

    def build(self, ids: list[str], vecs: np.ndarray, domains: list[str]) -> None:
        start = time.perf_counter()
        for s in range(0, len(ids), 10_000):
            self.index.upsert(ids[s : s + 10_000], vecs[s : s + 10_000],
                              [{"id": i, "domain": d} for i, d in zip(ids[s : s + 10_000], domains[s : s + 10_000])])
            if (s // 10_000) % 10 == 9:
                print(f"  milvus: {s + 10_000} rows upserted, {time.perf_counter() - start:.0f} s", flush=True)
        self.phases["upsert s"] = time.perf_counter() - start
        mark = time.perf_counter()
        self.index.flush()  # seal the memtable: lite would otherwise convert its rows per query
        self.phases["flush s"] = time.perf_counter() - mark
        mark = time.perf_counter()
        self.segments = wait_for_lite_indexes(self.path, self.index.collection)
        self.phases["index wait s"] = time.perf_counter() - mark
        print(f"  milvus: {self.phases}, segments (rows, index): {self.segments}", flush=True)

    def search(self, q: np.ndarray, domain: str | None) -> list[str]:
        from shared.matching_schemas import SearchFilters

        filters = None if domain is None else SearchFilters(domain=domain)
        return [i for i, _ in self.index.search(q, K, filters=filters)[0]]

    @property
    def kind(self) -> str:
        segments = getattr(self, "segments", [])
        queries = f", {self.n_queries} queries" if getattr(self, "n_queries", None) else ""
        return f"{self.index.kind} ({len(segments)} segments{queries})"

    def close(self) -> None:
        self.index.drop()


def wait_for_lite_indexes(path: Path, collection: str) -> list[tuple[int, str]]:
    """milvus-lite only (it runs in this process): block until its background thread has compacted and indexed
    every sealed segment, so queries hit the requested index rather than an ad-hoc scan. Returns (rows, index
    class) per segment. No client API reports this on lite (describe_index always says Finished)."""
    try:
        from milvus_lite.server_manager import server_manager_instance
    except ImportError:
        return []
    entry = server_manager_instance._servers.get(os.path.abspath(path))  # bench-only introspection of lite internals
    if entry is None:
        return []
    col = entry[1].get_collection(collection)
    for _ in range(50):
        col._wait_for_bg()
        segments = [s for s in col._segments_snapshot() if s.num_rows]
        if all("vector" in s.indexes for s in segments):
            break
        col._schedule_bg_maintenance()  # indexes of segments compacted since the last task
    return [(s.num_rows, type(s.indexes["vector"]).__name__ if "vector" in s.indexes else "none") for s in segments]


def lite_rss_mb() -> float:
    """RSS of the child processes (the milvus-lite server pymilvus starts), 0 if none."""
    try:
        import psutil
    except ImportError:
        return 0.0
    return sum(c.memory_info().rss for c in psutil.Process().children(recursive=True)) / 2**20


class Flat:
    name = "flat loop (FAISS IndexFlatIP)"
    kind = "flat"

    def build(self, ids: list[str], vecs: np.ndarray) -> None:
        self.ids = ids
        self.index = faiss.IndexFlatIP(vecs.shape[1])
        self.index.add(vecs)

    def search(self, q: np.ndarray, allowed_labels: np.ndarray | None) -> list[str]:
        params = None if allowed_labels is None else faiss.SearchParameters(sel=faiss.IDSelectorBatch(allowed_labels))
        _, labels = self.index.search(q[None], K, params=params)
        return [self.ids[j] for j in labels[0] if j >= 0]


class Ivf:
    """Reference for the HNSW recall gap at 1M, not a service backend: faiss IndexIVFFlat (inner product) trained on
    a sample of 50 vectors per list, `nprobe` lists scanned per query; a filter is a selector inside the scan with
    nprobe raised by 1/selectivity, as the HNSW path raises efSearch."""

    def __init__(self, nlist: int, nprobe: int) -> None:
        self.nlist, self.nprobe = nlist, nprobe
        self.name = f"FAISS IVF{nlist},Flat"

    @property
    def kind(self) -> str:
        return f"ivf nlist{self.nlist} nprobe{self.nprobe}"

    def build(self, ids: list[str], vecs: np.ndarray) -> None:
        self.ids, self.n = ids, len(ids)
        self.index = faiss.IndexIVFFlat(faiss.IndexFlatIP(vecs.shape[1]), vecs.shape[1], self.nlist, faiss.METRIC_INNER_PRODUCT)
        sample = np.random.default_rng(0).choice(len(vecs), min(len(vecs), 50 * self.nlist), replace=False)
        faiss.omp_set_num_threads(os.cpu_count() or 1)
        self.index.train(vecs[np.sort(sample)])
        self.index.add(vecs)

    def search(self, q: np.ndarray, allowed_labels: np.ndarray | None) -> list[str]:
        if allowed_labels is None:
            params = faiss.SearchParametersIVF(nprobe=self.nprobe)
        else:
            nprobe = min(self.nlist, max(self.nprobe, round(self.nprobe * self.n / max(len(allowed_labels), 1))))
            params = faiss.SearchParametersIVF(nprobe=nprobe, sel=faiss.IDSelectorBatch(allowed_labels))
        _, labels = self.index.search(q[None], K, params=params)
        return [self.ids[j] for j in labels[0] if j >= 0]


class Txtai:
    name = "txtai (faiss backend)"

    def build(self, ids: list[str], vecs: np.ndarray, domains: list[str]) -> None:
        from txtai import Embeddings

        self.emb = Embeddings(method="external", content=True, backend="faiss")
        self.emb.index((ids[i], {"object": vecs[i], "domain": domains[i]}, None) for i in range(len(ids)))
        self.kind = self.emb.config.get("backend", "faiss")

    def search(self, q: np.ndarray, domain: str | None) -> list[str]:
        if domain is None:
            return [r["id"] for r in self.emb.search(q, K)]
        sql = f"select id, score from txtai where similar(:q) and domain = '{domain}' limit {K}"
        return [r["id"] for r in self.emb.search(sql, parameters={"q": q})]


class Hybrid:
    """The full in-process search of the service: candidates of both retrievers, the reranker's features
    (title vectors included), the fitted model and the explanations. Documents are encoded by a table of the
    embeddings the corpus run already computed with the same backend (encoding 100k texts again would only repeat
    that run); the records' titles, which indexing encodes as well, by a table of their encodings (`titles`)."""

    name = "ours (HybridSearcher, fused)"

    def __init__(self, records: list[dict], vecs: np.ndarray, dim: int, titles: dict[str, np.ndarray]) -> None:
        self.table = {**titles, **dict(zip(record_texts(records), vecs))}
        self.dim = dim

    def encode(self, texts: list[str], *, batch_size: int = 64) -> np.ndarray:
        return np.stack([self.table[t] for t in texts]) if texts else np.zeros((0, self.dim), np.float32)

    def build(self, records: list[dict]) -> None:
        from services.matching.indexer import MatchIndex
        from services.matching.search import HybridSearcher

        index = MatchIndex(self)  # type: ignore[arg-type]
        for s in range(0, len(records), 10_000):
            index.index_records("technology", records[s : s + 10_000])
        self.searcher = HybridSearcher(index)
        self.kind = index["technology"].dense.kind

    def search(self, text: str, q: np.ndarray, domain: str | None) -> list[str]:
        from shared.matching_schemas import SearchFilters
        from services.matching.search import Query

        filters = SearchFilters(domain=domain) if domain else None
        return [h.id for h in self.searcher.search(Query(text, target="technology", k=K, filters=filters, vector=q))]


def title_table(records: list[dict], encoder) -> dict[str, np.ndarray]:
    """Encodings of the records' distinct titles (generated titles repeat: ~4,500 distinct at 100k), timed."""
    from services.matching.documents import display_title

    titles = sorted({display_title(r) for r in records})
    start = time.perf_counter()
    vectors = encoder.encode(titles)
    took = time.perf_counter() - start
    print(f"title vectors: {len(titles)} distinct titles encoded in {took:.1f} s ({len(titles) / took:.0f} titles/s); "
          "indexing a record encodes its title once, a search never does", flush=True)
    return dict(zip(titles, vectors))


# ----------------------------------------------------------------------------- measuring
def measure(search, queries: list, truth: list[list[str]] | None) -> tuple[dict[str, float], float | None]:
    """Wall-clock percentiles, p95 of the calling thread's CPU time (searches run single-threaded), recall@10."""
    for args in queries[:3]:  # warm-up: lazy index refresh, jieba dictionary, thread pools
        search(*args)
    times, cpu, recalls = [], [], []
    for args, exact in zip(queries, truth or [None] * len(queries)):
        start, start_cpu = time.perf_counter(), time.thread_time()
        got = search(*args)
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.thread_time() - start_cpu) * 1000)
        if exact is not None:
            recalls.append(len(set(got) & set(exact)) / max(len(exact), 1))
    lat = percentiles(times)
    lat["cpu p95"] = percentiles(cpu)["p95"]  # this thread's CPU time: what the query costs without neighbours
    return lat, (float(np.mean(recalls)) if recalls else None)


def exact_truth(vecs: np.ndarray, ids: list[str], qvecs: np.ndarray, domain_of: np.ndarray,
                qdomains: list[str]) -> tuple[list[list[str]], list[list[str]]]:
    sims = faiss.IndexFlatIP(vecs.shape[1])
    sims.add(vecs)
    _, labels = sims.search(qvecs, K)
    plain = [[ids[j] for j in row] for row in labels]
    filtered = []
    for q, dom in zip(qvecs, qdomains):
        rows = np.flatnonzero(domain_of == dom)
        scores = vecs[rows] @ q
        top = rows[np.argsort(-scores, kind="stable")[:K]]
        filtered.append([ids[j] for j in top])
    return plain, filtered


def encode_latency(backends: list[str], texts: list[str]) -> list[dict]:
    rows = []
    for b in backends:
        enc = load_encoder(None, b, str(OUT / "models"))
        enc.encode(texts[:4])
        times = []
        for t in texts:
            start = time.perf_counter()
            enc.encode([t])
            times.append((time.perf_counter() - start) * 1000)
        rows.append({"backend": b, **{f"{k} ms": v for k, v in percentiles(times).items()}})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--backend", default="openvino", help="backend the corpus was encoded with")
    ap.add_argument("--planned", type=int, default=100_000, help="size of the corpus run (bench/matching_corpus.py --n)")
    ap.add_argument("--systems", default="ours,hybrid,flat,txtai")
    ap.add_argument("--hybrid-max", type=int, default=100_000, help="largest size for the full HybridSearcher")
    ap.add_argument("--milvus-max", type=int, default=1_000_000, help="largest size for the Milvus (lite) backend")
    ap.add_argument("--milvus-skip-reason", default="above --milvus-max",
                    help="printed in the Milvus row of a size above --milvus-max (the row is kept, marked not run)")
    ap.add_argument("--milvus-index", default="hnsw", choices=["hnsw", "flat"],
                    help="index milvus-lite builds per sealed segment (hnsw: cluster-like; flat: exact, the lite default)")
    ap.add_argument("--milvus-queries", type=int, default=0,
                    help="query only the first N queries on Milvus (0: all --queries); lite takes seconds per query at 1M")
    ap.add_argument("--ivf-nlist", type=int, default=2048, help="lists of the ivf reference system")
    ap.add_argument("--ivf-nprobe", default="8,16,32", help="nprobe values for the ivf system (first: its build row)")
    ap.add_argument("--ef-sweep", default="",
                    help="extra efSearch values to query ours with after its default run, on the SAME build "
                         "(e.g. 256,512,1024): one row each, so a sweep costs one HNSW build")
    ap.add_argument("--nprobe-sweep", default="",
                    help="extra nprobe values to query ours with when it is IVF, on the SAME lists (e.g. 8,32)")
    ap.add_argument("--search-threads", type=int, default=1,
                    help="FAISS OpenMP threads while querying (builds use all cores); see docs/bench_matching.md")
    ap.add_argument("--encode-latency", default="openvino,onnx,torch", help="backends to time single-query encoding for ('' to skip)")
    args = ap.parse_args()
    systems = set(args.systems.split(","))
    print(machine())
    print(f"FAISS search threads: {args.search_threads}")
    from services.matching.settings import MatchingSettings

    print(f"ours: the service's settings (MatchingSettings().dense_options()): {MatchingSettings().dense_options()}")
    records, vecs = real_corpus(args.backend, args.planned)
    print(f"real embedded corpus: {len(vecs)} records ({args.backend})")
    texts = generate_needs(args.queries)
    query_encoder = load_encoder(None, args.backend, str(OUT / "models"))
    qvecs = query_encoder.encode(texts)
    titles = title_table(records, query_encoder) if "hybrid" in systems else {}
    domains = list(dict.fromkeys(r["domain"] for r in records))
    qdomains = [domains[i % len(domains)] for i in range(len(texts))]

    if args.encode_latency:
        print("\nsingle-query encoding latency (add to the search latencies below for end to end)")
        print(table(encode_latency(args.encode_latency.split(","), texts[:100]),
                    ["backend", "p50 ms", "p95 ms", "p99 ms"]), flush=True)

    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        if "milvus" in systems and size > args.milvus_max:
            rows.append({"size": size, "system": Milvus.name, "index": f"not run: {args.milvus_skip_reason}"})
            print(f"\n{Milvus.name}: not run at {size} ({args.milvus_skip_reason})", flush=True)
            if not systems - {"milvus"}:
                continue
        recs, vs, origin = corpus_of(size, records, vecs, args.backend)
        ids = [r["id"] for r in recs]
        domain_of = np.asarray([r["domain"] for r in recs])
        plain_truth, filtered_truth = exact_truth(vs, ids, qvecs, domain_of, qdomains)
        allowed_labels = {d: np.flatnonzero(domain_of == d).astype(np.int64) for d in domains}
        print(f"\n== {size} records ({origin}); filter: domain (about 1/{len(domains)} of records)", flush=True)

        runs = []
        if "ours" in systems:
            runs.append(("ours", Ours(vs.shape[1]), lambda s: s.build(ids, vs, list(domain_of)),
                         lambda s, i: (qvecs[i], None), lambda s, i: (qvecs[i], qdomains[i])))
        if "hybrid" in systems and origin == "real" and size <= args.hybrid_max:
            runs.append(("hybrid", Hybrid(recs, vs, vs.shape[1], titles), lambda s: s.build(recs),
                         lambda s, i: (texts[i], qvecs[i], None), lambda s, i: (texts[i], qvecs[i], qdomains[i])))
        if "milvus" in systems and size <= args.milvus_max:
            runs.append(("milvus", Milvus(vs.shape[1], size, args.milvus_index), lambda s: s.build(ids, vs, list(domain_of)),
                         lambda s, i: (qvecs[i], None), lambda s, i: (qvecs[i], qdomains[i])))
        if "flat" in systems:
            runs.append(("flat", Flat(), lambda s: s.build(ids, vs),
                         lambda s, i: (qvecs[i], None), lambda s, i: (qvecs[i], allowed_labels[qdomains[i]])))
        if "ivf" in systems:
            runs.append(("ivf", Ivf(args.ivf_nlist, int(args.ivf_nprobe.split(",")[0])), lambda s: s.build(ids, vs),
                         lambda s, i: (qvecs[i], None), lambda s, i: (qvecs[i], allowed_labels[qdomains[i]])))
        if "txtai" in systems:
            runs.append(("txtai", Txtai(), lambda s: s.build(ids, vs, list(domain_of)),
                         lambda s, i: (qvecs[i], None), lambda s, i: (qvecs[i], qdomains[i])))
        while runs:
            key, system, build, plain_args, filtered_args = runs.pop(0)
            gc.collect()
            before = rss_mb() + lite_rss_mb()
            start = time.perf_counter()
            build(system)
            build_s = time.perf_counter() - start
            mem = rss_mb() + lite_rss_mb() - before
            n = range(len(texts))
            if key == "milvus" and args.milvus_queries:
                n = range(min(args.milvus_queries, len(texts)))
                system.n_queries = len(n)
            faiss.omp_set_num_threads(args.search_threads)
            # Fused hybrid ranking is not meant to equal the dense top-10: no ANN recall for it.
            exact = key != "hybrid"
            sweep = [int(v) for v in args.ef_sweep.split(",") if v] if key == "ours" and system.kind.startswith("hnsw") else []
            if key == "ours" and system.kind.startswith("ivf"):
                sweep = [int(v) for v in args.nprobe_sweep.split(",") if v]
            if key == "ivf":
                sweep = [int(v) for v in args.ivf_nprobe.split(",")[1:] if v]
            for ef in [None, *sweep]:
                name = system.name
                if ef is not None and key == "ivf":
                    system.nprobe = ef
                    name = f"{system.name}, nprobe {ef}"
                elif ef is not None and system.kind.startswith("ivf"):  # ours, same lists, another nprobe
                    system.index.ivf_nprobe = ef
                    name = f"{system.name}, nprobe {ef}"
                elif ef is not None:  # same graph, another efSearch: query cost and recall only
                    system.index.ef_search, system.index.ef_scale_from = ef, None
                    name = f"{system.name}, efSearch {ef}"
                lat, rec = measure(system.search, [plain_args(system, i) for i in n], plain_truth if exact else None)
                flat_lat, flat_rec = measure(system.search, [filtered_args(system, i) for i in n],
                                             filtered_truth if exact else None)
                row = {"size": size, "system": name, "index": getattr(system, "kind", "?"),
                       "build s": build_s if ef is None else None, "RSS +MB": mem if ef is None else None,
                       "p50 ms": lat["p50"], "p95 ms": lat["p95"], "p99 ms": lat["p99"], "cpu p95 ms": lat["cpu p95"],
                       "recall@10": rec,
                       "filtered p50": flat_lat["p50"], "filtered p95": flat_lat["p95"], "filtered p99": flat_lat["p99"], "filtered cpu p95": flat_lat["cpu p95"],
                       "filtered recall@10": flat_rec}
                rows.append(row)
                print(table([row], list(row)), flush=True)
            faiss.omp_set_num_threads(os.cpu_count() or 1)
            if hasattr(system, "close"):
                system.close()
            del system  # free it before the next system is built
    print("\nall results (latencies in ms, query encoding excluded)")
    columns = max((list(r) for r in rows), key=len)
    print(table(rows, columns))


if __name__ == "__main__":
    main()
