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

from services.matching.documents import Document, build_document
from services.matching.encoder import Encoder
from services.matching.index.dense import DenseIndex
from services.matching.index.lexical import LexicalIndex
from services.matching.store import MATCHABLE_ENTITIES, RecordStore, StoredRecord
from shared.schemas import ChangeEvent, ChangeOp, Entity, RecordStatus

DELETED = "deleted"


class EntityIndex:
    """Dense + lexical indexes and documents for the published records of one entity."""

    def __init__(self, entity: Entity, dim: int, ann_threshold: int) -> None:
        self.entity = entity
        # Compaction (HNSW rebuild, flat -> HNSW switch) runs outside the read lock: see MatchIndex.compact().
        self.dense = DenseIndex(dim, ann_threshold=ann_threshold, auto_compact=False)
        self.lexical = LexicalIndex()
        self.docs: dict[str, Document] = {}

    def __len__(self) -> int:
        return len(self.docs)

    def upsert(self, docs: list[Document], vectors: Any) -> None:
        if not docs:
            return
        self.dense.upsert([d.id for d in docs], vectors)
        for doc in docs:
            self.lexical.upsert_weighted(doc.id, doc.weighted_fields)
            self.docs[doc.id] = doc

    def remove(self, ids: Iterable[str]) -> None:
        ids = [i for i in ids if i in self.docs]
        self.dense.remove(ids)
        for i in ids:
            self.lexical.remove(i)
            del self.docs[i]


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
    def __init__(self, encoder: Encoder, *, ann_threshold: int = 20_000) -> None:
        self.encoder = encoder
        self.ann_threshold = ann_threshold
        self.store = RecordStore()
        self.entities = {e: EntityIndex(e, encoder.dim, ann_threshold) for e in MATCHABLE_ENTITIES}
        self.cursor = 0  # last feed seq applied
        self.lock = threading.RLock()  # one writer (the feed follower) and many readers

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
        for (entity, _), rec in latest.items():
            if rec.published:
                docs_by_entity.setdefault(entity, []).append(build_document(entity, rec.fields))
        vectors = {e: self.encoder.encode([d.text for d in docs]) for e, docs in docs_by_entity.items()}
        with self.lock:
            for (entity, record_id), rec in latest.items():
                self.store.put(rec)
                if not rec.published:
                    self[entity].remove([record_id])
                result.ids.append((entity, record_id))
            for entity, docs in docs_by_entity.items():
                self[entity].upsert(docs, vectors[entity])
            for entity_index in self.entities.values():
                entity_index.lexical.refresh()
            self.cursor = max(self.cursor, last_seq)
        result.applied = len(latest)
        self.compact()
        return result

    def compact(self) -> None:
        """Rebuild dense indexes that need it (tombstones, size crossing ann_threshold) while searches go on;
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
        vectors = self.encoder.encode([d.text for d in docs])
        with self.lock:
            for r in records:
                fields = {**r, "status": RecordStatus.published.value}
                self.store.put(StoredRecord(entity.value, str(r["id"]), int(r.get("version", 1)), "published", fields))
            self[entity].upsert(docs, vectors)
            self[entity].lexical.refresh()
        self.compact()

    def counts(self) -> dict[str, Any]:
        return {
            entity.value: {"indexed": len(ix), "dense": ix.dense.kind, "tombstones": ix.dense.tombstones,
                           "by_status": self.store.counts()[entity.value]}
            for entity, ix in self.entities.items()
        }
