"""Engine and sessions: SQLite (WAL, writers serialised with BEGIN IMMEDIATE) or PostgreSQL.

Read sessions start a plain transaction; write sessions on SQLite start `BEGIN IMMEDIATE`, so the database
write lock is taken up front and writers commit in the order they began (this keeps the change feed's seq
order equal to commit order on SQLite). On PostgreSQL the feed uses an advisory lock (see feed/repository.py).
"""
from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import DateTime, Engine, create_engine, event, text
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session

_IMMEDIATE = "registry_write"


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC on the way out, on every backend (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):  # type: ignore[no-untyped-def]
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):  # type: ignore[no-untyped-def]
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


_B32 = "0123456789abcdefghjkmnpqrstvwxyz"


def new_id(prefix: str) -> str:
    """Time-ordered id like `tec_01hx3k9q2m7a4b5c6d7e`: 48-bit ms timestamp + 50 random bits, Crockford base32."""
    value = (int(time.time() * 1000) << 50) | secrets.randbits(50)
    chars = []
    for _ in range(20):
        chars.append(_B32[value & 31])
        value >>= 5
    return f"{prefix}_{''.join(reversed(chars))}"


class Database:
    def __init__(self, url: str, *, schema: str | None = None) -> None:
        self.url = url
        self.schema = schema
        self.engine = self._create_engine(url, schema)
        self.dialect = self.engine.dialect.name
        self._write_engine = self.engine.execution_options(**{_IMMEDIATE: True})

    @staticmethod
    def _create_engine(url: str, schema: str | None) -> Engine:
        if url.startswith("sqlite"):
            engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

            @event.listens_for(engine, "connect")
            def _sqlite_connect(dbapi_conn, _record):  # type: ignore[no-untyped-def]
                dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (pysqlite's own handling is broken)
                cur = dbapi_conn.cursor()
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA synchronous=NORMAL")
                cur.execute("PRAGMA foreign_keys=ON")
                cur.execute("PRAGMA busy_timeout=30000")
                cur.close()

            @event.listens_for(engine, "begin")
            def _sqlite_begin(conn):  # type: ignore[no-untyped-def]
                conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(_IMMEDIATE) else "BEGIN")

            return engine
        connect_args = {"options": f"-csearch_path={schema}"} if schema else {}
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20, connect_args=connect_args)

    @contextmanager
    def read(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction: committed when the block ends, rolled back on any exception."""
        with Session(self._write_engine, expire_on_commit=False) as session:
            with session.begin():
                yield session

    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(text("select 1"))

    def dispose(self) -> None:
        self.engine.dispose()
