"""招标: publish → sealed offers until the deadline → opening (all at once, lazily at the first read after the
deadline) → the buyer scores the technical part, price and delivery are computed → award → a deal.

Sealing: before the opening no route returns an offer to anyone but its own bidder, not even the buyer or an
admin, and the tender shows no offer count.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import Request
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from services.gateway.audit import service as audit
from services.gateway.auth.deps import Principal
from services.gateway.auth.permissions import Action, require
from services.gateway.brokers import service as deals
from services.gateway.brokers.columns import new_id
from services.gateway.brokers.models import Deal
from services.gateway.public import records
from services.gateway.tenders import repository
from services.gateway.tenders.models import Tender, TenderOffer
from services.gateway.tenders.schemas import (
    TenderAwardCreate,
    OfferCreate,
    OfferPublic,
    ScoresUpdate,
    TenderCreate,
    TenderPublic,
    TenderStatus,
    Weights,
)
from services.gateway.tenders.scoring import OfferFigures, score
from services.gateway.trading_common.access import is_party, require_for_org, require_owner_of
from services.gateway.trading_common.money import fen_or_none, fen_to_yuan, yuan_or_none, yuan_to_fen
from services.gateway.trading_common.operator import operator_org_id
from services.gateway.webhooks import service as webhooks
from services.gateway.webhooks.schemas import EventType
from shared.errors import conflict, invalid, not_found


async def publish(session: Session, request: Request, principal: Principal, body: TenderCreate, at: datetime) -> Tender:
    require_for_org(principal, Action.tender_publish, principal.org_id, "tenders")
    if body.deadline <= at:
        raise invalid("body.deadline", "The deadline must be in the future.")
    domain, region = body.domain, body.region
    if body.demand_id:
        demand = await records.fetch_published(request, principal, "demand", body.demand_id, field="body.demand_id")
        require_owner_of(principal, Action.tender_publish, demand, "demands")
        domain, region = domain or demand.get("domain"), region or demand.get("region")
    tender = Tender(id=new_id("tnd"), buyer_org_id=principal.org_id, demand_id=body.demand_id, title=body.title,
                    requirements=body.requirements, domain=domain, region=region, weight_price=body.weights.price,
                    weight_technical=body.weights.technical, weight_delivery=body.weights.delivery,
                    budget_fen=fen_or_none(body.budget_cny), deadline=body.deadline, status=TenderStatus.open.value,
                    created_by=principal.key_id, created_at=at)
    session.add(tender)
    audit.record(session, principal, "tender.publish", "tender", tender.id,
                 {"demand_id": tender.demand_id, "deadline": tender.deadline.isoformat(),
                  "weights": body.weights.model_dump()})
    webhooks.enqueue(session, tender.buyer_org_id, EventType.tender_published, _event(tender))
    session.commit()
    return tender


def readable(session: Session, principal: Principal, tender_id: str, at: datetime) -> Tender:
    """Any key reads a tender; the first read after the deadline opens its offers (all together)."""
    require(principal, Action.trading_read)
    tender = session.get(Tender, tender_id)
    if tender is None:
        raise not_found("tender", tender_id)
    if tender.status == TenderStatus.open and at >= tender.deadline:
        if repository.bump(session, tender.id, tender.version, {"status": TenderStatus.opened.value, "opened_at": at}):
            offers = repository.offers(session, tender.id)
            audit.record(session, None, "tender.open", "tender", tender.id, {"offer_count": len(offers)})
            webhooks.enqueue_many(session, {tender.buyer_org_id, *(o.bidder_org_id for o in offers)}, EventType.tender_opened,
                                  {**_event(tender), "status": TenderStatus.opened.value, "offer_count": len(offers)})
            session.commit()
        else:
            session.rollback()  # opened by a concurrent reader: same outcome
        session.refresh(tender)
    return tender


async def submit_offer(session: Session, request: Request, principal: Principal, tender_id: str, body: OfferCreate,
                       at: datetime) -> TenderOffer:
    require_for_org(principal, Action.trading_bid, principal.org_id, "offers")
    tender = readable(session, principal, tender_id, at)
    if tender.status != TenderStatus.open or at >= tender.deadline:
        raise invalid("tender.deadline", f"Offers were due by {tender.deadline.isoformat()}; this tender is {tender.status}.",
                      status=409, type_="deadline_passed")
    if principal.org_id == tender.buyer_org_id:
        raise conflict("The buyer cannot submit an offer to its own tender.")
    if repository.offer_of(session, tender.id, principal.org_id):
        raise conflict("Your organization already submitted an offer to this tender (one sealed offer per bidder).")
    technology = await records.fetch_published(request, principal, "technology", body.technology_id, field="body.technology_id")
    if technology.get("owner_org_id") != principal.org_id:
        raise invalid("body.technology_id", "Offer a published technology your organization owns.")
    offer = TenderOffer(id=new_id("tof"), tender_id=tender.id, bidder_org_id=principal.org_id, key_id=principal.key_id,
                        technology_id=body.technology_id, price_fen=yuan_to_fen(body.price_cny), delivery_days=body.delivery_days,
                        technical_proposal=body.technical_proposal, submitted_at=at)
    session.add(offer)
    audit.record(session, principal, "tender.offer", "tender", tender.id, {"offer_id": offer.id})  # amounts stay sealed
    # a receipt for the bidder only: telling the buyer would reveal how many sealed offers are in
    webhooks.enqueue(session, principal.org_id, EventType.tender_offer_submitted, {**_event(tender), "offer_id": offer.id})
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise conflict("Your organization already submitted an offer to this tender.") from None
    return offer


def _buyer_tender(session: Session, principal: Principal, tender_id: str, at: datetime) -> Tender:
    tender = readable(session, principal, tender_id, at)
    require_for_org(principal, Action.tender_publish, tender.buyer_org_id, "tenders")
    if tender.status != TenderStatus.opened:
        raise conflict(f"The tender is {tender.status}; scoring and award happen after the opening, before an award.",
                       status=tender.status, deadline=tender.deadline.isoformat())
    return tender


def set_scores(session: Session, principal: Principal, tender_id: str, body: ScoresUpdate, at: datetime) -> Tender:
    tender = _buyer_tender(session, principal, tender_id, at)
    offers = {o.id: o for o in repository.offers(session, tender.id)}
    for i, item in enumerate(body.scores):
        if item.offer_id not in offers:
            raise invalid(f"body.scores.{i}.offer_id", "No offer with this id in this tender.")
    for item in body.scores:
        offers[item.offer_id].technical_score = item.technical_score
        session.add(offers[item.offer_id])
    audit.record(session, principal, "tender.score", "tender", tender.id,
                 {"scores": [{"offer_id": s.offer_id, "technical_score": str(s.technical_score)} for s in body.scores]})
    session.commit()
    return tender


def award(session: Session, principal: Principal, tender_id: str, body: TenderAwardCreate, at: datetime) -> tuple[Tender, Deal]:
    tender = _buyer_tender(session, principal, tender_id, at)
    offers = repository.offers(session, tender.id)
    chosen = next((o for o in offers if o.id == body.offer_id), None)
    if chosen is None:
        raise invalid("body.offer_id", "No offer with this id in this tender.")
    if any(o.technical_score is None for o in offers):
        raise conflict("Score the technical part of every offer first (PUT .../scores).")
    ranks = {s.offer_id: s.rank for s in _scores(tender, offers)}
    deal = deals.open_trading_deal(session, principal, origin="tender", origin_id=tender.id,
                                   technology_id=chosen.technology_id, seller_org_id=chosen.bidder_org_id,
                                   buyer_org_id=tender.buyer_org_id, amount_fen=chosen.price_fen, broker_org_id=operator_org_id(),
                                   domain=tender.domain, region=tender.region, demand_id=tender.demand_id, at=at)
    if not repository.bump(session, tender.id, tender.version, {"status": TenderStatus.awarded.value,
                                                                  "awarded_offer_id": chosen.id, "deal_id": deal.id}):
        session.rollback()
        raise conflict("The tender changed at the same moment; reload it.")
    audit.record(session, principal, "tender.award", "tender", tender.id,
                 {"offer_id": chosen.id, "rank": ranks.get(chosen.id), "deal_id": deal.id})
    webhooks.enqueue_many(session, {tender.buyer_org_id, *(o.bidder_org_id for o in offers)}, EventType.tender_awarded,
                          {**_event(tender), "status": TenderStatus.awarded.value, "offer_id": chosen.id,
                           "winner_org_id": chosen.bidder_org_id, "deal_id": deal.id})
    session.commit()
    session.refresh(tender)
    return tender, deal


def _scores(tender: Tender, offers: list[TenderOffer]):
    return score([OfferFigures(o.id, o.price_fen, o.delivery_days, o.technical_score, o.submitted_at) for o in offers],
                 tender.weight_price, tender.weight_technical, tender.weight_delivery)


def visible_offers(session: Session, principal: Principal, tender: Tender) -> list[OfferPublic]:
    """Sealed until the opening: everyone (buyer and admin included) sees only their own offer. After it, the buyer and
    admins see all offers with scores and ranks; bidders keep seeing their own."""
    offers = repository.offers(session, tender.id)
    sealed = tender.status == TenderStatus.open
    if sealed or not is_party(principal, tender.buyer_org_id):
        offers_shown = [o for o in offers if o.bidder_org_id == principal.org_id]
    else:
        offers_shown = offers
    scores = {} if sealed else {s.offer_id: s for s in _scores(tender, offers)}
    return [OfferPublic(id=o.id, tender_id=o.tender_id, bidder_org_id=o.bidder_org_id, technology_id=o.technology_id,
                        price_cny=fen_to_yuan(o.price_fen), delivery_days=o.delivery_days, technical_proposal=o.technical_proposal,
                        submitted_at=o.submitted_at, technical_score=o.technical_score,
                        **({} if o.id not in scores else {"price_score": scores[o.id].price_score,
                                                          "delivery_score": scores[o.id].delivery_score,
                                                          "total_score": scores[o.id].total, "rank": scores[o.id].rank}))
            for o in offers_shown]


def view(session: Session, tender: Tender) -> TenderPublic:
    return TenderPublic(
        id=tender.id, buyer_org_id=tender.buyer_org_id, demand_id=tender.demand_id, title=tender.title,
        requirements=tender.requirements, domain=tender.domain, region=tender.region,
        weights=Weights(price=tender.weight_price, technical=tender.weight_technical, delivery=tender.weight_delivery),
        budget_cny=yuan_or_none(tender.budget_fen), deadline=tender.deadline, status=TenderStatus(tender.status),
        opened_at=tender.opened_at,
        offer_count=None if tender.status == TenderStatus.open else len(repository.offers(session, tender.id)),
        awarded_offer_id=tender.awarded_offer_id, deal_id=tender.deal_id, version=tender.version, created_at=tender.created_at,
    )


def _event(tender: Tender) -> dict[str, Any]:
    return {"tender_id": tender.id, "status": tender.status, "deadline": tender.deadline.isoformat(), "demand_id": tender.demand_id}


