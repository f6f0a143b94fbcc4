"""Dense vector index on FAISS: exact inner product while small, HNSW once large.

In-process use (no HTTP):

    import numpy as np
    from services.matching.index.dense import DenseIndex
    index = DenseIndex(dim=512, ann_threshold=20_000)
    index.upsert(["T1", "T2"], vectors)             # float32 (n, dim), L2-normalised
    index.remove(["T2"])
    index.search(query_vectors, k=10)               # one [(id, cosine), ...] list per query row
    index.search(query_vectors, k=10, allowed_ids={"T1"})   # filtered search

Ids are strings; FAISS sees int64 labels. Below `ann_threshold` vectors the index is an `IndexIDMap2` over
`IndexFlatIP`, which removes ids for real. At or above it the index is HNSW, which cannot remove: a removed or
replaced vector becomes a tombstone (excluded from the graph walk by an `IDSelectorNot`) and the graph is
rebuilt from the live vectors once tombstones exceed `rebuild_ratio` of the live count. With
`auto_compact=False` (the service) writes never rebuild inline: the owner checks `needs_compaction`, builds the
replacement with `build_replacement()` outside its read lock and swaps it in with `install()`. Filtered searches over a small allowed set are
computed exactly with numpy (HNSW recall drops when most of the graph is filtered out).
"""
from __future__ import annotations

from collections.abc import Collection, Sequence
from pathlib import Path

import faiss
import numpy as np

EXACT_FILTER_LIMIT = 5_000


class DenseIndex:
    def __init__(
        self,
        dim: int,
        *,
        ann_threshold: int = 20_000,
        hnsw_m: int = 32,
        ef_search: int = 256,
        ef_construction: int = 80,
        rebuild_ratio: float = 0.2,
        auto_compact: bool = True,
    ) -> None:
        self.dim = dim
        self.ann_threshold = ann_threshold
        self.hnsw_m, self.ef_search, self.ef_construction = hnsw_m, ef_search, ef_construction
        self.rebuild_ratio = rebuild_ratio
        self.auto_compact = auto_compact
        self._label_of: dict[str, int] = {}  # live id -> label
        self._id_of: dict[int, str] = {}  # live label -> id
        self._vectors: dict[int, np.ndarray] = {}  # live label -> vector (source for rebuilds)
        self._tombstones: set[int] = set()
        self._next_label = 0
        self._index: faiss.Index = self._new_flat()
        self._hnsw = False
        self._background: np.ndarray | None = None  # cached sample for background(); reset on writes

    # ------------------------------------------------------------------ state
    def __len__(self) -> int:
        return len(self._label_of)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._label_of

    @property
    def kind(self) -> str:
        return "hnsw" if self._hnsw else "flat"

    @property
    def tombstones(self) -> int:
        return len(self._tombstones)

    def vector(self, doc_id: str) -> np.ndarray | None:
        label = self._label_of.get(doc_id)
        return None if label is None else self._vectors[label]

    def ids(self) -> list[str]:
        return list(self._label_of)

    # ------------------------------------------------------------------ writes
    def upsert(self, ids: Sequence[str], vectors: np.ndarray) -> None:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1, self.dim)
        if len(ids) != len(vectors):
            raise ValueError(f"{len(ids)} ids but {len(vectors)} vectors")
        if len(set(ids)) != len(ids):
            raise ValueError("duplicate ids in one upsert")
        self.remove([i for i in ids if i in self._label_of])
        self._background = None
        labels = np.arange(self._next_label, self._next_label + len(ids), dtype=np.int64)
        self._next_label += len(ids)
        for doc_id, label, vec in zip(ids, labels.tolist(), vectors):
            self._label_of[doc_id] = label
            self._id_of[label] = doc_id
            self._vectors[label] = vec.copy()
        if len(ids):
            self._index.add_with_ids(vectors, labels)
        if self.auto_compact and self.needs_compaction:
            self.rebuild()  # switch to HNSW once large

    def remove(self, ids: Collection[str]) -> None:
        labels = [self._label_of.pop(i) for i in ids if i in self._label_of]
        if not labels:
            return
        self._background = None
        for label in labels:
            del self._id_of[label]
            del self._vectors[label]
        if self._hnsw:
            self._tombstones.update(labels)
            if self.auto_compact and self.needs_compaction:
                self.rebuild()
        else:
            self._index.remove_ids(np.asarray(labels, dtype=np.int64))

    @property
    def needs_compaction(self) -> bool:
        """True when the index kind no longer fits the size, or tombstones exceed `rebuild_ratio` of live."""
        return self._hnsw != self._wants_hnsw() or (
            self._hnsw and len(self._tombstones) > self.rebuild_ratio * max(len(self._label_of), 1))

    def _wants_hnsw(self) -> bool:
        # Hysteresis: back to flat only well below the threshold, so sizes near it do not flip-flop.
        limit = self.ann_threshold // 2 if self._hnsw else self.ann_threshold
        return len(self._label_of) >= max(limit, 1)

    def rebuild(self) -> None:
        """Build a fresh index from the live vectors (drops tombstones; picks flat or HNSW by size)."""
        self.install(self.build_replacement())

    def build_replacement(self) -> tuple[faiss.Index, bool, frozenset[int]]:
        """A new index over the current live vectors; only reads, so it may run while others search."""
        hnsw = self._wants_hnsw()
        index = self._new_hnsw() if hnsw else self._new_flat()
        vectors = dict(self._vectors)
        if vectors:
            labels = np.fromiter(vectors.keys(), dtype=np.int64, count=len(vectors))
            index.add_with_ids(np.stack(list(vectors.values())), labels)
        return index, hnsw, frozenset(vectors)

    def install(self, replacement: tuple[faiss.Index, bool, frozenset[int]]) -> None:
        """Swap in a replacement, catching up with writes made while it was being built."""
        index, hnsw, built = replacement
        live = set(self._vectors)
        late = sorted(live - built)
        if late:
            index.add_with_ids(np.stack([self._vectors[label] for label in late]), np.asarray(late, dtype=np.int64))
        dead = built - live
        tombstones: set[int] = set()
        if dead and hnsw:
            tombstones = set(dead)
        elif dead:
            index.remove_ids(np.fromiter(dead, dtype=np.int64, count=len(dead)))
        self._index, self._hnsw, self._tombstones = index, hnsw, tombstones

    # ------------------------------------------------------------------ reads
    def search(
        self, queries: np.ndarray, k: int, allowed_ids: Collection[str] | None = None
    ) -> list[list[tuple[str, float]]]:
        queries = np.ascontiguousarray(queries, dtype=np.float32).reshape(-1, self.dim)
        if not self._label_of or k <= 0:
            return [[] for _ in range(len(queries))]
        if allowed_ids is not None:
            allowed = [self._label_of[i] for i in allowed_ids if i in self._label_of]
            if not allowed:
                return [[] for _ in range(len(queries))]
            if not self._hnsw or len(allowed) <= EXACT_FILTER_LIMIT:
                return self._exact(queries, k, allowed)
            return self._faiss(queries, k, faiss.IDSelectorBatch(np.asarray(allowed, dtype=np.int64)))
        return self._faiss(queries, k, None)

    def similarity(self, query: np.ndarray, ids: Collection[str]) -> dict[str, float]:
        """Exact cosine between one query vector and the given live ids."""
        present = [i for i in ids if i in self._label_of]
        if not present:
            return {}
        mat = np.stack([self._vectors[self._label_of[i]] for i in present])
        sims = mat @ np.asarray(query, dtype=np.float32).reshape(-1)
        return dict(zip(present, sims.astype(float).tolist()))

    def background(self, query: np.ndarray, sample: int = 1024) -> tuple[float, float, int]:
        """Mean and std of the query's cosine to a fixed spread-out sample of indexed vectors: how similar
        "anything" is to this query, so a hit's similarity can be judged relative to it. Returns (mean, std, n)."""
        if self._background is None:
            labels = list(self._vectors)
            step = max(len(labels) // sample, 1)
            self._background = np.stack([self._vectors[label] for label in labels[::step][:sample]]) if labels else None
        if self._background is None:
            return 0.0, 1.0, 0
        sims = self._background @ np.asarray(query, dtype=np.float32).reshape(-1)
        return float(sims.mean()), float(sims.std()), len(sims)

    def _exact(self, queries: np.ndarray, k: int, labels: list[int]) -> list[list[tuple[str, float]]]:
        mat = np.stack([self._vectors[label] for label in labels])
        sims = queries @ mat.T
        out = []
        for row in sims:
            top = np.argsort(-row, kind="stable")[:k]
            out.append([(self._id_of[labels[j]], float(row[j])) for j in top])
        return out

    def _faiss(self, queries: np.ndarray, k: int, selector: faiss.IDSelector | None) -> list[list[tuple[str, float]]]:
        fetch = min(k, self._index.ntotal)
        params = None
        if self._hnsw and self._tombstones and selector is None:
            # skip tombstones inside the graph walk instead of over-fetching past them
            dead = faiss.IDSelectorBatch(np.fromiter(self._tombstones, dtype=np.int64))  # kept alive by this frame
            selector = faiss.IDSelectorNot(dead)
        if self._hnsw:
            params = faiss.SearchParametersHNSW(efSearch=max(self.ef_search, fetch), sel=selector)
        elif selector is not None:
            params = faiss.SearchParameters(sel=selector)
        scores, labels = self._index.search(queries, fetch, params=params)
        out = []
        for row_scores, row_labels in zip(scores, labels):
            hits = [
                (self._id_of[int(label)], float(score))
                for score, label in zip(row_scores, row_labels)
                if label >= 0 and int(label) in self._id_of
            ]
            out.append(hits[:k])
        return out

    # ------------------------------------------------------------------ persistence
    def save(self, folder: Path, name: str) -> None:
        """Write vectors, ids and labels; an HNSW graph is written too (with its tombstones), so loading a
        large index does not rebuild the graph. A flat index is rebuilt on load (cheap and exact)."""
        ids = list(self._label_of)
        labels = np.asarray([self._label_of[i] for i in ids], dtype=np.int64)
        mat = np.stack([self._vectors[int(label)] for label in labels]) if ids else np.zeros((0, self.dim), np.float32)
        np.savez(folder / f"{name}.npz", vectors=mat.astype(np.float32), labels=labels,
                 tombstones=np.asarray(sorted(self._tombstones), dtype=np.int64), next_label=self._next_label)
        with open(folder / f"{name}.ids.txt", "w", encoding="utf-8") as fh:
            fh.write("\n".join(ids))
        if self._hnsw:
            faiss.write_index(self._index, str(folder / f"{name}.hnsw.faiss"))

    def load(self, folder: Path, name: str) -> None:
        data = np.load(folder / f"{name}.npz")
        mat, labels = data["vectors"], data["labels"]
        raw = (folder / f"{name}.ids.txt").read_text(encoding="utf-8")
        ids = raw.split("\n") if raw else []
        if mat.shape != (len(ids), self.dim) or len(labels) != len(ids):
            raise ValueError(f"snapshot {name}: {mat.shape} vectors, {len(labels)} labels for {len(ids)} ids of dim {self.dim}")
        self._label_of = {doc_id: int(label) for doc_id, label in zip(ids, labels)}
        self._id_of = {int(label): doc_id for doc_id, label in zip(ids, labels)}
        self._vectors = {int(label): mat[i] for i, label in enumerate(labels)}
        self._next_label = int(data["next_label"])
        self._background = None
        graph = folder / f"{name}.hnsw.faiss"
        if graph.exists():
            self._index = faiss.read_index(str(graph))
            self._hnsw = True
            self._tombstones = set(data["tombstones"].tolist())
        else:
            self.rebuild()

    # ------------------------------------------------------------------ internals
    def _new_flat(self) -> faiss.Index:
        return faiss.IndexIDMap2(faiss.IndexFlatIP(self.dim))

    def _new_hnsw(self) -> faiss.Index:
        hnsw = faiss.IndexHNSWFlat(self.dim, self.hnsw_m, faiss.METRIC_INNER_PRODUCT)
        hnsw.hnsw.efConstruction = self.ef_construction
        hnsw.hnsw.efSearch = self.ef_search
        return faiss.IndexIDMap(hnsw)
