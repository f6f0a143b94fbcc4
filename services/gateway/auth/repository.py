"""Queries on the api_key table."""
from __future__ import annotations

from sqlmodel import Session, select

from services.gateway.auth.models import ApiKey


def by_prefix(session: Session, prefix: str) -> ApiKey | None:
    return session.exec(select(ApiKey).where(ApiKey.prefix == prefix)).first()


def by_id(session: Session, key_id: str) -> ApiKey | None:
    return session.get(ApiKey, key_id)


def add(session: Session, key: ApiKey) -> None:
    session.add(key)


def list_page(session: Session, *, org_id: str | None, role: str | None, after_id: str | None, limit: int) -> list[ApiKey]:
    stmt = select(ApiKey)
    if org_id:
        stmt = stmt.where(ApiKey.org_id == org_id)
    if role:
        stmt = stmt.where(ApiKey.role == role)
    if after_id:
        stmt = stmt.where(ApiKey.id > after_id)
    return list(session.exec(stmt.order_by(ApiKey.id).limit(limit)))
