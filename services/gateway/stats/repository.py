"""Rows for statistics within a time window (grouped in Python so SQLite and PostgreSQL give the same answer)."""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from services.gateway.brokers.models import Deal, Introduction
from services.gateway.commissions.models import Commission
from services.gateway.stats.models import Listing


def listings(session: Session, start: datetime, end: datetime) -> list[Listing]:
    return list(session.exec(select(Listing).where(col(Listing.published_at) >= start, col(Listing.published_at) < end)))


def introductions(session: Session, start: datetime, end: datetime) -> list[Introduction]:
    stmt = select(Introduction).where(col(Introduction.requested_at) >= start, col(Introduction.requested_at) < end)
    return list(session.exec(stmt))


def deals_opened(session: Session, start: datetime, end: datetime) -> list[Deal]:
    return list(session.exec(select(Deal).where(col(Deal.opened_at) >= start, col(Deal.opened_at) < end)))


def deals_closed(session: Session, start: datetime, end: datetime) -> list[Deal]:
    stmt = select(Deal).where(Deal.stage == "closed", col(Deal.closed_at) >= start, col(Deal.closed_at) < end)
    return list(session.exec(stmt))


def commissions(session: Session, start: datetime, end: datetime) -> list[Commission]:
    stmt = select(Commission).where(col(Commission.computed_at) >= start, col(Commission.computed_at) < end)
    return list(session.exec(stmt))
