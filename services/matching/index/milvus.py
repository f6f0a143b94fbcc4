"""Dense index on Milvus (pymilvus MilvusClient): the same interface as the FAISS DenseIndex (backend.py).

    from services.matching.index.milvus import MilvusIndex
    index = MilvusIndex(512, uri="var/milvus.db", collection="matching_technology", entity="technology")
    index.upsert(["T1"], vectors, records=[{"id": "T1", "version": 3, "domain": "clean_energy"}])
    index.search(query_vectors, k=10, filters=SearchFilters(domain="clean_energy"))

`uri` is a local file path (milvus-lite runs embedded, started by pymilvus) or `http(s)://host:19530` (a Milvus
cluster or standalone server; `token` "user:password" or an API key). One collection per entity holds the
vector, the record version, an `alive` flag and the filterable fields as scalar fields, so filters run inside
Milvus as a scalar filter expression (`domain == "..." and province == 33 and trl >= 7 ...`), the same
decisions as FilterIndex.allowed / fit.passes (tests/matching/test_vector_backends.py checks them against each
other).

Idempotent by (id, version): an upsert or delete whose version is older than the row's is skipped, and a
delete leaves a tombstone row (alive = false, its version kept), so a late, stale upsert from a replica that is
behind cannot bring a deleted record back. Equal versions are rewritten (a replay after a crash heals a
partly written batch). The version check and the write are two calls, so two writers racing on one id can
still interleave; the feed has one writer per replica and every replica writes the same (id, version) pairs.

Labels: the lexical index and the filter columns of this process are aligned to int labels, as with FAISS;
labels live only here (replicas sharing a collection number records differently), Milvus knows records by id.
Hits are limited to the ids this process has applied, so a replica never shows a record its store lacks.

Index: a cluster gets HNSW with the same M / efConstruction / ef as the FAISS defaults; milvus-lite gets FLAT
(exact: the tests' reference) unless `index_type` says otherwise. milvus-lite 3.x is a pure-Python
re-implementation of Milvus serving gRPC from a thread of this process: rows land in a Python memtable (searched
by brute force after converting every row's vector to a list, per query) until 128 MB of them are flushed into a
segment of at most 100k rows; each sealed segment gets the requested index (FLAT: numpy brute force; HNSW,
IVF_FLAT: a faiss index per segment, built by a background thread), and every search or non-primary-key query
also walks all rows in Python to resolve upserted duplicates. `flush()` seals the memtable (call it after a bulk
load). So lite is a functional double of Milvus, not a performance figure for a cluster.

Writes cost milvus-lite about 0.5-1 ms per row (it validates every float of every vector in Python); the
version check before an upsert is a primary-key `get` (a point lookup per id, also on lite), not a scan.

The service's snapshot holds only the id/label map: vectors stay in Milvus, and a snapshot whose ids Milvus lacks
(a wiped collection) is refused on load, so the service rebuilds from the feed.
"""
from __future__ import annotations

import json
import logging
import threading
from collections.abc import Collection, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from shared.matching_schemas import SearchFilters

log = logging.getLogger(__name__)
# Unsealed rows after which a snapshot flushes a Milvus cluster too (lite: at every snapshot).
FLUSH_ROWS = 50_000

_CLIENTS: dict[tuple[str, str | None], Any] = {}  # one client per (uri, token): milvus-lite opens a file once
_CLIENTS_LOCK = threading.Lock()
_IN_CHUNK = 4_000  # ids per `id in [...]` expression


def milvus_client(uri: str, token: str | None = None) -> Any:
    from pymilvus import MilvusClient

    key = (str(uri), token)
    with _CLIENTS_LOCK:
        if key not in _CLIENTS:
            _CLIENTS[key] = MilvusClient(uri=str(uri), token=token or "")
        return _CLIENTS[key]


def is_lite(uri: str) -> bool:
    return not str(uri).startswith(("http://", "https://", "tcp://", "grpc://"))


class MilvusIndex:
    def __init__(self, dim: int, *, uri: str, collection: str, entity: str = "technology", token: str | None = None,
                 hnsw_m: int = 32, ef_search: int = 256, ef_construction: int = 80,
                 index_type: str | None = None) -> None:
        from services.matching.index.filters import FilterIndex  # the same record -> column decisions

        self.dim, self.uri, self.collection = dim, str(uri), collection
        self.ef_search = ef_search
        self._columns = FilterIndex(entity)
        self.client = milvus_client(self.uri, token)
        self.index_type = (index_type or ("FLAT" if is_lite(self.uri) else "HNSW")).upper()
        if self.index_type not in ("FLAT", "HNSW"):
            raise ValueError(f"index_type {index_type!r}: FLAT or HNSW")
        self._ensure_collection(hnsw_m, ef_construction)
        self._label_of: dict[str, int] = {}
        self._ids: list[str | None] = []
        self._alive = np.zeros(0, dtype=bool)
        self._next_label = 0
        self._free: list[int] = []
        self._background: np.ndarray | None = None
        self._unflushed = 0  # rows written since the last flush()

    # ------------------------------------------------------------------ collection
    def _ensure_collection(self, hnsw_m: int, ef_construction: int) -> None:
        from pymilvus import DataType, MilvusClient

        if self.client.has_collection(self.collection):
            fields = self.client.describe_collection(self.collection).get("fields", [])
            dims = [int(f.get("params", {}).get("dim", 0)) for f in fields if f.get("name") == "vector"]
            if dims == [self.dim]:
                self.client.load_collection(self.collection)
                return
            log.warning("collection %s has vectors of dim %s, not %s: dropped (derived data, rebuilt from the feed)",
                        self.collection, dims, self.dim)
            self.client.drop_collection(self.collection)
        schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("id", DataType.VARCHAR, is_primary=True, max_length=256)
        schema.add_field("vector", DataType.FLOAT_VECTOR, dim=self.dim)
        schema.add_field("version", DataType.INT64)
        schema.add_field("alive", DataType.BOOL)
        schema.add_field("domain", DataType.VARCHAR, max_length=128)
        for name in ("province", "city", "county", "stage", "trl", "eval_until"):
            schema.add_field(name, DataType.INT64)
        schema.add_field("modes", DataType.ARRAY, element_type=DataType.VARCHAR, max_capacity=16, max_length=64)
        for name in ("price", "budget", "eval_score"):
            schema.add_field(name, DataType.DOUBLE)
        schema.add_field("price_known", DataType.BOOL)
        schema.add_field("budget_known", DataType.BOOL)
        params = self.client.prepare_index_params()
        if self.index_type == "HNSW":
            params.add_index(field_name="vector", index_type="HNSW", metric_type="IP",
                             params={"M": hnsw_m, "efConstruction": ef_construction})
        else:
            params.add_index(field_name="vector", index_type="FLAT", metric_type="IP")
        self.client.create_collection(self.collection, schema=schema, index_params=params, consistency_level="Strong")

    def drop(self) -> None:
        """Delete the collection (tests, benchmarks)."""
        self.client.drop_collection(self.collection)

    def flush(self) -> None:
        """Seal the rows written so far into indexed segments. Call after a bulk load: milvus-lite otherwise keeps
        up to 128 MB of rows in its memtable, which every query converts row by row (seconds per query at 50k
        rows); a cluster seals growing segments itself, so there it only makes the index cover them sooner."""
        self.client.flush(self.collection)
        self._unflushed = 0

    # ------------------------------------------------------------------ state (local labels)
    def __len__(self) -> int:
        return len(self._label_of)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._label_of

    @property
    def kind(self) -> str:
        return f"milvus:{self.index_type.lower()}"

    @property
    def tombstones(self) -> int:
        return 0  # Milvus compacts its own segments

    @property
    def capacity(self) -> int:
        return self._next_label

    @property
    def needs_compaction(self) -> bool:
        return False

    def build_replacement(self) -> None:
        return None

    def install(self, replacement: Any) -> None:
        return None

    def rebuild(self) -> None:
        return None

    def ids(self) -> list[str]:
        return list(self._label_of)

    def label(self, doc_id: str) -> int | None:
        return self._label_of.get(doc_id)

    def labels(self, ids: Collection[str]) -> np.ndarray:
        return np.asarray([self._label_of[i] for i in ids if i in self._label_of], dtype=np.int64)

    def alive_mask(self) -> np.ndarray:
        return self._alive[: self._next_label]

    def _assign(self, ids: Sequence[str]) -> np.ndarray:
        labels = []
        for doc_id in ids:
            label = self._label_of.get(doc_id)
            if label is None:
                label = self._free.pop() if self._free else self._next_label
                if label == self._next_label:
                    self._next_label += 1
                    if self._next_label > len(self._alive):
                        grow = max(self._next_label, 2 * len(self._alive), 1024)
                        self._alive = np.concatenate([self._alive, np.zeros(grow - len(self._alive), dtype=bool)])
                        self._ids.extend([None] * (grow - len(self._ids)))
                self._label_of[doc_id] = label
                self._ids[label] = doc_id
                self._alive[label] = True
            labels.append(label)
        return np.asarray(labels, dtype=np.int64)

    def _forget(self, ids: Iterable[str]) -> None:
        for doc_id in ids:
            label = self._label_of.pop(doc_id, None)
            if label is not None:
                self._alive[label] = False
                self._ids[label] = None
                self._free.append(label)

    # ------------------------------------------------------------------ writes
    def _get(self, ids: Sequence[str], fields: list[str]) -> list[dict[str, Any]]:
        """Rows by primary key (tombstones included), in chunks: a point lookup per id. A filter next to the id
        list (`alive == true and id in [...]`) would make milvus-lite scan every row instead."""
        rows: list[dict[str, Any]] = []
        for s in range(0, len(ids), _IN_CHUNK):
            rows.extend(self.client.get(self.collection, ids=list(ids[s : s + _IN_CHUNK]), output_fields=fields))
        return rows

    def _versions(self, ids: Sequence[str]) -> dict[str, int]:
        """Stored version per id (tombstones included)."""
        return {r["id"]: int(r["version"]) for r in self._get(ids, ["id", "version"])}

    def upsert(self, ids: Sequence[str], vectors: np.ndarray, records: Sequence[dict[str, Any]] | None = None,
               ) -> np.ndarray:
        """Add or replace vectors with their records' filter fields and versions (a record without `version`
        counts as 1); returns the local labels of `ids`, in order. Rows Milvus holds at a newer version are
        left as they are."""
        ids = [str(i) for i in ids]
        vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1, self.dim)
        if len(ids) != len(vectors):
            raise ValueError(f"{len(ids)} ids but {len(vectors)} vectors")
        if len(set(ids)) != len(ids):
            raise ValueError("duplicate ids in one upsert")
        records = list(records) if records is not None else [{"id": i} for i in ids]
        stored = self._versions(ids)
        rows = []
        for doc_id, vec, record in zip(ids, vectors, records):
            version = _version(record)
            if stored.get(doc_id, 0) > version:
                continue  # stale: Milvus already has a newer write of this record
            rows.append({"id": doc_id, "vector": vec, "version": version, "alive": True,  # float32 row: no list
                         **self._fields(record)})
        if rows:
            self.client.upsert(self.collection, data=rows)
            self._unflushed += len(rows)
        self._background = None
        return self._assign(ids)

    def remove(self, ids: Collection[str], versions: Sequence[int] | None = None) -> None:
        """Delete ids (at `versions`, default: whatever version Milvus holds): the row becomes a tombstone that
        keeps the version, unless Milvus already holds a newer write of the record."""
        ids = [str(i) for i in ids]
        if not ids:
            return
        stored = self._versions(ids)
        wanted = dict(zip(ids, versions)) if versions is not None else {}
        rows = []
        for doc_id in ids:
            version = int(wanted.get(doc_id, stored.get(doc_id, 0)))
            if doc_id not in stored and versions is None:
                continue  # nothing stored, and no version to guard against a stale write
            if stored.get(doc_id, 0) > version:
                continue
            rows.append({"id": doc_id, "vector": [0.0] * self.dim, "version": version, "alive": False,
                         **self._fields({})})
        if rows:
            self.client.upsert(self.collection, data=rows)
            self._unflushed += len(rows)
        self._forget(ids)
        self._background = None

    def _fields(self, record: dict[str, Any]) -> dict[str, Any]:
        """The scalar filter fields of a record, computed by FilterIndex (label 0 of a private one-row copy)."""
        from services.matching.fit import _modes, effective_domain

        cols = self._columns
        cols.set([0], [record])
        domain = str(effective_domain(record)[0] or "") if record else ""
        price, budget, score = float(cols.price[0]), float(cols.budget[0]), float(cols.eval_score[0])
        return {
            "domain": domain, "province": int(cols.province[0]), "city": int(cols.city[0]),
            "county": int(cols.county[0]), "stage": int(cols.stage[0]), "trl": int(cols.trl[0]),
            "eval_until": int(cols.eval_until[0]), "eval_score": -1.0 if np.isnan(score) else score,
            "modes": sorted(set(_modes(record, cols.entity)))[:16] if record else [],
            "price": 0.0 if np.isnan(price) else price, "price_known": not np.isnan(price),
            "budget": 0.0 if np.isnan(budget) else budget, "budget_known": not np.isnan(budget),
        }

    # ------------------------------------------------------------------ reads
    def search(self, queries: np.ndarray, k: int, allowed_ids: Collection[str] | None = None, *,
               allowed: np.ndarray | None = None, filters: SearchFilters | None = None,
               exclude: Iterable[str] = ()) -> list[list[tuple[str, float]]]:
        """Top-k per query row. `filters` and `exclude` become the Milvus filter expression; without them an
        `allowed_ids` set or `allowed` label mask is sent as an id list (exact, but long for large sets)."""
        queries = np.ascontiguousarray(queries, dtype=np.float32).reshape(-1, self.dim)
        if not self._label_of or k <= 0:
            return [[] for _ in range(len(queries))]
        exclude = list(exclude)
        expr = filter_expression(filters, exclude)
        # The caller's mask is the same filters over local labels: use it only when nothing else says what to keep.
        if allowed_ids is None and allowed is not None and filters is None and not exclude:
            n = min(len(allowed), self._next_label)
            allowed_ids = [self._ids[i] for i in np.flatnonzero(allowed[:n] & self._alive[:n])]
        if allowed_ids is not None:
            allowed_ids = [i for i in allowed_ids if i in self._label_of]
            if not allowed_ids:
                return [[] for _ in range(len(queries))]
            expr += f" and id in {_lit(allowed_ids)}"
        limit = min(k, 16_384)  # Milvus' top-k limit
        search_params: dict[str, Any] = {"metric_type": "IP"}
        if self.index_type == "HNSW":
            search_params["params"] = {"ef": max(self.ef_search, limit)}
        results = self.client.search(self.collection, data=[q.tolist() for q in queries], limit=limit,
                                     filter=expr, search_params=search_params,
                                     output_fields=["id"])
        return [[(str(hit["id"]), float(hit["distance"])) for hit in row if hit["id"] in self._label_of][:k]
                for row in results]

    def _vectors(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        return {r["id"]: np.asarray(r["vector"], dtype=np.float32)
                for r in self._get(ids, ["id", "vector", "alive"]) if r["alive"]}

    def vector(self, doc_id: str) -> np.ndarray | None:
        if doc_id not in self._label_of:
            return None
        return self._vectors([doc_id]).get(doc_id)

    def similarity(self, query: np.ndarray, ids: Collection[str]) -> dict[str, float]:
        present = [i for i in ids if i in self._label_of]
        if not present:
            return {}
        q = np.asarray(query, dtype=np.float32).reshape(-1)
        return {i: float(v @ q) for i, v in self._vectors(present).items()}

    def background(self, query: np.ndarray, sample: int = 1024) -> tuple[float, float, int]:
        """Mean and std of the query's cosine to a fixed sample of live vectors (see DenseIndex.background)."""
        if self._background is None:
            rows = self.client.query(self.collection, filter="alive == true", output_fields=["id", "vector"],
                                     limit=sample)
            vecs = [r["vector"] for r in rows if r["id"] in self._label_of]
            self._background = np.asarray(vecs, dtype=np.float32).reshape(-1, self.dim)
        if not len(self._background):
            return 0.0, 1.0, 0
        sims = self._background @ np.asarray(query, dtype=np.float32).reshape(-1)
        return float(sims.mean()), float(sims.std()), len(sims)

    # ------------------------------------------------------------------ persistence
    def save(self, folder: Path, name: str) -> None:
        """The id/label map only: the vectors are in Milvus. A snapshot is also the checkpoint where written rows
        are sealed (flush()): always on milvus-lite, whose queries slow down with every unsealed row, and on a
        cluster once FLUSH_ROWS have accumulated (it seals growing segments itself; frequent flushes only make
        small segments). The feed follower snapshots after a burst and at the end of a full rebuild."""
        if self._unflushed and (is_lite(self.uri) or self._unflushed >= FLUSH_ROWS):
            self.flush()
        ids = list(self._label_of)
        meta = {"collection": self.collection, "dim": self.dim, "next_label": self._next_label,
                "ids": ids, "labels": self.labels(ids).tolist()}
        (Path(folder) / f"{name}.milvus.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")

    def load(self, folder: Path, name: str) -> None:
        path = Path(folder) / f"{name}.milvus.json"
        if not path.exists():
            raise ValueError(f"snapshot {name}: no Milvus id map (made with another vector backend)")
        meta = json.loads(path.read_text(encoding="utf-8"))
        ids, labels = [str(i) for i in meta["ids"]], [int(x) for x in meta["labels"]]
        if meta.get("collection") != self.collection or int(meta.get("dim", 0)) != self.dim or len(ids) != len(labels):
            raise ValueError(f"snapshot {name}: made for collection {meta.get('collection')} of dim {meta.get('dim')}")
        live = {r["id"] for r in self._get(ids, ["id", "alive"]) if r["alive"]}
        missing = len(ids) - len(live)
        if missing:  # Milvus lost rows the snapshot relies on (or deleted them after it: the feed replays those)
            raise ValueError(f"snapshot {name}: {missing} of {len(ids)} ids are not live in {self.collection}")
        size = max(int(meta["next_label"]), 1024)
        self._label_of, self._ids = dict(zip(ids, labels)), [None] * size
        self._alive = np.zeros(size, dtype=bool)
        for doc_id, label in zip(ids, labels):
            self._ids[label] = doc_id
            self._alive[label] = True
        self._next_label = int(meta["next_label"])
        self._free = np.flatnonzero(~self._alive[: self._next_label]).tolist()[::-1]
        self._background = None


def _version(record: dict[str, Any]) -> int:
    try:
        return int(record.get("version") or 1)
    except (TypeError, ValueError):
        return 1


def _lit(value: Any) -> str:
    """A Milvus expression literal: strings double-quoted with backslash escapes, lists of them in brackets.
    (Filter templates would avoid this, but milvus-lite does not parse them.)"""
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_lit(v) for v in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def filter_expression(filters: SearchFilters | None, exclude: list[str]) -> str:
    """Milvus filter expression for `filters` minus `exclude`: the decisions of FilterIndex.allowed, unknown
    values failing or passing exactly as there."""
    from services.matching.index.filters import _STAGE_CODE

    parts = ["alive == true"]
    if exclude:
        parts.append(f"id not in {_lit(exclude)}")
    f = filters
    if f is not None:
        if f.domain:
            parts.append(f"domain == {_lit(f.domain)}")
        if f.region:
            r = f.region
            if r.endswith("0000"):
                parts.append(f"province == {int(r[:2])}")
            elif r.endswith("00"):
                parts.append(f"city == {int(r[:4])}")
            else:
                parts.append(f"county == {int(r)}")
        if f.trl_min is not None:
            parts.append(f"trl >= {int(f.trl_min)}")
        if f.stage is not None:
            parts.append(f"stage == {_STAGE_CODE[f.stage.value]}")
        if f.transfer_modes:
            parts.append(f"array_contains_any(modes, {_lit(sorted({m.value for m in f.transfer_modes}))})")
        if f.budget_max_cny is not None:
            parts.append(f"(price_known == false or price <= {float(f.budget_max_cny)!r})")
        if f.price_max_cny is not None:
            parts.append(f"(budget_known == false or budget >= {float(f.price_max_cny)!r})")
        if f.evaluated is not None or f.min_evaluation_score is not None:
            today = datetime.now(UTC).date().toordinal()
            if f.evaluated is not None:
                parts.append(f"eval_until >= {today}" if f.evaluated else f"eval_until < {today}")
            if f.min_evaluation_score is not None:
                parts.append(f"eval_until >= {today} and eval_score >= {float(f.min_evaluation_score)!r}")
    return " and ".join(parts)
