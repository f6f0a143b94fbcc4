"""Contract queries: scoped to the caller's organization unless `org_id` is None (admins)."""
from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, or_, select

from services.gateway.brokers.models import Deal, DealBrokerShare
from services.gateway.contracts.models import TechContract


def for_deal(session: Session, deal_id: str) -> TechContract | None:
    return session.exec(select(TechContract).where(TechContract.deal_id == deal_id)).first()


def visible(session: Session, org_id: str | None, limit: int | None, before: str | None) -> list[TechContract]:
    stmt = select(TechContract)
    if org_id is not None:
        run_by = select(Deal.id).where(Deal.broker_org_id == org_id)
        shared = select(DealBrokerShare.deal_id).where(DealBrokerShare.broker_org_id == org_id)
        stmt = stmt.where(or_(TechContract.seller_org_id == org_id, TechContract.buyer_org_id == org_id,
                              col(TechContract.deal_id).in_(run_by), col(TechContract.deal_id).in_(shared)))
    if before:
        stmt = stmt.where(col(TechContract.id) < before)
    stmt = stmt.order_by(col(TechContract.id).desc())
    return list(session.exec(stmt if limit is None else stmt.limit(limit)))


def registered_between(session: Session, start: date | None, end: date | None) -> list[TechContract]:
    stmt = select(TechContract)
    if start:
        stmt = stmt.where(col(TechContract.registered_on) >= start)
    if end:
        stmt = stmt.where(col(TechContract.registered_on) < end)
    return list(session.exec(stmt))
