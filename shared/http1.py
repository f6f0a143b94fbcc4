"""A lean keep-alive HTTP/1.1 client on asyncio + httptools, for the gateway's hot path to the registry.

Why: profiling a proxied read showed `httpx.AsyncClient` (URL merging, cookie jar, auth and redirect layers,
header models) plus httpcore over anyio and the pure-Python h11 parser to be well over half of the gateway's CPU
per request. This client does only what a service-to-service call needs: one pooled connection per request,
the request written in one `transport.write`, the response parsed by httptools (llhttp, C; installed with
uvicorn[standard]), and an `httpx.Response` handed back, so callers and their error handling do not change.

Kept from httpx on purpose, so `shared.http.ServiceClient` behaves as before:
- errors are httpx's exception types: ConnectError / ConnectTimeout / ReadTimeout / PoolTimeout /
  RemoteProtocolError / ReadError / LocalProtocolError (the retry policy and the gateway's 503/504 mapping key on them);
- timeouts: connect, then read (no byte from the server for `read` seconds), pool (waiting for a free connection);
- the same request headers (Host, Accept, Accept-Encoding, Connection, User-Agent, Content-Length,
  Content-Type for JSON), the same JSON encoding and query-parameter coercion (True -> "true", None dropped by
  callers); responses are decoded (Content-Encoding) by httpx.Response itself;
- limits: at most 100 connections, 20 kept alive, idle ones dropped after 5 s (httpx's defaults).

Anything this client does not cover (another scheme, an absolute URL, a path with dot segments or characters
that need quoting, params that are not a flat dict, a body other than JSON, HEAD) is sent by httpx instead
(`supports()`), so no request changes meaning.
"""
from __future__ import annotations

import asyncio
import json as jsonlib
import re
from collections import deque
from typing import Any
from urllib.parse import quote, urlsplit

import httptools
import httpx
from httpx._client import ACCEPT_ENCODING, USER_AGENT

MAX_CONNECTIONS = 100
MAX_KEEPALIVE = 20
KEEPALIVE_EXPIRY = 5.0
FAST_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# A request path this client sends as it is: unreserved characters only (nothing to quote) and no segment
# starting with a dot (so no "." / ".." segments for httpx to normalise). One character class, no nested
# repetition: linear on any input (paths can carry caller-supplied ids).
_PLAIN_PATH = re.compile(r"/[A-Za-z0-9_.~/\-]*\Z")


def is_plain_path(path: str) -> bool:
    return _PLAIN_PATH.match(path) is not None and "/." not in path
_BAD_HEADER = re.compile(r"[\r\n\x00]")


def _param_str(value: Any) -> str:
    """httpx's primitive_value_to_str: JSON-style booleans, None as an empty string."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return ""
    return str(value)


def encode_query(params: dict[str, Any]) -> str:
    parts = []
    for key, value in params.items():
        k = quote(str(key), safe="")
        for item in value if isinstance(value, (list, tuple)) else (value,):
            parts.append(f"{k}={quote(_param_str(item), safe='')}")
    return "&".join(parts)


class LazyRequestResponse(httpx.Response):
    """An httpx.Response whose `request` (only needed for raise_for_status, .url and error messages) is built
    when first asked for rather than on every call."""

    _lazy_request: tuple[str, str, dict[str, str]] | None = None

    @property  # type: ignore[override]
    def request(self) -> httpx.Request:
        if self._request is None and self._lazy_request is not None:
            method, url, headers = self._lazy_request
            self._request = httpx.Request(method, url, headers=headers)
        if self._request is None:
            raise RuntimeError("The request instance has not been set on this response.")
        return self._request

    @request.setter
    def request(self, value: httpx.Request) -> None:
        self._request = value

    def raise_for_status(self) -> httpx.Response:
        self.request  # noqa: B018 - httpx reads self._request directly here
        return super().raise_for_status()


class _Connection(asyncio.Protocol):
    """One HTTP/1.1 connection; the parser callbacks collect one response at a time."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.closed = False
        self.idle_since = 0.0
        self._reset()

    def _reset(self) -> None:
        self.waiter: asyncio.Future[None] | None = None
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.body: list[bytes] = []
        self.received = False  # any byte of the current response
        self.headers_done = False
        self.until_eof = False  # no Content-Length, not chunked: the body ends when the server closes
        self.complete = False
        self.last_activity = 0.0

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        if self.waiter is None or self.complete:  # bytes nobody asked for: this connection cannot be trusted
            self.closed = True
            if self.transport is not None:
                self.transport.close()
            return
        self.received = True
        self.last_activity = self.loop.time()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(httpx.RemoteProtocolError(f"Invalid HTTP response: {exc}"))

    def eof_received(self) -> bool:
        return False  # close the transport; connection_lost finishes or fails the response

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.waiter is None or self.waiter.done():
            return
        if self.until_eof and self.headers_done:
            self.complete = True
            self.waiter.set_result(None)
        elif exc is not None and not isinstance(exc, httpx.HTTPError):
            self._fail(httpx.ReadError(str(exc) or type(exc).__name__))
        elif not self.received:
            self._fail(httpx.RemoteProtocolError("Server disconnected without sending a response."))
        else:
            self._fail(httpx.RemoteProtocolError("peer closed connection without sending complete message body"))

    # httptools callbacks
    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        self.status = self.parser.get_status_code()
        self.headers_done = True
        if self.status >= 200 and self.status not in (204, 304):
            names = {n.lower() for n, _ in self.headers}
            self.until_eof = b"content-length" not in names and b"transfer-encoding" not in names

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        if self.status < 200:  # an interim 1xx answer: the real one follows
            self.headers, self.body, self.headers_done = [], [], False
            return
        self.complete = True
        if not self.parser.should_keep_alive():
            self.closed = True
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)

    def _fail(self, exc: Exception) -> None:
        self.closed = True
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(exc)
        if self.transport is not None:
            self.transport.close()

    async def roundtrip(self, data: bytes, read_timeout: float) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        """Send one request, wait for its whole response (ReadTimeout after `read_timeout` s without a byte)."""
        self._reset()
        waiter = self.waiter = self.loop.create_future()
        self.last_activity = self.loop.time()
        timer = self.loop.call_at(self.last_activity + read_timeout, self._check_timeout, read_timeout)
        try:
            self.transport.write(data)  # type: ignore[union-attr]
            await waiter
        finally:
            timer.cancel()
            self.waiter = None
        return self.status, self.headers, b"".join(self.body)

    def _check_timeout(self, read_timeout: float) -> None:
        waiter = self.waiter
        if waiter is None or waiter.done():
            return
        due = self.last_activity + read_timeout
        if self.loop.time() >= due:
            self._fail(httpx.ReadTimeout("timed out"))
        else:  # bytes came in meanwhile: wait for the rest of the quiet period
            self.loop.call_at(due, self._check_timeout, read_timeout)


class Http1Pool:
    """Keep-alive connections to one origin (http://host:port), for one event loop at a time."""

    def __init__(self, base_url: str, headers: dict[str, str], timeout: httpx.Timeout) -> None:
        parts = urlsplit(base_url)
        self.scheme = parts.scheme
        self.host = parts.hostname or ""
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.base_path = parts.path.rstrip("/")
        self.base_url = base_url.rstrip("/")
        self.usable = parts.scheme == "http" and bool(self.host) and not parts.query and is_plain_path(self.base_path + "/")
        host_header = self.host if parts.port is None else f"{self.host}:{parts.port}"
        if ":" in self.host:  # IPv6 literal
            host_header = f"[{self.host}]" if parts.port is None else f"[{self.host}]:{parts.port}"
        self.default_headers: dict[str, str] = {
            "Host": host_header, "Accept": "*/*", "Accept-Encoding": ACCEPT_ENCODING, "Connection": "keep-alive",
            "User-Agent": USER_AGENT, **headers,
        }
        self.connect_timeout = timeout.connect if timeout.connect is not None else None
        self.read_timeout = timeout.read if timeout.read is not None else 1e9
        self.pool_timeout = timeout.pool
        self._idle: deque[_Connection] = deque()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._slots: asyncio.Semaphore | None = None

    def supports(self, method: str, url: str, kwargs: dict[str, Any]) -> bool:
        if not self.usable or method not in FAST_METHODS or not is_plain_path(url):
            return False
        for name, value in kwargs.items():
            if name == "params":
                if value is not None and not isinstance(value, dict):
                    return False
            elif name not in ("json", "headers"):
                return False
        return True

    def _bind_loop(self) -> asyncio.AbstractEventLoop:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # a new event loop (e.g. a test client's): connections of the old one are unusable
            self._drop_idle()
            self._loop = loop
            self._slots = asyncio.Semaphore(MAX_CONNECTIONS)
        return loop

    def _drop_idle(self) -> None:
        while self._idle:
            conn = self._idle.popleft()
            try:
                if conn.transport is not None:
                    conn.transport.close()
            except RuntimeError:  # its loop is closed already
                pass

    def build(self, method: str, url: str, headers: httpx.Headers | dict[str, str] | None, params: dict[str, Any] | None,
              json: Any) -> tuple[bytes, str, dict[str, str]]:
        """The request bytes, its URL and headers (for response.request, built only when asked for)."""
        target = self.base_path + url
        if params:
            target = f"{target}?{encode_query(params)}"
        merged = dict(self.default_headers)
        lower = {k.lower(): k for k in merged}
        if headers:
            for name, value in headers.items():
                existing = lower.get(name.lower())
                if existing is not None:
                    del merged[existing]
                merged[name] = value
                lower[name.lower()] = name
        body = b""
        if json is not None:
            body = jsonlib.dumps(json, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")
            if "content-type" not in lower:
                merged["Content-Type"] = "application/json"
        if body or method in ("POST", "PUT", "PATCH"):
            merged["Content-Length"] = str(len(body))
        lines = [f"{method} {target} HTTP/1.1"]
        for name, value in merged.items():
            if _BAD_HEADER.search(name) or _BAD_HEADER.search(value):
                raise httpx.LocalProtocolError(f"Illegal header value {value!r}")
            lines.append(f"{name}: {value}")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("ascii")  # httpx encodes header values as ASCII too
        return head + body, f"{self.scheme}://{merged['Host']}{target}", merged

    async def request(self, method: str, url: str, *, headers: httpx.Headers | dict[str, str] | None = None,
                      params: dict[str, Any] | None = None, json: Any = None) -> httpx.Response:
        loop = self._bind_loop()
        data, full_url, sent_headers = self.build(method, url, headers, params, json)
        slots = self._slots
        assert slots is not None
        if slots.locked():
            try:
                await asyncio.wait_for(slots.acquire(), self.pool_timeout)
            except TimeoutError:
                raise httpx.PoolTimeout("Timed out waiting for a free connection.") from None
        else:
            await slots.acquire()
        try:
            conn = await self._connection(loop)
            try:
                status, raw_headers, body = await conn.roundtrip(data, self.read_timeout)
            except BaseException:
                conn.closed = True
                if conn.transport is not None:
                    conn.transport.close()
                raise
            self._release(conn, loop)
        finally:
            slots.release()
        resp = LazyRequestResponse(status, headers=raw_headers, content=body)
        resp._lazy_request = (method, full_url, sent_headers)
        return resp

    async def _connection(self, loop: asyncio.AbstractEventLoop) -> _Connection:
        now = loop.time()
        while self._idle:
            conn = self._idle.pop()  # most recently used first: the one least likely to have been closed
            if not conn.closed and now - conn.idle_since < KEEPALIVE_EXPIRY and not conn.transport.is_closing():  # type: ignore[union-attr]
                return conn
            if conn.transport is not None:
                conn.transport.close()
        try:
            if self.connect_timeout is None:
                _transport, conn = await loop.create_connection(lambda: _Connection(loop), self.host, self.port)
            else:
                async with asyncio.timeout(self.connect_timeout):
                    _transport, conn = await loop.create_connection(lambda: _Connection(loop), self.host, self.port)
        except TimeoutError:
            raise httpx.ConnectTimeout("timed out") from None
        except OSError as exc:
            raise httpx.ConnectError(str(exc)) from None
        return conn

    def _release(self, conn: _Connection, loop: asyncio.AbstractEventLoop) -> None:
        if conn.closed or not conn.complete:
            if conn.transport is not None:
                conn.transport.close()
            return
        conn.idle_since = loop.time()
        self._idle.append(conn)
        while len(self._idle) > MAX_KEEPALIVE:
            old = self._idle.popleft()
            if old.transport is not None:
                old.transport.close()

    async def aclose(self) -> None:
        self._drop_idle()
