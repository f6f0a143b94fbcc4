"""Alembic environment: runs against the engine the app passes in (or sqlalchemy.url from the config)."""
from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from services.gateway.audit import models as _audit_models  # noqa: F401 - tables into the metadata (autogenerate)
from services.gateway.auth import models as _auth_models  # noqa: F401
from services.gateway.db import metadata

config = context.config
engine = config.attributes.get("engine") or create_engine(config.get_main_option("sqlalchemy.url"))

with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
