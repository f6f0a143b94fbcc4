"""Planner statistics after bulk writes.

Right after a large import neither planner knows the table's size or value distribution (PostgreSQL's autovacuum
may be off or minutes behind; SQLite never analyzes on its own), and the `q` lists pick a full scan plus sort.
Refreshing after every batch would cost more than the batch on PostgreSQL (ANALYZE of a 100k-row table takes
1-2 s here), so it runs once the rows written since the last refresh reach the table's size at that refresh
(at least MIN_ROWS): about log2(n) refreshes while a table grows to n rows.
"""
from __future__ import annotations

import threading
from collections import Counter

from services.registry.db import Database
from services.registry.listings import repository
from services.registry.listings.kinds import ListingKind

MIN_ROWS = 1000


def refresh(database: Database, kind: ListingKind) -> int:
    """ANALYZE the kind's table and the screening history now; returns the table's row count."""
    with database.write() as session:
        repository.refresh_statistics(session, kind)
        return repository.count(session, kind)


class StatisticsRefresher:
    """Counts rows written by bulk upserts per listing kind and refreshes statistics when they are due."""

    def __init__(self, min_rows: int = MIN_ROWS) -> None:
        self.min_rows = min_rows
        self._written: Counter[str] = Counter()
        self._rows_at_refresh: dict[str, int] = {}
        self._lock = threading.Lock()

    def record(self, database: Database, kind: ListingKind, written: int) -> bool:
        """Note `written` new or changed rows; returns True if statistics were refreshed now."""
        name = kind.plural
        with self._lock:
            self._written[name] += written
            if self._written[name] < max(self.min_rows, self._rows_at_refresh.get(name, 0)):
                return False
            self._written[name] = 0
        self._rows_at_refresh[name] = refresh(database, kind)
        return True
