"""Queries for finance introductions."""
from __future__ import annotations

from sqlalchemy import or_, select
from sqlmodel import Session

from services.gateway.finance.models import FinanceIntroduction

OPEN = ("requested", "accepted")


def open_for_pair(session: Session, need_id: str, product_id: str) -> FinanceIntroduction | None:
    stmt = select(FinanceIntroduction).where(FinanceIntroduction.need_id == need_id, FinanceIntroduction.product_id == product_id,
                                             FinanceIntroduction.status.in_(OPEN))
    return session.execute(stmt).scalars().first()


def visible(session: Session, org_id: str | None) -> list[FinanceIntroduction]:
    """All introductions (org_id None), or those the organization takes part in."""
    stmt = select(FinanceIntroduction)
    if org_id is not None:
        stmt = stmt.where(or_(FinanceIntroduction.need_org_id == org_id, FinanceIntroduction.financier_org_id == org_id,
                              FinanceIntroduction.requested_by_org_id == org_id))
    return list(session.execute(stmt.order_by(FinanceIntroduction.id)).scalars())
