"""Registry test fixtures: the same API suite runs against SQLite and PostgreSQL (own schema per session)."""
from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest
from fastapi.testclient import TestClient

from services.registry.app import create_app
from services.registry.settings import RegistrySettings
from tests.support.servers import TEST_SERVICE_TOKEN


def _pg_admin_dsn(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


@pytest.fixture(scope="session", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def registry_settings(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RegistrySettings]:
    data_dir = tmp_path_factory.mktemp(f"registry-{request.param}")
    base = dict(data_dir=data_dir, service_token=TEST_SERVICE_TOKEN, expire_sweep_seconds=0)
    if request.param == "sqlite":
        yield RegistrySettings(**base)
        return
    pg_url = request.getfixturevalue("pg_url")
    schema = f"reg_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(_pg_admin_dsn(pg_url), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield RegistrySettings(**base, database_url=pg_url, database_schema=schema)
    finally:
        with psycopg.connect(_pg_admin_dsn(pg_url), autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(scope="session")
def client(registry_settings: RegistrySettings) -> Iterator[TestClient]:
    app = create_app(registry_settings)
    with TestClient(app, headers={"X-Service-Token": TEST_SERVICE_TOKEN}) as test_client:
        yield test_client


@pytest.fixture()
def ctx(client: TestClient):
    """The running app's context (database, policy) for in-process service-layer calls."""
    return client.app.state.registry
