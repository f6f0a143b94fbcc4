"""What the matching service asks of a dense vector index, and the factory that picks one by setting.

Two backends implement `VectorBackend`:
- `faiss` (default, embedded): services/matching/index/dense.py, vectors in process memory, snapshot files.
- `milvus`: services/matching/index/milvus.py, vectors and scalar filter fields in a Milvus collection
  (milvus-lite from a local file path, or a Milvus cluster from an http(s) URI), for scale-out.

Every live id has an int *label* local to this process: the filter columns (filters.py) and the lexical index
(lexical.py) are aligned to it, so one bool mask over labels filters both retrievers. A backend that can filter
on its own side (Milvus) also receives the `SearchFilters` and excluded ids and may use them instead of the mask.
"""
from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np

from services.matching.index.params import DEFAULT_OPTIONS, IndexOptions
from shared.matching_schemas import SearchFilters

BackendName = Literal["faiss", "milvus"]


@runtime_checkable
class VectorBackend(Protocol):
    dim: int

    def __len__(self) -> int: ...
    def __contains__(self, doc_id: object) -> bool: ...

    @property
    def kind(self) -> str: ...  # "flat" / "hnsw" / "ivf" (FAISS), "milvus:<index type>"
    @property
    def tombstones(self) -> int: ...
    @property
    def capacity(self) -> int: ...  # labels in use are below this

    def ids(self) -> list[str]: ...
    def label(self, doc_id: str) -> int | None: ...
    def labels(self, ids: Collection[str]) -> np.ndarray: ...
    def alive_mask(self) -> np.ndarray: ...
    def vector(self, doc_id: str) -> np.ndarray | None: ...

    def upsert(self, ids: Sequence[str], vectors: np.ndarray, records: Sequence[dict[str, Any]] | None = None,
               ) -> np.ndarray: ...
    def remove(self, ids: Collection[str], versions: Sequence[int] | None = None) -> None: ...

    def search(self, queries: np.ndarray, k: int, allowed_ids: Collection[str] | None = None, *,
               allowed: np.ndarray | None = None, filters: SearchFilters | None = None,
               exclude: Iterable[str] = ()) -> list[list[tuple[str, float]]]: ...
    def similarity(self, query: np.ndarray, ids: Collection[str]) -> dict[str, float]: ...
    def background(self, query: np.ndarray, sample: int = 1024) -> tuple[float, float, int]: ...

    # compaction (FAISS: kind switch by size, HNSW tombstones, IVF retraining); a backend that compacts by itself answers False / no-ops
    @property
    def needs_compaction(self) -> bool: ...
    def build_replacement(self) -> Any: ...
    def install(self, replacement: Any) -> None: ...
    def rebuild(self) -> None: ...

    def save(self, folder: Path, name: str) -> None: ...
    def load(self, folder: Path, name: str) -> None: ...


def make_backend(backend: str, dim: int, entity: str, options: IndexOptions = DEFAULT_OPTIONS, *,
                 milvus_uri: str | None = None, milvus_collection: str = "matching",
                 milvus_token: str | None = None) -> VectorBackend:
    """The dense index of one entity for the configured backend (defaults: index/params.py; the IVF and flat/HNSW
    switch settings are FAISS-only)."""
    if backend == "faiss":
        from services.matching.index.dense import DenseIndex

        return DenseIndex(dim, ann_threshold=options.ann_threshold, auto_compact=False, search_threads=options.search_threads,
                          hnsw_m=options.hnsw_m, ef_search=options.ef_search, ef_construction=options.ef_construction,
                          ef_scale_from=options.ef_scale_from, hnsw_keep_pruned=options.hnsw_keep_pruned,
                          ivf_from=options.ivf_from, ivf_nprobe=options.ivf_nprobe)
    if backend == "milvus":
        from services.matching.index.milvus import MilvusIndex

        if not milvus_uri:
            raise ValueError("the milvus vector backend needs a URI (MATCHING_MILVUS_URI)")
        return MilvusIndex(dim, uri=milvus_uri, collection=f"{milvus_collection}_{entity}", entity=entity,
                           token=milvus_token, hnsw_m=options.hnsw_m, ef_search=options.ef_search,
                           ef_construction=options.ef_construction)
    raise ValueError(f"unknown vector backend {backend!r} (faiss or milvus)")
