"""technology evaluations (技术评价), the evaluation summary on technologies, promotion catalog editions (推广目录)

`evaluations` holds one row per evaluation an evaluator organization recorded (feed entity `evaluation`).
`technologies.evaluation` is the governing evaluation's summary (JSON, nullable), so the feed's technology
record carries it and matching can filter and rank on it. `catalog_editions` holds published editions with their
entries frozen from the technologies at publication (JSON) and the adjustments that withdrew entries since.

Revision ID: 0004_evaluation_catalog
Revises: 0004_patents_finance
Create Date: 2026-12-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0004_evaluation_catalog'
down_revision = '0004_patents_finance'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("technologies", schema=None) as batch_op:
        batch_op.add_column(sa.Column('evaluation', sa.JSON(), nullable=True))
    op.create_table(
        'evaluations',
        sa.Column('id', sa.String(length=40), primary_key=True),
        sa.Column('technology_id', sa.String(length=40), sa.ForeignKey('technologies.id'), nullable=False),
        sa.Column('evaluator_org_id', sa.String(length=64), nullable=False),
        sa.Column('scores', sa.JSON(), nullable=False),
        sa.Column('overall_score', sa.Float(), nullable=False),
        sa.Column('verdict', sa.String(length=20), nullable=False),
        sa.Column('assessed_trl', sa.Integer(), nullable=True),
        sa.Column('energy_saved_tce_per_year', sa.Float(), nullable=True),
        sa.Column('co2_cut_t_per_year', sa.Float(), nullable=True),
        sa.Column('summary', sa.String(), nullable=False),
        sa.Column('evidence', sa.JSON(), nullable=False),
        sa.Column('valid_until', sa.Date(), nullable=False),
        sa.Column('request_id', sa.String(length=40), nullable=True),
        sa.Column('owner_response', sa.String(), nullable=True),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index('ix_evaluations_technology_id', 'evaluations', ['technology_id'])
    op.create_index('ix_evaluations_evaluator_org_id', 'evaluations', ['evaluator_org_id'])
    op.create_index('ix_evaluations_valid_until', 'evaluations', ['valid_until'])
    op.create_table(
        'catalog_editions',
        sa.Column('id', sa.String(length=40), primary_key=True),
        sa.Column('name', sa.String(length=60), nullable=False, unique=True),
        sa.Column('description', sa.String(), nullable=True),
        sa.Column('call_id', sa.String(length=40), nullable=True),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('entries', sa.JSON(), nullable=False),
        sa.Column('adjustments', sa.JSON(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table('catalog_editions')
    op.drop_table('evaluations')
    with op.batch_alter_table("technologies", schema=None) as batch_op:
        batch_op.drop_column('evaluation')
