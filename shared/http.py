"""HTTP client for service-to-service calls: timeouts, bounded retries on idempotent calls, service token.

Retries only where repeating cannot double-apply: GET/HEAD/PUT/DELETE/OPTIONS, and POST carrying an
`Idempotency-Key`. Retried on connection errors and 502/503/504, with jittered exponential backoff.
"""
from __future__ import annotations

import asyncio
import random
import time
from typing import Any

import httpx

from shared.http1 import Http1Pool

SERVICE_TOKEN_HEADER = "X-Service-Token"
REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID_LOWER = REQUEST_ID_HEADER.lower()
IDEMPOTENT_METHODS = {"GET", "HEAD", "PUT", "DELETE", "OPTIONS"}
RETRY_STATUSES = {502, 503, 504}
RETRY_EXCEPTIONS = (httpx.ConnectError, httpx.ConnectTimeout, httpx.RemoteProtocolError, httpx.ReadError)


def _may_retry(method: str, headers: httpx.Headers) -> bool:
    return method.upper() in IDEMPOTENT_METHODS or "idempotency-key" in headers


def _retry_delay(retry: bool, attempt: int, retries: int, backoff: float, resp: httpx.Response | None) -> float | None:
    """Seconds to wait before the next attempt, or None to stop (return `resp` / re-raise the error).

    `resp` is None when the attempt raised one of RETRY_EXCEPTIONS. Shared by the async and sync clients so
    both follow one policy."""
    if not retry or attempt >= retries or (resp is not None and resp.status_code not in RETRY_STATUSES):
        return None
    return backoff * (2**attempt) * (0.5 + random.random() / 2)


class ServiceClient:
    """Async client for calling another service. One instance per target service, shared by requests."""

    def __init__(
        self,
        base_url: str,
        service_token: str,
        *,
        timeout: float = 5.0,
        retries: int = 2,
        backoff: float = 0.1,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.retries = retries
        self.backoff = backoff
        timeouts = httpx.Timeout(timeout, connect=min(timeout, 2.0))
        self._client = httpx.AsyncClient(
            base_url=base_url,
            timeout=timeouts,
            headers={SERVICE_TOKEN_HEADER: service_token},
            transport=transport,
        )
        # The hot path (shared/http1.py): plain http:// calls with a path, flat params and/or a JSON body go over
        # a lean keep-alive HTTP/1.1 pool; everything else, and any injected transport (tests), through httpx.
        pool = Http1Pool(base_url, {SERVICE_TOKEN_HEADER: service_token}, timeouts) if transport is None else None
        self._fast = pool if pool is not None and pool.usable else None

    async def request(self, method: str, url: str, *, request_id: str | None = None, **kw: Any) -> httpx.Response:
        raw_headers = kw.pop("headers", None)
        fast = self._fast
        if fast is not None and isinstance(raw_headers, dict | None) and fast.supports(method, url, kw):
            headers: Any = {k: v for k, v in (raw_headers or {}).items() if not (request_id and k.lower() == _REQUEST_ID_LOWER)}
            if request_id:
                headers[REQUEST_ID_HEADER] = request_id
            retry = method in IDEMPOTENT_METHODS or any(k.lower() == "idempotency-key" for k in headers)
            send = fast.request
        else:
            headers = httpx.Headers(raw_headers or {})
            if request_id:
                headers[REQUEST_ID_HEADER] = request_id
            retry = _may_retry(method, headers)
            send = self._client.request
        attempt = 0
        while True:
            try:
                resp = await send(method, url, headers=headers, **kw)
            except RETRY_EXCEPTIONS:
                if (delay := _retry_delay(retry, attempt, self.retries, self.backoff, None)) is None:
                    raise
            else:
                if (delay := _retry_delay(retry, attempt, self.retries, self.backoff, resp)) is None:
                    return resp
            await asyncio.sleep(delay)
            attempt += 1

    async def get(self, url: str, **kw: Any) -> httpx.Response:
        return await self.request("GET", url, **kw)

    async def post(self, url: str, **kw: Any) -> httpx.Response:
        return await self.request("POST", url, **kw)

    async def aclose(self) -> None:
        if self._fast is not None:
            await self._fast.aclose()
        await self._client.aclose()


class SyncServiceClient:
    """Blocking twin of ServiceClient, for CLIs and background threads (e.g. a feed follower)."""

    def __init__(
        self,
        base_url: str,
        service_token: str,
        *,
        timeout: float = 10.0,
        retries: int = 2,
        backoff: float = 0.2,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.retries = retries
        self.backoff = backoff
        self._client = httpx.Client(
            base_url=base_url,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 2.0)),
            headers={SERVICE_TOKEN_HEADER: service_token},
            transport=transport,
        )

    def request(self, method: str, url: str, **kw: Any) -> httpx.Response:
        headers = httpx.Headers(kw.pop("headers", None) or {})
        retry = _may_retry(method, headers)
        attempt = 0
        while True:
            try:
                resp = self._client.request(method, url, headers=headers, **kw)
            except RETRY_EXCEPTIONS:
                if (delay := _retry_delay(retry, attempt, self.retries, self.backoff, None)) is None:
                    raise
            else:
                if (delay := _retry_delay(retry, attempt, self.retries, self.backoff, resp)) is None:
                    return resp
            time.sleep(delay)
            attempt += 1

    def get(self, url: str, **kw: Any) -> httpx.Response:
        return self.request("GET", url, **kw)

    def post(self, url: str, **kw: Any) -> httpx.Response:
        return self.request("POST", url, **kw)

    def close(self) -> None:
        self._client.close()
