"""Evaluation queries."""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlmodel import Session

from services.registry.evaluations.models import Evaluation


def get(session: Session, evaluation_id: str, *, for_update: bool = False) -> Evaluation | None:
    stmt = select(Evaluation).where(Evaluation.id == evaluation_id)
    if for_update:
        stmt = stmt.with_for_update()
    return session.execute(stmt).scalar_one_or_none()


def for_technology(session: Session, technology_id: str) -> Sequence[Evaluation]:
    """Newest first (created_at, then id: ids are time-ordered)."""
    stmt = (select(Evaluation).where(Evaluation.technology_id == technology_id)
            .order_by(Evaluation.created_at.desc(), Evaluation.id.desc()))
    return session.execute(stmt).scalars().all()


def by_ids(session: Session, ids: list[str]) -> Sequence[Evaluation]:
    return session.execute(select(Evaluation).where(Evaluation.id.in_(ids))).scalars().all()
