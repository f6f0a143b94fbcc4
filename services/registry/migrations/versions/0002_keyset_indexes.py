"""composite indexes matching the list queries' keyset order

Lists filter on one column and order by (updated_at, id) (listings/repository.py `page`). With single-column
indexes the planner must either sort every matching row or walk updated_at and filter; an index that starts with
the filter column and continues in keyset order returns the first page after reading about one page of entries.
The single-column indexes they replace are prefixes of the new ones, so they are dropped (fewer indexes to keep
up to date on import). screening_records gets (record_id, id) for "latest screening per record".

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""
from __future__ import annotations

from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

LISTING_TABLES = ("technologies", "demands")
FILTER_COLUMNS = ("domain", "status", "owner_org_id", "region")


def upgrade() -> None:
    for table in LISTING_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in FILTER_COLUMNS:
                batch_op.drop_index(f"ix_{table}_{column}")
                batch_op.create_index(f"ix_{table}_{column}_keyset", [column, "updated_at", "id"], unique=False)
            batch_op.drop_index(f"ix_{table}_updated_at")
            batch_op.create_index(f"ix_{table}_keyset", ["updated_at", "id"], unique=False)
    with op.batch_alter_table("screening_records", schema=None) as batch_op:
        batch_op.drop_index("ix_screening_records_record_id")
        batch_op.create_index("ix_screening_records_record_id_id", ["record_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("screening_records", schema=None) as batch_op:
        batch_op.drop_index("ix_screening_records_record_id_id")
        batch_op.create_index("ix_screening_records_record_id", ["record_id"], unique=False)
    for table in LISTING_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f"ix_{table}_keyset")
            batch_op.create_index(f"ix_{table}_updated_at", ["updated_at"], unique=False)
            for column in FILTER_COLUMNS:
                batch_op.drop_index(f"ix_{table}_{column}_keyset")
                batch_op.create_index(f"ix_{table}_{column}", [column], unique=False)
