"""Catalog edition queries."""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlmodel import Session

from services.registry.catalog.models import CatalogEdition


def get(session: Session, edition_id: str, *, for_update: bool = False) -> CatalogEdition | None:
    stmt = select(CatalogEdition).where(CatalogEdition.id == edition_id)
    if for_update:
        stmt = stmt.with_for_update()
    return session.execute(stmt).scalar_one_or_none()


def by_name(session: Session, name: str) -> CatalogEdition | None:
    return session.execute(select(CatalogEdition).where(CatalogEdition.name == name)).scalar_one_or_none()


def newest_first(session: Session) -> Sequence[CatalogEdition]:
    return session.execute(select(CatalogEdition).order_by(CatalogEdition.published_at.desc(), CatalogEdition.id.desc())).scalars().all()


def by_ids(session: Session, ids: list[str]) -> Sequence[CatalogEdition]:
    return session.execute(select(CatalogEdition).where(CatalogEdition.id.in_(ids))).scalars().all()
