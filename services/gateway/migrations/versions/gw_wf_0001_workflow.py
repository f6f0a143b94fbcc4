"""Gateway workflow: engagements, shortlists, introductions, deals, commissions, webhooks, interests,
notifications, the feed cursor and the listing projection for statistics.

Revision ID: gw_wf_0001
Revises:
Create Date: 2025-01-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "gw_wf_0001"
down_revision = None
branch_labels = ("workflow",)
depends_on = None


def upgrade() -> None:
    op.create_table('engagement',
    sa.Column('id', sa.String(40), nullable=False),
    sa.Column('broker_org_id', sa.String(64), nullable=False),
    sa.Column('broker_key_id', sa.String(40), nullable=False),
    sa.Column('subject_entity', sa.String(20), nullable=False),
    sa.Column('subject_id', sa.String(64), nullable=False),
    sa.Column('subject_title', sa.String(200), nullable=False),
    sa.Column('subject_domain', sa.String(40), nullable=True),
    sa.Column('subject_region', sa.String(6), nullable=True),
    sa.Column('subject_owner_org_id', sa.String(64), nullable=True),
    sa.Column('note', sa.String(2000), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_engagement_broker_org_id'), 'engagement', ['broker_org_id'], unique=False)
    op.create_index(op.f('ix_engagement_created_at'), 'engagement', ['created_at'], unique=False)
    op.create_index(op.f('ix_engagement_subject_id'), 'engagement', ['subject_id'], unique=False)
    op.create_table('feed_cursor',
    sa.Column('name', sa.String(40), nullable=False),
    sa.Column('last_seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('listing',
    sa.Column('id', sa.String(64), nullable=False),
    sa.Column('entity', sa.String(20), nullable=False),
    sa.Column('domain', sa.String(40), nullable=True),
    sa.Column('region', sa.String(6), nullable=True),
    sa.Column('owner_org_id', sa.String(64), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_listing_entity'), 'listing', ['entity'], unique=False)
    op.create_index(op.f('ix_listing_published_at'), 'listing', ['published_at'], unique=False)
    op.create_table('notification',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('org_id', sa.String(64), nullable=False),
    sa.Column('kind', sa.String(40), nullable=False),
    sa.Column('technology_id', sa.String(64), nullable=False),
    sa.Column('technology_title', sa.String(200), nullable=False),
    sa.Column('interest_id', sa.String(40), nullable=True),
    sa.Column('demand_id', sa.String(64), nullable=True),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('strength', sa.String(20), nullable=True),
    sa.Column('feed_seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_notification_created_at'), 'notification', ['created_at'], unique=False)
    op.create_index(op.f('ix_notification_org_id'), 'notification', ['org_id'], unique=False)
    op.create_table('saved_interest',
    sa.Column('id', sa.String(40), nullable=False),
    sa.Column('org_id', sa.String(64), nullable=False),
    sa.Column('key_id', sa.String(40), nullable=False),
    sa.Column('name', sa.String(100), nullable=True),
    sa.Column('query', sa.String(500), nullable=False),
    sa.Column('filters', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_saved_interest_org_id'), 'saved_interest', ['org_id'], unique=False)
    op.create_table('webhook_event',
    sa.Column('id', sa.String(40), nullable=False),
    sa.Column('type', sa.String(60), nullable=False),
    sa.Column('org_id', sa.String(64), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_webhook_event_org_id'), 'webhook_event', ['org_id'], unique=False)
    op.create_index(op.f('ix_webhook_event_type'), 'webhook_event', ['type'], unique=False)
    op.create_table('webhook_subscription',
    sa.Column('id', sa.String(40), nullable=False),
    sa.Column('org_id', sa.String(64), nullable=False),
    sa.Column('url', sa.String(500), nullable=False),
    sa.Column('secret', sa.String(80), nullable=False),
    sa.Column('event_types', sa.JSON(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.String(40), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_webhook_subscription_org_id'), 'webhook_subscription', ['org_id'], unique=False)
    op.create_table('shortlist_entry',
    sa.Column('id', sa.String(40), nullable=False),
    sa.Column('engagement_id', sa.String(40), nullable=False),
    sa.Column('candidate_entity', sa.String(20), nullable=False),
    sa.Column('candidate_id', sa.String(64), nullable=False),
    sa.Column('candidate_title', sa.String(200), nullable=False),
    sa.Column('candidate_domain', sa.String(40), nullable=True),
    sa.Column('candidate_region', sa.String(6), nullable=True),
    sa.Column('candidate_owner_org_id', sa.String(64), nullable=True),
    sa.Column('note', sa.String(2000), nullable=True),
    sa.Column('match', sa.JSON(), nullable=True),
    sa.Column('created_by', sa.String(40), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['engagement_id'], ['engagement.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('engagement_id', 'candidate_id', name='uq_shortlist_candidate')
    )
    op.create_index(op.f('ix_shortlist_entry_engagement_id'), 'shortlist_entry', ['engagement_id'], unique=False)
    op.create_table('webhook_delivery',
    sa.Column('id', sa.String(40), nullable=False),
    sa.Column('event_id', sa.String(40), nullable=False),
    sa.Column('subscription_id', sa.String(40), nullable=False),
    sa.Column('status', sa.String(20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_status_code', sa.Integer(), nullable=True),
    sa.Column('last_error', sa.String(500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['webhook_event.id'], ),
    sa.ForeignKeyConstraint(['subscription_id'], ['webhook_subscription.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_webhook_delivery_event_id'), 'webhook_delivery', ['event_id'], unique=False)
    op.create_index(op.f('ix_webhook_delivery_next_attempt_at'), 'webhook_delivery', ['next_attempt_at'], unique=False)
    op.create_index(op.f('ix_webhook_delivery_status'), 'webhook_delivery', ['status'], unique=False)
    op.create_index(op.f('ix_webhook_delivery_subscription_id'), 'webhook_delivery', ['subscription_id'], unique=False)
    op.create_table('introduction',
    sa.Column('id', sa.String(40), nullable=False),
    sa.Column('engagement_id', sa.String(40), nullable=False),
    sa.Column('shortlist_entry_id', sa.String(40), nullable=False),
    sa.Column('broker_org_id', sa.String(64), nullable=False),
    sa.Column('requested_by', sa.String(40), nullable=False),
    sa.Column('target_org_id', sa.String(64), nullable=False),
    sa.Column('technology_id', sa.String(64), nullable=False),
    sa.Column('demand_id', sa.String(64), nullable=False),
    sa.Column('domain', sa.String(40), nullable=True),
    sa.Column('region', sa.String(6), nullable=True),
    sa.Column('message', sa.String(2000), nullable=True),
    sa.Column('status', sa.String(20), nullable=False),
    sa.Column('decline_reason', sa.String(20), nullable=True),
    sa.Column('response_text', sa.String(2000), nullable=True),
    sa.Column('responded_by', sa.String(40), nullable=True),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('responded_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['engagement_id'], ['engagement.id'], ),
    sa.ForeignKeyConstraint(['shortlist_entry_id'], ['shortlist_entry.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('shortlist_entry_id')
    )
    op.create_index(op.f('ix_introduction_broker_org_id'), 'introduction', ['broker_org_id'], unique=False)
    op.create_index(op.f('ix_introduction_demand_id'), 'introduction', ['demand_id'], unique=False)
    op.create_index(op.f('ix_introduction_engagement_id'), 'introduction', ['engagement_id'], unique=False)
    op.create_index(op.f('ix_introduction_requested_at'), 'introduction', ['requested_at'], unique=False)
    op.create_index(op.f('ix_introduction_status'), 'introduction', ['status'], unique=False)
    op.create_index(op.f('ix_introduction_target_org_id'), 'introduction', ['target_org_id'], unique=False)
    op.create_index(op.f('ix_introduction_technology_id'), 'introduction', ['technology_id'], unique=False)
    op.create_table('webhook_attempt',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('delivery_id', sa.String(40), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=True),
    sa.Column('error', sa.String(500), nullable=True),
    sa.Column('duration_ms', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['delivery_id'], ['webhook_delivery.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_webhook_attempt_delivery_id'), 'webhook_attempt', ['delivery_id'], unique=False)
    op.create_table('deal',
    sa.Column('id', sa.String(40), nullable=False),
    sa.Column('introduction_id', sa.String(40), nullable=False),
    sa.Column('engagement_id', sa.String(40), nullable=False),
    sa.Column('broker_org_id', sa.String(64), nullable=False),
    sa.Column('technology_id', sa.String(64), nullable=False),
    sa.Column('demand_id', sa.String(64), nullable=False),
    sa.Column('domain', sa.String(40), nullable=True),
    sa.Column('region', sa.String(6), nullable=True),
    sa.Column('stage', sa.String(20), nullable=False),
    sa.Column('contract_amount_fen', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['engagement_id'], ['engagement.id'], ),
    sa.ForeignKeyConstraint(['introduction_id'], ['introduction.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('introduction_id')
    )
    op.create_index(op.f('ix_deal_broker_org_id'), 'deal', ['broker_org_id'], unique=False)
    op.create_index(op.f('ix_deal_closed_at'), 'deal', ['closed_at'], unique=False)
    op.create_index(op.f('ix_deal_engagement_id'), 'deal', ['engagement_id'], unique=False)
    op.create_index(op.f('ix_deal_opened_at'), 'deal', ['opened_at'], unique=False)
    op.create_index(op.f('ix_deal_stage'), 'deal', ['stage'], unique=False)
    op.create_table('commission',
    sa.Column('deal_id', sa.String(40), nullable=False),
    sa.Column('contract_amount_fen', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('commission_fen', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('rules', sa.JSON(), nullable=False),
    sa.Column('domain', sa.String(40), nullable=True),
    sa.Column('region', sa.String(6), nullable=True),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['deal_id'], ['deal.id'], ),
    sa.PrimaryKeyConstraint('deal_id')
    )
    op.create_index(op.f('ix_commission_computed_at'), 'commission', ['computed_at'], unique=False)
    op.create_table('deal_broker_share',
    sa.Column('deal_id', sa.String(40), nullable=False),
    sa.Column('broker_org_id', sa.String(64), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('share_percent', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['deal_id'], ['deal.id'], ),
    sa.PrimaryKeyConstraint('deal_id', 'broker_org_id')
    )
    op.create_table('deal_stage_change',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('deal_id', sa.String(40), nullable=False),
    sa.Column('from_stage', sa.String(20), nullable=True),
    sa.Column('to_stage', sa.String(20), nullable=False),
    sa.Column('contract_amount_fen', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('note', sa.String(2000), nullable=True),
    sa.Column('actor_key_id', sa.String(40), nullable=False),
    sa.Column('actor_org_id', sa.String(64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['deal_id'], ['deal.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_deal_stage_change_deal_id'), 'deal_stage_change', ['deal_id'], unique=False)
    op.create_table('commission_allocation',
    sa.Column('deal_id', sa.String(40), nullable=False),
    sa.Column('broker_org_id', sa.String(64), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('share_percent', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('amount_fen', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['deal_id'], ['commission.deal_id'], ),
    sa.PrimaryKeyConstraint('deal_id', 'broker_org_id')
    )
    op.create_index(op.f('ix_commission_allocation_broker_org_id'), 'commission_allocation', ['broker_org_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_commission_allocation_broker_org_id'), table_name='commission_allocation')
    op.drop_table('commission_allocation')
    op.drop_index(op.f('ix_deal_stage_change_deal_id'), table_name='deal_stage_change')
    op.drop_table('deal_stage_change')
    op.drop_table('deal_broker_share')
    op.drop_index(op.f('ix_commission_computed_at'), table_name='commission')
    op.drop_table('commission')
    op.drop_index(op.f('ix_deal_stage'), table_name='deal')
    op.drop_index(op.f('ix_deal_opened_at'), table_name='deal')
    op.drop_index(op.f('ix_deal_engagement_id'), table_name='deal')
    op.drop_index(op.f('ix_deal_closed_at'), table_name='deal')
    op.drop_index(op.f('ix_deal_broker_org_id'), table_name='deal')
    op.drop_table('deal')
    op.drop_index(op.f('ix_webhook_attempt_delivery_id'), table_name='webhook_attempt')
    op.drop_table('webhook_attempt')
    op.drop_index(op.f('ix_introduction_technology_id'), table_name='introduction')
    op.drop_index(op.f('ix_introduction_target_org_id'), table_name='introduction')
    op.drop_index(op.f('ix_introduction_status'), table_name='introduction')
    op.drop_index(op.f('ix_introduction_requested_at'), table_name='introduction')
    op.drop_index(op.f('ix_introduction_engagement_id'), table_name='introduction')
    op.drop_index(op.f('ix_introduction_demand_id'), table_name='introduction')
    op.drop_index(op.f('ix_introduction_broker_org_id'), table_name='introduction')
    op.drop_table('introduction')
    op.drop_index(op.f('ix_webhook_delivery_subscription_id'), table_name='webhook_delivery')
    op.drop_index(op.f('ix_webhook_delivery_status'), table_name='webhook_delivery')
    op.drop_index(op.f('ix_webhook_delivery_next_attempt_at'), table_name='webhook_delivery')
    op.drop_index(op.f('ix_webhook_delivery_event_id'), table_name='webhook_delivery')
    op.drop_table('webhook_delivery')
    op.drop_index(op.f('ix_shortlist_entry_engagement_id'), table_name='shortlist_entry')
    op.drop_table('shortlist_entry')
    op.drop_index(op.f('ix_webhook_subscription_org_id'), table_name='webhook_subscription')
    op.drop_table('webhook_subscription')
    op.drop_index(op.f('ix_webhook_event_type'), table_name='webhook_event')
    op.drop_index(op.f('ix_webhook_event_org_id'), table_name='webhook_event')
    op.drop_table('webhook_event')
    op.drop_index(op.f('ix_saved_interest_org_id'), table_name='saved_interest')
    op.drop_table('saved_interest')
    op.drop_index(op.f('ix_notification_org_id'), table_name='notification')
    op.drop_index(op.f('ix_notification_created_at'), table_name='notification')
    op.drop_table('notification')
    op.drop_index(op.f('ix_listing_published_at'), table_name='listing')
    op.drop_index(op.f('ix_listing_entity'), table_name='listing')
    op.drop_table('listing')
    op.drop_table('feed_cursor')
    op.drop_index(op.f('ix_engagement_subject_id'), table_name='engagement')
    op.drop_index(op.f('ix_engagement_created_at'), table_name='engagement')
    op.drop_index(op.f('ix_engagement_broker_org_id'), table_name='engagement')
    op.drop_table('engagement')
