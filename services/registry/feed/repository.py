"""Append to and read the change feed (transactional outbox).

Ordering guarantee: a reader that has seen seq N never later finds an event with seq < N.
- PostgreSQL: sequence values are handed out at INSERT time but become visible at COMMIT, so two writers
  can commit out of seq order and a follower that already moved past the later seq would skip the earlier
  one. We take a transaction-scoped advisory lock right before the first append of a transaction: the next
  writer cannot draw a seq until this transaction has committed or rolled back, so seq order = commit order.
  Writers append their events as the last step before commit (see uow.py), so the lock is held only for
  the append and the commit; record writes of concurrent transactions still run in parallel.
- SQLite: write transactions start with BEGIN IMMEDIATE (db.py), which serialises whole write
  transactions, so seq order = commit order without anything else.
"""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, insert, select, text
from sqlmodel import Session

from services.registry.db import utcnow
from services.registry.feed.models import ChangeEventRow

FEED_LOCK_KEY = 0x6665656401  # arbitrary constant, unique to the registry feed


def lock_feed(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": FEED_LOCK_KEY})


def append_many(session: Session, events: list[tuple[str, str, str, int]]) -> list[int]:
    """Append (entity, record_id, op, version) events in one multi-row INSERT; returns their seqs in the given order.

    `sort_by_parameter_order` makes SQLAlchemy return the seqs in parameter order; rows draw their seqs in that
    order too (SQLite rowids, the PostgreSQL sequence), so seq order = emit order.
    """
    at = utcnow()
    rows = [{"entity": entity, "record_id": record_id, "op": op, "version": version, "at": at}
            for entity, record_id, op, version in events]
    stmt = insert(ChangeEventRow).returning(ChangeEventRow.seq, sort_by_parameter_order=True)
    return list(session.scalars(stmt, rows))


def read_after(session: Session, after: int, limit: int) -> Sequence[ChangeEventRow]:
    stmt = select(ChangeEventRow).where(ChangeEventRow.seq > after).order_by(ChangeEventRow.seq).limit(limit)
    return session.execute(stmt).scalars().all()


def head_seq(session: Session) -> int:
    return session.execute(select(func.coalesce(func.max(ChangeEventRow.seq), 0))).scalar_one()


def last_seq_for(session: Session, record_id: str) -> int:
    stmt = select(func.coalesce(func.max(ChangeEventRow.seq), 0)).where(ChangeEventRow.record_id == record_id)
    return session.execute(stmt).scalar_one()


def count(session: Session) -> int:
    return session.execute(select(func.count()).select_from(ChangeEventRow)).scalar_one()
