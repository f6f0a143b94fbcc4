"""Follow the registry change feed (`GET /v1/changes?after=`) in a background thread.

Each page is applied idempotently (MatchIndex.apply), then the snapshot - index, store and cursor together -
is saved atomically (at most every `snapshot_min_interval` seconds while changes keep coming, and whenever
the feed goes idle). A crash before a snapshot replays the same pages on restart, which changes nothing
twice; nothing is lost because the cursor never runs ahead of the saved index.

`catch_up(index, client)` is the same loop run to the feed head once (full rebuild: start from an empty index).
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from services.matching import snapshot
from services.matching.faults import AFTER_APPLY, crash_point
from services.matching.indexer import MatchIndex
from services.matching.metrics import FOLLOWER, INDEX_REBUILDS
from shared.feed_metrics import FEED_LAG
from shared.http import SyncServiceClient
from shared.schemas import ChangesPage

log = logging.getLogger(__name__)


def fetch_page(client: SyncServiceClient, after: int, limit: int) -> ChangesPage:
    resp = client.get("/v1/changes", params={"after": after, "limit": limit})
    resp.raise_for_status()
    return ChangesPage.model_validate(resp.json())


def catch_up(index: MatchIndex, client: SyncServiceClient, *, page_size: int = 200,
             on_page: Callable[[ChangesPage], None] | None = None) -> int:
    """Apply pages until the feed head; returns the head seq."""
    while True:
        page = fetch_page(client, index.cursor, page_size)
        if page.items or page.last_seq > index.cursor:
            index.apply(page.items, page.last_seq)
        if on_page:
            on_page(page)
        if not page.items:
            return page.head_seq


class IndexHolder:
    """The live MatchIndex; a full rebuild builds a new one and swaps it in (readers keep the old meanwhile)."""

    def __init__(self, index: MatchIndex) -> None:
        self.index = index


class FeedFollower:
    def __init__(self, holder: IndexHolder, client: SyncServiceClient, data_dir: Path, *, poll_interval: float = 1.0,
                 page_size: int = 200, snapshot_min_interval: float = 2.0, crash_at: str | None = None) -> None:
        self.holder = holder
        self.client = client
        self.data_dir = data_dir
        self.poll_interval = poll_interval
        self.page_size = page_size
        self.snapshot_min_interval = snapshot_min_interval
        self.crash_at = crash_at
        self.head_seq: int | None = None
        self.last_error: str | None = None
        self.rebuilding = False
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._rebuild_requested = threading.Event()
        self._thread: threading.Thread | None = None
        self._unsaved = False
        self._last_save = 0.0

    # ------------------------------------------------------------------ control
    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="feed-follower", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout)
        if self._unsaved:
            self._save()

    def poke(self) -> None:
        """Poll now (a query is waiting for a feed position)."""
        self._wake.set()

    def request_rebuild(self) -> bool:
        if self.rebuilding or self._rebuild_requested.is_set():
            return False
        self._rebuild_requested.set()
        self._wake.set()
        return True

    @property
    def rebuild_pending(self) -> bool:
        return self.rebuilding or self._rebuild_requested.is_set()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # ------------------------------------------------------------------ loop
    def _run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            try:
                if self._rebuild_requested.is_set():
                    self._rebuild()
                progressed = self.step()
                failures = 0
                self.last_error = None
            except Exception as exc:  # noqa: BLE001 - the follower must survive registry outages
                failures += 1
                self.last_error = f"{type(exc).__name__}: {exc}"[:300]
                log.warning("feed poll failed (%s); retrying", self.last_error)
                progressed = False
            if not progressed:
                self._wake.wait(self.poll_interval * min(2**failures, 30) if failures else self.poll_interval)
                self._wake.clear()

    def step(self) -> bool:
        """Fetch and apply one page. True if there may be more to read right away."""
        index = self.holder.index
        page = fetch_page(self.client, index.cursor, self.page_size)
        self.head_seq = page.head_seq
        if page.items or page.last_seq > index.cursor:
            index.apply(page.items, page.last_seq)
            self._unsaved = True
            crash_point(AFTER_APPLY, self.crash_at)
        FEED_LAG.record(FOLLOWER, head_seq=page.head_seq, cursor=index.cursor)  # metrics
        idle = not page.items
        if self._unsaved and (idle or time.monotonic() - self._last_save >= self.snapshot_min_interval):
            self._save()
        return not idle

    def _save(self) -> None:
        snapshot.save(self.holder.index, self.data_dir, crash_at=self.crash_at)
        self._unsaved = False
        self._last_save = time.monotonic()

    def _rebuild(self) -> None:
        self.rebuilding = True
        try:
            old = self.holder.index
            fresh = old.empty_copy()
            self.head_seq = catch_up(fresh, self.client, page_size=self.page_size)
            self.holder.index = fresh
            self._save()
            log.info("full rebuild done at seq %s", fresh.cursor)
            INDEX_REBUILDS.inc()
        finally:
            self._rebuild_requested.clear()
            self.rebuilding = False
