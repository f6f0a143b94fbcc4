"""Gateway workflow: public trading (listings with notice, objections, auctions, bids, tenders, offers), technology
contract registration, and deals that come from trading (nullable introduction/engagement/demand, origin, parties).

Revision ID: gw_wf_0003
Revises: gw_wf_0002_webhook_rotation
Create Date: 2026-12-02
"""
from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

revision = "gw_wf_0003"
down_revision = "gw_wf_0002_webhook_rotation"
branch_labels = None
depends_on = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)


NEWLY_OPTIONAL = ("introduction_id", "engagement_id", "demand_id")  # trading deals have no introduction


def _deal_columns_for_trading() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        _sqlite_drop_not_null("deal", NEWLY_OPTIONAL)
    else:
        for column in NEWLY_OPTIONAL:
            op.alter_column("deal", column, nullable=True)
    op.add_column("deal", sa.Column("origin", sa.String(20), nullable=False, server_default="introduction"))
    op.add_column("deal", sa.Column("origin_id", sa.String(40), nullable=True))
    op.add_column("deal", sa.Column("seller_org_id", sa.String(64), nullable=True))
    op.add_column("deal", sa.Column("buyer_org_id", sa.String(64), nullable=True))
    for column in ("origin", "origin_id", "seller_org_id", "buyer_org_id"):
        op.create_index(f"ix_deal_{column}", "deal", [column], unique=False)


def _sqlite_drop_not_null(table: str, columns: tuple[str, ...]) -> None:
    """SQLite cannot ALTER a column's nullability, and batch mode's copy-and-drop of `deal` fails while commission and
    stage-change rows reference it (foreign keys are on). Dropping a NOT NULL leaves the stored rows valid, so we
    use SQLite's documented way for such changes: edit the table's CREATE statement in sqlite_schema and bump
    schema_version (https://www.sqlite.org/lang_altertable.html#otheralter)."""
    bind = op.get_bind()
    sql = bind.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type='table' AND name=?", (table,)).scalar_one()
    original = sql
    for column in columns:  # a column already optional (e.g. after a downgrade) is left as it is
        sql = re.sub(rf"(\b{column} VARCHAR\(\d+\)) NOT NULL", r"\1", sql, count=1)
    if sql == original:
        return
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    bind.exec_driver_sql("UPDATE sqlite_master SET sql = ? WHERE type='table' AND name=?", (sql, table))
    bind.exec_driver_sql(f"PRAGMA schema_version = {version + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")


def upgrade() -> None:
    _deal_columns_for_trading()
    op.create_table(
        "trade_listing",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("technology_id", sa.String(64), nullable=False),
        sa.Column("technology_title", sa.String(200), nullable=False),
        sa.Column("seller_org_id", sa.String(64), nullable=False),
        sa.Column("domain", sa.String(40), nullable=True),
        sa.Column("region", sa.String(6), nullable=True),
        sa.Column("transfer_mode", sa.String(30), nullable=False),
        sa.Column("price_fen", BIGINT, nullable=True),
        sa.Column("description", sa.String(2000), nullable=True),
        sa.Column("notice_days", sa.Integer(), nullable=False),
        sa.Column("notice_starts_at", TS, nullable=False),
        sa.Column("notice_ends_at", TS, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("outcome_note", sa.String(2000), nullable=True),
        sa.Column("deal_id", sa.String(40), nullable=True),
        sa.Column("auction_id", sa.String(40), nullable=True),
        sa.Column("created_by", sa.String(40), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_trade_listing_technology_id", "trade_listing", ["technology_id"])
    op.create_index("ix_trade_listing_seller_org_id", "trade_listing", ["seller_org_id"])
    op.create_index("ix_trade_listing_notice_ends_at", "trade_listing", ["notice_ends_at"])
    op.create_index("ix_trade_listing_status", "trade_listing", ["status"])
    op.create_index("ix_trade_listing_created_at", "trade_listing", ["created_at"])
    op.create_table(
        "trade_listing_objection",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("listing_id", sa.String(40), nullable=False),
        sa.Column("raised_by_org_id", sa.String(64), nullable=False),
        sa.Column("raised_by_key_id", sa.String(40), nullable=False),
        sa.Column("reasons", sa.String(4000), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("resolution_note", sa.String(2000), nullable=True),
        sa.Column("resolved_by", sa.String(40), nullable=True),
        sa.Column("raised_at", TS, nullable=False),
        sa.Column("resolved_at", TS, nullable=True),
        sa.ForeignKeyConstraint(["listing_id"], ["trade_listing.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_trade_listing_objection_listing_id", "trade_listing_objection", ["listing_id"])
    op.create_table(
        "trade_listing_applicant",
        sa.Column("listing_id", sa.String(40), nullable=False),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("key_id", sa.String(40), nullable=False),
        sa.Column("offer_fen", BIGINT, nullable=True),
        sa.Column("note", sa.String(2000), nullable=True),
        sa.Column("applied_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["listing_id"], ["trade_listing.id"]),
        sa.PrimaryKeyConstraint("listing_id", "org_id"),
    )
    op.create_table(
        "auction",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("listing_id", sa.String(40), nullable=True),
        sa.Column("technology_id", sa.String(64), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("seller_org_id", sa.String(64), nullable=False),
        sa.Column("domain", sa.String(40), nullable=True),
        sa.Column("region", sa.String(6), nullable=True),
        sa.Column("reserve_fen", BIGINT, nullable=False),
        sa.Column("starting_fen", BIGINT, nullable=False),
        sa.Column("increment_fen", BIGINT, nullable=False),
        sa.Column("deposit_fen", BIGINT, nullable=False),
        sa.Column("anti_snipe_minutes", sa.Integer(), nullable=False),
        sa.Column("starts_at", TS, nullable=False),
        sa.Column("ends_at", TS, nullable=False),
        sa.Column("original_ends_at", TS, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("current_fen", BIGINT, nullable=True),
        sa.Column("leader_org_id", sa.String(64), nullable=True),
        sa.Column("bid_count", sa.Integer(), nullable=False),
        sa.Column("extensions", sa.Integer(), nullable=False),
        sa.Column("winner_org_id", sa.String(64), nullable=True),
        sa.Column("winning_fen", BIGINT, nullable=True),
        sa.Column("deal_id", sa.String(40), nullable=True),
        sa.Column("created_by", sa.String(40), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("closed_at", TS, nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_auction_listing_id", "auction", ["listing_id"])
    op.create_index("ix_auction_technology_id", "auction", ["technology_id"])
    op.create_index("ix_auction_seller_org_id", "auction", ["seller_org_id"])
    op.create_index("ix_auction_ends_at", "auction", ["ends_at"])
    op.create_index("ix_auction_status", "auction", ["status"])
    op.create_index("ix_auction_created_at", "auction", ["created_at"])
    op.create_table(
        "auction_bidder",
        sa.Column("auction_id", sa.String(40), nullable=False),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("key_id", sa.String(40), nullable=False),
        sa.Column("deposit_fen", BIGINT, nullable=False),
        sa.Column("deposit_reference", sa.String(100), nullable=False),
        sa.Column("deposit_status", sa.String(20), nullable=False),
        sa.Column("registered_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["auction_id"], ["auction.id"]),
        sa.PrimaryKeyConstraint("auction_id", "org_id"),
    )
    op.create_table(
        "auction_bid",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("auction_id", sa.String(40), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("bidder_org_id", sa.String(64), nullable=False),
        sa.Column("key_id", sa.String(40), nullable=False),
        sa.Column("client_bid_id", sa.String(100), nullable=False),
        sa.Column("amount_fen", BIGINT, nullable=False),
        sa.Column("placed_at", TS, nullable=False),
        sa.Column("extended_end_to", TS, nullable=True),
        sa.ForeignKeyConstraint(["auction_id"], ["auction.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("auction_id", "bidder_org_id", "client_bid_id", name="uq_auction_bid_client_id"),
    )
    op.create_index("ix_auction_bid_auction_id", "auction_bid", ["auction_id"])
    op.create_table(
        "tender",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("buyer_org_id", sa.String(64), nullable=False),
        sa.Column("demand_id", sa.String(64), nullable=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("requirements", sa.String(8000), nullable=False),
        sa.Column("domain", sa.String(40), nullable=True),
        sa.Column("region", sa.String(6), nullable=True),
        sa.Column("weight_price", sa.Integer(), nullable=False),
        sa.Column("weight_technical", sa.Integer(), nullable=False),
        sa.Column("weight_delivery", sa.Integer(), nullable=False),
        sa.Column("budget_fen", BIGINT, nullable=True),
        sa.Column("deadline", TS, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("opened_at", TS, nullable=True),
        sa.Column("awarded_offer_id", sa.String(40), nullable=True),
        sa.Column("deal_id", sa.String(40), nullable=True),
        sa.Column("created_by", sa.String(40), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_tender_buyer_org_id", "tender", ["buyer_org_id"])
    op.create_index("ix_tender_deadline", "tender", ["deadline"])
    op.create_index("ix_tender_status", "tender", ["status"])
    op.create_index("ix_tender_created_at", "tender", ["created_at"])
    op.create_table(
        "tender_offer",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("tender_id", sa.String(40), nullable=False),
        sa.Column("bidder_org_id", sa.String(64), nullable=False),
        sa.Column("key_id", sa.String(40), nullable=False),
        sa.Column("technology_id", sa.String(64), nullable=False),
        sa.Column("price_fen", BIGINT, nullable=False),
        sa.Column("delivery_days", sa.Integer(), nullable=False),
        sa.Column("technical_proposal", sa.String(8000), nullable=False),
        sa.Column("technical_score", sa.Numeric(5, 2), nullable=True),
        sa.Column("submitted_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["tender_id"], ["tender.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tender_id", "bidder_org_id", name="uq_tender_offer_bidder"),
    )
    op.create_index("ix_tender_offer_tender_id", "tender_offer", ["tender_id"])
    op.create_table(
        "tech_contract",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("deal_id", sa.String(40), nullable=False),
        sa.Column("contract_type", sa.String(20), nullable=False),
        sa.Column("seller_org_id", sa.String(64), nullable=False),
        sa.Column("seller_name", sa.String(200), nullable=False),
        sa.Column("buyer_org_id", sa.String(64), nullable=False),
        sa.Column("buyer_name", sa.String(200), nullable=False),
        sa.Column("contract_amount_fen", BIGINT, nullable=False),
        sa.Column("transaction_amount_fen", BIGINT, nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=False),
        sa.Column("registered_on", sa.Date(), nullable=False),
        sa.Column("domain", sa.String(40), nullable=True),
        sa.Column("region", sa.String(6), nullable=True),
        sa.Column("registered_by", sa.String(40), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["deal_id"], ["deal.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("deal_id"),
    )
    op.create_index("ix_tech_contract_contract_type", "tech_contract", ["contract_type"])
    op.create_index("ix_tech_contract_seller_org_id", "tech_contract", ["seller_org_id"])
    op.create_index("ix_tech_contract_buyer_org_id", "tech_contract", ["buyer_org_id"])
    op.create_index("ix_tech_contract_registered_on", "tech_contract", ["registered_on"])
    op.create_index("ix_tech_contract_domain", "tech_contract", ["domain"])
    op.create_index("ix_tech_contract_region", "tech_contract", ["region"])


def downgrade() -> None:
    for table in ("tech_contract", "tender_offer", "tender", "auction_bid", "auction_bidder", "auction",
                  "trade_listing_applicant", "trade_listing_objection", "trade_listing"):
        op.drop_table(table)
    for column in ("buyer_org_id", "seller_org_id", "origin_id", "origin"):
        op.drop_index(f"ix_deal_{column}", table_name="deal")
        op.drop_column("deal", column)
    # introduction_id / engagement_id / demand_id stay nullable: tightening them would need every trading deal
    # (and its stage changes, commission, contract) deleted first, which a downgrade should not do silently.
