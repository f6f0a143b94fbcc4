"""The derived state of the service: record store + per-entity dense and lexical indexes + feed cursor.

`MatchIndex.apply(events, last_seq)` applies a page of the registry change feed idempotently by (id, version):
an event whose record version is not newer than the stored one is skipped, so replaying a page after a crash
changes nothing. Only `published` records are indexed; any other status (or a delete) removes the record.

In-process use without the feed (evaluation, benchmarks):

    index = MatchIndex(load_encoder())
    index.index_records("technology", [{"id": "S01", "title": "...", "description": "..."}])
"""
from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from services.matching.chunking import ChunkedEncoder
from services.matching.documents import Document, build_document, display_title
from services.matching.encoder import Encoder
from services.matching.index.backend import VectorBackend, make_backend
from services.matching.index.filters import FilterIndex
from services.matching.index.lexical import LexicalIndex
from services.matching.index.params import DEFAULT_OPTIONS, IndexOptions
from services.matching.index.titles import TitleVectors
from services.matching.store import MATCHABLE_ENTITIES, RecordStore, StoredRecord
from shared.matching_schemas import SearchFilters
from shared.schemas import ChangeEvent, ChangeOp, Entity, RecordStatus

DELETED = "deleted"


class EntityIndex:
    """Dense + lexical indexes, filter columns, title vectors and documents for the published records of one
    entity. Dense, lexical and filters share the dense index's labels, so a filter is computed once as a mask and
    applied to both retrievers."""

    def __init__(self, entity: Entity, dim: int, options: IndexOptions = DEFAULT_OPTIONS, *,
                 vector_backend: str = "faiss", milvus: dict[str, Any] | None = None) -> None:
        self.entity = entity
        # Compaction (HNSW rebuild, switch of kind by size, IVF retraining) runs outside the read lock: see MatchIndex.compact().
        self.dense: VectorBackend = make_backend(vector_backend, dim, entity.value, options, **(milvus or {}))
        self.lexical = LexicalIndex()
        self.filters = FilterIndex(entity)
        self.titles = TitleVectors(dim)
        self.docs: dict[str, Document] = {}

    def __len__(self) -> int:
        return len(self.docs)

    def upsert(self, docs: list[Document], vectors: Any, records: list[dict[str, Any]], title_vectors: Any) -> None:
        """Index documents with their vectors, the record fields the filters read and the vectors of the records'
        titles (`display_title`), all in the same order."""
        if not docs:
            return
        labels = self.dense.upsert([d.id for d in docs], vectors, records)
        self.filters.set(labels, records)
        self.titles.set([d.id for d in docs], [display_title(r) for r in records], title_vectors)
        for doc, label in zip(docs, labels.tolist()):
            self.lexical.upsert_weighted(doc.id, doc.weighted_fields, key=label)
            self.docs[doc.id] = doc

    def remove(self, ids: Iterable[str], versions: Iterable[int] | None = None) -> None:
        """Remove records; `versions` (of the delete or unpublish) guard a shared Milvus against stale writes."""
        ids = list(ids)
        if versions is not None:  # a backend that keeps versions records the delete even for an unknown id
            self.filters.clear(self.dense.labels(ids))
            self.dense.remove(ids, list(versions))
        else:
            ids = [i for i in ids if i in self.docs]
            self.filters.clear(self.dense.labels(ids))
            self.dense.remove(ids)
        ids = [i for i in ids if i in self.docs]
        self.titles.remove(ids)
        for i in ids:
            self.lexical.remove(i)
            del self.docs[i]

    def restore(self, records: Iterable[dict[str, Any]]) -> list[tuple[str, str]]:
        """After `dense.load()` and `titles.load()`: rebuild documents, lexical index and filter columns of the
        loaded records. Returns (id, title) of the records whose title vector the snapshot did not hold."""
        missing: list[tuple[str, str]] = []
        for record in records:
            doc = build_document(self.entity, record)
            label = self.dense.label(doc.id)
            if label is None:
                continue
            self.docs[doc.id] = doc
            self.filters.set([label], [record])
            self.lexical.upsert_weighted(doc.id, doc.weighted_fields, key=label)
            title = display_title(record)
            if not self.titles.holds(doc.id, title):
                missing.append((doc.id, title))
        self.lexical.refresh()
        return missing

    def allowed(self, filters: SearchFilters | None, exclude: Iterable[str] = ()) -> np.ndarray | None:
        """Bool mask over labels of the records passing `filters` minus `exclude`; None = no restriction."""
        mask = self.filters.allowed(filters, self.dense.capacity)
        exclude = list(exclude)
        if exclude:
            mask = self.dense.alive_mask().copy() if mask is None else mask
            mask[self.dense.labels(exclude)] = False
        return mask

    def dense_search(self, qvec: np.ndarray, k: int, allowed: np.ndarray | None, filters: SearchFilters | None,
                     exclude: Iterable[str] = ()) -> list[tuple[str, float]]:
        """Dense top-k of one query: FAISS applies the label mask, Milvus the filters as its own expression."""
        return self.dense.search(qvec, k, allowed=allowed, filters=filters, exclude=exclude)[0]


@dataclass
class ApplyResult:
    applied: int = 0
    skipped: int = 0
    ids: list[tuple[str, str]] = field(default_factory=list)  # (entity, id) changed


def _stored_from_event(event: ChangeEvent) -> StoredRecord:
    if event.op == ChangeOp.delete or event.record is None:
        return StoredRecord(event.entity.value, event.id, event.version, DELETED, {})
    record = event.record
    # The feed carries the record as it is NOW, possibly newer than this event's version.
    version = max(int(record.get("version", event.version)), event.version)
    return StoredRecord(event.entity.value, event.id, version, str(record.get("status", "")), dict(record))


class MatchIndex:
    def __init__(self, encoder: Encoder, *, options: IndexOptions = DEFAULT_OPTIONS, vector_backend: str = "faiss",
                 milvus: dict[str, Any] | None = None) -> None:
        """`options`: how the dense indexes are built (index/params.py). `vector_backend` "faiss" (embedded) or
        "milvus" with `milvus` = {"milvus_uri": ..., "milvus_collection": ..., "milvus_token": ...} (see
        index/backend.py). The service passes `MatchingSettings.index_options()`."""
        # Records and queries are encoded whole (mean of chunk vectors), through this one encoder.
        self.encoder = encoder if isinstance(encoder, ChunkedEncoder) else ChunkedEncoder(encoder)
        self.options = options
        self.store = RecordStore()
        self.vector_backend = vector_backend
        self.milvus = milvus
        self.entities = self._new_entities()
        self.cursor = 0  # last feed seq applied
        self.reused_vectors = 0  # documents whose text was unchanged, so their vector was not encoded again
        self.lock = threading.RLock()  # one writer (the feed follower) and many readers

    def _new_entities(self) -> dict[Entity, EntityIndex]:
        return {e: EntityIndex(e, self.encoder.dim, self.options, vector_backend=self.vector_backend, milvus=self.milvus)
                for e in MATCHABLE_ENTITIES}

    def empty_copy(self) -> MatchIndex:
        """A new, empty index with the same encoder and settings (a full rebuild fills it from the feed). On
        Milvus it writes the same collections: replayed versions rewrite rows with the same content."""
        return MatchIndex(self.encoder, options=self.options, vector_backend=self.vector_backend, milvus=self.milvus)

    def reset(self) -> None:
        """Back to empty at seq 0 (a snapshot that cannot be used; the feed then rebuilds everything). Rows a
        Milvus collection holds stay and are rewritten by the replay (same versions)."""
        with self.lock:
            self.store, self.entities, self.cursor = RecordStore(), self._new_entities(), 0

    def __getitem__(self, entity: Entity | str) -> EntityIndex:
        return self.entities[Entity(entity)]

    def apply(self, events: list[ChangeEvent], last_seq: int) -> ApplyResult:
        """Apply one feed page and move the cursor to `last_seq`, all under the lock."""
        result = ApplyResult()
        latest: dict[tuple[str, str], StoredRecord] = {}
        for event in events:
            if event.entity not in MATCHABLE_ENTITIES:
                continue
            new = _stored_from_event(event)
            key = (new.entity, new.id)
            known = latest.get(key) or self.store.get(new.entity, new.id)
            if known is not None and new.version <= known.version:
                result.skipped += 1
                continue
            latest[key] = new
        # Encode outside the lock: searches keep running meanwhile.
        docs_by_entity: dict[str, list[Document]] = {}
        fields_by_entity: dict[str, list[dict[str, Any]]] = {}
        for (entity, _), rec in latest.items():
            if rec.published:
                docs_by_entity.setdefault(entity, []).append(build_document(entity, rec.fields))
                fields_by_entity.setdefault(entity, []).append(rec.fields)
        vectors = {e: self._vectors(e, docs, fields_by_entity[e]) for e, docs in docs_by_entity.items()}
        with self.lock:
            for (entity, record_id), rec in latest.items():
                self.store.put(rec)
                if not rec.published:
                    self[entity].remove([record_id], [rec.version])
                result.ids.append((entity, record_id))
            for entity, docs in docs_by_entity.items():
                doc_vectors, title_vectors = vectors[entity]
                self[entity].upsert(docs, doc_vectors, fields_by_entity[entity], title_vectors)
            for entity_index in self.entities.values():
                entity_index.lexical.refresh()
            self.cursor = max(self.cursor, last_seq)
        result.applied = len(latest)
        self.compact()
        return result

    def _vectors(self, entity: str, docs: list[Document], records: list[dict[str, Any]]) -> tuple[np.ndarray, np.ndarray]:
        """Vectors of a page's documents and of their records' titles, each encoded in one batch. A record whose
        document text is the one already indexed (an update of price, status, evaluation...) keeps its stored
        vector instead of being encoded again, and likewise its title vector. Called by the single writer, so the
        indexed documents and vectors cannot change meanwhile."""
        ix = self[entity]
        stored = [ix.dense.vector(doc.id) if (known := ix.docs.get(doc.id)) is not None and known.text == doc.text
                  else None for doc in docs]
        vectors = self._encode_unless_stored([doc.text for doc in docs], stored)
        self.reused_vectors += sum(v is not None for v in stored)
        titles = [display_title(r) for r in records]
        title_vectors = self._encode_unless_stored(titles, [ix.titles.stored(doc.id, t) for doc, t in zip(docs, titles)])
        return vectors, title_vectors

    def _encode_unless_stored(self, texts: list[str], stored: list[np.ndarray | None]) -> np.ndarray:
        """One row per text: its stored vector where there is one, the others encoded in one batch."""
        out = np.zeros((len(texts), self.encoder.dim), dtype=np.float32)
        todo = [row for row, vector in enumerate(stored) if vector is None]
        for row, vector in enumerate(stored):
            if vector is not None:
                out[row] = vector
        if todo:
            out[todo] = self.encoder.encode([texts[row] for row in todo])
        return out

    def fill_titles(self, missing: dict[Entity, list[tuple[str, str]]]) -> int:
        """Encode and store the title vectors a loaded snapshot did not hold (one written before they were
        stored). Returns how many were encoded."""
        for entity, pairs in missing.items():
            if pairs:
                ids, titles = zip(*pairs)
                self[entity].titles.set(list(ids), list(titles), self.encoder.encode(list(titles)))
        return sum(len(p) for p in missing.values())

    def compact(self) -> None:
        """Rebuild dense indexes that need it (tombstones, size crossing ann_threshold / ivf_from, IVF grown past
        its training) while searches go on;
        only the swap takes the lock. Called by the single writer after each batch."""
        for entity_index in self.entities.values():
            if entity_index.dense.needs_compaction:
                replacement = entity_index.dense.build_replacement()
                with self.lock:
                    entity_index.dense.install(replacement)

    def index_records(self, entity: Entity | str, records: list[dict[str, Any]]) -> None:
        """Index records directly (no feed): each dict needs an `id`; treated as published version 1."""
        entity = Entity(entity)
        docs = [build_document(entity, r) for r in records]
        fields = [{**r, "status": RecordStatus.published.value} for r in records]
        vectors, title_vectors = self._vectors(entity.value, docs, fields)
        with self.lock:
            for r in fields:
                self.store.put(StoredRecord(entity.value, str(r["id"]), int(r.get("version", 1)), "published", r))
            self[entity].upsert(docs, vectors, fields, title_vectors)
            self[entity].lexical.refresh()
        self.compact()

    def counts(self) -> dict[str, Any]:
        return {
            entity.value: {"indexed": len(ix), "dense": ix.dense.kind, "tombstones": ix.dense.tombstones,
                           "by_status": self.store.counts()[entity.value]}
            for entity, ix in self.entities.items()
        }
