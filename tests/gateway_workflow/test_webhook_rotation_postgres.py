"""The rotation migration on SQLite and PostgreSQL: applies on top of the workflow branch, round-trips the
replaced secret and its UTC expiry, and downgrades cleanly."""
from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.engine import Engine
from sqlmodel import Session

from services.gateway.auth.deps import Principal
from services.gateway.auth.roles import Role
from services.gateway.db import alembic_config, make_engine, run_migrations
from services.gateway.webhooks import rotation, service
from services.gateway.webhooks.config import WebhookSettings
from services.gateway.webhooks.models import WebhookSubscription
from services.gateway.webhooks.schemas import EventType, SecretRotation, SubscriptionCreate

BROKER = Principal(key_id="key_broker", role=Role.broker, org_id="org_broker", name="经纪人")
NEW_COLUMNS = {"previous_secret", "previous_secret_expires_at"}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'gw.db'}")
        yield engine
        engine.dispose()
        return
    pg_url = request.getfixturevalue("pg_url")
    schema = f"gw_rot_{uuid.uuid4().hex[:10]}"
    dsn = pg_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    engine = make_engine(f"{pg_url}?options=-csearch_path%3D{schema}")
    try:
        yield engine
    finally:
        engine.dispose()
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def _columns(engine: Engine) -> set[str]:
    return {c["name"] for c in sa.inspect(engine).get_columns("webhook_subscription")}


def test_rotation_columns_migrate_round_trip_and_downgrade(engine: Engine) -> None:
    run_migrations(engine)
    assert NEW_COLUMNS <= _columns(engine)
    at = datetime.now(UTC)
    with Session(engine) as s:
        sub = service.create_subscription(s, BROKER, SubscriptionCreate(url="http://93.184.215.14/hook",
                                                                        event_types=[EventType.match_found]),
                                          WebhookSettings(webhook_allow_private_targets=True))
        s.commit()
        first = sub.secret
        rotation.rotate(s, BROKER, sub.id, SecretRotation(expires_in_seconds=3600), at)
        s.commit()
        sub_id = sub.id
    with Session(engine) as s:
        stored = s.get(WebhookSubscription, sub_id)
        assert stored.previous_secret == first
        assert stored.previous_secret_expires_at == at + timedelta(seconds=3600)
        assert stored.previous_secret_expires_at.tzinfo is not None
        assert rotation.signing_secrets(stored, at) == [stored.secret, first]

    command.downgrade(alembic_config(engine), "gw_wf_0001")
    assert not NEW_COLUMNS & _columns(engine)
    run_migrations(engine)
    assert NEW_COLUMNS <= _columns(engine)


def test_concurrent_rotations_apply_one_after_the_other(engine: Engine) -> None:
    """The second rotation waits for the first's row lock and replaces its secret, rather than both replacing
    the original one (then the secret the first caller was shown would never sign anything)."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises writers; the row lock matters on PostgreSQL")
    run_migrations(engine)
    at = datetime.now(UTC)
    with Session(engine) as s:
        sub = service.create_subscription(s, BROKER, SubscriptionCreate(url="http://93.184.215.14/hook",
                                                                        event_types=[EventType.match_found]),
                                          WebhookSettings(webhook_allow_private_targets=True))
        s.commit()
        sub_id = sub.id
    second: dict[str, str | None] = {}

    def rotate_in_another_transaction() -> None:
        with Session(engine) as other:
            result = rotation.rotate(other, BROKER, sub_id, SecretRotation(expires_in_seconds=3600), at)
            other.commit()
            second["previous"] = result.subscription.previous_secret

    with Session(engine) as first:
        first_secret = rotation.rotate(first, BROKER, sub_id, SecretRotation(expires_in_seconds=3600), at).subscription.secret
        racer = threading.Thread(target=rotate_in_another_transaction)
        racer.start()
        racer.join(timeout=2)  # give it the chance to read the row before the first commits (it must wait instead)
        first.commit()
    racer.join(timeout=30)
    assert second["previous"] == first_secret
