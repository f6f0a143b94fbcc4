"""Database queries for listings (technologies, demands)."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, insert, select, text, tuple_
from sqlmodel import Session

from shared.text import normalize
from services.registry.listings.kinds import ListingKind


@dataclass
class ListingFilters:
    domain: str | None = None
    subdomain: str | None = None
    region: str | None = None
    status: list[str] | None = None
    stage: str | None = None
    trl_min: int | None = None
    kind: str | None = None
    owner_org_id: str | None = None
    source: str | None = None
    updated_since: datetime | None = None
    q: str | None = None


def get(session: Session, kind: ListingKind, record_id: str, *, for_update: bool = False) -> Any | None:
    stmt = select(kind.model).where(kind.model.id == record_id)
    if for_update:
        stmt = stmt.with_for_update()
    return session.execute(stmt).scalar_one_or_none()


def get_by_external_ref(session: Session, kind: ListingKind, source: str, external_id: str, *, for_update: bool = False) -> Any | None:
    stmt = select(kind.model).where(kind.model.source == source, kind.model.external_id == external_id)
    if for_update:
        stmt = stmt.with_for_update()
    return session.execute(stmt).scalar_one_or_none()


def by_external_refs(session: Session, kind: ListingKind, refs: list[tuple[str, str]], *, for_update: bool = False) -> dict[tuple[str, str], Any]:
    """Existing records for a batch of (source, external_id), one query per distinct source (usually one)."""
    m = kind.model
    by_source: dict[str, list[str]] = {}
    for source, external_id in refs:
        by_source.setdefault(source, []).append(external_id)
    found: dict[tuple[str, str], Any] = {}
    for source, external_ids in by_source.items():
        stmt = select(m).where(m.source == source, m.external_id.in_(external_ids))
        if for_update:
            stmt = stmt.with_for_update()
        found.update({(row.source, row.external_id): row for row in session.execute(stmt).scalars()})
    return found


def _like_escape(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _region_condition(column: Any, code: str) -> Any:
    # GB/T 2260 is hierarchical: 330000 (province) covers 33xxxx, 330100 (city) covers 3301xx.
    if code.endswith("0000"):
        return column.like(code[:2] + "%")
    if code.endswith("00"):
        return column.like(code[:4] + "%")
    return column == code


def _conditions(kind: ListingKind, f: ListingFilters) -> list[Any]:
    m = kind.model
    conds: list[Any] = []
    if f.domain:  # a record without a domain is listed under its suggested one
        conds.append(m.listed_domain == f.domain)
    if f.subdomain:
        conds.append(m.listed_subdomain == f.subdomain)
    if f.region:
        conds.append(_region_condition(m.region, f.region))
    if f.status:
        conds.append(m.status.in_(f.status))
    if f.stage:
        conds.append(m.stage == f.stage)
    if f.trl_min is not None:
        conds.append(m.trl >= f.trl_min)
    if f.kind:
        conds.append(m.kind == f.kind)
    if f.owner_org_id:
        conds.append(m.owner_org_id == f.owner_org_id)
    if f.source:
        conds.append(m.source == f.source)
    if f.updated_since:
        conds.append(m.updated_at >= f.updated_since)
    for term in normalize(f.q).split():
        conds.append(m.search_text.like(f"%{_like_escape(term)}%", escape="\\"))
    return conds


def page(session: Session, kind: ListingKind, f: ListingFilters, *, after: tuple[datetime, str] | None, limit: int) -> Sequence[Any]:
    """Keyset page ordered by (updated_at, id); fetches limit+1 rows so the caller knows if more follow."""
    m = kind.model
    conds = _conditions(kind, f)
    if after:
        # A row-value comparison, so both planners turn it into one index range on (…, updated_at, id).
        conds.append(tuple_(m.updated_at, m.id) > tuple_(*after))
    stmt = select(m).where(*conds).order_by(m.updated_at, m.id).limit(limit + 1)
    return session.execute(stmt).scalars().all()


def count(session: Session, kind: ListingKind, f: ListingFilters | None = None) -> int:
    conds = _conditions(kind, f or ListingFilters())
    return session.execute(select(func.count()).select_from(kind.model).where(*conds)).scalar_one()


def due_for_expiry(session: Session, kind: ListingKind, today: date) -> Sequence[Any]:
    m = kind.model
    stmt = select(m).where(m.status == "published", m.expires_at < today).order_by(m.id).with_for_update()
    return session.execute(stmt).scalars().all()


def with_status(session: Session, kind: ListingKind, status: str, limit: int) -> Sequence[Any]:
    m = kind.model
    stmt = select(m).where(m.status == status).order_by(m.id).limit(limit).with_for_update()
    return session.execute(stmt).scalars().all()


def without_domain(session: Session, kind: ListingKind, after_id: str | None, limit: int) -> Sequence[Any]:
    """Records with no domain of their own, in id order from after_id (for refreshing their suggested domain)."""
    m = kind.model
    stmt = select(m).where(m.domain.is_(None)).order_by(m.id).limit(limit).with_for_update()
    if after_id is not None:
        stmt = stmt.where(m.id > after_id)
    return session.execute(stmt).scalars().all()


def insert_many(session: Session, kind: ListingKind, rows: list[dict[str, Any]]) -> None:
    """New records in one multi-row INSERT (ORM bulk insert: column types apply, no per-row objects)."""
    if rows:
        session.execute(insert(kind.model), rows)


def refresh_statistics(session: Session, kind: ListingKind) -> None:
    """Planner statistics after a large import, so the first list queries do not pick a plan for an empty table.

    PostgreSQL: ANALYZE of the tables an import writes (autovacuum may be off or minutes behind).
    SQLite: ANALYZE with `analysis_limit`, which samples each index instead of reading it whole (milliseconds at 100k
    rows); `PRAGMA optimize` would skip tables this connection has not queried, so it is not used here.
    """
    tables = (kind.model.__tablename__, "screening_records")
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("PRAGMA analysis_limit=1000"))
    for table in tables:
        session.execute(text(f'ANALYZE "{table}"'))
