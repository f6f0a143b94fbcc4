"""IP services: patents (holders, technology links, append-only legal events) infringement records with their history,
finance products and financing needs (amounts in fen)

Revision ID: 0004_patents_finance
Revises: 0003
Create Date: 2026-12-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004_patents_finance'
down_revision = '0003'
branch_labels = None
depends_on = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('patents',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('application_number', sa.String(length=20), nullable=False),
    sa.Column('grant_number', sa.String(length=30), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('applicants', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('pledged', sa.Boolean(), nullable=False),
    sa.Column('filing_date', sa.Date(), nullable=True),
    sa.Column('grant_date', sa.Date(), nullable=True),
    sa.Column('expiry_date', sa.Date(), nullable=True),
    sa.Column('ipc_codes', sa.JSON(), nullable=False),
    sa.Column('green_domain', sa.String(length=40), nullable=True),
    sa.Column('green_subdomain', sa.String(length=60), nullable=True),
    sa.Column('region', sa.String(length=6), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('application_number'),
    )
    op.create_index('ix_patents_green_domain', 'patents', ['green_domain'], unique=False)
    op.create_index('ix_patents_region', 'patents', ['region'], unique=False)
    op.create_table('patent_technologies',
    sa.Column('patent_id', sa.String(length=40), nullable=False),
    sa.Column('technology_id', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['patent_id'], ['patents.id']),
    sa.ForeignKeyConstraint(['technology_id'], ['technologies.id']),
    sa.PrimaryKeyConstraint('patent_id', 'technology_id'),
    )
    op.create_index('ix_patent_technologies_technology_id', 'patent_technologies', ['technology_id'], unique=False)
    op.create_table('patent_owners',
    sa.Column('patent_id', sa.String(length=40), nullable=False),
    sa.Column('org_id', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['patent_id'], ['patents.id']),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id']),
    sa.PrimaryKeyConstraint('patent_id', 'org_id'),
    )
    op.create_index('ix_patent_owners_org_id', 'patent_owners', ['org_id'], unique=False)
    op.create_table('patent_events',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('patent_id', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('on', sa.Date(), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=True),
    sa.ForeignKeyConstraint(['patent_id'], ['patents.id']),
    sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_patent_events_patent_id', 'patent_events', ['patent_id'], unique=False)
    op.create_table('infringements',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('decision_reference', sa.String(length=100), nullable=False),
    sa.Column('authority', sa.String(length=200), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=False),
    sa.Column('patent_id', sa.String(length=40), nullable=False),
    sa.Column('accused_org_id', sa.String(length=40), nullable=False),
    sa.Column('claimant_org_id', sa.String(length=40), nullable=True),
    sa.Column('claimant_name', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['patent_id'], ['patents.id']),
    sa.ForeignKeyConstraint(['accused_org_id'], ['organizations.id']),
    sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_infringements_patent_id', 'infringements', ['patent_id'], unique=False)
    op.create_index('ix_infringements_accused_org_id', 'infringements', ['accused_org_id'], unique=False)
    op.create_table('infringement_entries',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('infringement_id', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=True),
    sa.Column('actor_org_id', sa.String(length=40), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['infringement_id'], ['infringements.id']),
    sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_infringement_entries_infringement_id', 'infringement_entries', ['infringement_id'], unique=False)
    op.create_table('finance_products',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('org_id', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('product_type', sa.String(length=30), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('rules', sa.JSON(), nullable=False),
    sa.Column('amount_min_fen', BIGINT, nullable=True),
    sa.Column('amount_max_fen', BIGINT, nullable=True),
    sa.Column('terms', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id']),
    sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_finance_products_org_id', 'finance_products', ['org_id'], unique=False)
    op.create_index('ix_finance_products_status', 'finance_products', ['status'], unique=False)
    op.create_table('financing_needs',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('org_id', sa.String(length=40), nullable=False),
    sa.Column('technology_id', sa.String(length=40), nullable=True),
    sa.Column('deal_id', sa.String(length=40), nullable=True),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('amount_fen', BIGINT, nullable=False),
    sa.Column('stage', sa.String(length=30), nullable=True),
    sa.Column('trl', sa.Integer(), nullable=True),
    sa.Column('domain', sa.String(length=40), nullable=True),
    sa.Column('region', sa.String(length=6), nullable=True),
    sa.Column('collateral_patent_ids', sa.JSON(), nullable=False),
    sa.Column('evaluation_id', sa.String(length=40), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id']),
    sa.ForeignKeyConstraint(['technology_id'], ['technologies.id']),
    sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_financing_needs_org_id', 'financing_needs', ['org_id'], unique=False)
    op.create_index('ix_financing_needs_status', 'financing_needs', ['status'], unique=False)


def downgrade() -> None:
    for table in ('financing_needs', 'finance_products', 'infringement_entries', 'infringements', 'patent_events', 'patent_owners', 'patent_technologies', 'patents'):
        op.drop_table(table)
