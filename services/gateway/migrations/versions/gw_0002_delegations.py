"""Gateway core: delegations (an organization lets a trading platform write its records).

Revision ID: gw_0002
Revises: gw_0001
Create Date: 2026-12-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "gw_0002"
down_revision = "gw_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "delegation",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("platform_org_id", sa.String(64), nullable=False),
        sa.Column("note", sa.String(500), nullable=True),
        sa.Column("granted_by", sa.String(40), nullable=True),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(40), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_delegation_org_id", "delegation", ["org_id"])
    op.create_index("ix_delegation_platform_org_id", "delegation", ["platform_org_id"])


def downgrade() -> None:
    op.drop_table("delegation")
