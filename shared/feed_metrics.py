"""How far each change-feed follower is behind the registry, computed when Prometheus scrapes.

A follower calls `FEED_LAG.record(name, head_seq=, cursor=)` after each successful poll (one line in its loop).
Exported per follower:
- greentech_feed_lag_events: events between the follower's cursor and the feed head at its last poll;
- greentech_feed_lag_seconds: 0 while caught up, else seconds since it last was (grows even if polls stop);
- greentech_feed_last_poll_age_seconds: seconds since its last successful poll (a stalled follower shows here).
The state is per process (followers are threads of the service process); register the collector on a
service's metrics registry with `register_feed_lag(registry)`.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector


@dataclass
class _FollowerState:
    head_seq: int
    cursor: int
    last_poll: float
    caught_up_at: float


class FeedLag(Collector):
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._states: dict[str, _FollowerState] = {}
        self._lock = threading.Lock()

    def record(self, follower: str, *, head_seq: int, cursor: int) -> None:
        now = self.clock()
        with self._lock:
            state = self._states.get(follower)
            caught_up_at = now if cursor >= head_seq or state is None else state.caught_up_at
            self._states[follower] = _FollowerState(head_seq, cursor, now, caught_up_at)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        now = self.clock()
        events = GaugeMetricFamily("greentech_feed_lag_events", "Feed events the follower has not applied yet",
                                   labels=["follower"])
        seconds = GaugeMetricFamily("greentech_feed_lag_seconds",
                                    "0 while caught up with the feed head, else seconds since it last was",
                                    labels=["follower"])
        poll_age = GaugeMetricFamily("greentech_feed_last_poll_age_seconds",
                                     "Seconds since the follower's last successful feed poll", labels=["follower"])
        with self._lock:
            states = dict(self._states)
        for name, s in sorted(states.items()):
            behind = max(s.head_seq - s.cursor, 0)
            events.add_metric([name], behind)
            seconds.add_metric([name], 0.0 if behind == 0 else now - s.caught_up_at)
            poll_age.add_metric([name], now - s.last_poll)
        yield from (events, seconds, poll_age)


FEED_LAG = FeedLag()


def register_feed_lag(registry: CollectorRegistry) -> None:
    registry.register(FEED_LAG)
