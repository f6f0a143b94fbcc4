"""Alembic environment: runs on the connection handed over by services.registry.migrations.upgrade()."""
from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

from services.registry import models  # noqa: F401 - registers every table on SQLModel.metadata

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations through services.registry.migrations.upgrade(database)")
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
