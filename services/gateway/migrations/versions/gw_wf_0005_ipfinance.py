"""Gateway workflow: introductions of financing needs to financiers' products (green finance, issue #12).

Revision ID: gw_wf_0005_ipfinance
Revises: gw_wf_0004_evaluation
Create Date: 2026-12-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "gw_wf_0005_ipfinance"
down_revision = "gw_wf_0004_evaluation"
branch_labels = None
depends_on = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table("finance_introduction",
    sa.Column("id", sa.String(40), nullable=False),
    sa.Column("need_id", sa.String(40), nullable=False),
    sa.Column("product_id", sa.String(40), nullable=False),
    sa.Column("product_type", sa.String(30), nullable=False),
    sa.Column("need_org_id", sa.String(64), nullable=False),
    sa.Column("financier_org_id", sa.String(64), nullable=False),
    sa.Column("requested_by_org_id", sa.String(64), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("amount_requested_fen", BIGINT, nullable=False),
    sa.Column("amount_granted_fen", BIGINT, nullable=True),
    sa.Column("note", sa.String(1000), nullable=True),
    sa.Column("decline_reason", sa.String(1000), nullable=True),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("updated_at", TS, nullable=False),
    sa.PrimaryKeyConstraint("id"),
    )
    for column in ("need_id", "product_id", "need_org_id", "financier_org_id", "status"):
        op.create_index(f"ix_finance_introduction_{column}", "finance_introduction", [column], unique=False)
    op.create_index("ix_finance_introduction_pair", "finance_introduction", ["need_id", "product_id"], unique=False)


def downgrade() -> None:
    op.drop_table("finance_introduction")
