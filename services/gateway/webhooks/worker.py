"""Delivery worker: POSTs due deliveries, logs every attempt, retries with capped exponential backoff.

At-least-once: an attempt whose answer is lost is sent again; receivers dedupe by `X-Greentech-Event-Id`.
Every POST names its subscription (`X-Greentech-Subscription`) and is signed with every secret valid at sending
time (two during a rotation window, rotation.py).
A delivery is claimed with a compare-and-set on `next_attempt_at`, so several gateway processes can run
workers against one database without sending the same attempt twice.
"""
from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import Session

from services.gateway.brokers.columns import now
from services.gateway.metrics import record_webhook_attempt
from services.gateway.webhooks import repository
from services.gateway.webhooks.config import WebhookSettings
from services.gateway.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEvent, WebhookSubscription
from services.gateway.webhooks.rotation import signing_secrets
from services.gateway.webhooks.signing import EVENT_ID_HEADER, EVENT_TYPE_HEADER, SIGNATURE_HEADER, SUBSCRIPTION_HEADER, sign
from services.gateway.webhooks.targets import unsafe_reason

log = logging.getLogger(__name__)


def event_body(event: WebhookEvent) -> bytes:
    envelope = {"event_id": event.id, "type": event.type, "created_at": event.created_at.isoformat().replace("+00:00", "Z"),
                "org_id": event.org_id, "data": event.data}
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def backoff_seconds(failures: int, settings: WebhookSettings) -> float:
    return min(settings.webhook_backoff_seconds * 2 ** (failures - 1), settings.webhook_max_backoff_seconds)


class DeliveryWorker:
    def __init__(self, engine: Engine, settings: WebhookSettings | None = None, http: httpx.Client | None = None,
                 clock: Callable[[], datetime] = now) -> None:
        self.engine = engine
        self.clock = clock  # injectable so tests can step past a rotation window without sleeping
        self.settings = settings or WebhookSettings()
        self.http = http or httpx.Client(timeout=self.settings.webhook_timeout_seconds, follow_redirects=False)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self, limit: int = 20) -> int:
        """Attempt every delivery due now; returns how many attempts were made."""
        with Session(self.engine) as session:
            due = repository.due_delivery_ids(session, self.clock(), limit)
        made = 0
        for delivery_id, seen_next in due:
            with Session(self.engine) as session:
                lease = self.clock() + timedelta(seconds=self.settings.webhook_lease_seconds)
                if not repository.claim(session, delivery_id, seen_next, lease):
                    continue
                session.commit()
            self._attempt(delivery_id)
            made += 1
        return made

    def _attempt(self, delivery_id: str) -> None:
        with Session(self.engine) as session:
            delivery = session.get(WebhookDelivery, delivery_id)
            assert delivery is not None
            event = session.get(WebhookEvent, delivery.event_id)
            sub = session.get(WebhookSubscription, delivery.subscription_id)
            assert event is not None and sub is not None
            body = event_body(event)
            sending_at = self.clock()
            headers = {"Content-Type": "application/json", EVENT_ID_HEADER: event.id, EVENT_TYPE_HEADER: event.type,
                       SUBSCRIPTION_HEADER: sub.id, "User-Agent": "greentech-webhooks/1",
                       SIGNATURE_HEADER: sign(signing_secrets(sub, sending_at), body, int(sending_at.timestamp()))}
            status_code: int | None = None
            error: str | None = None
            started = time.perf_counter()
            # Checked again at send time: the name may point somewhere else than when it was subscribed.
            blocked = None if self.settings.webhook_allow_private_targets else unsafe_reason(sub.url)
            if blocked:
                error = f"not sent: {blocked}"
            else:
                try:
                    resp = self.http.post(sub.url, content=body, headers=headers)
                    status_code = resp.status_code
                    if not 200 <= status_code < 300:
                        error = f"HTTP {status_code}: {resp.text[:200]}"
                except httpx.HTTPError as exc:
                    error = f"{type(exc).__name__}: {exc}"[:500]
            duration_ms = int((time.perf_counter() - started) * 1000)
            at = self.clock()
            session.add(WebhookAttempt(delivery_id=delivery.id, number=repository.attempt_count(session, delivery.id) + 1,
                                       at=at, status_code=status_code, error=error, duration_ms=duration_ms))
            delivery.attempts += 1
            delivery.last_status_code = status_code
            delivery.last_error = error
            if error is None:
                delivery.status = "delivered"
                delivery.delivered_at = at
                delivery.next_attempt_at = None
            elif delivery.attempts >= self.settings.webhook_max_attempts or not sub.active:
                delivery.status = "failed"
                delivery.next_attempt_at = None
            else:
                delivery.next_attempt_at = at + timedelta(seconds=backoff_seconds(delivery.attempts, self.settings))
            session.add(delivery)
            session.commit()
            record_webhook_attempt(delivery.status, error)  # gateway_webhook_deliveries_total

    # ------------------------------------------------------------------ background thread
    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="webhook-delivery", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout)
        self.http.close()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:  # noqa: BLE001 - keep delivering; the error is logged
                log.exception("webhook delivery pass failed")
            self._stop.wait(self.settings.webhook_poll_seconds)
