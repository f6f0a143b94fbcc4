"""Unit of work for writes: record changes and their feed events commit together, or not at all.

Services call `uow.emit(...)` while they change records; the events are appended at the end, just
before commit, so the feed lock (feed/repository.py) is held as briefly as possible and always taken
after any row locks (no lock-order deadlocks between record rows and the feed).
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlmodel import Session

from services.registry.db import Database
from services.registry.feed import repository as feed


@dataclass
class UnitOfWork:
    session: Session
    pending: list[tuple[str, str, str, int]] = field(default_factory=list)
    seqs: dict[tuple[str, str, int], int] = field(default_factory=dict)

    def emit(self, entity: str, record_id: str, op: str, version: int) -> None:
        self.pending.append((entity, record_id, op, version))

    def flush_events(self) -> int:
        """Append pending events to the feed; returns the last seq of this transaction (0 if none)."""
        if self.pending:
            self.session.flush()  # record writes first, so the feed lock is held only for the append and commit
            feed.lock_feed(self.session)
            seqs = feed.append_many(self.session, self.pending)
            for (entity, record_id, _, version), seq in zip(self.pending, seqs, strict=True):
                self.seqs[(entity, record_id, version)] = seq
        self.pending.clear()
        return max(self.seqs.values(), default=0)

    def seq_of(self, record_id: str, version: int) -> int:
        for (_, rid, ver), seq in self.seqs.items():
            if rid == record_id and ver == version:
                return seq
        return feed.last_seq_for(self.session, record_id)


@contextmanager
def unit_of_work(database: Database) -> Iterator[UnitOfWork]:
    """Yields a UnitOfWork; events are appended and everything is committed when the block ends."""
    with database.write() as session:
        uow = UnitOfWork(session)
        yield uow
        uow.flush_events()
