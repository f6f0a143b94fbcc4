"""character-bigram index for the keyword filter `q`: technology_grams, demand_grams (backfilled)

One row per distinct bigram of a listing's search_text, primary key (gram, record_id) (SQLite: WITHOUT ROWID, the
table is that index). The list narrows `q` to the records holding a term's rarest bigrams and applies the old
LIKE to them (services/registry/listings/grams.py, repository.py). Existing rows are backfilled here in batches.

Revision ID: 0006_keyword_grams
Revises: 0004_evaluation_catalog
Create Date: 2026-12-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0006_keyword_grams'
down_revision = '0004_evaluation_catalog'
branch_labels = None
depends_on = None

TABLES = {"technologies": "technology_grams", "demands": "demand_grams"}
BATCH = 1000


def _text_grams(text: str) -> set[int]:
    # Frozen copy of services.registry.listings.grams.text_grams as of this revision.
    return {(ord(a) << 21) | ord(b) for a, b in zip(text, text[1:]) if not (a.isspace() or b.isspace())}


def _write(connection: sa.Connection, table: str, pairs: list[tuple[int, str]]) -> None:
    if not pairs:
        return
    if connection.dialect.name == "postgresql":
        with connection.connection.driver_connection.cursor() as cur:
            with cur.copy(f'COPY "{table}" (gram, record_id) FROM STDIN') as copy:
                for pair in pairs:
                    copy.write_row(pair)
        return
    connection.execute(sa.text(f'INSERT INTO "{table}" (gram, record_id) VALUES (:g, :r)'),
                       [{"g": g, "r": r} for g, r in pairs])


def _backfill(connection: sa.Connection, source: str, table: str) -> None:
    after = ""
    while True:
        rows = connection.execute(sa.text(f'SELECT id, search_text FROM "{source}" WHERE id > :after ORDER BY id LIMIT {BATCH}'),
                                  {"after": after}).all()
        if not rows:
            return
        _write(connection, table, sorted((g, rid) for rid, text in rows for g in _text_grams(text or "")))
        after = rows[-1][0]


def upgrade() -> None:
    for source, table in TABLES.items():
        op.create_table(
            table,
            sa.Column('gram', sa.BigInteger(), nullable=False, autoincrement=False),
            sa.Column('record_id', sa.String(length=40), nullable=False),
            sa.PrimaryKeyConstraint('gram', 'record_id'),
            sqlite_with_rowid=False,
        )
        _backfill(op.get_bind(), source, table)


def downgrade() -> None:
    for table in TABLES.values():
        op.drop_table(table)
