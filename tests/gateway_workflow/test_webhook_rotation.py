"""Secret rotation with an overlap window, driven by a settable clock (no sleeping): during the window a
receiver holding only the old secret and one holding only the new one both verify a delivery; after it only
the new one does. Deliveries name their subscription so a receiver with several picks the right secret."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from services.gateway.auth.deps import Principal
from services.gateway.auth.roles import Role
from services.gateway.db import make_engine, run_migrations
from services.gateway.webhooks import rotation, service
from services.gateway.webhooks.config import WebhookSettings
from services.gateway.webhooks.models import WebhookDelivery, WebhookSubscription
from services.gateway.webhooks.schemas import EventType, SecretRotation, SubscriptionCreate
from services.gateway.webhooks.signing import SignatureError, verify_signature
from services.gateway.webhooks.worker import DeliveryWorker
from shared.errors import ProblemError
from tests.gateway_workflow.receiver import Captured, Receiver

BROKER = Principal(key_id="key_broker", role=Role.broker, org_id="org_broker", name="经纪人")
OTHER_ORG = Principal(key_id="key_other", role=Role.broker, org_id="org_other", name="别家经纪人")
SETTINGS = WebhookSettings(webhook_allow_private_targets=True, webhook_max_attempts=1)  # receivers on 127.0.0.1


class SettableClock:
    def __init__(self, start: datetime) -> None:
        self.at = start

    def __call__(self) -> datetime:
        return self.at

    def unix(self) -> int:
        return int(self.at.timestamp())

    def advance(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)


@pytest.fixture()
def engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'gw.db'}")
    run_migrations(engine)
    yield engine
    engine.dispose()


def _subscribe(engine, url: str, principal: Principal = BROKER) -> tuple[str, str]:
    with Session(engine) as s:
        sub = service.create_subscription(s, principal, SubscriptionCreate(url=url, event_types=[EventType.deal_stage_changed]),
                                          SETTINGS)
        s.commit()
        return sub.id, sub.secret


def _rotate(engine, subscription_id: str, seconds: int, at: datetime,
            principal: Principal = BROKER) -> rotation.RotationResult:
    with Session(engine) as s:
        result = rotation.rotate(s, principal, subscription_id, SecretRotation(expires_in_seconds=seconds), at)
        s.commit()
        s.refresh(result.subscription)
        return result


def _deliver_one_event(engine, worker: DeliveryWorker) -> list[WebhookDelivery]:
    with Session(engine) as s:
        event = service.enqueue(s, BROKER.org_id, EventType.deal_stage_changed, {"deal_id": "deal_1", "to_stage": "closed"})
        s.commit()
        event_id = event.id
    worker.run_once()  # one attempt each (max_attempts=1): delivered or failed, never pending
    with Session(engine) as s:
        return list(s.exec(select(WebhookDelivery).where(WebhookDelivery.event_id == event_id)))


def _verifies(secret: str, request: Captured, clock: SettableClock) -> bool:
    try:
        verify_signature(secret, request.signature, request.body, now=clock.unix())
    except SignatureError:
        return False
    return True


def test_old_and_new_secret_both_verify_during_the_window_and_only_the_new_after_it(engine):
    clock = SettableClock(datetime.now(UTC) + timedelta(seconds=1))  # deliveries enqueued now are due
    with Receiver(now=clock.unix) as receiver:
        sub_id, old_secret = _subscribe(engine, receiver.url)
        receiver.secret = old_secret  # this receiver has not been updated yet
        new_secret = _rotate(engine, sub_id, 3600, clock()).subscription.secret
        worker = DeliveryWorker(engine, SETTINGS, clock=clock)

        clock.advance(3599)  # still inside the window
        (during,) = _deliver_one_event(engine, worker)
        first = receiver.captured[-1]
        assert during.status == "delivered"  # the receiver holding only the old secret accepted it
        assert first.signature.count("v1=") == 2
        assert _verifies(old_secret, first, clock) and _verifies(new_secret, first, clock)

        clock.advance(2)  # the window is over
        (after,) = _deliver_one_event(engine, worker)
        second = receiver.captured[-1]
        worker.stop()

    assert new_secret != old_secret
    assert after.status == "failed" and after.last_status_code == 401  # the old-secret receiver now rejects
    assert "does not match" in receiver.rejected[-1]
    assert second.signature.count("v1=") == 1
    assert _verifies(new_secret, second, clock) and not _verifies(old_secret, second, clock)


def test_a_second_rotation_in_the_window_keeps_only_the_secret_it_replaces(engine):
    at = datetime.now(UTC)
    sub_id, first = _subscribe(engine, "http://127.0.0.1:9/hook")
    once = _rotate(engine, sub_id, 3600, at)
    second = once.subscription.secret
    assert once.dropped_older_secret is False
    twice = _rotate(engine, sub_id, 600, at + timedelta(seconds=60))
    third = twice.subscription.secret
    assert twice.dropped_older_secret is True
    assert rotation.signing_secrets(twice.subscription, at + timedelta(seconds=61)) == [third, second]
    assert twice.subscription.previous_secret_expires_at == at + timedelta(seconds=660)
    assert first not in rotation.signing_secrets(twice.subscription, at + timedelta(seconds=61))
    assert rotation.signing_secrets(twice.subscription, at + timedelta(seconds=661)) == [third]


def test_a_zero_window_drops_the_old_secret_at_once(engine):
    at = datetime.now(UTC)
    sub_id, first = _subscribe(engine, "http://127.0.0.1:9/hook")
    result = _rotate(engine, sub_id, 0, at)
    assert result.subscription.secret != first
    assert rotation.signing_secrets(result.subscription, at) == [result.subscription.secret]
    assert result.subscription.previous_secret is None and result.subscription.previous_secret_expires_at is None


def test_another_organizations_subscription_cannot_be_rotated_and_stays_unchanged(engine):
    sub_id, secret = _subscribe(engine, "http://127.0.0.1:9/hook")
    with pytest.raises(ProblemError) as foreign, Session(engine) as s:
        rotation.rotate(s, OTHER_ORG, sub_id, SecretRotation(), datetime.now(UTC))
    with pytest.raises(ProblemError) as missing, Session(engine) as s:
        rotation.rotate(s, OTHER_ORG, "whs_missing", SecretRotation(), datetime.now(UTC))
    assert foreign.value.status == missing.value.status == 404
    assert foreign.value.title == missing.value.title and foreign.value.kind == missing.value.kind
    with Session(engine) as s:
        assert s.get(WebhookSubscription, sub_id).secret == secret


def test_a_receiver_with_several_subscriptions_picks_the_secret_by_the_subscription_header(engine):
    clock = SettableClock(datetime.now(UTC) + timedelta(seconds=1))
    with Receiver(now=clock.unix) as receiver:
        first_id, first_secret = _subscribe(engine, receiver.url)
        second_id, second_secret = _subscribe(engine, receiver.url)
        receiver.secrets_by_subscription = {first_id: first_secret, second_id: second_secret}
        worker = DeliveryWorker(engine, SETTINGS, clock=clock)
        deliveries = _deliver_one_event(engine, worker)
        worker.stop()
    assert sorted(d.status for d in deliveries) == ["delivered", "delivered"]
    assert {c.subscription_id for c in receiver.captured} == {first_id, second_id}
    assert receiver.rejected == []


def test_a_deleted_subscription_is_not_rotated(engine):
    sub_id, secret = _subscribe(engine, "http://127.0.0.1:9/hook")
    with Session(engine) as s:
        sub = s.get(WebhookSubscription, sub_id)
        sub.active = False
        s.add(sub)
        s.commit()
    with pytest.raises(ProblemError) as deleted, Session(engine) as s:
        rotation.rotate(s, BROKER, sub_id, SecretRotation(), datetime.now(UTC))
    assert deleted.value.status == 409
    with Session(engine) as s:
        assert s.get(WebhookSubscription, sub_id).secret == secret
