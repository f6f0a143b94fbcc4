"""Queries for infringement records."""
from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from services.registry.infringements.models import InfringementEntryRow, InfringementRow


def get(session: Session, record_id: str, *, for_update: bool = False) -> InfringementRow | None:
    return session.get(InfringementRow, record_id, with_for_update=for_update or None)


def entries(session: Session, ids: list[str]) -> dict[str, list[InfringementEntryRow]]:
    out: dict[str, list[InfringementEntryRow]] = {i: [] for i in ids}
    if ids:
        stmt = select(InfringementEntryRow).where(InfringementEntryRow.infringement_id.in_(ids)).order_by(InfringementEntryRow.id)
        for row in session.execute(stmt).scalars():
            out[row.infringement_id].append(row)
    return out


def page(session: Session, *, org_id: str | None, patent_id: str | None, after_id: str | None, limit: int | None) -> list[InfringementRow]:
    stmt = select(InfringementRow)
    if org_id:
        stmt = stmt.where(InfringementRow.accused_org_id == org_id)
    if patent_id:
        stmt = stmt.where(InfringementRow.patent_id == patent_id)
    if after_id:
        stmt = stmt.where(InfringementRow.id > after_id)
    stmt = stmt.order_by(InfringementRow.id)
    if limit is not None:
        stmt = stmt.limit(limit + 1)
    return list(session.execute(stmt).scalars())
