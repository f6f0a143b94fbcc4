"""The gateway on PostgreSQL: both migration branches apply, keys, audit (append-only triggers) and workflow
tables work. Runs in a schema of its own inside the shared `test` database, dropped afterwards."""
from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from services.gateway.auth.roles import Role
from tests.gateway.conftest import auth, issue_key, make_gateway

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_gateway(pg_url: str, tmp_path: Path) -> Iterator[TestClient]:
    schema = f"gw_{uuid.uuid4().hex[:10]}"
    dsn = pg_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        url = f"{pg_url}?options=-csearch_path%3D{schema}"
        with make_gateway(tmp_path, database_url=url) as client:
            yield client
        client.app.state.engine.dispose()
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def test_gateway_runs_on_postgres(pg_gateway: TestClient) -> None:
    admin = issue_key(pg_gateway, Role.admin, "org_ops", name="平台管理员")
    created = pg_gateway.post("/v1/keys", json={"role": "broker", "org_id": "org_b", "name": "经纪人"}, headers=auth(admin))
    assert created.status_code == 201, created.text
    broker = created.json()["key"]
    hook = pg_gateway.post("/v1/webhooks", json={"url": "http://93.184.215.14/hook", "event_types": ["deal.stage_changed"]},
                           headers=auth(broker))
    assert hook.status_code == 201, hook.text
    assert pg_gateway.get("/v1/commissions/preview", params={"contract_amount_cny": "1234567.89"},
                          headers=auth(broker)).status_code == 200
    events = pg_gateway.get("/v1/audit", headers=auth(admin)).json()["items"]
    assert {"key.create"} <= {e["action"] for e in events}
    with Session(pg_gateway.app.state.engine) as session:
        for stmt in ("update audit_event set action = 'x'", "delete from audit_event"):
            with pytest.raises(DBAPIError, match="append-only"):
                session.execute(text(stmt))
            session.rollback()
        heads = session.execute(text("select count(*) from alembic_version")).scalar()
        assert heads == 2, "both migration branches (core, workflow) applied"
