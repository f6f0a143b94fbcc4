"""A short-lived in-process cache of authenticated principals, keyed by sha256 of the API key.

Without it every request pays a key-row lookup before any work. Only successful authentications are cached;
failures always go to the database. Delegations are not cached (auth/deps.py looks them up for platform keys
on every request): a revoked delegation must stop a platform's writes at once on every replica.

Revocation bound: the gateway process that handles a key's revoke drops the entry at once; other gateway
replicas keep accepting the revoked key for at most `ttl` seconds (GATEWAY_KEY_CACHE_SECONDS; off by default,
5 in deploy/k8s and docker-compose.yml). The key's own `expires_at` is checked on every hit.
"""
from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from services.gateway.auth.deps import Principal


@dataclass(frozen=True)
class _Entry:
    principal: "Principal"
    expires_at: datetime | None  # the key's own expiry
    cached_at: float


class KeyCache:
    def __init__(self, ttl: float = 5.0, *, max_entries: int = 10_000,
                 clock: Callable[[], float] = time.monotonic, utcnow: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self.clock = clock  # injectable: tests step past the TTL without sleeping
        self.utcnow = utcnow
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()

    @staticmethod
    def digest(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    def get(self, key: str) -> "Principal | None":
        if self.ttl <= 0:
            return None
        digest = self.digest(key)
        entry = self._entries.get(digest)
        if entry is None:
            return None
        if self.clock() - entry.cached_at >= self.ttl or (entry.expires_at is not None and entry.expires_at <= self.utcnow()):
            self._entries.pop(digest, None)
            return None
        return entry.principal

    def put(self, key: str, principal: "Principal", expires_at: datetime | None) -> None:
        if self.ttl <= 0:
            return
        with self._lock:
            if len(self._entries) >= self.max_entries:  # drop the oldest insertions (dicts keep insertion order)
                for digest in list(self._entries)[: max(1, self.max_entries // 10)]:
                    self._entries.pop(digest, None)
            self._entries[self.digest(key)] = _Entry(principal, expires_at, self.clock())

    def invalidate_key(self, key_id: str) -> None:
        with self._lock:
            for digest in [d for d, e in self._entries.items() if e.principal.key_id == key_id]:
                self._entries.pop(digest, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
