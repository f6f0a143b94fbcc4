"""Delivery worker: POSTs due deliveries, logs every attempt, retries with capped exponential backoff.

At-least-once: an attempt whose answer is lost is sent again; receivers dedupe by `X-Greentech-Event-Id`.
Every POST names its subscription (`X-Greentech-Subscription`) and is signed with every secret valid at sending
time (two during a rotation window, rotation.py).

A pass claims up to `webhook_batch` due deliveries in one compare-and-set statement (only rows still pending
and due, leased until `webhook_lease_seconds` from now), so several gateway processes can run workers against
one database without sending the same attempt twice. It loads their events and subscriptions in one query
each, sends to up to `webhook_concurrency` subscriptions at once - each subscription's deliveries one after
another, oldest due first, so a receiver sees a pass's events in the order they were recorded - and records
every attempt in one transaction. After a failed attempt the rest of that subscription's deliveries are handed
back unsent for the next pass (a receiver that is down costs one timeout per pass, not one per event).
"""
from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
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


@dataclass
class Outcome:
    """One attempt's result, written with the others of the pass."""
    delivery_id: str
    at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int


@dataclass
class Claimed:
    delivery: WebhookDelivery
    event: WebhookEvent
    due_at: datetime  # next_attempt_at before the claim: where an unsent delivery goes back to


class DeliveryWorker:
    def __init__(self, engine: Engine, settings: WebhookSettings | None = None, http: httpx.Client | None = None,
                 clock: Callable[[], datetime] = now) -> None:
        self.engine = engine
        self.clock = clock  # injectable so tests can step past a rotation window without sleeping
        self.settings = settings or WebhookSettings()
        self.http = http or httpx.Client(timeout=self.settings.webhook_timeout_seconds, follow_redirects=False,
                                         limits=httpx.Limits(max_connections=max(10, self.settings.webhook_concurrency)))
        self._pool = ThreadPoolExecutor(max_workers=self.settings.webhook_concurrency, thread_name_prefix="webhook-send")
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self, limit: int | None = None) -> int:
        """Attempt the deliveries due now (at most `limit`, default `webhook_batch`); returns how many attempts were made."""
        limit = limit or self.settings.webhook_batch
        lease = self.clock() + timedelta(seconds=self.settings.webhook_lease_seconds)
        with Session(self.engine, expire_on_commit=False) as session:
            claimed = repository.claim_due(session, self.clock(), lease, limit)
            session.commit()
            if not claimed:
                return 0
            ids = [d for d, _ in claimed]
            deliveries = repository.by_ids(session, WebhookDelivery, ids)
            events = repository.by_ids(session, WebhookEvent, (d.event_id for d in deliveries.values()))
            subs = repository.by_ids(session, WebhookSubscription, (d.subscription_id for d in deliveries.values()))
            session.expunge_all()
        queues: dict[str, list[Claimed]] = {}  # per subscription, oldest due first (claim order)
        for delivery_id, due_at in claimed:
            delivery = deliveries[delivery_id]
            queues.setdefault(delivery.subscription_id, []).append(Claimed(delivery, events[delivery.event_id], due_at))
        started = time.monotonic()
        # Stop starting sends well before the lease ends: another worker may take the unsent ones after it.
        budget = self.settings.webhook_lease_seconds / 2
        results = list(self._pool.map(lambda sid: self._send_queue(subs[sid], queues[sid], started, budget), queues))
        outcomes = [o for sent, _ in results for o in sent]
        unsent = [c for _, rest in results for c in rest]
        self._record(outcomes, unsent, subs, lease)
        return len(outcomes)

    def _send_queue(self, sub: WebhookSubscription, queue: list[Claimed], started: float,
                    budget: float) -> tuple[list[Outcome], list[Claimed]]:
        sent: list[Outcome] = []
        for n, item in enumerate(queue):
            if time.monotonic() - started > budget:
                return sent, queue[n:]
            outcome = self._send(sub, item.event, item.delivery.id)
            sent.append(outcome)
            if outcome.error is not None:
                return sent, queue[n + 1:]  # the receiver is failing: the rest waits for the next pass
        return sent, []

    def _send(self, sub: WebhookSubscription, event: WebhookEvent, delivery_id: str) -> Outcome:
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
        return Outcome(delivery_id, self.clock(), status_code, error, duration_ms)

    def _record(self, outcomes: list[Outcome], unsent: list[Claimed], subs: dict[str, WebhookSubscription],
                lease: datetime) -> None:
        """Every attempt of the pass and the deliveries' new state, in one transaction."""
        statuses: list[tuple[str, str | None]] = []
        with Session(self.engine) as session:
            numbers = repository.attempt_counts(session, [o.delivery_id for o in outcomes])
            deliveries = repository.by_ids(session, WebhookDelivery, (o.delivery_id for o in outcomes))
            for o in outcomes:
                delivery = deliveries[o.delivery_id]
                sub = subs[delivery.subscription_id]
                session.add(WebhookAttempt(delivery_id=delivery.id, number=numbers.get(delivery.id, 0) + 1, at=o.at,
                                           status_code=o.status_code, error=o.error, duration_ms=o.duration_ms))
                delivery.attempts += 1
                delivery.last_status_code = o.status_code
                delivery.last_error = o.error
                if o.error is None:
                    delivery.status = "delivered"
                    delivery.delivered_at = o.at
                    delivery.next_attempt_at = None
                elif delivery.attempts >= self.settings.webhook_max_attempts or not sub.active:
                    delivery.status = "failed"
                    delivery.next_attempt_at = None
                else:
                    delivery.next_attempt_at = o.at + timedelta(seconds=backoff_seconds(delivery.attempts, self.settings))
                session.add(delivery)
                statuses.append((delivery.status, o.error))
            for item in unsent:
                repository.release(session, item.delivery.id, lease, item.due_at)
            session.commit()
        for status, error in statuses:
            record_webhook_attempt(status, error)  # gateway_webhook_deliveries_total

    # ------------------------------------------------------------------ background thread
    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="webhook-delivery", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout)
        self._pool.shutdown(wait=True)
        self.http.close()

    def _loop(self) -> None:
        while not self._stop.is_set():
            made = 0
            try:
                made = self.run_once()
            except Exception:  # noqa: BLE001 - keep delivering; the error is logged
                log.exception("webhook delivery pass failed")
            if made < self.settings.webhook_batch:  # a full pass: more may be due right now
                self._stop.wait(self.settings.webhook_poll_seconds)
