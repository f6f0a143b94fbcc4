"""The in-process key cache (services/gateway/auth/key_cache.py): a revoked key is refused at once by the
gateway that revoked it, and by any other gateway within the cache TTL - shown with an injected clock."""
from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session

from services.gateway.auth import repository
from services.gateway.auth.deps import PrincipalDep
from services.gateway.auth.key_cache import KeyCache
from services.gateway.auth.roles import Role
from tests.gateway.conftest import auth, issue_key, make_gateway


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def revoke_in_db(gateway, key_id: str) -> None:
    """As another gateway replica would: straight in the shared database, no cache of ours told."""
    with Session(gateway.app.state.engine) as session:
        row = repository.by_id(session, key_id)
        row.revoked_at = datetime.now(UTC)
        session.add(row)
        session.commit()


def key_id_of(gateway, admin: str, org_id: str) -> str:
    return gateway.get("/v1/keys", params={"org_id": org_id}, headers=auth(admin)).json()["items"][0]["id"]


def test_key_revoked_elsewhere_is_refused_once_the_ttl_has_passed(tmp_path) -> None:
    clock = Clock()
    with make_gateway(tmp_path) as gateway:
        gateway.app.state.key_cache = KeyCache(ttl=5.0, clock=clock)
        admin = issue_key(gateway, Role.admin, "org_ops")
        broker = issue_key(gateway, Role.broker, "org_broker")
        assert gateway.get("/v1/delegations", headers=auth(broker)).status_code == 200  # cached now
        revoke_in_db(gateway, key_id_of(gateway, admin, "org_broker"))
        clock.now += 4.9
        assert gateway.get("/v1/delegations", headers=auth(broker)).status_code == 200  # inside the documented bound
        clock.now += 0.1
        resp = gateway.get("/v1/delegations", headers=auth(broker))
        assert resp.status_code == 401 and "revoked" in resp.json()["detail"]


def test_key_revoked_through_this_gateway_is_refused_at_once(tmp_path) -> None:
    clock = Clock()
    with make_gateway(tmp_path) as gateway:
        gateway.app.state.key_cache = KeyCache(ttl=3600.0, clock=clock)  # a long TTL: only invalidation can refuse it
        admin = issue_key(gateway, Role.admin, "org_ops")
        broker = issue_key(gateway, Role.broker, "org_broker")
        assert gateway.get("/v1/delegations", headers=auth(broker)).status_code == 200
        key_id = key_id_of(gateway, admin, "org_broker")
        assert gateway.post(f"/v1/keys/{key_id}/revoke", headers=auth(admin)).status_code == 200
        assert gateway.get("/v1/delegations", headers=auth(broker)).status_code == 401


def test_cache_hits_skip_the_database_and_zero_ttl_disables_it(tmp_path, monkeypatch) -> None:
    from services.gateway.auth import service

    calls = []
    real = service.authenticate
    monkeypatch.setattr(service, "authenticate", lambda session, key: calls.append(key) or real(session, key))
    with make_gateway(tmp_path, key_cache_seconds=5.0) as gateway:
        broker = issue_key(gateway, Role.broker, "org_broker")
        for _ in range(3):
            assert gateway.get("/v1/delegations", headers=auth(broker)).status_code == 200
        assert len(calls) == 1
        gateway.app.state.key_cache = KeyCache(ttl=0)
        for _ in range(2):
            gateway.get("/v1/delegations", headers=auth(broker))
        assert len(calls) == 3


def test_expired_key_is_refused_on_a_cache_hit() -> None:
    from services.gateway.auth.deps import Principal

    now = [datetime(2026, 1, 1, tzinfo=UTC)]
    cache = KeyCache(ttl=3600.0, utcnow=lambda: now[0])
    principal = Principal(key_id="key_1", role=Role.broker, org_id="org", name="n")
    cache.put("gtk_x", principal, expires_at=datetime(2026, 1, 1, 0, 0, 1, tzinfo=UTC))
    assert cache.get("gtk_x") == principal
    now[0] = datetime(2026, 1, 1, 0, 0, 1, tzinfo=UTC)
    assert cache.get("gtk_x") is None


def test_platform_delegations_are_read_fresh_on_a_cache_hit(tmp_path) -> None:
    """A revoked delegation stops the platform's writes at once, however long the key itself is cached."""
    from fastapi import APIRouter

    from services.gateway.delegations import service as delegations

    router = APIRouter()

    @router.get("/test-delegated")
    def _delegated(principal: PrincipalDep) -> list[str]:
        return sorted(principal.delegated_org_ids)

    with make_gateway(tmp_path, key_cache_seconds=3600.0) as gateway:
        gateway.app.include_router(router)
        admin = issue_key(gateway, Role.admin, "org_ops")
        platform = issue_key(gateway, Role.platform, "org_platform", source="zjtm")
        first = gateway.get("/test-delegated", headers=auth(platform))
        assert first.json() == [], first.text  # key now cached
        principal = gateway.app.state.key_cache.get(platform)
        with Session(gateway.app.state.engine) as session:
            delegations.record_registration(session, principal, "org_member", request_id=None)
            session.commit()
        assert gateway.get("/test-delegated", headers=auth(platform)).json() == ["org_member"]
        (dlg,) = gateway.get("/v1/delegations", headers=auth(admin)).json()["items"]
        assert gateway.post(f"/v1/delegations/{dlg['id']}/revoke", headers=auth(admin)).status_code == 200
        assert gateway.get("/test-delegated", headers=auth(platform)).json() == []


def test_in_process_rate_window_counts_per_key_and_resets_with_the_window() -> None:
    """The thread-free counter that replaced limits' MemoryStorage on the hot path (ratelimit/in_process.py)."""
    from limits import parse

    from services.gateway.ratelimit.in_process import InProcessFixedWindow

    now = [120.0]
    window = InProcessFixedWindow(clock=lambda: now[0])
    item = parse("2/minute")
    assert window.hit(item, "ns", "key_a") and window.hit(item, "ns", "key_a")
    assert not window.hit(item, "ns", "key_a") and window.hit(item, "ns", "key_b")
    assert window.get_window_stats(item, "ns", "key_a").reset_time == 180.0
    now[0] = 180.0
    assert window.hit(item, "ns", "key_a") and window.get_window_stats(item, "ns", "key_a").remaining == 1
    import threading

    threads = threading.active_count()
    for _ in range(50):
        window.hit(item, "ns", "key_c")
    assert threading.active_count() == threads  # no timer threads
