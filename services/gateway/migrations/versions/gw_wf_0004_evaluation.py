"""Gateway workflow: technology evaluation requests (技术评价申请); promotion catalog calls, nominations, expert
reviews and adoption reports (推广目录); challenge campaigns, challenges, entries, scores and awards (揭榜挂帅). Evaluations and published catalog editions live in the registry.

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
BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


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
    _challenges()


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


def _challenges() -> None:
    op.create_table(
        "challenge_campaign",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("title", sa.String(120), nullable=False),
        sa.Column("description", sa.String(4000), nullable=True),
        sa.Column("organizer_org_id", sa.String(64), nullable=False),
        sa.Column("closes_at", TS, nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index("ix_challenge_campaign_created_at", "challenge_campaign", ["created_at"])
    op.create_table(
        "campaign_need",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("campaign_id", sa.String(40), sa.ForeignKey("challenge_campaign.id"), nullable=False),
        sa.Column("demand_id", sa.String(64), nullable=False),
        sa.Column("demand_title", sa.String(200), nullable=False),
        sa.Column("owner_org_id", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.UniqueConstraint("campaign_id", "demand_id", name="uq_campaign_need"),
    )
    op.create_index("ix_campaign_need_campaign_id", "campaign_need", ["campaign_id"])
    op.create_table(
        "challenge",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("demand_id", sa.String(64), nullable=False),
        sa.Column("campaign_id", sa.String(40), nullable=True),
        sa.Column("owner_org_id", sa.String(64), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("domain", sa.String(40), nullable=True),
        sa.Column("region", sa.String(6), nullable=True),
        sa.Column("award_fen", BIGINT, nullable=False),
        sa.Column("deadline_at", TS, nullable=False),
        sa.Column("eligibility", sa.String(2000), nullable=False),
        sa.Column("ip_terms", sa.String(2000), nullable=False),
        sa.Column("criteria", sa.JSON(), nullable=False),
        sa.Column("evaluator_org_ids", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    for column in ("demand_id", "owner_org_id", "deadline_at"):
        op.create_index(f"ix_challenge_{column}", "challenge", [column])
    op.create_table(
        "challenge_entry",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("challenge_id", sa.String(40), sa.ForeignKey("challenge.id"), nullable=False),
        sa.Column("solver_org_id", sa.String(64), nullable=False),
        sa.Column("technology_ids", sa.JSON(), nullable=False),
        sa.Column("solution", sa.String(20000), nullable=False),
        sa.Column("attachments", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("submitted_at", TS, nullable=False),
    )
    for column in ("challenge_id", "solver_org_id"):
        op.create_index(f"ix_challenge_entry_{column}", "challenge_entry", [column])
    op.create_table(
        "challenge_score",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("entry_id", sa.String(40), sa.ForeignKey("challenge_entry.id"), nullable=False),
        sa.Column("evaluator_org_id", sa.String(64), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("weighted", sa.Float(), nullable=False),
        sa.Column("comments", sa.String(4000), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.UniqueConstraint("entry_id", "evaluator_org_id", name="uq_challenge_score_evaluator"),
    )
    op.create_index("ix_challenge_score_entry_id", "challenge_score", ["entry_id"])
    op.create_table(
        "challenge_award",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("challenge_id", sa.String(40), sa.ForeignKey("challenge.id"), nullable=False),
        sa.Column("entry_id", sa.String(40), sa.ForeignKey("challenge_entry.id"), nullable=False, unique=True),
        sa.Column("amount_fen", BIGINT, nullable=False),
        sa.Column("milestones", sa.JSON(), nullable=False),
        sa.Column("deal_id", sa.String(40), nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index("ix_challenge_award_challenge_id", "challenge_award", ["challenge_id"])


def downgrade() -> None:
    for table in ("challenge_award", "challenge_score", "challenge_entry", "challenge", "campaign_need", "challenge_campaign","catalog_adoption_report", "catalog_review", "catalog_nomination", "catalog_call", "evaluation_request"):
        op.drop_table(table)
