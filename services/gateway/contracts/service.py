"""技术合同登记: a closed deal → one contract record of a statutory type; export; statistics.

Who registers: an admin, or the broker organization running the deal (for trading deals that is the platform
operator). The record is visible to its seller, buyer, the deal's broker organizations and admins.
"""
from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from datetime import date, datetime

from fastapi import Request
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from services.gateway.audit import service as audit
from services.gateway.auth.deps import Principal
from services.gateway.auth.permissions import Action, Scope, forbidden, require
from services.gateway.brokers import repository as deals_repo
from services.gateway.brokers import service as deals
from services.gateway.brokers.columns import new_id
from services.gateway.brokers.models import Deal, Engagement, Introduction
from services.gateway.brokers.stages import DealStage
from services.gateway.contracts import repository
from services.gateway.contracts.models import TechContract
from services.gateway.contracts.schemas import (
    CONTRACT_TYPE_NAMES,
    ContractGroupBy,
    ContractPublic,
    ContractRegister,
    ContractStats,
    ContractStatsRow,
    ContractType,
)
from services.gateway.public import records
from services.gateway.trading_common.money import fen_to_yuan, yuan_to_fen
from services.gateway.webhooks import service as webhooks
from services.gateway.webhooks.schemas import EventType
from shared.errors import ProblemError, conflict, invalid

EXPORT_FIELDS = ("id", "deal_id", "contract_type", "contract_type_name", "seller_org_id", "seller_name", "buyer_org_id",
                 "buyer_name", "contract_amount_cny", "transaction_amount_cny", "signed_on", "registered_on", "domain", "region")


async def register(session: Session, request: Request, principal: Principal, body: ContractRegister, at: datetime) -> TechContract:
    scope = require(principal, Action.contract_register)
    deal = deals.visible_deal(session, principal, body.deal_id)
    brokers = {deal.broker_org_id, *(s.broker_org_id for s in deals_repo.broker_shares(session, deal.id))}
    if scope == Scope.own and principal.org_id not in brokers:
        raise forbidden("Only the broker organization running this deal (or an admin) registers its contract.",
                        action=Action.contract_register)
    if deal.stage != DealStage.closed:
        raise conflict(f"The deal is {deal.stage}; a contract is registered once the deal is closed (成交).", field="body.deal_id")
    if repository.for_deal(session, deal.id):
        raise conflict("This deal's contract is already registered.", field="body.deal_id")
    deal_seller, deal_buyer = _parties(session, deal)
    seller = body.seller_org_id or deal_seller
    buyer = body.buyer_org_id or deal_buyer
    if not seller:
        raise invalid("body.seller_org_id", "This deal does not record its seller; give the seller organization id.")
    if not buyer:
        raise invalid("body.buyer_org_id", "This deal does not record its buyer; give the buyer organization id.")
    seller_name = body.seller_name or await _org_name(request, principal, seller, "body.seller_name")
    buyer_name = body.buyer_name or await _org_name(request, principal, buyer, "body.buyer_name")
    contract_fen = yuan_to_fen(body.contract_amount_cny) if body.contract_amount_cny is not None else deal.contract_amount_fen
    if not contract_fen:
        raise invalid("body.contract_amount_cny", "Give the contract amount in yuan.")
    transaction_fen = yuan_to_fen(body.transaction_amount_cny) if body.transaction_amount_cny is not None else contract_fen
    if transaction_fen > contract_fen:
        raise invalid("body.transaction_amount_cny", f"The technology transaction amount (技术交易额) is at most the contract "
                      f"amount, {fen_to_yuan(contract_fen)} yuan.")
    signed_on = body.signed_on or (deal.closed_at or at).date()
    registered_on = body.registered_on or at.date()
    if registered_on < signed_on:
        raise invalid("body.registered_on", "A contract is registered on or after the day it was signed.")
    contract = TechContract(id=new_id("tc"), deal_id=deal.id, contract_type=body.contract_type.value, seller_org_id=seller,
                            seller_name=seller_name[:200], buyer_org_id=buyer, buyer_name=buyer_name[:200],
                            contract_amount_fen=contract_fen, transaction_amount_fen=transaction_fen, signed_on=signed_on,
                            registered_on=registered_on, domain=deal.domain, region=deal.region, registered_by=principal.key_id,
                            created_at=at)
    session.add(contract)
    audit.record(session, principal, "contract.register", "tech_contract", contract.id,
                 {"deal_id": deal.id, "contract_type": contract.contract_type, "contract_amount_fen": contract_fen,
                  "transaction_amount_fen": transaction_fen})
    webhooks.enqueue_many(session, {seller, buyer, *brokers}, EventType.contract_registered,
                          {"contract_id": contract.id, "deal_id": deal.id, "contract_type": contract.contract_type,
                           "contract_amount_cny": str(fen_to_yuan(contract_fen))})
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise conflict("This deal's contract is already registered.", field="body.deal_id") from None
    return contract


def _parties(session: Session, deal: Deal) -> tuple[str | None, str | None]:
    """(seller, buyer) organizations: recorded on trading deals; for an introduction's deal the technology's owner
    sells and the demand's owner buys (one is the engagement subject's owner, the other the introduction's target)."""
    if deal.seller_org_id or deal.buyer_org_id or not deal.introduction_id:
        return deal.seller_org_id, deal.buyer_org_id
    intro = session.get(Introduction, deal.introduction_id)
    engagement = session.get(Engagement, deal.engagement_id) if deal.engagement_id else None
    if intro is None or engagement is None:
        return None, None
    if engagement.subject_entity == "demand":
        return intro.target_org_id, engagement.subject_owner_org_id
    return engagement.subject_owner_org_id, intro.target_org_id


async def _org_name(request: Request, principal: Principal, org_id: str, field: str) -> str:
    try:
        return (await records.fetch(request, principal, "organization", org_id))["name"]
    except ProblemError:
        raise invalid(field, f"Organization {org_id} is not in the registry; give its name.") from None


def visible(session: Session, principal: Principal, limit: int | None, before: str | None) -> list[TechContract]:
    scope = require(principal, Action.contract_read)
    return repository.visible(session, None if scope == Scope.all else principal.org_id, limit, before)


def view(contract: TechContract) -> ContractPublic:
    kind = ContractType(contract.contract_type)
    return ContractPublic(
        id=contract.id, deal_id=contract.deal_id, contract_type=kind, contract_type_name=CONTRACT_TYPE_NAMES[kind],
        seller_org_id=contract.seller_org_id, seller_name=contract.seller_name, buyer_org_id=contract.buyer_org_id,
        buyer_name=contract.buyer_name, contract_amount_cny=fen_to_yuan(contract.contract_amount_fen),
        transaction_amount_cny=fen_to_yuan(contract.transaction_amount_fen), signed_on=contract.signed_on,
        registered_on=contract.registered_on, domain=contract.domain, region=contract.region, created_at=contract.created_at)


def export_jsonl(contracts: list[TechContract]) -> str:
    return "".join(json.dumps(view(c).model_dump(mode="json", include=set(EXPORT_FIELDS)), ensure_ascii=False) + "\n"
                   for c in contracts)


def export_csv(contracts: list[TechContract]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=EXPORT_FIELDS, lineterminator="\n")
    writer.writeheader()
    for c in contracts:
        writer.writerow(view(c).model_dump(mode="json", include=set(EXPORT_FIELDS)))
    return "\ufeff" + out.getvalue()  # BOM: Excel opens the Chinese names as UTF-8


def stats(session: Session, principal: Principal, group_by: ContractGroupBy, from_month: str | None, to_month: str | None) -> ContractStats:
    """Registered contracts and their amounts by domain, region or registration month (any key: totals only)."""
    require(principal, Action.trading_read)
    start = date(int(from_month[:4]), int(from_month[5:]), 1) if from_month else None
    end = _month_after(to_month) if to_month else None
    groups: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    total = [0, 0, 0]
    for c in repository.registered_between(session, start, end):
        key = {ContractGroupBy.domain: c.domain, ContractGroupBy.region: c.region,
               ContractGroupBy.month: c.registered_on.strftime("%Y-%m")}[group_by] or "unknown"
        for figures in (groups[key], total):
            figures[0] += 1
            figures[1] += c.contract_amount_fen
            figures[2] += c.transaction_amount_fen
    return ContractStats(group_by=group_by, from_month=from_month, to_month=to_month, total=_stats_row("total", total),
                         items=[_stats_row(k, groups[k]) for k in sorted(groups)])


def _stats_row(key: str, figures: list[int]) -> ContractStatsRow:
    count, contract_fen, transaction_fen = figures
    return ContractStatsRow(key=key, contracts=count, contract_amount_cny=fen_to_yuan(contract_fen),
                            transaction_amount_cny=fen_to_yuan(transaction_fen))


def _month_after(month: str) -> date:
    year, mon = int(month[:4]), int(month[5:])
    return date(year + mon // 12, mon % 12 + 1, 1)
