"""deploy/k8s starts several gateway replicas at once: on a fresh PostgreSQL database they must not race
through the migrations (duplicate CREATE TABLE, a half-applied head). Four threads migrate one new schema."""
from __future__ import annotations

import os
import threading
import uuid

import pytest
import sqlalchemy as sa

from services.gateway.db import make_engine, run_migrations

PG_URL = os.environ.get("GREENTECH_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.mark.postgres
def test_concurrent_gateway_starts_migrate_once() -> None:
    admin = sa.create_engine(PG_URL)
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"no PostgreSQL at {PG_URL}: {exc}")
    schema = f"gw_mig_{uuid.uuid4().hex[:8]}"
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in PG_URL else "?"
    url = f"{PG_URL}{sep}options=-csearch_path%3D{schema}&application_name={schema}"
    errors: list[BaseException] = []

    def start() -> None:
        engine = make_engine(url)
        try:
            run_migrations(engine)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            engine.dispose()

    try:
        threads = [threading.Thread(target=start) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        # Without the lock the racing migrations deadlock or fail on duplicate tables.
        assert not any(t.is_alive() for t in threads), "migrations still running after 60 s (deadlocked?)"
        assert not errors, errors
        with admin.connect() as conn:
            heads = conn.exec_driver_sql(f"SELECT count(*) FROM {schema}.alembic_version").scalar()
            tables = conn.exec_driver_sql(
                f"SELECT count(*) FROM information_schema.tables WHERE table_schema = '{schema}'").scalar()
        assert heads >= 1 and tables > 5
    finally:
        with admin.begin() as conn:  # end any stuck migration session first, or the DROP waits on its locks
            conn.exec_driver_sql(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '{schema}'")
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()
