"""挂牌公示: listing → public notice (objections, applicants) → agreement (deal), auction, or lapse.

Rules: only the technology's owner organization (or an admin) lists a PUBLISHED technology, one active listing per
technology; objections only during the notice; an upheld objection suspends (or withdraws) the listing; after the
notice, with no open objection, one applicant → agreement (a deal), several → an auction among them, none → lapse
(also applied lazily when the listing is read). Every change is audited and sent as a webhook event.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi import Request
from sqlmodel import Session

from services.gateway.audit import service as audit
from services.gateway.auth.deps import Principal
from services.gateway.auth.permissions import Action, require
from services.gateway.brokers import service as deals
from services.gateway.brokers.columns import new_id
from services.gateway.brokers.models import Deal
from services.gateway.public import records
from services.gateway.trading_common.access import is_party, require_for_org, require_owner_of
from services.gateway.trading_common.money import fen_or_none, yuan_or_none
from services.gateway.trading_common.operator import operator_org_id
from services.gateway.trading_listings import repository
from services.gateway.trading_listings.models import ListingApplicant, ListingObjection, TradeListing
from services.gateway.trading_listings.schemas import (
    AgreementCreate,
    ApplicantPublic,
    ApplicationCreate,
    ListingCreate,
    ListingPublic,
    ListingStatus,
    ObjectionCreate,
    ObjectionDecision,
    ObjectionPublic,
    ObjectionResolve,
)
from services.gateway.webhooks import service as webhooks
from services.gateway.webhooks.schemas import EventType
from shared.errors import ProblemError, conflict, invalid, not_found


async def create_listing(session: Session, request: Request, principal: Principal, body: ListingCreate, at: datetime) -> TradeListing:
    require(principal, Action.trading_list)
    record = await records.fetch_published(request, principal, "technology", body.technology_id, field="body.technology_id")
    require_owner_of(principal, Action.trading_list, record, "technologies")
    modes = record.get("transfer_modes") or []
    if modes and body.transfer_mode.value not in modes:
        raise invalid("body.transfer_mode", f"This technology is offered for {', '.join(modes)}; list it for one of those.")
    if repository.active_for_technology(session, record["id"]):
        raise conflict("This technology already has a listing in notice or suspended; conclude or withdraw it first.",
                       field="body.technology_id")
    listing = TradeListing(
        id=new_id("tl"), technology_id=record["id"], technology_title=record["title"][:200],
        seller_org_id=record.get("owner_org_id") or principal.org_id, domain=record.get("domain"), region=record.get("region"),
        transfer_mode=body.transfer_mode.value, price_fen=fen_or_none(body.price_cny), description=body.description,
        notice_days=body.notice_days, notice_starts_at=at, notice_ends_at=at + timedelta(days=body.notice_days),
        status=ListingStatus.notice.value, created_by=principal.key_id, created_at=at, updated_at=at,
    )
    session.add(listing)
    audit.record(session, principal, "trade_listing.create", "trade_listing", listing.id,
                 {"technology_id": listing.technology_id, "price_fen": listing.price_fen, "notice_days": listing.notice_days})
    webhooks.enqueue(session, listing.seller_org_id, EventType.trade_listing_published, _event(listing))
    session.commit()
    return listing


def readable(session: Session, principal: Principal, listing_id: str, at: datetime) -> TradeListing:
    """Any key may read a listing (the notice is public); lapses a finished notice nobody applied to."""
    require(principal, Action.trading_read)
    listing = repository.get(session, listing_id)
    if listing is None:
        raise not_found("trade listing", listing_id)
    return lapse_if_due(session, listing, at)


def lapse_if_due(session: Session, listing: TradeListing, at: datetime) -> TradeListing:
    if (listing.status == ListingStatus.notice and at >= listing.notice_ends_at
            and not repository.applicants(session, listing.id) and repository.open_objection_count(session, listing.id) == 0):
        try:
            _change(session, None, listing, ListingStatus.lapsed, at, outcome_note="公示期满，无意向受让方")
            session.commit()
        except ProblemError:  # a concurrent reader lapsed it first: same outcome
            session.rollback()
        session.refresh(listing)
    return listing


def raise_objection(session: Session, principal: Principal, listing_id: str, body: ObjectionCreate, at: datetime) -> TradeListing:
    require(principal, Action.trading_object)
    listing = readable(session, principal, listing_id, at)
    if listing.status != ListingStatus.notice or at >= listing.notice_ends_at:
        raise conflict(f"Objections are taken during the notice only (it ended {listing.notice_ends_at.isoformat()}; "
                       f"the listing is {listing.status}).", status=listing.status)
    objection = ListingObjection(id=new_id("tlo"), listing_id=listing.id, raised_by_org_id=principal.org_id,
                                 raised_by_key_id=principal.key_id, reasons=body.reasons, status="open", raised_at=at)
    session.add(objection)
    audit.record(session, principal, "trade_listing.objection", "trade_listing", listing.id, {"objection_id": objection.id})
    webhooks.enqueue_many(session, {listing.seller_org_id, operator_org_id()}, EventType.trade_listing_objection_raised,
                          {**_event(listing), "objection_id": objection.id})
    session.commit()
    return listing


def resolve_objection(session: Session, principal: Principal, listing_id: str, objection_id: str, body: ObjectionResolve,
                      at: datetime) -> TradeListing:
    require(principal, Action.trading_resolve)
    listing = readable(session, principal, listing_id, at)
    objection = session.get(ListingObjection, objection_id)
    if objection is None or objection.listing_id != listing.id:
        raise not_found("objection", objection_id)
    if objection.status != "open":
        raise conflict(f"This objection was already {objection.status}.", status=objection.status)
    objection.status, objection.resolution_note = body.decision.value, body.note
    objection.resolved_by, objection.resolved_at = principal.key_id, at
    session.add(objection)
    audit.record(session, principal, "trade_listing.objection_resolve", "trade_listing", listing.id,
                 {"objection_id": objection.id, "decision": body.decision.value, "withdraw": body.withdraw})
    webhooks.enqueue_many(session, {listing.seller_org_id, objection.raised_by_org_id}, EventType.trade_listing_objection_resolved,
                          {**_event(listing), "objection_id": objection.id, "decision": body.decision.value})
    if body.decision == ObjectionDecision.upheld and listing.status in (ListingStatus.notice, ListingStatus.suspended):
        target = ListingStatus.withdrawn if body.withdraw else ListingStatus.suspended
        _change(session, principal, listing, target, at, outcome_note=body.note or "异议成立")
    session.commit()
    session.refresh(listing)
    return listing


def apply(session: Session, principal: Principal, listing_id: str, body: ApplicationCreate, at: datetime) -> TradeListing:
    """An organization declares during the notice that it wants to buy (意向受让)."""
    require_for_org(principal, Action.trading_bid, principal.org_id, "applications")
    listing = readable(session, principal, listing_id, at)
    if listing.status != ListingStatus.notice or at >= listing.notice_ends_at:
        raise conflict("Applications are taken during the notice only.", status=listing.status)
    if principal.org_id == listing.seller_org_id:
        raise conflict("The holder cannot apply to its own listing.")
    if session.get(ListingApplicant, (listing.id, principal.org_id)):
        raise conflict("Your organization already applied to this listing.")
    session.add(ListingApplicant(listing_id=listing.id, org_id=principal.org_id, key_id=principal.key_id,
                                 offer_fen=fen_or_none(body.offer_cny), note=body.note, applied_at=at))
    audit.record(session, principal, "trade_listing.apply", "trade_listing", listing.id, {"org_id": principal.org_id})
    webhooks.enqueue(session, listing.seller_org_id, EventType.trade_listing_applied, {**_event(listing), "applicant_org_id": principal.org_id})
    session.commit()
    return listing


def concludable(session: Session, principal: Principal, listing_id: str, at: datetime) -> TradeListing:
    """The holder's (or an admin's) listing whose notice is over with no open objection."""
    listing = readable(session, principal, listing_id, at)
    require_for_org(principal, Action.trading_list, listing.seller_org_id, "listings")
    if listing.status != ListingStatus.notice:
        raise conflict(f"The listing is {listing.status}; only a listing in notice can be concluded.", status=listing.status)
    if at < listing.notice_ends_at:
        raise conflict(f"The notice runs until {listing.notice_ends_at.isoformat()}; conclude after it.",
                       notice_ends_at=listing.notice_ends_at.isoformat())
    if repository.open_objection_count(session, listing.id):
        raise conflict("An objection is still open; an admin must resolve it first.")
    return listing


def agree(session: Session, principal: Principal, listing_id: str, body: AgreementCreate, at: datetime) -> tuple[TradeListing, Deal]:
    listing = concludable(session, principal, listing_id, at)
    applicants = repository.applicants(session, listing.id)
    if body.buyer_org_id not in {a.org_id for a in applicants}:
        raise invalid("body.buyer_org_id", "The buyer must be an organization that applied during the notice.")
    if len(applicants) > 1:
        raise conflict(f"{len(applicants)} organizations applied: the listing goes to auction (POST .../auction).",
                       applicant_count=len(applicants))
    amount_fen = fen_or_none(body.amount_cny) or listing.price_fen
    if amount_fen is None:
        raise invalid("body.amount_cny", "The listing is price on request (面议): give the agreed amount in yuan.")
    deal = deals.open_trading_deal(session, principal, origin="listing", origin_id=listing.id, technology_id=listing.technology_id,
                                   seller_org_id=listing.seller_org_id, buyer_org_id=body.buyer_org_id, amount_fen=amount_fen,
                                   broker_org_id=operator_org_id(), domain=listing.domain, region=listing.region, at=at)
    _change(session, principal, listing, ListingStatus.agreed, at, outcome_note="协议成交", deal_id=deal.id)
    session.commit()
    session.refresh(listing)
    return listing, deal


def mark_auction(session: Session, principal: Principal, listing: TradeListing, auction_id: str, at: datetime) -> None:
    """Called by auctions.service in the auction's transaction (caller commits)."""
    _change(session, principal, listing, ListingStatus.auction, at, outcome_note="多个意向受让方，转入拍卖", auction_id=auction_id)


def _change(session: Session, principal: Principal | None, listing: TradeListing, target: ListingStatus, at: datetime,
            **values: Any) -> None:
    previous = listing.status
    if not repository.bump(session, listing.id, listing.version, {"status": target.value, "updated_at": at, **values}):
        session.rollback()
        raise conflict("The listing was changed by someone else at the same moment; reload it and retry.")
    audit.record(session, principal, f"trade_listing.{target.value}", "trade_listing", listing.id,
                 {"from": previous, "to": target.value, **{k: v for k, v in values.items() if v is not None}})
    event = {**_event(listing), "status": target.value, "previous_status": previous, **values}
    webhooks.enqueue_many(session, {listing.seller_org_id, *(a.org_id for a in repository.applicants(session, listing.id))},
                          EventType.trade_listing_concluded, event)


def _event(listing: TradeListing) -> dict[str, Any]:
    return {"listing_id": listing.id, "technology_id": listing.technology_id, "status": listing.status,
            "notice_ends_at": listing.notice_ends_at.isoformat()}


def view(session: Session, principal: Principal, listing: TradeListing) -> ListingPublic:
    insider = is_party(principal, listing.seller_org_id)
    applicants = repository.applicants(session, listing.id)
    return ListingPublic(
        id=listing.id, technology_id=listing.technology_id, technology_title=listing.technology_title,
        seller_org_id=listing.seller_org_id, domain=listing.domain, region=listing.region, transfer_mode=listing.transfer_mode,
        price_cny=yuan_or_none(listing.price_fen), price_on_request=listing.price_fen is None, description=listing.description,
        notice_days=listing.notice_days, notice_starts_at=listing.notice_starts_at, notice_ends_at=listing.notice_ends_at,
        status=ListingStatus(listing.status), outcome_note=listing.outcome_note, deal_id=listing.deal_id,
        auction_id=listing.auction_id, version=listing.version, created_at=listing.created_at, updated_at=listing.updated_at,
        objections=[ObjectionPublic(id=o.id, status=o.status, reasons=o.reasons, raised_at=o.raised_at,
                                    raised_by_org_id=o.raised_by_org_id if insider or o.raised_by_org_id == principal.org_id else None,
                                    resolution_note=o.resolution_note, resolved_at=o.resolved_at)
                    for o in repository.objections(session, listing.id)],
        applicant_count=len(applicants),
        applicants=[ApplicantPublic(org_id=a.org_id, offer_cny=yuan_or_none(a.offer_fen), note=a.note, applied_at=a.applied_at)
                    for a in applicants] if insider else None,
    )

