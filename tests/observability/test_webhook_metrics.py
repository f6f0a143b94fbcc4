"""The webhook worker's hook: each attempt counts once by outcome (delivered / retry / failed = gave up)."""
from __future__ import annotations

import time

import httpx
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families
from sqlmodel import Session

from services.gateway import metrics
from services.gateway.auth.deps import Principal
from services.gateway.auth.roles import Role
from services.gateway.db import make_engine, run_migrations
from services.gateway.webhooks import service
from services.gateway.webhooks.config import WebhookSettings
from services.gateway.webhooks.schemas import EventType, SubscriptionCreate
from services.gateway.webhooks.worker import DeliveryWorker

BROKER = Principal(key_id="key_broker", role=Role.broker, org_id="org_broker", name="经纪人")
# One attempt then give up, no wait between attempts, receivers "on loopback" allowed (the transport is a mock).
SETTINGS = WebhookSettings(webhook_allow_private_targets=True, webhook_max_attempts=2, webhook_backoff_seconds=0.001)


def outcomes() -> dict[str, float]:
    registry = CollectorRegistry()
    metrics.register(registry)
    return {s.labels["outcome"]: s.value for f in text_string_to_metric_families(generate_latest(registry).decode())
            for s in f.samples if s.name == "gateway_webhook_deliveries_total"}


def test_delivery_attempts_are_counted_by_outcome(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'gw.db'}")
    run_migrations(engine)
    # The receiver fails every attempt for deal_1 (retry, then failed at the 2nd attempt) and takes deal_2.
    http = httpx.Client(transport=httpx.MockTransport(
        lambda req: httpx.Response(200 if b"deal_2" in req.content else 500)))
    worker = DeliveryWorker(engine, SETTINGS, http=http)
    with Session(engine) as s:
        service.create_subscription(s, BROKER, SubscriptionCreate(url="http://127.0.0.1:9/hook",
                                                                  event_types=[EventType.deal_stage_changed]), SETTINGS)
        s.commit()
    before = outcomes()
    for deal in ("deal_1", "deal_2"):
        with Session(engine) as s:
            service.enqueue(s, BROKER.org_id, EventType.deal_stage_changed, {"deal_id": deal, "to_stage": "closed"})
            s.commit()
    for _ in range(50):  # bounded: each pass attempts what is due
        worker.run_once()
        after = outcomes()
        if sum(after.values()) - sum(before.values()) >= 3:
            break
        time.sleep(0.01)
    gained = {k: after.get(k, 0) - before.get(k, 0) for k in ("delivered", "retry", "failed")}
    assert gained == {"delivered": 1, "retry": 1, "failed": 1}
    engine.dispose()
