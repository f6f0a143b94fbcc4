"""Column helpers shared by the workflow tables: UTC timestamps that stay UTC on SQLite, prefixed ids."""
from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime

import sqlalchemy as sa


class UtcDateTime(sa.types.TypeDecorator):
    """Timezone-aware UTC in and out (SQLite stores no zone; PostgreSQL uses timestamptz)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):  # type: ignore[no-untyped-def]
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime: use datetime.now(UTC)")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value, dialect):  # type: ignore[no-untyped-def]
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC) if value is not None else None


def utc_column(*, nullable: bool = False, index: bool = False) -> sa.Column:
    return sa.Column(UtcDateTime(), nullable=nullable, index=index)


def now() -> datetime:
    return datetime.now(UTC)


def new_id(prefix: str) -> str:
    """`<prefix>_` + millisecond clock + randomness: unique, and sorts in creation order (keyset pagination)."""
    return f"{prefix}_{int(time.time() * 1000):011x}{secrets.token_hex(5)}"


BIGINT = sa.BigInteger().with_variant(sa.Integer, "sqlite")
