"""Screening history queries."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, insert, select
from sqlmodel import Session

from services.registry.screening.models import ScreeningRecord


def add(session: Session, record: ScreeningRecord) -> ScreeningRecord:
    session.add(record)  # flushed with the record it belongs to
    return record


def add_many(session: Session, records: list[dict[str, Any]]) -> None:
    if records:
        session.execute(insert(ScreeningRecord), records)


def history(session: Session, record_id: str) -> Sequence[ScreeningRecord]:
    stmt = select(ScreeningRecord).where(ScreeningRecord.record_id == record_id).order_by(ScreeningRecord.id)
    return session.execute(stmt).scalars().all()


def latest(session: Session, record_id: str) -> ScreeningRecord | None:
    stmt = select(ScreeningRecord).where(ScreeningRecord.record_id == record_id).order_by(ScreeningRecord.id.desc()).limit(1)
    return session.execute(stmt).scalar_one_or_none()


def latest_for(session: Session, record_ids: list[str]) -> dict[str, ScreeningRecord]:
    """Latest screening of each record in one query (a list page), via the (record_id, id) index."""
    if not record_ids:
        return {}
    newest = select(func.max(ScreeningRecord.id)).where(ScreeningRecord.record_id.in_(record_ids)).group_by(ScreeningRecord.record_id)
    stmt = select(ScreeningRecord).where(ScreeningRecord.id.in_(newest))
    return {r.record_id: r for r in session.execute(stmt).scalars()}
