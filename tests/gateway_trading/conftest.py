"""Public trading through the gateway (in-process) with a real registry on a loopback port; a manual clock."""
from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from fastapi.testclient import TestClient

from services.gateway.auth.roles import Role
from services.gateway.trading_common.clock import ManualClock
from tests.gateway.conftest import auth, issue_key, make_gateway, registry_service  # noqa: F401 - fixture re-used here

DEMO = Path(__file__).resolve().parents[2] / "services/registry/demo/technologies.jsonl"
START = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
OPERATOR_ORG = "org_platform_ops"


def technology(title: str, **extra: Any) -> dict:
    base = json.loads(DEMO.read_text(encoding="utf-8").splitlines()[0])
    for key in ("owner_org_id", "external_ref", "owner_credit_code"):
        base.pop(key, None)
    return {**base, "title": title, "transfer_modes": ["license", "assignment"], **extra}


def ok(resp: httpx.Response, status: int = 200) -> Any:
    assert resp.status_code == status, f"{resp.request.method} {resp.request.url} → {resp.status_code}: {resp.text[:1500]}"
    return resp.json() if resp.content else None


def problem(resp: httpx.Response, status: int, field_name: str | None = None) -> dict:
    assert resp.status_code == status, f"expected {status}, got {resp.status_code}: {resp.text[:1000]}"
    assert resp.headers["content-type"].startswith("application/problem+json"), resp.headers["content-type"]
    body = resp.json()
    if field_name is not None:
        fields = [e["field"] for e in body.get("errors", [])]
        assert any(f == field_name or f.startswith(field_name + ".") for f in fields), (field_name, body)
    return body


@dataclass
class World:
    gw: TestClient
    clock: ManualClock
    keys: dict[str, str]
    orgs: dict[str, str]
    technologies: dict[str, dict] = field(default_factory=dict)

    def as_(self, who: str) -> dict[str, str]:
        return auth(self.keys[who])

    def call(self, who: str, method: str, path: str, **kw: Any) -> httpx.Response:
        return self.gw.request(method, path, headers={**self.as_(who), **kw.pop("headers", {})}, **kw)

    def key_for(self, role: Role, org_id: str) -> str:
        return issue_key(self.gw, role, org_id)


def build_world(gw: TestClient) -> World:
    clock = ManualClock(START)
    gw.app.state.trading_clock = clock
    admin = issue_key(gw, Role.admin, OPERATOR_ORG, name="平台管理员")
    orgs = {}
    for name, label in (("S", "清华大学技术转移研究院"), ("B1", "杭州绿源环保科技有限公司"), ("B2", "苏州清流水处理有限公司"),
                        ("B3", "宁波海蓝节能设备有限公司")):
        orgs[name] = ok(gw.post("/v1/organizations", json={"name": label, "type": "enterprise"}, headers=auth(admin)), 201)["id"]
    keys = {"admin": admin, "broker": issue_key(gw, Role.broker, "org_broker"), "evaluator": issue_key(gw, Role.evaluator, "org_eval"),
            **{name: issue_key(gw, Role.enterprise, org) for name, org in orgs.items()}}
    world = World(gw, clock, keys, orgs)
    world.technologies["S"] = ok(gw.post("/v1/technologies", json=technology("空压机余热回收技术（高校成果）"), headers=auth(keys["S"])), 201)
    assert world.technologies["S"]["status"] == "published", world.technologies["S"]
    world.technologies["B2"] = ok(gw.post("/v1/technologies", json=technology("芬顿氧化+生化组合印染废水处理技术"),
                                          headers=auth(keys["B2"])), 201)
    return world


@pytest.fixture(scope="module")
def world(registry_service, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:  # noqa: F811
    tmp = tmp_path_factory.mktemp("gateway_trading")
    with make_gateway(tmp, registry_url=registry_service.url, upstream_timeout=10.0) as gw:
        yield build_world(gw)


@pytest.fixture(scope="module")
def pg_world(registry_service, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:  # noqa: F811
    import os

    from tests.conftest import PG_URL, postgres_available

    reason = postgres_available()
    if reason:
        if os.environ.get("CI") and not os.environ.get("GREENTECH_ALLOW_PG_SKIP"):
            pytest.fail(f"CI must test PostgreSQL for real: {reason}")
        pytest.skip(reason)
    schema = f"gwt_{uuid.uuid4().hex[:10]}"
    dsn = PG_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        tmp = tmp_path_factory.mktemp("gateway_trading_pg")
        url = f"{PG_URL}?options=-csearch_path%3D{schema}"
        with make_gateway(tmp, registry_url=registry_service.url, upstream_timeout=10.0, database_url=url) as gw:
            yield build_world(gw)
        gw.app.state.engine.dispose()
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
