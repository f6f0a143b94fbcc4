"""Broker workflow queries (one place for SQL on engagements, shortlists, introductions and deals)."""
from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session, col, or_, select

from services.gateway.brokers.models import (
    Deal,
    DealBrokerShare,
    DealStageChange,
    Engagement,
    Introduction,
    ShortlistEntry,
)


def engagements_for_org(session: Session, org_id: str | None, limit: int, before: str | None) -> list[Engagement]:
    stmt = select(Engagement)
    if org_id is not None:
        stmt = stmt.where(Engagement.broker_org_id == org_id)
    if before:
        stmt = stmt.where(col(Engagement.id) < before)
    return list(session.exec(stmt.order_by(col(Engagement.id).desc()).limit(limit)))


def engagements_on_subject(session: Session, subject_id: str) -> list[Engagement]:
    return list(session.exec(select(Engagement).where(Engagement.subject_id == subject_id)))


def shortlist(session: Session, engagement_id: str) -> list[ShortlistEntry]:
    stmt = select(ShortlistEntry).where(ShortlistEntry.engagement_id == engagement_id).order_by(col(ShortlistEntry.created_at))
    return list(session.exec(stmt))


def shortlist_entry_for(session: Session, engagement_id: str, candidate_id: str) -> ShortlistEntry | None:
    stmt = select(ShortlistEntry).where(ShortlistEntry.engagement_id == engagement_id, ShortlistEntry.candidate_id == candidate_id)
    return session.exec(stmt).first()


def introduction_for_entry(session: Session, entry_id: str) -> Introduction | None:
    return session.exec(select(Introduction).where(Introduction.shortlist_entry_id == entry_id)).first()


def introductions_visible_to(session: Session, org_id: str | None, status: str | None, limit: int, before: str | None) -> list[Introduction]:
    stmt = select(Introduction)
    if org_id is not None:
        stmt = stmt.where(or_(Introduction.broker_org_id == org_id, Introduction.target_org_id == org_id))
    if status:
        stmt = stmt.where(Introduction.status == status)
    if before:
        stmt = stmt.where(col(Introduction.id) < before)
    return list(session.exec(stmt.order_by(col(Introduction.id).desc()).limit(limit)))


def accepted_introduction_exists(session: Session, broker_org_id: str, record_id: str) -> bool:
    stmt = (
        select(Introduction.id)
        .where(Introduction.broker_org_id == broker_org_id, Introduction.status == "accepted",
               or_(Introduction.technology_id == record_id, Introduction.demand_id == record_id))
        .limit(1)
    )
    return session.exec(stmt).first() is not None


def deal_for_introduction(session: Session, introduction_id: str) -> Deal | None:
    return session.exec(select(Deal).where(Deal.introduction_id == introduction_id)).first()


def deals_visible_to(session: Session, org_id: str | None, stage: str | None, limit: int, before: str | None) -> list[Deal]:
    stmt = select(Deal)
    if org_id is not None:
        shared_with = select(DealBrokerShare.deal_id).where(DealBrokerShare.broker_org_id == org_id)
        parties = select(Introduction.id).where(Introduction.target_org_id == org_id)
        stmt = stmt.where(or_(Deal.broker_org_id == org_id, col(Deal.id).in_(shared_with), col(Deal.introduction_id).in_(parties),
                              Deal.seller_org_id == org_id, Deal.buyer_org_id == org_id))
    if stage:
        stmt = stmt.where(Deal.stage == stage)
    if before:
        stmt = stmt.where(col(Deal.id) < before)
    return list(session.exec(stmt.order_by(col(Deal.id).desc()).limit(limit)))


def deal_history(session: Session, deal_id: str) -> list[DealStageChange]:
    stmt = select(DealStageChange).where(DealStageChange.deal_id == deal_id).order_by(col(DealStageChange.id))
    return list(session.exec(stmt))


def broker_shares(session: Session, deal_id: str) -> list[DealBrokerShare]:
    stmt = select(DealBrokerShare).where(DealBrokerShare.deal_id == deal_id).order_by(col(DealBrokerShare.position))
    return list(session.exec(stmt))


def replace_broker_shares(session: Session, deal_id: str, shares: list[DealBrokerShare]) -> None:
    session.execute(sa.delete(DealBrokerShare).where(col(DealBrokerShare.deal_id) == deal_id))
    session.add_all(shares)


def bump_deal(session: Session, deal_id: str, expected_version: int, values: dict) -> bool:
    """Compare-and-set update of a deal: False if someone changed it since `expected_version`."""
    result = session.execute(
        sa.update(Deal).where(col(Deal.id) == deal_id, col(Deal.version) == expected_version)
        .values(version=expected_version + 1, **values)
    )
    return result.rowcount == 1
