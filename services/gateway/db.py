"""The gateway's own database: engine per app (SQLite WAL by default, PostgreSQL by URL), sessions, migrations.

Tables are declared with SQLModel (`SQLModel.metadata`); the schema is created only by the Alembic
migrations in `migrations/`, run on start (`upgrade heads`: the workflow tables are a separate branch).
"""
from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated

from alembic import command
from alembic.config import Config
from fastapi import Depends, Request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, create_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

metadata = SQLModel.metadata


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    cfg.attributes["engine"] = engine
    return cfg


# Gateway replicas (deploy/k8s runs two) may start at once on a fresh PostgreSQL database: one migrates while
# holding this lock, the others wait and then find nothing to do. (The registry does the same with its own key.)
MIGRATION_LOCK_KEY = 774412


def run_migrations(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        command.upgrade(alembic_config(engine), "heads")
        return
    with engine.connect() as lock:
        lock.exec_driver_sql(f"SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})")
        try:
            command.upgrade(alembic_config(engine), "heads")
        finally:
            lock.exec_driver_sql(f"SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})")


async def get_engine(request: Request) -> Engine:  # async: a plain def dependency costs a thread-pool hop
    return request.app.state.engine


async def get_session(request: Request) -> AsyncIterator[Session]:
    # async on purpose: opening a Session touches no database (a connection is taken at its first query, in the
    # route's worker thread), so a sync generator only cost two thread-pool hops per request for nothing.
    with Session(request.app.state.engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
EngineDep = Annotated[Engine, Depends(get_engine)]
