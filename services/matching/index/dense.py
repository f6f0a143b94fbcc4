"""Dense vector index on FAISS: exact inner product while small, HNSW at medium sizes, IVF-Flat once large, with
filtered search.

In-process use (no HTTP):

    import numpy as np
    from services.matching.index.dense import DenseIndex
    index = DenseIndex(dim=512, ann_threshold=20_000, ivf_from=100_000)
    index.upsert(["T1", "T2"], vectors)             # float32 (n, dim), L2-normalised
    index.remove(["T2"])
    index.search(query_vectors, k=10)               # one [(id, cosine), ...] list per query row
    index.search(query_vectors, k=10, allowed_ids={"T1"})   # filtered search by ids
    index.search(query_vectors, k=10, allowed=mask)  # filtered search by a bool mask over labels (fast path)

Every live id has an int label (FAISS sees int64 labels): the row of its vector in one contiguous matrix and
the position in the filter columns (services/matching/index/filters.py) that are aligned to the same labels.
Labels of removed ids are reused once no FAISS index holds them any more, so the arrays do not grow with churn.

Below `ann_threshold` vectors the index is an `IndexIDMap2` over `IndexFlatIP`, which removes ids for real.
From it up to `ivf_from` the index is HNSW, which cannot remove: a removed or replaced vector becomes a tombstone
(skipped inside the graph walk by the bitmap of live labels) and the graph is rebuilt from the live vectors
once tombstones exceed `rebuild_ratio` of the live count. At or above `ivf_from` (None: never) it is
`IndexIVFFlat`: the vectors of each of `nlist` k-means cells in one list, a query scans the `ivf_nprobe` lists
nearest to it. HNSW at 1M stayed at recall@10 0.81-0.88 whatever efSearch (near-duplicate clusters the graph
cannot reach into); IVF keeps near-duplicates in one list and reaches 0.95+ (figures: index/params.py,
docs/bench_matching.md). IVF removes ids for real (no tombstones); its lists are trained (nlist from the size,
`params.ivf_nlist`) on a fixed sample of the live vectors when it is built, and it is rebuilt (retrained) once
it holds `ivf_retrain_growth` times the vectors it was trained on, so lists stay balanced as it grows. A kind
is left for a smaller one only below half its threshold, so sizes near one do not flip-flop. With
`auto_compact=False` (the service) writes never rebuild inline: the owner checks `needs_compaction` (kind no
longer fits the size, HNSW tombstones, IVF grown past its training), builds the replacement with
`build_replacement()` outside its read lock and swaps it in with `install()`.

Filtered search never copies vectors: the allowed labels become an `IDSelectorBitmap` passed in the FAISS
search parameters. Flat: exact search over the allowed rows. HNSW, chosen by how many labels are allowed
(as vector databases do, e.g. Weaviate's flatSearchCutoff, Qdrant's full_scan_threshold): up to
`exact_filter_limit` allowed vectors are scanned exactly in the HNSW's own flat storage (recall 1); above it
the graph walk skips filtered-out nodes with efSearch raised by 1/selectivity (up to `max_ef_search`), since a
beam of ef candidates holds only a selectivity share of allowed ones. IVF: the selector goes into
`SearchParametersIVF` with nprobe raised by 1/selectivity (up to nlist); up to `exact_filter_limit` allowed
vectors every list is scanned, which is exact over the allowed rows (the selector skips the others unscored).

Snapshots (`save`/`load`): vectors, ids and labels, plus the HNSW graph (with its tombstones) or the trained
IVF index and the size it was trained for, so a large index loads without a rebuild or retraining.

FAISS threads: OpenMP's thread count is a per-thread setting, so every search sets `search_threads` (default 1)
and every build `build_threads` on the calling thread. One query with 2 threads on a loaded 2-core machine cost
~20 ms against 0.2 ms with 1 (threads spin and wait for each other; the work per query is too small to split),
while an HNSW build of many vectors does profit from all cores. Measured in docs/bench_matching.md.
"""
from __future__ import annotations

import os
from collections.abc import Collection, Iterable, Sequence
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from services.matching.index.params import (
    EF_CONSTRUCTION,
    EF_SCALE_FROM,
    EF_SEARCH,
    HNSW_M,
    IVF_FROM,
    IVF_NPROBE,
    IVF_RETRAIN_GROWTH,
    KEEP_PRUNED,
    ivf_nlist,
)
from shared.matching_schemas import SearchFilters

EXACT_FILTER_LIMIT = 40_000
MAX_EF_SEARCH = 2_048

Replacement = tuple[faiss.Index, str, np.ndarray]  # (index, kind: flat / hnsw / ivf, labels it was built from)
IVF_TRAIN_PER_LIST = 50  # training sample: this many live vectors per list (FAISS warns below 39)


def _bitmap(mask: np.ndarray) -> faiss.IDSelectorBitmap:
    """FAISS selector for the True positions of a bool mask (bit i of byte i//8, least significant first)."""
    return faiss.IDSelectorBitmap(np.packbits(mask, bitorder="little"))


class DenseIndex:
    def __init__(
        self,
        dim: int,
        *,
        ann_threshold: int = 20_000,
        hnsw_m: int = HNSW_M,
        ef_search: int = EF_SEARCH,
        ef_construction: int = EF_CONSTRUCTION,
        ef_scale_from: int | None = EF_SCALE_FROM,
        hnsw_keep_pruned: bool = KEEP_PRUNED,
        ivf_from: int | None = IVF_FROM,
        ivf_nprobe: int = IVF_NPROBE,
        ivf_nlist: int | None = None,
        ivf_retrain_growth: float = IVF_RETRAIN_GROWTH,
        rebuild_ratio: float = 0.2,
        auto_compact: bool = True,
        exact_filter_limit: int = EXACT_FILTER_LIMIT,
        max_ef_search: int = MAX_EF_SEARCH,
        search_threads: int = 1,
        build_threads: int | None = None,
    ) -> None:
        self.dim = dim
        self.ann_threshold = ann_threshold
        self.hnsw_m, self.ef_search, self.ef_construction = hnsw_m, ef_search, ef_construction
        self.ef_scale_from, self.hnsw_keep_pruned = ef_scale_from, hnsw_keep_pruned
        self.ivf_from, self.ivf_nprobe = ivf_from or None, ivf_nprobe  # ivf_from None or 0: never IVF
        self.ivf_nlist, self.ivf_retrain_growth = ivf_nlist, ivf_retrain_growth  # ivf_nlist None: from the size
        self.rebuild_ratio = rebuild_ratio
        self.auto_compact = auto_compact
        self.exact_filter_limit, self.max_ef_search = exact_filter_limit, max_ef_search
        self.search_threads = search_threads
        self.build_threads = build_threads or os.cpu_count() or 1
        self._label_of: dict[str, int] = {}  # live id -> label
        self._ids: list[str | None] = []  # label -> live id (None: free or tombstone)
        self._matrix = np.zeros((0, dim), dtype=np.float32)  # label -> vector (source for rebuilds)
        self._alive = np.zeros(0, dtype=bool)
        self._next_label = 0  # labels in use are < this
        self._free: list[int] = []  # labels held by no FAISS index, ready for reuse
        self._build_pending = False  # while a replacement is built, no label is reused (it may be in it)
        self._tombstones: set[int] = set()
        self._index: faiss.Index = self._new_flat()
        self._kind = "flat"
        self._trained_for = 0  # IVF: live vectors when its lists were trained (retrain once grown well past it)
        self._alive_bits: faiss.IDSelectorBitmap | None = None  # cached; reset on writes
        self._storage_labels: np.ndarray | None = None  # HNSW storage row -> label; cached, reset on writes
        self._background: np.ndarray | None = None  # cached sample for background(); reset on writes

    # ------------------------------------------------------------------ state
    def __len__(self) -> int:
        return len(self._label_of)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._label_of

    @property
    def kind(self) -> str:
        return self._kind

    @property
    def _hnsw(self) -> bool:
        return self._kind == "hnsw"

    @property
    def tombstones(self) -> int:
        return len(self._tombstones)

    @property
    def capacity(self) -> int:
        """Labels in use are below this; filter columns must cover it."""
        return self._next_label

    def effective_ef_search(self) -> int:
        """The HNSW query beam for the current size: `ef_search` up to `ef_scale_from` live vectors, above that
        growing in proportion to the size (capped at `max_ef_search`), since a beam of fixed width finds a
        shrinking share of the true neighbours as the graph grows."""
        n = len(self._label_of)
        if self.ef_scale_from is None or n <= self.ef_scale_from:
            return self.ef_search
        return min(max(self.ef_search, round(self.ef_search * n / self.ef_scale_from)), max(self.max_ef_search, self.ef_search))

    def vector(self, doc_id: str) -> np.ndarray | None:
        label = self._label_of.get(doc_id)
        return None if label is None else self._matrix[label].copy()

    def ids(self) -> list[str]:
        return list(self._label_of)

    def label(self, doc_id: str) -> int | None:
        return self._label_of.get(doc_id)

    def labels(self, ids: Collection[str]) -> np.ndarray:
        """Labels of the given ids that are live (unknown ids are skipped)."""
        found = [self._label_of[i] for i in ids if i in self._label_of]
        return np.asarray(found, dtype=np.int64)

    def alive_mask(self) -> np.ndarray:
        """Bool mask over labels [0, capacity): True where a live vector is."""
        return self._alive[: self._next_label]

    # ------------------------------------------------------------------ writes
    def upsert(self, ids: Sequence[str], vectors: np.ndarray, records: Sequence[dict[str, Any]] | None = None,
               ) -> np.ndarray:
        """Add or replace vectors; returns the labels given to `ids`, in order. `records` (filter fields and
        versions) are for backends that store them (Milvus): here the filter columns live beside the index and
        the record store decides versions."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1, self.dim)
        if len(ids) != len(vectors):
            raise ValueError(f"{len(ids)} ids but {len(vectors)} vectors")
        if len(set(ids)) != len(ids):
            raise ValueError("duplicate ids in one upsert")
        self.remove([i for i in ids if i in self._label_of])
        labels = self._allocate(len(ids))
        self._matrix[labels] = vectors
        self._alive[labels] = True
        for doc_id, label in zip(ids, labels.tolist()):
            self._label_of[doc_id] = label
            self._ids[label] = doc_id
        if len(ids):
            faiss.omp_set_num_threads(self.build_threads)
            self._index.add_with_ids(vectors, labels)
            self._changed()
        if self.auto_compact and self.needs_compaction:
            self.rebuild()  # switch kind (flat / HNSW / IVF) by size, retrain IVF lists once grown
        return labels

    def remove(self, ids: Collection[str], versions: Sequence[int] | None = None) -> None:
        labels = [self._label_of.pop(i) for i in ids if i in self._label_of]
        if not labels:
            return
        self._alive[labels] = False
        for label in labels:
            self._ids[label] = None
        self._changed()
        if self._hnsw:
            self._tombstones.update(labels)
            if self.auto_compact and self.needs_compaction:
                self.rebuild()
        else:
            self._index.remove_ids(np.asarray(labels, dtype=np.int64))
            if not self._build_pending:
                self._free.extend(labels)

    def _allocate(self, n: int) -> np.ndarray:
        reused = [self._free.pop() for _ in range(min(n, len(self._free)))] if not self._build_pending else []
        fresh = list(range(self._next_label, self._next_label + n - len(reused)))
        self._next_label += len(fresh)
        if self._next_label > len(self._alive):
            self._grow(max(self._next_label, 2 * len(self._alive), 1024))
        return np.asarray(reused + fresh, dtype=np.int64)

    def _grow(self, capacity: int) -> None:
        matrix = np.zeros((capacity, self.dim), dtype=np.float32)
        matrix[: len(self._matrix)] = self._matrix
        alive = np.zeros(capacity, dtype=bool)
        alive[: len(self._alive)] = self._alive
        self._matrix, self._alive = matrix, alive
        self._ids.extend([None] * (capacity - len(self._ids)))

    def _changed(self) -> None:
        self._background = self._alive_bits = self._storage_labels = None

    @property
    def needs_compaction(self) -> bool:
        """True when the index kind no longer fits the size, HNSW tombstones exceed `rebuild_ratio` of live, or
        an IVF index has grown to `ivf_retrain_growth` times the size its lists were trained for."""
        live = len(self._label_of)
        if self._kind != self._wanted_kind():
            return True
        if self._kind == "hnsw":
            return len(self._tombstones) > self.rebuild_ratio * max(live, 1)
        if self._kind == "ivf":
            return live > self.ivf_retrain_growth * max(self._trained_for, 1)
        return False

    def _wanted_kind(self) -> str:
        # Hysteresis: back to a smaller kind only well below its threshold, so sizes near one do not flip-flop.
        n = len(self._label_of)
        if self.ivf_from is not None:
            limit = self.ivf_from // 2 if self._kind == "ivf" else self.ivf_from
            if n >= max(limit, 1):
                return "ivf"
        limit = self.ann_threshold // 2 if self._kind == "hnsw" else self.ann_threshold
        return "hnsw" if n >= max(limit, 1) else "flat"

    def rebuild(self) -> None:
        """Build a fresh index from the live vectors (drops tombstones; picks flat, HNSW or IVF by size and
        retrains IVF lists on the current vectors)."""
        self.install(self.build_replacement())

    def build_replacement(self) -> Replacement:
        """A new index over the current live vectors; only reads, so it may run while others search."""
        self._build_pending = True
        kind = self._wanted_kind()
        built = np.flatnonzero(self.alive_mask()).astype(np.int64)
        faiss.omp_set_num_threads(self.build_threads)
        if kind == "ivf":
            index = self._new_ivf(built)
        else:
            index = self._new_hnsw() if kind == "hnsw" else self._new_flat()
        if len(built):
            index.add_with_ids(self._matrix[built], built)
        return index, kind, built

    def install(self, replacement: Replacement) -> None:
        """Swap in a replacement, catching up with writes made while it was being built. No label was reused
        meanwhile, so a label in both the replacement and the live set still has the vector it was built with."""
        index, kind, built = replacement
        live = np.flatnonzero(self.alive_mask())
        late = np.setdiff1d(live, built, assume_unique=True)
        if len(late):
            index.add_with_ids(self._matrix[late], late)
        dead = np.setdiff1d(built, live, assume_unique=True)
        tombstones: set[int] = set()
        if len(dead) and kind == "hnsw":
            tombstones = set(dead.tolist())
        elif len(dead):
            index.remove_ids(dead)
        self._index, self._kind, self._tombstones = index, kind, tombstones
        self._trained_for = len(built) if kind == "ivf" else 0
        self._build_pending = False
        self._free = self._unused_labels()
        self._changed()

    def _unused_labels(self) -> list[int]:
        unused = np.flatnonzero(~self.alive_mask()).tolist()
        return [label for label in unused if label not in self._tombstones][::-1]  # pop() takes the lowest

    # ------------------------------------------------------------------ reads
    def search(
        self, queries: np.ndarray, k: int, allowed_ids: Collection[str] | None = None, *,
        allowed: np.ndarray | None = None, filters: SearchFilters | None = None, exclude: Iterable[str] = (),
    ) -> list[list[tuple[str, float]]]:
        """Top-k per query row. Filter by `allowed_ids` (ids) or `allowed` (bool mask over labels, shorter
        masks count as False beyond their end); without either, all live vectors. `filters` / `exclude` are
        for backends that filter on their side (Milvus): here the caller has already folded them into `allowed`."""
        queries = np.ascontiguousarray(queries, dtype=np.float32).reshape(-1, self.dim)
        if not self._label_of or k <= 0:
            return [[] for _ in range(len(queries))]
        faiss.omp_set_num_threads(self.search_threads)
        if allowed_ids is not None:
            allowed = np.zeros(self._next_label, dtype=bool)
            allowed[self.labels(allowed_ids)] = True
        if allowed is None:
            return self._search_index(queries, k, None if not self._tombstones else self._live_selector(), None)
        mask = np.zeros(self._next_label, dtype=bool)
        n = min(len(allowed), self._next_label)
        mask[:n] = allowed[:n]
        mask &= self.alive_mask()
        count = int(np.count_nonzero(mask))
        if count == 0:
            return [[] for _ in range(len(queries))]
        if self._hnsw and count <= self.exact_filter_limit:
            return self._search_storage(queries, k, mask)
        ef = None
        if self._hnsw:  # a beam of ef nodes holds about ef * selectivity allowed ones
            base = self.effective_ef_search()
            ef = min(max(base, int(base * len(self._label_of) / count)), max(self.max_ef_search, base))
        elif self._kind == "ivf":  # nprobe lists hold about nprobe * selectivity lists' worth of allowed rows
            nlist = self._index.nlist
            if count <= self.exact_filter_limit:
                ef = nlist  # every list: exact over the allowed rows (the selector skips the others unscored)
            else:
                ef = min(nlist, max(self.ivf_nprobe, -(-self.ivf_nprobe * len(self._label_of) // count)))
        return self._search_index(queries, k, _bitmap(mask), ef)

    def similarity(self, query: np.ndarray, ids: Collection[str]) -> dict[str, float]:
        """Exact cosine between one query vector and the given live ids."""
        present = [i for i in ids if i in self._label_of]
        if not present:
            return {}
        sims = self._matrix[self.labels(present)] @ np.asarray(query, dtype=np.float32).reshape(-1)
        return dict(zip(present, sims.astype(float).tolist()))

    def background(self, query: np.ndarray, sample: int = 1024) -> tuple[float, float, int]:
        """Mean and std of the query's cosine to a fixed spread-out sample of indexed vectors: how similar
        "anything" is to this query, so a hit's similarity can be judged relative to it. Returns (mean, std, n)."""
        if self._background is None:
            labels = np.flatnonzero(self.alive_mask())
            step = max(len(labels) // sample, 1)
            self._background = self._matrix[labels[::step][:sample]] if len(labels) else None
        if self._background is None:
            return 0.0, 1.0, 0
        sims = self._background @ np.asarray(query, dtype=np.float32).reshape(-1)
        return float(sims.mean()), float(sims.std()), len(sims)

    def _live_selector(self) -> faiss.IDSelectorBitmap:
        if self._alive_bits is None:
            self._alive_bits = _bitmap(self.alive_mask())
        return self._alive_bits

    def _search_index(self, queries: np.ndarray, k: int, selector: faiss.IDSelector | None,
                      ef: int | None) -> list[list[tuple[str, float]]]:
        """`ef`: the HNSW beam, or for IVF the lists to probe (None: the default for the size)."""
        fetch = min(k, self._index.ntotal)
        params = None
        if self._hnsw:
            params = faiss.SearchParametersHNSW(efSearch=max(ef or self.effective_ef_search(), fetch), sel=selector)
        elif self._kind == "ivf":
            nprobe = min(ef or self.ivf_nprobe, self._index.nlist)
            params = faiss.SearchParametersIVF(nprobe=nprobe, sel=selector) if selector is not None else \
                faiss.SearchParametersIVF(nprobe=nprobe)
        elif selector is not None:
            params = faiss.SearchParameters(sel=selector)
        scores, labels = self._index.search(queries, fetch, params=params)
        return self._hits(scores, labels, k)

    def _search_storage(self, queries: np.ndarray, k: int, mask: np.ndarray) -> list[list[tuple[str, float]]]:
        """Exact search over the allowed labels in the HNSW's flat storage (rows in insertion order)."""
        if self._storage_labels is None:
            self._storage_labels = faiss.vector_to_array(self._index.id_map).astype(np.int64)
        rows_allowed = mask[self._storage_labels]  # tombstoned rows are not alive, hence not in the mask
        storage = faiss.downcast_index(self._index.index).storage
        fetch = min(k, int(np.count_nonzero(rows_allowed)))
        scores, rows = storage.search(queries, fetch, params=faiss.SearchParameters(sel=_bitmap(rows_allowed)))
        labels = np.where(rows >= 0, self._storage_labels[np.maximum(rows, 0)], -1)
        return self._hits(scores, labels, k)

    def _hits(self, scores: np.ndarray, labels: np.ndarray, k: int) -> list[list[tuple[str, float]]]:
        out = []
        for row_scores, row_labels in zip(scores, labels):
            hits = []
            for score, label in zip(row_scores.tolist(), row_labels.tolist()):
                doc_id = self._ids[label] if 0 <= label < self._next_label else None
                if doc_id is not None:
                    hits.append((doc_id, score))
            out.append(hits[:k])
        return out

    # ------------------------------------------------------------------ persistence
    def save(self, folder: Path, name: str) -> None:
        """Write vectors, ids and labels; an HNSW graph (with its tombstones) or trained IVF lists are written
        too, so loading a large index neither rebuilds a graph nor retrains. A flat index is rebuilt on load
        (cheap and exact)."""
        ids = list(self._label_of)
        labels = self.labels(ids)
        np.savez(folder / f"{name}.npz", vectors=self._matrix[labels], labels=labels,
                 tombstones=np.asarray(sorted(self._tombstones), dtype=np.int64), next_label=self._next_label,
                 trained_for=self._trained_for)
        with open(folder / f"{name}.ids.txt", "w", encoding="utf-8") as fh:
            fh.write("\n".join(ids))
        for kind in ("hnsw", "ivf"):
            path = folder / f"{name}.{kind}.faiss"
            if self._kind == kind:
                faiss.write_index(self._index, str(path))
            else:
                path.unlink(missing_ok=True)  # a file of another kind from an earlier save must not be loaded

    def load(self, folder: Path, name: str) -> None:
        data = np.load(folder / f"{name}.npz")
        mat, labels = data["vectors"], data["labels"].astype(np.int64)
        raw = (folder / f"{name}.ids.txt").read_text(encoding="utf-8")
        ids = raw.split("\n") if raw else []
        next_label = int(data["next_label"])
        if mat.shape != (len(ids), self.dim) or len(labels) != len(ids) or (len(labels) and labels.max() >= next_label):
            raise ValueError(f"snapshot {name}: {mat.shape} vectors, {len(labels)} labels for {len(ids)} ids of dim {self.dim}")
        self._label_of, self._ids = {}, []
        self._matrix, self._alive = np.zeros((0, self.dim), dtype=np.float32), np.zeros(0, dtype=bool)
        self._next_label = next_label
        self._grow(max(next_label, 1024))
        self._matrix[labels] = mat
        self._alive[labels] = True
        for doc_id, label in zip(ids, labels.tolist()):
            self._label_of[doc_id] = label
            self._ids[label] = doc_id
        self._changed()
        graph, lists = folder / f"{name}.hnsw.faiss", folder / f"{name}.ivf.faiss"
        self._trained_for = 0
        if graph.exists():
            self._index = faiss.read_index(str(graph))
            # not stored in the file: later adds to a loaded graph link like the ones it was built with
            faiss.downcast_index(self._index.index).keep_max_size_level0 = self.hnsw_keep_pruned
            self._kind = "hnsw"
            self._tombstones = set(data["tombstones"].tolist())
            self._free = self._unused_labels()
        elif lists.exists() and (index := faiss.read_index(str(lists))).ntotal == len(ids):
            self._index, self._kind, self._tombstones = index, "ivf", set()
            self._trained_for = int(data["trained_for"]) if "trained_for" in data.files else len(ids)
            self._free = self._unused_labels()
        else:
            self._kind, self._tombstones = "flat", set()
            self.rebuild()

    # ------------------------------------------------------------------ internals
    def _new_flat(self) -> faiss.Index:
        return faiss.IndexIDMap2(faiss.IndexFlatIP(self.dim))

    def _new_ivf(self, labels: np.ndarray) -> faiss.Index:
        """IVF-Flat (inner product) with lists trained by k-means on a fixed sample of the given live rows."""
        n = len(labels)
        nlist = max(1, min(self.ivf_nlist or ivf_nlist(n), n))
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(self.dim), self.dim, nlist, faiss.METRIC_INNER_PRODUCT)
        index.nprobe = self.ivf_nprobe
        index.cp.min_points_per_centroid = 1  # small test indexes: no FAISS warning about too few points
        sample = labels
        if n > IVF_TRAIN_PER_LIST * nlist:
            sample = np.sort(np.random.default_rng(0).choice(labels, IVF_TRAIN_PER_LIST * nlist, replace=False))
        index.train(self._matrix[sample] if len(sample) else np.zeros((nlist, self.dim), dtype=np.float32))
        return index

    def _new_hnsw(self) -> faiss.Index:
        hnsw = faiss.IndexHNSWFlat(self.dim, self.hnsw_m, faiss.METRIC_INNER_PRODUCT)
        hnsw.hnsw.efConstruction = self.ef_construction
        hnsw.keep_max_size_level0 = self.hnsw_keep_pruned
        hnsw.hnsw.efSearch = self.ef_search
        return faiss.IndexIDMap(hnsw)
