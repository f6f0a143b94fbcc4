"""The service-specific metrics: each hook moves its metric, read back through the app's /metrics."""
from __future__ import annotations

from fastapi.testclient import TestClient
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from services.gateway.auth.roles import Role
from services.matching.indexer import MatchIndex
from services.matching.metrics import ENCODE_SECONDS, TimedEncoder
from services.matching.sync import FeedFollower, IndexHolder
from shared.feed_metrics import FeedLag
from shared.http import SyncServiceClient
from tests.gateway.conftest import auth, issue_key
from tests.observability.conftest import HashingEncoder

import httpx


def samples(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = client.get("/metrics").text
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(client: TestClient, name: str, **labels: str) -> float:
    return samples(client).get((name, tuple(sorted(labels.items()))), 0.0)


def test_feed_lag_in_events_and_seconds_with_an_injected_clock() -> None:
    now = [100.0]
    lag = FeedLag(clock=lambda: now[0])
    registry = CollectorRegistry()
    registry.register(lag)
    lag.record("matching", head_seq=10, cursor=10)  # caught up at t=100
    now[0] = 130.0
    lag.record("matching", head_seq=25, cursor=12)  # behind since then
    now[0] = 160.0
    families = {f.name: f.samples[0].value for f in text_string_to_metric_families(generate_latest(registry).decode())}
    assert families["greentech_feed_lag_events"] == 13
    assert families["greentech_feed_lag_seconds"] == 60.0  # last caught up at t=100
    assert families["greentech_feed_last_poll_age_seconds"] == 30.0
    lag.record("matching", head_seq=25, cursor=25)
    families = {f.name: f.samples[0].value for f in text_string_to_metric_families(generate_latest(registry).decode())}
    assert families["greentech_feed_lag_events"] == 0 and families["greentech_feed_lag_seconds"] == 0


def feed_transport(head_seq: int) -> httpx.MockTransport:
    """A registry feed with nothing new after the cursor, whose head is `head_seq`."""
    def handler(request: httpx.Request) -> httpx.Response:
        after = int(request.url.params["after"])
        return httpx.Response(200, json={"items": [], "last_seq": after, "head_seq": head_seq})
    return httpx.MockTransport(handler)


def test_matching_follower_reports_lag_index_sizes_and_encoder_timings(matching_client: TestClient, tmp_path) -> None:
    follower = FeedFollower(IndexHolder(MatchIndex(TimedEncoder(HashingEncoder()))),
                            SyncServiceClient("http://registry", "t", transport=feed_transport(7)), tmp_path)
    follower.step()
    assert value(matching_client, "greentech_feed_lag_events", follower="matching") == 7
    before = ENCODE_SECONDS._sum.get()  # noqa: SLF001 - the histogram's running sum
    count = value(matching_client, "matching_encode_batch_seconds_count")
    TimedEncoder(HashingEncoder()).encode(["工业废水深度处理", "余热回收"])
    assert value(matching_client, "matching_encode_batch_seconds_count") == count + 1
    assert ENCODE_SECONDS._sum.get() >= before  # noqa: SLF001
    current = samples(matching_client)
    assert ("matching_index_documents", (("dense", "flat"), ("entity", "technology"))) in current
    assert ("matching_index_feed_seq", ()) in current


def test_gateway_counts_upstream_errors_by_kind(gateway_client: TestClient) -> None:
    key = issue_key(gateway_client, Role.broker, "org_metrics")
    before = value(gateway_client, "gateway_upstream_errors_total", upstream="registry", kind="unavailable")
    assert gateway_client.get("/v1/technologies", headers=auth(key)).status_code == 503
    assert value(gateway_client, "gateway_upstream_errors_total", upstream="registry", kind="unavailable") == before + 1


def test_gateway_interests_follower_reports_its_lag(gateway_client: TestClient) -> None:
    from services.gateway.interests.follower import FeedFollower as InterestsFollower

    registry = SyncServiceClient("http://registry", "t", transport=feed_transport(4))
    matching = SyncServiceClient("http://matching", "t", transport=feed_transport(0))
    InterestsFollower(gateway_client.app.state.engine, registry, matching).run_once()
    assert value(gateway_client, "greentech_feed_lag_events", follower="gateway") == 4  # cursor 0: nothing applied yet
    assert ("greentech_feed_lag_seconds", (("follower", "gateway"),)) in samples(gateway_client)


def test_webhook_outcomes_are_counted(gateway_client: TestClient) -> None:
    from services.gateway.metrics import record_webhook_attempt

    base = {o: value(gateway_client, "gateway_webhook_deliveries_total", outcome=o) for o in ("delivered", "retry", "failed")}
    record_webhook_attempt("delivered", None)
    record_webhook_attempt("pending", "HTTP 500: boom")
    record_webhook_attempt("failed", "ConnectError: refused")
    for outcome in base:
        assert value(gateway_client, "gateway_webhook_deliveries_total", outcome=outcome) == base[outcome] + 1
