"""POST /v1/webhooks/{id}/rotate-secret against a real gateway process over HTTP, with its own delivery worker
signing real deliveries to a loopback receiver: owner only (404 like a missing one), 422 naming the field for a
bad window with nothing written, audited without the secrets, and both signatures on the wire."""
from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlmodel import Session

from services.gateway.db import make_engine
from services.gateway.webhooks import service
from services.gateway.webhooks.schemas import EventType
from services.gateway.webhooks.signing import SUBSCRIPTION_HEADER, SignatureError, verify_signature
from tests.gateway_workflow.conftest import cli_create_key
from tests.gateway_workflow.receiver import Captured, Receiver
from tests.support.servers import TEST_SERVICE_TOKEN, RunningService, free_port, running

BROKER_ORG = "org_broker_rotation"


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningService, dict[str, str], str]]:
    tmp = tmp_path_factory.mktemp("gateway_rotation")
    db_url = f"sqlite:///{tmp}/gateway.db"
    env = {"GATEWAY_DATA_DIR": str(tmp), "GATEWAY_DATABASE_URL": db_url, "GATEWAY_SERVICE_TOKEN": TEST_SERVICE_TOKEN,
           # no registry or matching: this test needs only subscriptions and the delivery worker
           "GATEWAY_REGISTRY_URL": "http://127.0.0.1:9", "GATEWAY_MATCHING_URL": "http://127.0.0.1:9",
           "GATEWAY_WEBHOOK_POLL_SECONDS": "0.1", "GATEWAY_WEBHOOK_ALLOW_PRIVATE_TARGETS": "true",
           "GATEWAY_FEED_POLL_SECONDS": "30"}
    keys = {"admin": cli_create_key(env, "admin", "org_platform_ops", "平台管理员"),
            "broker": cli_create_key(env, "broker", BROKER_ORG, "经纪人"),
            "other": cli_create_key(env, "broker", "org_someone_else", "别家经纪人")}
    with running("gateway", "services.gateway.app:create_app", env, tmp, port=free_port()) as svc:
        yield svc, keys, db_url


def _client(gateway, role: str) -> httpx.Client:
    svc, keys, _ = gateway
    return httpx.Client(base_url=svc.url, headers={"Authorization": f"Bearer {keys[role]}"}, timeout=30)


def _enqueue_event(db_url: str) -> str:
    """An event as the broker workflow would write it (the outbox), straight into the running gateway's database."""
    engine = make_engine(db_url)
    try:
        with Session(engine) as s:
            event = service.enqueue(s, BROKER_ORG, EventType.deal_stage_changed, {"deal_id": "deal_rot", "to_stage": "closed"})
            s.commit()
            return event.id
    finally:
        engine.dispose()


def _wait_for(receiver: Receiver, count: int, timeout: float = 30) -> Captured:
    deadline = time.monotonic() + timeout
    while len(receiver.captured) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(receiver.captured) >= count, "the gateway's worker did not deliver"
    return receiver.captured[count - 1]


def _verifies(secret: str, request: Captured) -> bool:
    try:
        verify_signature(secret, request.signature, request.body)
    except SignatureError:
        return False
    return True


def _rotations(gateway) -> list[dict]:
    with _client(gateway, "admin") as admin:
        return admin.get("/v1/audit", params={"action": "webhook.rotate_secret"}).json()["items"]


def test_rotate_secret_over_http(gateway):
    _, _, db_url = gateway
    with Receiver() as receiver, _client(gateway, "broker") as broker, _client(gateway, "other") as other, \
            _client(gateway, "admin") as admin:
        created = broker.post("/v1/webhooks", json={"url": receiver.url, "event_types": ["deal.stage_changed"]})
        assert created.status_code == 201, created.text
        sub_id, first_secret = created.json()["id"], created.json()["secret"]

        # another organization (even an admin of one) gets exactly what a missing subscription gets
        missing = broker.post("/v1/webhooks/whs_does_not_exist/rotate-secret")
        for outsider in (other, admin):
            foreign = outsider.post(f"/v1/webhooks/{sub_id}/rotate-secret")
            assert foreign.status_code == missing.status_code == 404
            assert foreign.headers["content-type"] == missing.headers["content-type"] == "application/problem+json"
            assert foreign.json() | {"detail": "", "instance": ""} == missing.json() | {"detail": "", "instance": ""}

        # a bad window is a 422 naming the field, and nothing is written
        for bad in (-1, 7 * 24 * 3600 + 1, "soon"):
            rejected = broker.post(f"/v1/webhooks/{sub_id}/rotate-secret", json={"expires_in_seconds": bad})
            assert rejected.status_code == 422, rejected.text
            assert rejected.headers["content-type"] == "application/problem+json"
            assert [e["field"] for e in rejected.json()["errors"]] == ["body.expires_in_seconds"]
        assert _rotations(gateway) == []
        (listed,) = broker.get("/v1/webhooks").json()
        assert listed["previous_secret_expires_at"] is None and "secret" not in listed

        # default window: 24 h, the new secret shown once
        before = datetime.now(UTC)
        rotated = broker.post(f"/v1/webhooks/{sub_id}/rotate-secret")
        assert rotated.status_code == 200, rotated.text
        second_secret = rotated.json()["secret"]
        assert second_secret.startswith("whsec_") and second_secret != first_secret
        overlap_until = datetime.fromisoformat(rotated.json()["previous_secret_expires_at"])
        assert before + timedelta(hours=24) <= overlap_until <= datetime.now(UTC) + timedelta(hours=24)
        (listed,) = broker.get("/v1/webhooks").json()
        assert listed["previous_secret_expires_at"] is not None and "secret" not in listed

        # the gateway's worker signs with both: a receiver on either secret verifies
        _enqueue_event(db_url)
        during = _wait_for(receiver, 1)
        assert during.subscription_id == sub_id and during.headers[SUBSCRIPTION_HEADER.lower()] == sub_id
        assert _verifies(first_secret, during) and _verifies(second_secret, during)

        # rotating again with no overlap: only the newest secret signs
        again = broker.post(f"/v1/webhooks/{sub_id}/rotate-secret", json={"expires_in_seconds": 0})
        assert again.status_code == 200 and again.json()["previous_secret_expires_at"] is None
        third_secret = again.json()["secret"]
        _enqueue_event(db_url)
        after = _wait_for(receiver, 2)
        assert _verifies(third_secret, after)
        assert not _verifies(second_secret, after) and not _verifies(first_secret, after)

    audit = _rotations(gateway)
    assert [e["entity_id"] for e in audit] == [sub_id, sub_id]
    assert [e["detail"]["dropped_older_secret"] for e in audit] == [True, False]  # newest first
    text = json.dumps(audit)
    assert not any(secret in text for secret in (first_secret, second_secret, third_secret))
