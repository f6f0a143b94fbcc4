"""suggested domain stored with each listing

Records without a domain (most real needs, imported supplies) get a domain suggested from their text and IPC
codes (shared/domain_suggestion.py). It is stored with the record, as one nullable JSON column
{domain, subdomain, confidence, terms}, so the feed carries it and matching can fit and filter on it. Nothing is
backfilled here: a record gets its suggestion on its next write (or re-import).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

LISTING_TABLES = ("technologies", "demands")


def upgrade() -> None:
    for table in LISTING_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('domain_suggestion', sa.JSON(), nullable=True))


def downgrade() -> None:
    for table in LISTING_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('domain_suggestion')
