"""Per-key rate limits: 429 problem with Retry-After, in-process and with Redis counters."""
from __future__ import annotations

import uuid

import pytest

from services.gateway.auth.roles import Role
from tests.gateway.conftest import auth, issue_key, make_gateway

REDIS_URL = "redis://127.0.0.1:6379/0"


def _redis_reason() -> str | None:
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
        return None
    except Exception as exc:  # noqa: BLE001
        return f"Redis not reachable at {REDIS_URL}: {exc}"


def _exhaust(gateway, key: str, budget: int) -> None:
    for _ in range(budget):
        assert gateway.get("/v1/keys", headers=auth(key)).status_code == 200
    resp = gateway.get("/v1/keys", headers=auth(key))
    assert resp.status_code == 429
    assert resp.headers["content-type"].startswith("application/problem+json")
    retry_after = int(resp.headers["Retry-After"])
    assert 1 <= retry_after <= 60
    assert resp.json()["retry_after"] == retry_after


def test_in_process_limit_is_per_key(tmp_path):
    with make_gateway(tmp_path, rate_limit="3/minute") as gateway:
        assert gateway.app.state.rate_limiter.backend == "memory"
        first = issue_key(gateway, Role.admin, "org_a")
        second = issue_key(gateway, Role.admin, "org_b")
        _exhaust(gateway, first, 3)
        assert gateway.get("/v1/keys", headers=auth(second)).status_code == 200


def test_redis_limit_is_shared_by_gateway_replicas(tmp_path):
    reason = _redis_reason()
    if reason:
        pytest.skip(reason)
    limit = "4/minute"
    db = tmp_path / "shared.db"
    url = f"sqlite:///{db}"
    with make_gateway(tmp_path, rate_limit=limit, redis_url=REDIS_URL, database_url=url) as one, \
            make_gateway(tmp_path, rate_limit=limit, redis_url=REDIS_URL, database_url=url) as two:
        assert one.app.state.rate_limiter.backend == "redis"
        key = issue_key(one, Role.admin, f"org_{uuid.uuid4().hex[:8]}")
        for client in (one, two, one, two):
            assert client.get("/v1/keys", headers=auth(key)).status_code == 200
        resp = two.get("/v1/keys", headers=auth(key))
        assert resp.status_code == 429 and int(resp.headers["Retry-After"]) >= 1


def test_unreachable_redis_degrades_to_in_process_counting(tmp_path):
    with make_gateway(tmp_path, rate_limit="2/minute", redis_url="redis://127.0.0.1:1/0") as gateway:
        key = issue_key(gateway, Role.admin, "org_a")
        _exhaust(gateway, key, 2)
