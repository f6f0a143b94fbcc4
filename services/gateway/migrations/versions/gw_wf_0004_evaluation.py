"""Gateway workflow: technology evaluation requests (技术评价申请). The evaluations themselves live in the registry.

Revision ID: gw_wf_0004_evaluation
Revises: gw_wf_0003
Create Date: 2026-12-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "gw_wf_0004_evaluation"
down_revision = "gw_wf_0003"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "evaluation_request",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("technology_id", sa.String(64), nullable=False),
        sa.Column("technology_title", sa.String(200), nullable=False),
        sa.Column("owner_org_id", sa.String(64), nullable=False),
        sa.Column("evaluator_org_id", sa.String(64), nullable=True),
        sa.Column("note", sa.String(2000), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("decision_note", sa.String(2000), nullable=True),
        sa.Column("evaluation_id", sa.String(40), nullable=True),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    for column in ("technology_id", "owner_org_id", "evaluator_org_id", "status", "created_at"):
        op.create_index(f"ix_evaluation_request_{column}", "evaluation_request", [column], unique=False)


def downgrade() -> None:
    op.drop_table("evaluation_request")
