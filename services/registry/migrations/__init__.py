"""Alembic migrations, applied programmatically (app start, `python -m services.registry migrate`)."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from services.registry.db import Database

HERE = Path(__file__).resolve().parent


def alembic_config(database: Database) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.set_main_option("sqlalchemy.url", database.url.replace("%", "%%"))
    return cfg


def upgrade(database: Database, revision: str = "head") -> None:
    cfg = alembic_config(database)
    with database.engine.begin() as connection:
        if database.dialect == "postgresql":
            # Several processes may start at once: one migrates, the others wait and then find nothing to do.
            connection.exec_driver_sql("SELECT pg_advisory_xact_lock(774411)")
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)


def current_revision(database: Database) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with database.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
