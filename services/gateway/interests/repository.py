"""Queries for interests, notifications and the follower's cursor."""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from services.gateway.interests.models import FeedCursor, Notification, SavedInterest


def interests_of(session: Session, org_id: str) -> list[SavedInterest]:
    stmt = select(SavedInterest).where(SavedInterest.org_id == org_id).order_by(col(SavedInterest.created_at))
    return list(session.exec(stmt))


def all_interests(session: Session) -> list[SavedInterest]:
    return list(session.exec(select(SavedInterest).order_by(col(SavedInterest.id))))


def notifications_of(session: Session, org_id: str, unread_only: bool, limit: int, before: int | None) -> list[Notification]:
    stmt = select(Notification).where(Notification.org_id == org_id)
    if unread_only:
        stmt = stmt.where(col(Notification.read_at).is_(None))
    if before is not None:
        stmt = stmt.where(col(Notification.id) < before)
    return list(session.exec(stmt.order_by(col(Notification.id).desc()).limit(limit)))


def cursor(session: Session, name: str) -> int:
    row = session.get(FeedCursor, name)
    return row.last_seq if row else 0


def save_cursor(session: Session, name: str, seq: int, at: datetime) -> None:
    row = session.get(FeedCursor, name)
    if row is None:
        session.add(FeedCursor(name=name, last_seq=seq, updated_at=at))
    else:
        row.last_seq, row.updated_at = seq, at
        session.add(row)
