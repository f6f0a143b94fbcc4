"""Matching's own Prometheus metrics: index sizes, full rebuilds, encoder batch timings, feed lag.

Collectors are process-wide (the feed follower and encoder are threads/objects of the process) and registered
on each app's registry by `register(app)`, so /metrics (shared/app_factory.py) exports them.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from shared.feed_metrics import register_feed_lag

FOLLOWER = "matching"
INDEX_REBUILDS = Counter("matching_index_rebuilds_total", "Full index rebuilds from the feed, completed",
                         registry=None)
ENCODE_SECONDS = Histogram("matching_encode_batch_seconds", "Time to embed one batch of texts (index updates and queries)",
                           buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30), registry=None)
ENCODE_TEXTS = Histogram("matching_encode_batch_texts", "Texts per embedded batch",
                         buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000), registry=None)


class TimedEncoder:
    """Wraps an encoder (services/matching/encoder.py protocol) to time every encode() call; all else passes through."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def encode(self, texts: list[str], **kw: Any) -> np.ndarray:
        ENCODE_TEXTS.observe(len(texts))
        with ENCODE_SECONDS.time():
            return self._inner.encode(texts, **kw)

    def __getattr__(self, name: str) -> Any:
        if name == "_inner":  # not set yet (copy/pickle): avoid recursing
            raise AttributeError(name)
        return getattr(self._inner, name)


class IndexSizes(Collector):
    """Documents, tombstones and feed cursor of the live index, read at scrape time."""

    def __init__(self, index: Callable[[], Any]) -> None:
        self.index = index  # returns the live MatchIndex, or None before it is loaded

    def collect(self) -> Iterator[GaugeMetricFamily]:
        documents = GaugeMetricFamily("matching_index_documents", "Records in the search index", labels=["entity", "dense"])
        tombstones = GaugeMetricFamily("matching_index_tombstones", "Deleted vectors awaiting compaction", labels=["entity"])
        cursor = GaugeMetricFamily("matching_index_feed_seq", "Feed seq the index has applied up to")
        index = self.index()
        if index is not None:
            for entity, c in index.counts().items():
                documents.add_metric([entity, str(c["dense"])], c["indexed"])
                tombstones.add_metric([entity], c["tombstones"])
            cursor.add_metric([], index.cursor)
        yield from (documents, tombstones, cursor)


def register(registry: CollectorRegistry, index: Callable[[], Any]) -> None:
    for collector in (INDEX_REBUILDS, ENCODE_SECONDS, ENCODE_TEXTS, IndexSizes(index)):
        registry.register(collector)
    register_feed_lag(registry)
