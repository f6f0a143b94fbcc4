"""Evaluation request queries, and the deal look-up behind the conflict-of-interest rule."""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import or_
from sqlmodel import Session, select

from services.gateway.brokers.models import Deal
from services.gateway.evaluations.models import EvaluationRequest


def get(session: Session, request_id: str) -> EvaluationRequest | None:
    return session.get(EvaluationRequest, request_id)


def readable_page(session: Session, org_id: str | None, *, admin: bool, evaluator: bool, limit: int,
                  before: str | None) -> Sequence[EvaluationRequest]:
    """Requests the caller is party to, newest first: admins all; evaluators those addressed to their organization
    or still open to any; others their organization's own."""
    stmt = select(EvaluationRequest)
    if not admin:
        if evaluator:
            stmt = stmt.where(or_(EvaluationRequest.evaluator_org_id == org_id,
                                  (EvaluationRequest.evaluator_org_id.is_(None)) & (EvaluationRequest.status == "open")))  # type: ignore[union-attr]
        else:
            stmt = stmt.where(EvaluationRequest.owner_org_id == org_id)
    if before:
        stmt = stmt.where(EvaluationRequest.id < before)
    return session.exec(stmt.order_by(EvaluationRequest.id.desc()).limit(limit)).all()  # type: ignore[union-attr]


def has_deal_with(session: Session, org_id: str, technology_id: str, owner_org_id: str | None) -> bool:
    """Has `org_id` a deal on this technology (as broker, seller or buyer), or any deal with its owner as the other
    party? Either makes it an interested party (conflict of interest)."""
    parties = or_(Deal.broker_org_id == org_id, Deal.seller_org_id == org_id, Deal.buyer_org_id == org_id)
    related = Deal.technology_id == technology_id
    if owner_org_id:
        related = or_(related, Deal.seller_org_id == owner_org_id, Deal.buyer_org_id == owner_org_id)
    return session.exec(select(Deal.id).where(parties, related).limit(1)).first() is not None
