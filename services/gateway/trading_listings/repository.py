"""Queries on trading listings, their objections and applicants."""
from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session, col, select

from services.gateway.trading_listings.models import ListingApplicant, ListingObjection, TradeListing

ACTIVE = ("notice", "suspended")


def get(session: Session, listing_id: str) -> TradeListing | None:
    return session.get(TradeListing, listing_id)


def active_for_technology(session: Session, technology_id: str) -> TradeListing | None:
    stmt = select(TradeListing).where(TradeListing.technology_id == technology_id, col(TradeListing.status).in_(ACTIVE))
    return session.exec(stmt).first()


def page(session: Session, status: str | None, seller_org_id: str | None, limit: int, before: str | None) -> list[TradeListing]:
    stmt = select(TradeListing)
    if status:
        stmt = stmt.where(TradeListing.status == status)
    if seller_org_id:
        stmt = stmt.where(TradeListing.seller_org_id == seller_org_id)
    if before:
        stmt = stmt.where(col(TradeListing.id) < before)
    return list(session.exec(stmt.order_by(col(TradeListing.id).desc()).limit(limit)))


def objections(session: Session, listing_id: str) -> list[ListingObjection]:
    stmt = select(ListingObjection).where(ListingObjection.listing_id == listing_id).order_by(col(ListingObjection.raised_at))
    return list(session.exec(stmt))


def open_objection_count(session: Session, listing_id: str) -> int:
    stmt = select(sa.func.count()).select_from(ListingObjection).where(
        ListingObjection.listing_id == listing_id, ListingObjection.status == "open")
    return int(session.exec(stmt).one())


def applicants(session: Session, listing_id: str) -> list[ListingApplicant]:
    stmt = select(ListingApplicant).where(ListingApplicant.listing_id == listing_id).order_by(col(ListingApplicant.applied_at))
    return list(session.exec(stmt))


def bump(session: Session, listing_id: str, expected_version: int, values: dict) -> bool:
    """Compare-and-set on the listing's version: False if it changed since it was read."""
    result = session.execute(sa.update(TradeListing).where(col(TradeListing.id) == listing_id,
                                                           col(TradeListing.version) == expected_version)
                             .values(version=expected_version + 1, **values))
    return result.rowcount == 1
