"""Auction queries, and the row lock every bid and close takes on the auction row.

SQLite: BEGIN IMMEDIATE (the database's one writer lock, taken before reading, so nobody validates a bid against
a price that is no longer current). PostgreSQL: SELECT … FOR UPDATE on the auction row. On both the write itself
is a compare-and-set on (version, current price) as a second guard.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session, col, select

from services.gateway.auctions.models import Auction, AuctionBid, AuctionBidder


def lock(session: Session, auction_id: str) -> Auction | None:
    """Start the session's transaction holding the auction row; the auction as it is now (or None)."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")
        return session.get(Auction, auction_id, populate_existing=True)
    stmt = select(Auction).where(Auction.id == auction_id).with_for_update().execution_options(populate_existing=True)
    return session.exec(stmt).first()


def compare_and_set(session: Session, auction: Auction, values: dict) -> bool:
    """Apply `values` only if the auction is still at the version and price it was read at."""
    price = col(Auction.current_fen).is_(None) if auction.current_fen is None else col(Auction.current_fen) == auction.current_fen
    result = session.execute(sa.update(Auction).where(col(Auction.id) == auction.id, col(Auction.version) == auction.version, price)
                             .values(version=auction.version + 1, **values))
    return result.rowcount == 1


def page(session: Session, status: str | None, limit: int, before: str | None) -> list[Auction]:
    stmt = select(Auction)
    if status:
        stmt = stmt.where(Auction.status == status)
    if before:
        stmt = stmt.where(col(Auction.id) < before)
    return list(session.exec(stmt.order_by(col(Auction.id).desc()).limit(limit)))


def bidder(session: Session, auction_id: str, org_id: str) -> AuctionBidder | None:
    return session.get(AuctionBidder, (auction_id, org_id))


def bidders(session: Session, auction_id: str) -> list[AuctionBidder]:
    stmt = select(AuctionBidder).where(AuctionBidder.auction_id == auction_id).order_by(col(AuctionBidder.registered_at))
    return list(session.exec(stmt))


def bid_by_client_id(session: Session, auction_id: str, org_id: str, client_bid_id: str) -> AuctionBid | None:
    stmt = select(AuctionBid).where(AuctionBid.auction_id == auction_id, AuctionBid.bidder_org_id == org_id,
                                    AuctionBid.client_bid_id == client_bid_id)
    return session.exec(stmt).first()


def bids(session: Session, auction_id: str, org_id: str | None = None) -> list[AuctionBid]:
    stmt = select(AuctionBid).where(AuctionBid.auction_id == auction_id)
    if org_id is not None:
        stmt = stmt.where(AuctionBid.bidder_org_id == org_id)
    return list(session.exec(stmt.order_by(col(AuctionBid.seq))))


def best_sealed_bid(session: Session, auction_id: str) -> AuctionBid | None:
    """Highest amount; ties → the earliest accepted (lowest seq)."""
    stmt = select(AuctionBid).where(AuctionBid.auction_id == auction_id).order_by(col(AuctionBid.amount_fen).desc(), col(AuctionBid.seq))
    return session.exec(stmt.limit(1)).first()


def has_bid(session: Session, auction_id: str, org_id: str) -> bool:
    stmt = select(AuctionBid.id).where(AuctionBid.auction_id == auction_id, AuctionBid.bidder_org_id == org_id).limit(1)
    return session.exec(stmt).first() is not None
