"""Webhook worker against a real receiver on loopback: retries with backoff, a log of every attempt, replay."""
from __future__ import annotations

import threading
import time
import uuid

import pytest
from sqlmodel import Session

from services.gateway.auth.deps import Principal
from services.gateway.auth.roles import Role
from services.gateway.db import make_engine, run_migrations
from services.gateway.webhooks import repository, service
from services.gateway.webhooks.config import WebhookSettings
from services.gateway.webhooks.models import WebhookDelivery
from services.gateway.webhooks.schemas import EventType, SubscriptionCreate
from services.gateway.webhooks.worker import DeliveryWorker
from tests.gateway_workflow.receiver import Receiver

BROKER = Principal(key_id="key_broker", role=Role.broker, org_id="org_broker", name="经纪人")
LOOPBACK_OK = {"webhook_allow_private_targets": True}  # the receivers here listen on 127.0.0.1


@pytest.fixture()
def engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'gw.db'}")
    run_migrations(engine)
    yield engine
    engine.dispose()


def _subscribe(engine, url: str) -> tuple[str, str]:
    with Session(engine) as s:
        sub = service.create_subscription(s, BROKER, SubscriptionCreate(url=url, event_types=[EventType.deal_stage_changed]),
                                          WebhookSettings(**LOOPBACK_OK))
        s.commit()
        return sub.id, sub.secret


def _enqueue(engine, event_type=EventType.deal_stage_changed) -> str | None:
    with Session(engine) as s:
        event = service.enqueue(s, BROKER.org_id, event_type, {"deal_id": "deal_1", "to_stage": "closed", "stage_name": "成交"})
        s.commit()
        return event.id if event else None


def _drain(worker: DeliveryWorker, engine, delivery_id: str, until: set[str], max_passes: int = 200) -> WebhookDelivery:
    for _ in range(max_passes):
        worker.run_once()
        with Session(engine) as s:
            d = s.get(WebhookDelivery, delivery_id)
            if d.status in until:
                return d
        time.sleep(0.02)
    raise AssertionError(f"delivery still {d.status} after {max_passes} passes")


def _only_delivery(engine) -> str:
    with Session(engine) as s:
        (row,) = s.exec(WebhookDelivery.__table__.select()).all()
        return row.id


def test_receiver_failing_three_times_gets_the_event_once_after_four_attempts(engine):
    settings = WebhookSettings(webhook_backoff_seconds=0.01, webhook_max_attempts=6, **LOOPBACK_OK)
    with Receiver(fail_first=3) as receiver:
        _, secret = _subscribe(engine, receiver.url)
        receiver.secret = secret
        event_id = _enqueue(engine)
        worker = DeliveryWorker(engine, settings)
        delivery = _drain(worker, engine, _only_delivery(engine), {"delivered", "failed"})
        worker.stop()
    assert delivery.status == "delivered"
    assert list(receiver.events) == [event_id]
    assert receiver.events[event_id]["data"]["stage_name"] == "成交"
    assert receiver.rejected == []
    with Session(engine) as s:
        attempts = repository.attempts_for(s, delivery.id)
    assert [a.status_code for a in attempts] == [500, 500, 500, 200]
    assert [a.number for a in attempts] == [1, 2, 3, 4]
    assert all(a.error for a in attempts[:3]) and attempts[3].error is None
    # backoff: each retry waited at least the doubled delay after the previous attempt
    gaps = [(b.at - a.at).total_seconds() for a, b in zip(attempts, attempts[1:])]
    assert all(g >= 0.01 * 2**i for i, g in enumerate(gaps))


def test_bounded_attempts_then_failed_then_replay_delivers_same_event(engine):
    settings = WebhookSettings(webhook_backoff_seconds=0.01, webhook_max_attempts=2, **LOOPBACK_OK)
    with Receiver(fail_first=2) as receiver:
        _, secret = _subscribe(engine, receiver.url)
        receiver.secret = secret
        event_id = _enqueue(engine)
        worker = DeliveryWorker(engine, settings)
        delivery_id = _only_delivery(engine)
        failed = _drain(worker, engine, delivery_id, {"delivered", "failed"})
        assert failed.status == "failed" and failed.attempts == 2 and failed.last_status_code == 500
        with Session(engine) as s:
            service.replay(s, BROKER, delivery_id)
            s.commit()
        delivered = _drain(worker, engine, delivery_id, {"delivered", "failed"})
        worker.stop()
    assert delivered.status == "delivered"
    assert list(receiver.events) == [event_id]
    with Session(engine) as s:
        assert [a.number for a in repository.attempts_for(s, delivery_id)] == [1, 2, 3]


def test_unreachable_receiver_is_logged_as_an_error(engine):
    settings = WebhookSettings(webhook_backoff_seconds=0.01, webhook_max_attempts=1, webhook_timeout_seconds=1, **LOOPBACK_OK)
    _subscribe(engine, "http://127.0.0.1:9/unreachable")
    _enqueue(engine)
    worker = DeliveryWorker(engine, settings)
    delivery = _drain(worker, engine, _only_delivery(engine), {"failed"})
    worker.stop()
    assert delivery.last_status_code is None and "Error" in delivery.last_error


def test_events_nobody_subscribed_to_are_not_queued(engine):
    _subscribe(engine, "http://127.0.0.1:9/x")
    assert _enqueue(engine, EventType.match_found) is None


def test_a_target_that_now_points_inside_is_not_called(engine):
    """Accepted when it was allowed (or when its name pointed elsewhere); the worker checks again before sending."""
    settings = WebhookSettings(webhook_backoff_seconds=0.01, webhook_max_attempts=1)  # private targets refused
    with Receiver() as receiver:
        _subscribe(engine, receiver.url)
        _enqueue(engine)
        worker = DeliveryWorker(engine, settings)
        delivery = _drain(worker, engine, _only_delivery(engine), {"delivered", "failed"})
        worker.stop()
    assert receiver.events == {} and receiver.rejected == []
    assert delivery.status == "failed" and delivery.last_status_code is None
    assert delivery.last_error.startswith("not sent:") and "127.0.0.1" in delivery.last_error


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def both_engines(request: pytest.FixtureRequest, tmp_path):
    """The batch claim is one UPDATE ... RETURNING: checked on both databases."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'gw.db'}")
        run_migrations(engine)
        yield engine
        engine.dispose()
        return
    import psycopg

    pg_url = request.getfixturevalue("pg_url")
    schema = f"gw_dlv_{uuid.uuid4().hex[:10]}"
    dsn = pg_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    engine = make_engine(f"{pg_url}?options=-csearch_path%3D{schema}")
    try:
        run_migrations(engine)
        yield engine
    finally:
        engine.dispose()
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def _captured_event_ids(receiver: Receiver) -> list[str]:
    return [r.headers["x-greentech-event-id"] for r in receiver.captured]


def test_a_pass_sends_many_deliveries_in_recorded_order_per_subscription(both_engines):
    """One pass claims the batch at once; each subscription gets its events in the order they were recorded."""
    settings = WebhookSettings(webhook_batch=100, webhook_concurrency=2, **LOOPBACK_OK)
    with Receiver() as first, Receiver() as second:
        first.secret = _subscribe(both_engines, first.url)[1]
        second.secret = _subscribe(both_engines, second.url)[1]
        events = [_enqueue(both_engines) for _ in range(30)]
        worker = DeliveryWorker(both_engines, settings)
        assert worker.run_once() == 60  # both subscriptions, every event, in one pass
        worker.stop()
        assert _captured_event_ids(first) == events and first.rejected == []
        assert _captured_event_ids(second) == events and second.rejected == []
    with Session(both_engines) as s:
        assert {d.status for d in s.exec(WebhookDelivery.__table__.select()).all()} == {"delivered"}


def test_a_failing_receiver_costs_one_attempt_per_pass_and_keeps_its_queue(both_engines):
    settings = WebhookSettings(webhook_backoff_seconds=60, webhook_max_attempts=5, **LOOPBACK_OK)
    with Receiver(fail_first=1) as receiver:
        _subscribe(both_engines, receiver.url)
        events = [_enqueue(both_engines) for _ in range(5)]
        worker = DeliveryWorker(both_engines, settings)
        assert worker.run_once() == 1  # the first fails (500): the other four wait, unsent
        assert worker.run_once() == 4  # the next pass sends them; the failed one waits for its backoff
        worker.stop()
        assert _captured_event_ids(receiver) == events
    with Session(both_engines) as s:
        rows = {d.event_id: d for d in s.exec(WebhookDelivery.__table__.select()).all()}
    assert rows[events[0]].status == "pending" and rows[events[0]].attempts == 1
    assert all(rows[e].status == "delivered" and rows[e].attempts == 1 for e in events[1:])


def test_two_workers_claiming_at_once_never_send_an_attempt_twice(both_engines):
    settings = WebhookSettings(webhook_batch=7, webhook_concurrency=2, **LOOPBACK_OK)
    with Receiver() as receiver:
        _subscribe(both_engines, receiver.url)
        events = [_enqueue(both_engines) for _ in range(40)]
        workers = [DeliveryWorker(both_engines, settings) for _ in range(2)]
        for _ in range(20):
            results = []
            threads = [threading.Thread(target=lambda w=w: results.append(w.run_once())) for w in workers]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            if not any(results):
                break
        for w in workers:
            w.stop()
        sent = _captured_event_ids(receiver)
    assert sorted(sent) == sorted(events) and len(sent) == len(set(sent))
