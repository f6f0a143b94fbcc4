"""suggested domain stored with each listing, and the domain the list filter matches

Records without a domain (most real needs, imported supplies) get a domain suggested from their text and IPC
codes (shared/domain_suggestion.py). It is stored with the record as one nullable JSON column
{domain, subdomain, confidence, terms}, so the feed carries it and matching can fit and filter on it.

The list's domain/subdomain filters match the record's own domain, else the suggested one: `listed_domain` /
`listed_subdomain` hold that, so the domain filter stays one range of a keyset index (the (domain, updated_at, id)
index of 0002 becomes (listed_domain, updated_at, id); nothing else filters on the raw domain). Existing rows get
listed_* = their own domain here; suggestions for rows without one come from
`python -m services.registry suggest-domains` (it emits feed events, which a migration should not).

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
            batch_op.add_column(sa.Column('listed_domain', sa.String(length=40), nullable=True))
            batch_op.add_column(sa.Column('listed_subdomain', sa.String(length=60), nullable=True))
        op.execute(f"UPDATE {table} SET listed_domain = domain, listed_subdomain = subdomain")
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f"ix_{table}_domain_keyset")
            batch_op.create_index(f"ix_{table}_listed_domain_keyset", ["listed_domain", "updated_at", "id"], unique=False)


def downgrade() -> None:
    for table in LISTING_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f"ix_{table}_listed_domain_keyset")
            batch_op.create_index(f"ix_{table}_domain_keyset", ["domain", "updated_at", "id"], unique=False)
            batch_op.drop_column('listed_subdomain')
            batch_op.drop_column('listed_domain')
            batch_op.drop_column('domain_suggestion')
