"""Gateway-side facts about who deals with whom (for the counterparty rule): deals and introductions."""
from __future__ import annotations

from typing import Any

from sqlalchemy import and_, or_, select
from sqlmodel import Session

from services.gateway.brokers.models import Deal, Engagement, Introduction


def are_counterparties(session: Session, org_a: str, org_b: str) -> bool:
    """Do the two organizations face each other in a deal (seller/buyer) or a broker introduction (target and
    engagement subject owner), in either direction?"""
    if org_a == org_b:
        return False
    def pair(x: Any, y: Any) -> Any:
        return or_(and_(x == org_a, y == org_b), and_(x == org_b, y == org_a))

    deal = session.execute(select(Deal.id).where(pair(Deal.seller_org_id, Deal.buyer_org_id)).limit(1)).first()
    if deal:
        return True
    intro = session.execute(
        select(Introduction.id).join(Engagement, Engagement.id == Introduction.engagement_id)
        .where(pair(Introduction.target_org_id, Engagement.subject_owner_org_id)).limit(1)).first()
    return intro is not None
