"""Screening history queries."""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlmodel import Session

from services.registry.screening.models import ScreeningRecord


def add(session: Session, record: ScreeningRecord) -> ScreeningRecord:
    session.add(record)
    session.flush()
    return record


def history(session: Session, record_id: str) -> Sequence[ScreeningRecord]:
    stmt = select(ScreeningRecord).where(ScreeningRecord.record_id == record_id).order_by(ScreeningRecord.id)
    return session.execute(stmt).scalars().all()


def latest(session: Session, record_id: str) -> ScreeningRecord | None:
    stmt = select(ScreeningRecord).where(ScreeningRecord.record_id == record_id).order_by(ScreeningRecord.id.desc()).limit(1)
    return session.execute(stmt).scalar_one_or_none()
