"""initial tables

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-21
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('change_events',
    sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('entity', sa.String(length=20), nullable=False),
    sa.Column('record_id', sa.String(length=40), nullable=False),
    sa.Column('op', sa.String(length=10), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('seq')
    )
    with op.batch_alter_table('change_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_change_events_record_id'), ['record_id'], unique=False)

    op.create_table('idempotency_keys',
    sa.Column('scope', sa.String(length=200), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=False),
    sa.Column('response_body', sa.JSON(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('scope', 'key')
    )
    op.create_table('organizations',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('type', sa.String(length=30), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=True),
    sa.Column('region', sa.String(length=6), nullable=True),
    sa.Column('contacts', sa.JSON(), nullable=False),
    sa.Column('source', sa.String(length=50), nullable=True),
    sa.Column('external_id', sa.String(length=100), nullable=True),
    sa.Column('search_text', sa.String(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('credit_code'),
    sa.UniqueConstraint('source', 'external_id', name='uq_organizations_external_ref')
    )
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organizations_region'), ['region'], unique=False)
        batch_op.create_index(batch_op.f('ix_organizations_updated_at'), ['updated_at'], unique=False)

    op.create_table('screening_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entity', sa.String(length=20), nullable=False),
    sa.Column('record_id', sa.String(length=40), nullable=False),
    sa.Column('record_version', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('decision', sa.String(length=20), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=True),
    sa.Column('note', sa.String(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('screening_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_screening_records_record_id'), ['record_id'], unique=False)

    op.create_table('demands',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('description', sa.String(), nullable=True),
    sa.Column('domain', sa.String(length=40), nullable=True),
    sa.Column('subdomain', sa.String(length=60), nullable=True),
    sa.Column('keywords', sa.JSON(), nullable=False),
    sa.Column('region', sa.String(length=6), nullable=True),
    sa.Column('owner_org_id', sa.String(length=40), nullable=True),
    sa.Column('source', sa.String(length=50), nullable=True),
    sa.Column('external_id', sa.String(length=100), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('search_text', sa.String(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expires_at', sa.Date(), nullable=True),
    sa.Column('expected_indicators', sa.String(), nullable=True),
    sa.Column('budget_min_cny', sa.Numeric(precision=15, scale=2), nullable=True),
    sa.Column('budget_max_cny', sa.Numeric(precision=15, scale=2), nullable=True),
    sa.Column('cooperation_modes', sa.JSON(), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('award_cny', sa.Numeric(precision=15, scale=2), nullable=True),
    sa.Column('ip_terms', sa.String(), nullable=True),
    sa.ForeignKeyConstraint(['owner_org_id'], ['organizations.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('source', 'external_id', name='uq_demands_external_ref')
    )
    with op.batch_alter_table('demands', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_demands_domain'), ['domain'], unique=False)
        batch_op.create_index(batch_op.f('ix_demands_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_demands_owner_org_id'), ['owner_org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_demands_region'), ['region'], unique=False)
        batch_op.create_index(batch_op.f('ix_demands_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_demands_updated_at'), ['updated_at'], unique=False)

    op.create_table('technologies',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('description', sa.String(), nullable=True),
    sa.Column('domain', sa.String(length=40), nullable=True),
    sa.Column('subdomain', sa.String(length=60), nullable=True),
    sa.Column('keywords', sa.JSON(), nullable=False),
    sa.Column('region', sa.String(length=6), nullable=True),
    sa.Column('owner_org_id', sa.String(length=40), nullable=True),
    sa.Column('source', sa.String(length=50), nullable=True),
    sa.Column('external_id', sa.String(length=100), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('search_text', sa.String(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expires_at', sa.Date(), nullable=True),
    sa.Column('summary', sa.String(), nullable=True),
    sa.Column('core_process', sa.String(), nullable=True),
    sa.Column('key_parameters', sa.String(), nullable=True),
    sa.Column('benefits', sa.String(), nullable=True),
    sa.Column('benefit_figures', sa.JSON(), nullable=True),
    sa.Column('applicable_scope', sa.String(), nullable=True),
    sa.Column('trl', sa.Integer(), nullable=True),
    sa.Column('stage', sa.String(length=30), nullable=True),
    sa.Column('patents', sa.JSON(), nullable=False),
    sa.Column('transfer_modes', sa.JSON(), nullable=False),
    sa.Column('price_min_cny', sa.Numeric(precision=15, scale=2), nullable=True),
    sa.Column('price_max_cny', sa.Numeric(precision=15, scale=2), nullable=True),
    sa.ForeignKeyConstraint(['owner_org_id'], ['organizations.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('source', 'external_id', name='uq_technologies_external_ref')
    )
    with op.batch_alter_table('technologies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_technologies_domain'), ['domain'], unique=False)
        batch_op.create_index(batch_op.f('ix_technologies_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_technologies_owner_org_id'), ['owner_org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_technologies_region'), ['region'], unique=False)
        batch_op.create_index(batch_op.f('ix_technologies_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_technologies_updated_at'), ['updated_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('technologies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_technologies_updated_at'))
        batch_op.drop_index(batch_op.f('ix_technologies_status'))
        batch_op.drop_index(batch_op.f('ix_technologies_region'))
        batch_op.drop_index(batch_op.f('ix_technologies_owner_org_id'))
        batch_op.drop_index(batch_op.f('ix_technologies_expires_at'))
        batch_op.drop_index(batch_op.f('ix_technologies_domain'))

    op.drop_table('technologies')
    with op.batch_alter_table('demands', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_demands_updated_at'))
        batch_op.drop_index(batch_op.f('ix_demands_status'))
        batch_op.drop_index(batch_op.f('ix_demands_region'))
        batch_op.drop_index(batch_op.f('ix_demands_owner_org_id'))
        batch_op.drop_index(batch_op.f('ix_demands_expires_at'))
        batch_op.drop_index(batch_op.f('ix_demands_domain'))

    op.drop_table('demands')
    with op.batch_alter_table('screening_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_screening_records_record_id'))

    op.drop_table('screening_records')
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organizations_updated_at'))
        batch_op.drop_index(batch_op.f('ix_organizations_region'))

    op.drop_table('organizations')
    op.drop_table('idempotency_keys')
    with op.batch_alter_table('change_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_change_events_record_id'))

    op.drop_table('change_events')
