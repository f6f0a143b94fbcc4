"""Gateway workflow: technology evaluation requests (技术评价申请); promotion catalog calls, nominations, expert
reviews and adoption reports (推广目录). Evaluations and published catalog editions live in the registry.

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
    _catalog()


def _catalog() -> None:
    op.create_table(
        "catalog_call",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("description", sa.String(4000), nullable=True),
        sa.Column("nominations_close_at", TS, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("edition_id", sa.String(40), nullable=True),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_index("ix_catalog_call_status", "catalog_call", ["status"])
    op.create_index("ix_catalog_call_created_at", "catalog_call", ["created_at"])
    op.create_table(
        "catalog_nomination",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("call_id", sa.String(40), sa.ForeignKey("catalog_call.id"), nullable=False),
        sa.Column("technology_id", sa.String(64), nullable=False),
        sa.Column("technology_title", sa.String(200), nullable=False),
        sa.Column("domain", sa.String(40), nullable=True),
        sa.Column("owner_org_id", sa.String(64), nullable=True),
        sa.Column("nominated_by_org_id", sa.String(64), nullable=False),
        sa.Column("reason", sa.String(4000), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.UniqueConstraint("call_id", "technology_id", name="uq_catalog_nomination_technology"),
    )
    for column in ("call_id", "owner_org_id", "nominated_by_org_id"):
        op.create_index(f"ix_catalog_nomination_{column}", "catalog_nomination", [column])
    op.create_table(
        "catalog_review",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("nomination_id", sa.String(40), sa.ForeignKey("catalog_nomination.id"), nullable=False),
        sa.Column("reviewer_org_id", sa.String(64), nullable=False),
        sa.Column("reviewer_key_id", sa.String(64), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("recommend", sa.Boolean(), nullable=False),
        sa.Column("comments", sa.String(4000), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.UniqueConstraint("nomination_id", "reviewer_org_id", name="uq_catalog_review_reviewer"),
    )
    op.create_index("ix_catalog_review_nomination_id", "catalog_review", ["nomination_id"])
    op.create_table(
        "catalog_adoption_report",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("edition_id", sa.String(40), nullable=False),
        sa.Column("technology_id", sa.String(64), nullable=False),
        sa.Column("reporter_org_id", sa.String(64), nullable=False),
        sa.Column("adopter", sa.String(200), nullable=False),
        sa.Column("summary", sa.String(4000), nullable=False),
        sa.Column("energy_saved_tce_per_year", sa.Float(), nullable=True),
        sa.Column("co2_cut_t_per_year", sa.Float(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index("ix_catalog_adoption_report_edition_id", "catalog_adoption_report", ["edition_id"])


def downgrade() -> None:
    for table in ("catalog_adoption_report", "catalog_review", "catalog_nomination", "catalog_call", "evaluation_request"):
        op.drop_table(table)
