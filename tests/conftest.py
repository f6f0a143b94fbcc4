"""Fixtures every test folder may use. Service-specific fixtures live in tests/<service>/conftest.py."""
from __future__ import annotations

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

PG_URL = os.environ.get("GREENTECH_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def postgres_available() -> str | None:
    """None if PostgreSQL answers at PG_URL, else the reason (used to skip with a clear message)."""
    try:
        import psycopg

        dsn = PG_URL.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(dsn, connect_timeout=3) as conn:
            conn.execute("select 1")
        return None
    except Exception as exc:  # noqa: BLE001
        return f"PostgreSQL not reachable at {PG_URL} ({type(exc).__name__}: {exc}); set GREENTECH_TEST_PG_URL"


@pytest.fixture(scope="session")
def pg_url() -> str:
    reason = postgres_available()
    if reason:
        if os.environ.get("CI") and not os.environ.get("GREENTECH_ALLOW_PG_SKIP"):
            pytest.fail(f"CI must test PostgreSQL for real: {reason}")
        pytest.skip(reason)
    return PG_URL
