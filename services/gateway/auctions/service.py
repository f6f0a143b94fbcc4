"""拍卖/竞价: create (from a technology or from a listing with several applicants), register bidders with a deposit,
take bids under concurrency, close (explicitly or lazily on read after the end) into a deal.

Bids: each bid runs in its own transaction that first locks the auction row (repository.lock), re-reads it,
validates against the price as it is now, and writes with a compare-and-set on (version, price). So accepted
English bids are strictly increasing by at least the increment, none is lost, and a retried bid with the same
client id (or Idempotency-Key) returns the first result instead of bidding again.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from fastapi import Request
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from services.gateway.auctions import repository
from services.gateway.auctions.models import Auction, AuctionBid, AuctionBidder
from services.gateway.auctions.schemas import (
    AuctionCreate,
    AuctionKind,
    AuctionPublic,
    AuctionStatus,
    AuctionTerms,
    BidCreate,
    BidderPublic,
    BidderRegister,
    BidPublic,
)
from services.gateway.audit import service as audit
from services.gateway.auth.deps import Principal
from services.gateway.auth.permissions import Action, require
from services.gateway.brokers import service as deals
from services.gateway.brokers.columns import new_id
from services.gateway.public import records
from services.gateway.trading_common.access import is_party, require_for_org, require_owner_of
from services.gateway.trading_common.money import fen_to_yuan, yuan_or_none, yuan_to_fen
from services.gateway.trading_common.operator import operator_org_id
from services.gateway.trading_listings import repository as listings_repo
from services.gateway.trading_listings import service as listings
from services.gateway.webhooks import service as webhooks
from services.gateway.webhooks.schemas import EventType
from shared.errors import ProblemError, conflict, invalid, not_found


# --------------------------------------------------------------------------- creating
async def create(session: Session, request: Request, principal: Principal, body: AuctionCreate, at: datetime) -> Auction:
    require(principal, Action.trading_list)
    record = await records.fetch_published(request, principal, "technology", body.technology_id, field="body.technology_id")
    require_owner_of(principal, Action.trading_list, record, "technologies")
    auction = _new_auction(principal, body, at, technology_id=record["id"], title=record["title"][:200],
                           seller_org_id=record.get("owner_org_id") or principal.org_id, domain=record.get("domain"),
                           region=record.get("region"), listing_id=None)
    _save_new(session, principal, auction)
    session.commit()
    return auction


def create_from_listing(session: Session, principal: Principal, listing_id: str, body: AuctionTerms, at: datetime) -> Auction:
    """Several applicants after a listing's notice → an auction among them (only they may register)."""
    listing = listings.concludable(session, principal, listing_id, at)
    applicants = listings_repo.applicants(session, listing.id)
    if len(applicants) < 2:
        raise conflict(f"{len(applicants)} organization(s) applied; an auction needs at least 2 (one: conclude an agreement).",
                       applicant_count=len(applicants))
    auction = _new_auction(principal, body, at, technology_id=listing.technology_id, title=listing.technology_title,
                           seller_org_id=listing.seller_org_id, domain=listing.domain, region=listing.region, listing_id=listing.id)
    _save_new(session, principal, auction)
    listings.mark_auction(session, principal, listing, auction.id, at)
    webhooks.enqueue_many(session, {a.org_id for a in applicants}, EventType.auction_opened, _event(auction))
    session.commit()
    return auction


def _new_auction(principal: Principal, body: AuctionTerms, at: datetime, **identity: Any) -> Auction:
    starts_at = body.starts_at or at
    if body.ends_at <= max(starts_at, at):
        raise invalid("body.ends_at", "The auction must end after it starts and after now.")
    if body.starts_at is not None and body.starts_at < at - timedelta(minutes=5):
        raise invalid("body.starts_at", "An auction cannot start in the past.")
    return Auction(id=new_id("auc"), kind=body.kind.value, reserve_fen=yuan_to_fen(body.reserve_cny),
                   starting_fen=yuan_to_fen(body.starting_cny), increment_fen=yuan_to_fen(body.increment_cny),
                   deposit_fen=yuan_to_fen(body.deposit_cny), anti_snipe_minutes=body.anti_snipe_minutes,
                   starts_at=starts_at, ends_at=body.ends_at, original_ends_at=body.ends_at, status=AuctionStatus.open.value,
                   created_by=principal.key_id, created_at=at, **identity)


def _save_new(session: Session, principal: Principal, auction: Auction) -> None:
    session.add(auction)
    audit.record(session, principal, "auction.create", "auction", auction.id,
                 {"kind": auction.kind, "technology_id": auction.technology_id, "listing_id": auction.listing_id,
                  "reserve_fen": auction.reserve_fen, "starting_fen": auction.starting_fen, "ends_at": auction.ends_at.isoformat()})
    webhooks.enqueue(session, auction.seller_org_id, EventType.auction_opened, _event(auction))


# --------------------------------------------------------------------------- reading (and lazy close)
def readable(session: Session, principal: Principal, auction_id: str, at: datetime) -> Auction:
    """Any key reads an auction (public trading); one past its end is closed first."""
    require(principal, Action.trading_read)
    auction = session.get(Auction, auction_id)
    if auction is None:
        raise not_found("auction", auction_id)
    if auction.status == AuctionStatus.open and at >= auction.ends_at:
        close(session, None, auction.id, at)
        auction = session.get(Auction, auction_id, populate_existing=True)
    return auction


def view(session: Session, principal: Principal, auction: Auction) -> AuctionPublic:
    done = auction.status != AuctionStatus.open
    public_price = auction.kind == AuctionKind.english or done  # sealed: nothing about bids before the end
    return AuctionPublic(
        id=auction.id, kind=AuctionKind(auction.kind), listing_id=auction.listing_id, technology_id=auction.technology_id,
        title=auction.title, seller_org_id=auction.seller_org_id, domain=auction.domain, region=auction.region,
        reserve_cny=fen_to_yuan(auction.reserve_fen) if is_party(principal, auction.seller_org_id) or done else None,
        starting_cny=fen_to_yuan(auction.starting_fen), increment_cny=fen_to_yuan(auction.increment_fen),
        deposit_cny=fen_to_yuan(auction.deposit_fen), anti_snipe_minutes=auction.anti_snipe_minutes,
        starts_at=auction.starts_at, ends_at=auction.ends_at, original_ends_at=auction.original_ends_at,
        extensions=auction.extensions, status=AuctionStatus(auction.status),
        current_cny=yuan_or_none(auction.current_fen) if public_price else None,
        leader_org_id=auction.leader_org_id if public_price else None,
        bid_count=auction.bid_count if public_price else None,
        winner_org_id=auction.winner_org_id, winning_cny=yuan_or_none(auction.winning_fen), deal_id=auction.deal_id,
        registered=repository.bidder(session, auction.id, principal.org_id) is not None,
        version=auction.version, created_at=auction.created_at, closed_at=auction.closed_at,
    )


def visible_bids(session: Session, principal: Principal, auction: Auction) -> list[AuctionBid]:
    """English bids are public; sealed bids are the bidder's own until the auction is closed."""
    if auction.kind == AuctionKind.sealed and auction.status == AuctionStatus.open:
        return repository.bids(session, auction.id, principal.org_id)
    return repository.bids(session, auction.id)


def visible_bidders(session: Session, principal: Principal, auction: Auction) -> list[AuctionBidder]:
    if is_party(principal, auction.seller_org_id):
        return repository.bidders(session, auction.id)
    return [b for b in repository.bidders(session, auction.id) if b.org_id == principal.org_id]


# --------------------------------------------------------------------------- bidders
def register_bidder(session: Session, principal: Principal, auction_id: str, body: BidderRegister, at: datetime) -> AuctionBidder:
    require_for_org(principal, Action.trading_bid, principal.org_id, "bids")
    auction = readable(session, principal, auction_id, at)
    if auction.status != AuctionStatus.open:
        raise conflict(f"The auction is {auction.status}; registration is closed.", status=auction.status)
    if principal.org_id == auction.seller_org_id:
        raise conflict("The seller cannot bid in its own auction.")
    if auction.listing_id and principal.org_id not in {a.org_id for a in listings_repo.applicants(session, auction.listing_id)}:
        raise ProblemError(403, "Forbidden", "This auction is among the organizations that applied during the listing's notice.",
                           kind="forbidden")
    if auction.deposit_fen > 0 and not body.deposit_reference.strip():
        raise invalid("body.deposit_reference", f"Lodge the deposit (保证金 {fen_to_yuan(auction.deposit_fen)} yuan) and give "
                      "the transfer reference.")
    if repository.bidder(session, auction.id, principal.org_id):
        raise conflict("Your organization is already registered for this auction.")
    bidder = AuctionBidder(auction_id=auction.id, org_id=principal.org_id, key_id=principal.key_id, deposit_fen=auction.deposit_fen,
                           deposit_reference=body.deposit_reference.strip(), deposit_status="held", registered_at=at)
    session.add(bidder)
    audit.record(session, principal, "auction.register", "auction", auction.id,
                 {"org_id": principal.org_id, "deposit_fen": auction.deposit_fen, "deposit_reference": bidder.deposit_reference})
    webhooks.enqueue(session, auction.seller_org_id, EventType.auction_bidder_registered, {**_event(auction), "org_id": principal.org_id})
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise conflict("Your organization is already registered for this auction.") from None
    return bidder


# --------------------------------------------------------------------------- bids
def place_bid(session: Session, principal: Principal, auction_id: str, body: BidCreate, idempotency_key: str | None,
              at: datetime) -> tuple[AuctionBid, bool]:
    """One bid in its own locked transaction. Returns (bid, replayed): a retry of a bid already taken is not applied again."""
    require_for_org(principal, Action.trading_bid, principal.org_id, "bids")
    client_bid_id = body.client_bid_id or idempotency_key or new_id("cb")
    amount_fen = yuan_to_fen(body.amount_cny)
    with _locked(session, auction_id) as auction:
        if auction is None:
            raise not_found("auction", auction_id)
        earlier = repository.bid_by_client_id(session, auction.id, principal.org_id, client_bid_id)
        if earlier is not None:
            if earlier.amount_fen != amount_fen:
                raise conflict(f"Bid id {client_bid_id!r} was already used for {fen_to_yuan(earlier.amount_fen)} yuan; "
                               "use a new id for a new bid.", field="body.client_bid_id")
            session.rollback()  # release the lock before answering
            return earlier, True
        _check_bid(session, principal, auction, amount_fen, at)
        # sealed bids cannot be sniped (nobody sees them), and an extension would tell everyone a bid came in
        extend = (auction.kind == AuctionKind.english and auction.anti_snipe_minutes > 0
                  and at >= auction.ends_at - timedelta(minutes=auction.anti_snipe_minutes))
        new_end = auction.ends_at + timedelta(minutes=auction.anti_snipe_minutes) if extend else auction.ends_at
        seq = auction.bid_count + 1  # read before the update: the session applies it to `auction` too
        values: dict[str, Any] = {"bid_count": seq, "ends_at": new_end, "extensions": auction.extensions + int(extend)}
        if auction.kind == AuctionKind.english:
            values |= {"current_fen": amount_fen, "leader_org_id": principal.org_id}
        if not repository.compare_and_set(session, auction, values):  # cannot happen while we hold the lock; never apply blindly
            raise conflict("The auction changed while your bid was checked; send it again.")
        bid = AuctionBid(id=new_id("bid"), auction_id=auction.id, seq=seq, bidder_org_id=principal.org_id,
                         key_id=principal.key_id, client_bid_id=client_bid_id, amount_fen=amount_fen, placed_at=at,
                         extended_end_to=new_end if extend else None)
        session.add(bid)
        sealed = auction.kind == AuctionKind.sealed
        audit.record(session, principal, "auction.bid", "auction", auction.id,
                     {"bid_id": bid.id, "seq": bid.seq, **({} if sealed else {"amount_fen": amount_fen}),
                      "extended_end_to": new_end.isoformat() if extend else None})
        if sealed:  # a receipt for the bidder only: telling the seller would reveal how many sealed bids are in
            webhooks.enqueue(session, principal.org_id, EventType.auction_bid_placed, {**_event(auction), "bid_id": bid.id})
        else:
            webhooks.enqueue_many(session, {auction.seller_org_id, principal.org_id}, EventType.auction_bid_placed,
                                  {**_event(auction), "bid_id": bid.id, "seq": bid.seq, "amount_cny": str(fen_to_yuan(amount_fen))})
        if extend:
            webhooks.enqueue_many(session, {b.org_id for b in repository.bidders(session, auction.id)} | {auction.seller_org_id},
                                  EventType.auction_extended, {**_event(auction), "ends_at": new_end.isoformat()})
        session.commit()
        return bid, False


def _check_bid(session: Session, principal: Principal, auction: Auction, amount_fen: int, at: datetime) -> None:
    if auction.status != AuctionStatus.open or at >= auction.ends_at:
        raise invalid("body.amount_cny", f"Bidding ended at {auction.ends_at.isoformat()}; no more bids.", status=409, type_="auction_ended")
    if at < auction.starts_at:
        raise invalid("body.amount_cny", f"Bidding opens at {auction.starts_at.isoformat()}.", status=409, type_="auction_not_started")
    if repository.bidder(session, auction.id, principal.org_id) is None:
        raise invalid("path.auction_id", "Your organization is not a registered bidder: register with the deposit first "
                      "(POST /v1/auctions/{id}/bidders).", status=403, type_="not_registered")
    if auction.kind == AuctionKind.sealed:
        if repository.has_bid(session, auction.id, principal.org_id):
            raise invalid("body.amount_cny", "A sealed-bid auction takes one bid per bidder; yours is in.", status=409, type_="duplicate_bid")
        if amount_fen < auction.starting_fen:
            raise invalid("body.amount_cny", f"Bid at least the starting price, {fen_to_yuan(auction.starting_fen)} yuan.")
        return
    minimum = auction.starting_fen if auction.current_fen is None else auction.current_fen + auction.increment_fen
    if amount_fen < minimum:
        raise invalid("body.amount_cny", f"Bid at least {fen_to_yuan(minimum)} yuan (the current price "
                      f"{fen_to_yuan(auction.current_fen) if auction.current_fen is not None else '—'} plus the increment "
                      f"{fen_to_yuan(auction.increment_fen)}).", type_="below_minimum")


# --------------------------------------------------------------------------- closing
def close(session: Session, principal: Principal | None, auction_id: str, at: datetime) -> None:
    """Close an auction past its end: the winner's bid opens a deal, the others' deposits are marked for return.
    Idempotent: an auction already closed is left as it is. Runs in its own locked transaction (commits)."""
    with _locked(session, auction_id) as auction:
        if auction.status != AuctionStatus.open:
            session.rollback()
            return
        if at < auction.ends_at:
            raise conflict(f"The auction runs until {auction.ends_at.isoformat()}; close it after that.",
                           ends_at=auction.ends_at.isoformat())
        winner_org, winning_fen = _winner(session, auction)
        values: dict[str, Any] = {"closed_at": at}
        deal_id = None
        if winner_org is not None and winning_fen is not None and winning_fen >= auction.reserve_fen:
            deal = deals.open_trading_deal(session, principal, origin="auction", origin_id=auction.id, technology_id=auction.technology_id,
                                           seller_org_id=auction.seller_org_id, buyer_org_id=winner_org, amount_fen=winning_fen,
                                           broker_org_id=operator_org_id(), domain=auction.domain, region=auction.region, at=at)
            deal_id = deal.id
            values |= {"status": AuctionStatus.closed.value, "winner_org_id": winner_org, "winning_fen": winning_fen, "deal_id": deal.id}
        else:
            values |= {"status": AuctionStatus.failed.value}
        if not repository.compare_and_set(session, auction, values):
            raise conflict("The auction changed while it was being closed; read it again.")
        for bidder in repository.bidders(session, auction.id):
            bidder.deposit_status = "applied" if bidder.org_id == winner_org and deal_id else "to_return"
            session.add(bidder)
        audit.record(session, principal, f"auction.{values['status']}", "auction", auction.id,
                     {"winner_org_id": values.get("winner_org_id"), "winning_fen": values.get("winning_fen"), "deal_id": deal_id,
                      "bid_count": auction.bid_count})
        webhooks.enqueue_many(session, {auction.seller_org_id, *(b.org_id for b in repository.bidders(session, auction.id))},
                              EventType.auction_closed,
                              {**_event(auction), "status": values["status"], "winner_org_id": values.get("winner_org_id"),
                               "winning_cny": str(fen_to_yuan(winning_fen)) if deal_id and winning_fen else None, "deal_id": deal_id})
        session.commit()


@contextmanager
def _locked(session: Session, auction_id: str) -> Iterator[Auction]:
    """The auction, held by this session's new transaction (see repository.lock); rolled back on any error.
    The request's own session is used (its read-only work so far is ended first), so a bid holds one connection."""
    session.commit()
    try:
        auction = repository.lock(session, auction_id)
        if auction is None:
            raise not_found("auction", auction_id)
        yield auction
    except BaseException:
        session.rollback()
        raise


def _winner(session: Session, auction: Auction) -> tuple[str | None, int | None]:
    if auction.kind == AuctionKind.english:
        return auction.leader_org_id, auction.current_fen
    best = repository.best_sealed_bid(session, auction.id)
    return (best.bidder_org_id, best.amount_fen) if best else (None, None)


def close_by_request(session: Session, principal: Principal, auction_id: str, at: datetime) -> Auction:
    require(principal, Action.trading_read)
    auction = session.get(Auction, auction_id)
    if auction is None:
        raise not_found("auction", auction_id)
    require_for_org(principal, Action.trading_list, auction.seller_org_id, "auctions")
    close(session, principal, auction.id, at)
    return session.get(Auction, auction_id, populate_existing=True)


def _event(auction: Auction) -> dict[str, Any]:
    return {"auction_id": auction.id, "kind": auction.kind, "technology_id": auction.technology_id,
            "listing_id": auction.listing_id, "ends_at": auction.ends_at.isoformat()}


def bid_view(bid: AuctionBid) -> BidPublic:
    return BidPublic(id=bid.id, seq=bid.seq, bidder_org_id=bid.bidder_org_id, amount_cny=fen_to_yuan(bid.amount_fen),
                     placed_at=bid.placed_at, client_bid_id=bid.client_bid_id, extended_end_to=bid.extended_end_to)


def bidder_view(bidder: AuctionBidder) -> BidderPublic:
    return BidderPublic(org_id=bidder.org_id, deposit_cny=fen_to_yuan(bidder.deposit_fen), deposit_reference=bidder.deposit_reference,
                        deposit_status=bidder.deposit_status, registered_at=bidder.registered_at)
