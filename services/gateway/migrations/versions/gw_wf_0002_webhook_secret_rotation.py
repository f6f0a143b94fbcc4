"""Webhook secret rotation: the replaced secret and when it stops signing deliveries.

Revision ID: gw_wf_0002_webhook_rotation
Revises: gw_wf_0001
Create Date: 2026-12-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "gw_wf_0002_webhook_rotation"
down_revision = "gw_wf_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable columns: existing subscriptions simply have no previous secret.
    op.add_column("webhook_subscription", sa.Column("previous_secret", sa.String(80), nullable=True))
    op.add_column("webhook_subscription", sa.Column("previous_secret_expires_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("webhook_subscription") as batch:
        batch.drop_column("previous_secret_expires_at")
        batch.drop_column("previous_secret")
