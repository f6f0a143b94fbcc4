"""Tender and offer queries."""
from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session, col, select

from services.gateway.tenders.models import Tender, TenderOffer


def page(session: Session, status: str | None, limit: int, before: str | None) -> list[Tender]:
    stmt = select(Tender)
    if status:
        stmt = stmt.where(Tender.status == status)
    if before:
        stmt = stmt.where(col(Tender.id) < before)
    return list(session.exec(stmt.order_by(col(Tender.id).desc()).limit(limit)))


def offers(session: Session, tender_id: str, org_id: str | None = None) -> list[TenderOffer]:
    stmt = select(TenderOffer).where(TenderOffer.tender_id == tender_id)
    if org_id is not None:
        stmt = stmt.where(TenderOffer.bidder_org_id == org_id)
    return list(session.exec(stmt.order_by(col(TenderOffer.submitted_at), col(TenderOffer.id))))


def offer_of(session: Session, tender_id: str, org_id: str) -> TenderOffer | None:
    stmt = select(TenderOffer).where(TenderOffer.tender_id == tender_id, TenderOffer.bidder_org_id == org_id)
    return session.exec(stmt).first()


def bump(session: Session, tender_id: str, expected_version: int, values: dict) -> bool:
    result = session.execute(sa.update(Tender).where(col(Tender.id) == tender_id, col(Tender.version) == expected_version)
                             .values(version=expected_version + 1, **values))
    return result.rowcount == 1
