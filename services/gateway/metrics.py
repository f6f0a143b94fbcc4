"""Gateway's own Prometheus metrics: upstream errors by kind, webhook delivery outcomes, interests feed lag.

Process-wide collectors (the webhook worker and feed follower are threads of the process), registered on each
app's registry by `register()` so /metrics (shared/app_factory.py) exports them.
"""
from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

from prometheus_client import CollectorRegistry, Counter

from shared.errors import ProblemError
from shared.feed_metrics import register_feed_lag

FOLLOWER = "gateway"
UPSTREAM_ERRORS = Counter("gateway_upstream_errors_total", "Upstream calls answered with an error, by kind",
                          ["upstream", "kind"], registry=None)
WEBHOOK_DELIVERIES = Counter("gateway_webhook_deliveries_total",
                             "Webhook delivery attempts by outcome (delivered, retry = will try again, failed = gave up)",
                             ["outcome"], registry=None)
FAST_READS = Counter("gateway_fast_reads_total", "GET reads by route template: `answered` by the fast read path, "
                     "`handed_over` to FastAPI's routing (invalid parameter, no key) (services/gateway/public/fast_reads.py)",
                     ["route", "outcome"], registry=None)
# ProblemError.kind raised by services/gateway/upstream.call -> metric label
UPSTREAM_KINDS = {"upstream-timeout": "timeout", "upstream-unavailable": "unavailable", "bad-gateway": "bad_gateway",
                  "upstream": "client_error"}

P = ParamSpec("P")
R = TypeVar("R")


def count_upstream_errors(call: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """Decorates upstream.call: counts the problem it raises (timeout / unavailable / bad_gateway / 4xx passthrough)."""

    @functools.wraps(call)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return await call(*args, **kwargs)
        except ProblemError as exc:
            upstream = str(kwargs.get("service") or "registry")
            UPSTREAM_ERRORS.labels(upstream, UPSTREAM_KINDS.get(exc.kind or "", "other")).inc()
            raise

    return wrapper


def record_webhook_attempt(status: str, error: str | None) -> None:
    """After an attempt: `status` is the delivery's new status, `error` the attempt's error (None = delivered)."""
    WEBHOOK_DELIVERIES.labels("delivered" if error is None else "failed" if status == "failed" else "retry").inc()


def register(registry: CollectorRegistry) -> None:
    for collector in (UPSTREAM_ERRORS, WEBHOOK_DELIVERIES, FAST_READS):
        registry.register(collector)
    register_feed_lag(registry)
