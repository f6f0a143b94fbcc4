"""Commission queries."""
from __future__ import annotations

from sqlmodel import Session, col, select

from services.gateway.commissions.models import Commission, CommissionAllocation


def allocations(session: Session, deal_id: str) -> list[CommissionAllocation]:
    stmt = select(CommissionAllocation).where(CommissionAllocation.deal_id == deal_id).order_by(col(CommissionAllocation.position))
    return list(session.exec(stmt))


def for_org(session: Session, org_id: str | None, limit: int, before: str | None) -> list[Commission]:
    stmt = select(Commission)
    if org_id is not None:
        mine = select(CommissionAllocation.deal_id).where(CommissionAllocation.broker_org_id == org_id)
        stmt = stmt.where(col(Commission.deal_id).in_(mine))
    if before:
        stmt = stmt.where(col(Commission.deal_id) < before)
    return list(session.exec(stmt.order_by(col(Commission.deal_id).desc()).limit(limit)))
