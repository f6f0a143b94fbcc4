"""Candidate for the gateway's hot path to the registry/matching over aiohttp (keep-alive pool, C HTTP parser),
measured by bench/upstream_client.py against shared/http1.py. NOT used by the services: it cost ~2x the CPU per
call of the lean pool (docs/benchmarks.md, gateway "Third round", aiohttp), over the 1.35x bar set in issue #13.
Kept here so the comparison can be re-run as either side changes; it is a drop-in for `ServiceClient._fast`.

Written to behave as the lean pool does, so the comparison is like for like:

- an `httpx.Response` is handed back (callers, raise_for_status, problem+json mapping unchanged); the body is
  kept as sent (no aiohttp decompression) and decoded by httpx.Response itself;
- errors are httpx's exception types (the retry policy and the gateway's 503/504 mapping key on them):
  refused/unreachable -> ConnectError, connect or pool wait too long -> ConnectTimeout, no byte for `read`
  seconds -> ReadTimeout, server hung up or sent a bad/incomplete response -> RemoteProtocolError, other socket
  errors -> ReadError, a bad header value -> LocalProtocolError;
- the same request headers (Accept, Accept-Encoding, Connection, User-Agent as httpx sends them, Content-Type
  for JSON), the same compact UTF-8 JSON bytes and query-parameter coercion (True -> "true");
- limits: at most 100 connections, idle ones dropped after 5 s.

Anything else (another scheme, a path with dot segments or characters that need quoting, params that are not a
flat dict, a body other than JSON, HEAD) is sent by httpx instead (`supports()`), so no request changes meaning.
"""
from __future__ import annotations

import asyncio
import json as jsonlib
import re
from typing import Any
from urllib.parse import quote, urlsplit

import aiohttp
import httpx
from httpx._client import ACCEPT_ENCODING, USER_AGENT
from yarl import URL

MAX_CONNECTIONS = 100
KEEPALIVE_EXPIRY = 5.0
FAST_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# A request path sent as it is: unreserved characters only (nothing to quote) and no segment starting with a
# dot (no "." / ".." for httpx to normalise). One character class: linear on any input (paths carry ids).
_PLAIN_PATH = re.compile(r"/[A-Za-z0-9_.~/\-]*\Z")
_BAD_HEADER = re.compile(r"[\r\n\x00]")


def is_plain_path(path: str) -> bool:
    return _PLAIN_PATH.match(path) is not None and "/." not in path


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


def _as_httpx_error(exc: BaseException) -> httpx.HTTPError | None:
    """aiohttp's exception -> the httpx type the retry policy and the gateway's error mapping expect."""
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return httpx.ConnectTimeout("timed out")
    if isinstance(exc, aiohttp.SocketTimeoutError | asyncio.TimeoutError | TimeoutError):
        return httpx.ReadTimeout("timed out")
    if isinstance(exc, aiohttp.ClientConnectorError):
        return httpx.ConnectError(str(exc))
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return httpx.RemoteProtocolError("Server disconnected without sending a response.")
    if isinstance(exc, aiohttp.ClientPayloadError):
        return httpx.RemoteProtocolError(f"peer closed connection without sending complete message body: {exc}")
    if isinstance(exc, aiohttp.ClientResponseError):  # a malformed response
        return httpx.RemoteProtocolError(f"Invalid HTTP response: {exc}")
    if isinstance(exc, aiohttp.ClientOSError | aiohttp.ClientConnectionError | OSError):
        return httpx.ReadError(str(exc) or type(exc).__name__)
    return None


class AioPool:
    """One aiohttp.ClientSession (TCPConnector keep-alive pool) to one origin, for one event loop at a time."""

    def __init__(self, base_url: str, headers: dict[str, str], timeout: httpx.Timeout) -> None:
        parts = urlsplit(base_url)
        self.scheme = parts.scheme
        self.host = parts.hostname or ""
        self.base_path = parts.path.rstrip("/")
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.usable = parts.scheme == "http" and bool(self.host) and not parts.query and is_plain_path(self.base_path + "/")
        self.default_headers: dict[str, str] = {
            "Accept": "*/*", "Accept-Encoding": ACCEPT_ENCODING, "Connection": "keep-alive", "User-Agent": USER_AGENT,
            **headers,
        }
        # connect: waiting for a pooled connection plus opening one (httpx's pool timeout); sock_connect: opening
        # one (httpx's connect timeout); sock_read: no byte from the server for that long (httpx's read timeout).
        self.timeout = aiohttp.ClientTimeout(total=None, connect=timeout.pool, sock_connect=timeout.connect,
                                             sock_read=timeout.read)
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

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

    def _session_for_loop(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self._session is None or loop is not self._loop:  # a new event loop (e.g. a test client's)
            self._drop_session()
            self._loop = loop
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=MAX_CONNECTIONS, keepalive_timeout=KEEPALIVE_EXPIRY),
                timeout=self.timeout, auto_decompress=False, skip_auto_headers=("Content-Type",),
            )
            # aiohttp resends an idempotent request once by itself when a reused connection was closed under it;
            # ServiceClient already retries (and counts attempts), so that would double them (6 sends, not 3).
            # Only a private attribute turns it off.
            self._session._retry_connection = False
        return self._session

    def _drop_session(self) -> None:
        session, self._session = self._session, None
        if session is not None and not session.closed:
            try:  # its loop may be closed already: close the sockets synchronously, nothing to await
                session.connector.close()  # type: ignore[union-attr]
            except RuntimeError:
                pass

    def build(self, method: str, url: str, headers: dict[str, str] | None, params: dict[str, Any] | None,
              json: Any) -> tuple[str, dict[str, str], bytes | None]:
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
        body: bytes | None = None
        if json is not None:
            body = jsonlib.dumps(json, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")
            if "content-type" not in lower:
                merged["Content-Type"] = "application/json"
        elif method in ("POST", "PUT", "PATCH"):
            body = b""
        for name, value in merged.items():
            if _BAD_HEADER.search(name) or _BAD_HEADER.search(value):
                raise httpx.LocalProtocolError(f"Illegal header value {value!r}")
        return target, merged, body

    async def request(self, method: str, url: str, *, headers: dict[str, str] | None = None,
                      params: dict[str, Any] | None = None, json: Any = None) -> httpx.Response:
        session = self._session_for_loop()
        target, sent_headers, body = self.build(method, url, headers, params, json)
        full_url = self.origin + target
        try:
            async with session.request(method, URL(full_url, encoded=True), headers=sent_headers, data=body,
                                       allow_redirects=False) as resp:
                content = await resp.read()
                status, raw_headers = resp.status, resp.raw_headers
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            mapped = _as_httpx_error(exc)
            if mapped is None:
                raise
            raise mapped from exc
        out = LazyRequestResponse(status, headers=list(raw_headers), content=content)
        out._lazy_request = (method, full_url, sent_headers)
        return out

    async def aclose(self) -> None:
        session, self._session = self._session, None
        if session is not None and not session.closed:
            if asyncio.get_running_loop() is self._loop:
                await session.close()
            else:
                self._session = session
                self._drop_session()
