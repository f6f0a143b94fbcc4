"""Records seen on the feed, by entity: id -> (version, status, fields). The snapshot's source of truth for
idempotency (an event whose version is not newer than the stored one is skipped) and for filters/explanations."""
from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from shared.schemas import Entity, RecordStatus

MATCHABLE_ENTITIES = (Entity.technology, Entity.demand)


@dataclass
class StoredRecord:
    entity: str
    id: str
    version: int
    status: str  # RecordStatus value, or "deleted"
    fields: dict[str, Any] = field(default_factory=dict)

    @property
    def published(self) -> bool:
        return self.status == RecordStatus.published


class RecordStore:
    def __init__(self) -> None:
        self._records: dict[str, dict[str, StoredRecord]] = {e.value: {} for e in MATCHABLE_ENTITIES}

    def get(self, entity: Entity | str, record_id: str) -> StoredRecord | None:
        return self._records[Entity(entity).value].get(record_id)

    def version(self, entity: Entity | str, record_id: str) -> int:
        rec = self.get(entity, record_id)
        return rec.version if rec else 0

    def put(self, record: StoredRecord) -> None:
        self._records[Entity(record.entity).value][record.id] = record

    def published(self, entity: Entity | str) -> Iterator[StoredRecord]:
        return (r for r in self._records[Entity(entity).value].values() if r.published)

    def counts(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for entity, records in self._records.items():
            by_status: dict[str, int] = {}
            for r in records.values():
                by_status[r.status] = by_status.get(r.status, 0) + 1
            out[entity] = by_status
        return out

    def save(self, path: Path) -> None:
        with open(path, "w", encoding="utf-8") as fh:
            for records in self._records.values():
                for r in records.values():
                    fh.write(json.dumps(asdict(r), ensure_ascii=False, default=str) + "\n")

    @classmethod
    def load(cls, path: Path) -> "RecordStore":
        store = cls()
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    store.put(StoredRecord(**json.loads(line)))
        return store
