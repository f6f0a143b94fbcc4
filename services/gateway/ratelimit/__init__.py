"""Per-key rate limits with the `limits` library: Redis counters when GATEWAY_REDIS_URL is set (shared by
every gateway replica), in-process otherwise. Over the budget → 429 problem with Retry-After."""
from __future__ import annotations

import logging
import math
import time

from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from services.gateway.ratelimit.in_process import InProcessFixedWindow
from shared.errors import ProblemError

log = logging.getLogger(__name__)
NAMESPACE = "gateway-key"


class KeyRateLimiter:
    def __init__(self, limit: str, redis_url: str | None = None) -> None:
        self.item: RateLimitItem = parse(limit)
        self.backend = "redis" if redis_url else "memory"
        self._limiter: FixedWindowRateLimiter | InProcessFixedWindow = (
            FixedWindowRateLimiter(storage_from_string(redis_url)) if redis_url else InProcessFixedWindow())
        # Used only while Redis is unreachable, so an outage neither blocks every caller nor lifts all limits.
        self._fallback = InProcessFixedWindow()

    def check(self, key_id: str) -> None:
        limiter = self._limiter
        try:
            allowed = limiter.hit(self.item, NAMESPACE, key_id)
        except Exception as exc:  # noqa: BLE001 - any storage failure: degrade to in-process counting
            log.warning("rate-limit storage %s failed (%s); counting in-process", self.backend, exc)
            limiter = self._fallback
            allowed = limiter.hit(self.item, NAMESPACE, key_id)
        if allowed:
            return
        reset_at = limiter.get_window_stats(self.item, NAMESPACE, key_id).reset_time
        retry_after = max(1, math.ceil(reset_at - time.time()))
        raise ProblemError(
            429, "Too many requests",
            f"This API key is limited to {self.item.amount} requests per {self.item.get_expiry()}s; retry after {retry_after}s.",
            kind="rate-limited", headers={"Retry-After": str(retry_after)},
            extra={"limit": str(self.item), "retry_after": retry_after},
        )
