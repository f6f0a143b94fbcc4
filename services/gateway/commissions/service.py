"""Computing and freezing a deal's commission with the rules in force when it closes."""
from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from sqlmodel import Session

from services.gateway.brokers.columns import now
from services.gateway.commissions import repository
from services.gateway.commissions.config import current_rules
from services.gateway.commissions.engine import compute_commission, fen_to_yuan, split_commission, yuan_to_fen
from services.gateway.commissions.models import Commission, CommissionAllocation
from services.gateway.commissions.schemas import AllocationPublic, CommissionPreview, CommissionPublic, CommissionRulesSpec

if TYPE_CHECKING:
    from services.gateway.brokers.models import Deal, DealBrokerShare


def preview(amount_cny: Decimal) -> CommissionPreview:
    rules = current_rules()
    fen = compute_commission(yuan_to_fen(amount_cny), rules.to_rules())
    return CommissionPreview(contract_amount_cny=amount_cny, commission_cny=fen_to_yuan(fen), rules=rules)


def compute_for_deal(session: Session, deal: "Deal", shares: list["DealBrokerShare"]) -> Commission:
    """Store the commission of a closed deal and its split. Caller commits (with the stage change)."""
    assert deal.contract_amount_fen is not None
    rules = current_rules()
    total = compute_commission(deal.contract_amount_fen, rules.to_rules())
    commission = Commission(deal_id=deal.id, contract_amount_fen=deal.contract_amount_fen, commission_fen=total,
                            rules=rules.model_dump(mode="json"), domain=deal.domain, region=deal.region, computed_at=now())
    session.add(commission)
    session.flush()
    parts = split_commission(total, [(s.broker_org_id, Decimal(s.share_percent)) for s in shares])
    session.add_all([CommissionAllocation(deal_id=deal.id, broker_org_id=p.broker_id, position=i,
                                          share_percent=p.share_percent, amount_fen=p.amount_fen)
                     for i, p in enumerate(parts)])
    return commission


def for_deal(session: Session, deal_id: str) -> tuple[Commission, list[CommissionAllocation]] | None:
    commission = session.get(Commission, deal_id)
    if commission is None:
        return None
    return commission, repository.allocations(session, deal_id)


def view(session: Session, commission: Commission) -> CommissionPublic:
    return CommissionPublic(
        deal_id=commission.deal_id, contract_amount_cny=fen_to_yuan(commission.contract_amount_fen),
        commission_cny=fen_to_yuan(commission.commission_fen), rules=CommissionRulesSpec.model_validate(commission.rules),
        allocations=[AllocationPublic(broker_org_id=a.broker_org_id, share_percent=a.share_percent,
                                      amount_cny=fen_to_yuan(a.amount_fen))
                     for a in repository.allocations(session, commission.deal_id)],
    )
