"""Queries for finance introductions."""
from __future__ import annotations

from sqlalchemy import or_, select
from sqlmodel import Session

from services.gateway.brokers.models import Deal, Engagement, Introduction
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


def needs_introduced_to(session: Session, financier_org_id: str) -> set[str]:
    stmt = select(FinanceIntroduction.need_id).where(FinanceIntroduction.financier_org_id == financier_org_id)
    return set(session.execute(stmt).scalars())


def page_visible(session: Session, org_id: str | None, *, need_id: str | None, product_id: str | None, status: str | None,
                 after_id: str | None, limit: int) -> list[FinanceIntroduction]:
    """One page (limit + 1 rows, to tell whether more follow) of the introductions the organization takes part in
    (all of them for org_id None), in id order."""
    stmt = select(FinanceIntroduction)
    if org_id is not None:
        stmt = stmt.where(or_(FinanceIntroduction.need_org_id == org_id, FinanceIntroduction.financier_org_id == org_id,
                              FinanceIntroduction.requested_by_org_id == org_id))
    for column, value in ((FinanceIntroduction.need_id, need_id), (FinanceIntroduction.product_id, product_id),
                          (FinanceIntroduction.status, status)):
        if value:
            stmt = stmt.where(column == value)
    if after_id:
        stmt = stmt.where(FinanceIntroduction.id > after_id)
    return list(session.execute(stmt.order_by(FinanceIntroduction.id).limit(limit + 1)).scalars())


def deal_parties(session: Session, deal: Deal) -> set[str]:
    """The organizations on either side of a deal (not its brokers): recorded on trading deals, else the
    introduction's target and the engagement subject's owner."""
    parties = {o for o in (deal.seller_org_id, deal.buyer_org_id) if o}
    intro = session.get(Introduction, deal.introduction_id) if deal.introduction_id else None
    engagement = session.get(Engagement, deal.engagement_id) if deal.engagement_id else None
    if intro is not None:
        parties.add(intro.target_org_id)
    if engagement is not None and engagement.subject_owner_org_id:
        parties.add(engagement.subject_owner_org_id)
    return parties
