"""The lean HTTP/1.1 pool behind ServiceClient (shared/http1.py): same requests, same errors as httpx.

Against a tiny asyncio server on loopback that records what it receives (no mocks of our own code)."""
from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest

from shared.http import ServiceClient


class Upstream:
    """Answers by the request path: /chunked, /eof (no length, closes), /drop (closes without answering),
    /hang (never answers), /fail (503), anything else 200 with what it received."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.connections = 0
        self.server: asyncio.AbstractServer | None = None

    async def start(self) -> str:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode().split("\r\n")
                headers = {k.lower(): v for k, v in (line.split(": ", 1) for line in lines[1:] if ": " in line)}
                body = await reader.readexactly(int(headers.get("content-length", 0)))
                method, target, _ = lines[0].split(" ")
                seen = {"method": method, "target": target, "headers": headers, "body": body.decode()}
                self.requests.append(seen)
                out = json.dumps(seen).encode()
                if target == "/chunked":
                    writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n"
                                 + b"%x\r\n" % len(out) + out + b"\r\n0\r\n\r\n")
                elif target == "/eof":
                    writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\r\n" + out)
                    await writer.drain()
                    writer.close()
                    return
                elif target == "/drop":
                    writer.close()
                    return
                elif target == "/hang":
                    await asyncio.sleep(30)
                else:
                    status = b"503 Service Unavailable" if target == "/fail" else b"200 OK"
                    writer.write(b"HTTP/1.1 " + status + b"\r\ncontent-type: application/json\r\ncontent-length: %d\r\n"
                                 b"etag: \"v1\"\r\n\r\n" % len(out) + out)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            writer.close()

    async def stop(self) -> None:
        assert self.server is not None
        self.server.close()


def run(coro_fn: Any) -> None:
    async def main() -> None:
        upstream = Upstream()
        url = await upstream.start()
        client = ServiceClient(url, "tok", timeout=0.5, backoff=0.001)
        try:
            await coro_fn(upstream, client)
        finally:
            await client.aclose()
            await upstream.stop()
    asyncio.run(main())


def test_requests_carry_what_httpx_sent_and_reuse_one_connection() -> None:
    async def check(upstream: Upstream, client: ServiceClient) -> None:
        assert client._fast is not None  # plain http:// base URL: the lean pool is used
        resp = await client.get("/v1/technologies", params={"status": "published", "limit": 20, "q": "烟气 脱硫", "atomic": False},
                                headers={"X-Actor": "admin:k1"}, request_id="rid-1")
        assert resp.status_code == 200 and resp.headers["ETag"] == '"v1"'
        resp.raise_for_status()  # needs response.request, built on demand
        seen = resp.json()
        assert seen["target"] == "/v1/technologies?status=published&limit=20&q=%E7%83%9F%E6%B0%94%20%E8%84%B1%E7%A1%AB&atomic=false"
        headers = seen["headers"]
        assert headers["x-service-token"] == "tok" and headers["x-actor"] == "admin:k1" and headers["x-request-id"] == "rid-1"
        assert headers["user-agent"].startswith("python-httpx/") and headers["connection"] == "keep-alive"
        assert str(resp.request.url).endswith("/v1/technologies?status=published&limit=20&q=%E7%83%9F%E6%B0%94%20%E8%84%B1%E7%A1%AB&atomic=false")
        resp.raise_for_status()

        posted = (await client.post("/v1/technologies", json={"title": "脱硫", "n": 1.5})).json()
        assert posted["body"] == '{"title":"脱硫","n":1.5}'  # httpx's JSON encoding: compact, UTF-8
        assert posted["headers"]["content-type"] == "application/json"
        assert upstream.connections == 1  # kept alive
        assert (await client.get("/chunked")).json()["target"] == "/chunked"
        assert (await client.get("/eof")).json()["target"] == "/eof"  # body up to the server's close
        assert (await client.get("/after-eof")).status_code == 200 and upstream.connections == 2
    run(check)


def test_same_retry_policy_and_errors_as_httpx() -> None:
    async def check(upstream: Upstream, client: ServiceClient) -> None:
        failed = await client.get("/fail")
        assert failed.status_code == 503
        with pytest.raises(httpx.HTTPStatusError):
            failed.raise_for_status()
        assert len(upstream.requests) == 3  # 503 on a GET: retried twice
        upstream.requests.clear()
        assert (await client.post("/fail")).status_code == 503 and len(upstream.requests) == 1  # POST: not retried
        upstream.requests.clear()
        with pytest.raises(httpx.RemoteProtocolError):
            await client.get("/drop")
        assert len(upstream.requests) == 3  # a server that hangs up is retried on idempotent calls
        upstream.requests.clear()
        with pytest.raises(httpx.RemoteProtocolError):
            await client.post("/drop")
        assert len(upstream.requests) == 1
        with pytest.raises(httpx.ReadTimeout):  # a TimeoutException: the gateway's 504
            await client.get("/hang")
        assert (await client.get("/ok")).status_code == 200  # the hung connection was not reused
    run(check)


def test_connection_refused_is_connect_error() -> None:
    async def main() -> None:
        upstream = Upstream()
        url = await upstream.start()
        await upstream.stop()
        await asyncio.sleep(0)
        client = ServiceClient(url, "tok", timeout=0.5, backoff=0.001)
        with pytest.raises(httpx.ConnectError):
            await client.get("/v1/taxonomy")
        await client.aclose()
    asyncio.run(main())


def test_unusual_paths_go_through_httpx_unchanged() -> None:
    async def check(upstream: Upstream, client: ServiceClient) -> None:
        # dot segments are normalised by httpx, spaces quoted: the lean pool leaves such paths to it
        assert (await client.get("/v1/a/../b")).json()["target"] == "/v1/b"
        assert (await client.get("/v1/a b")).json()["target"] == "/v1/a%20b"
        assert (await client.get("/v1/x", params=[("a", "1"), ("a", "2")])).json()["target"] == "/v1/x?a=1&a=2"
    run(check)


def test_plain_path_check_is_linear_and_strict() -> None:
    from shared.http1 import is_plain_path

    assert is_plain_path("/v1/technologies/tec_01hx3k9q2m") and is_plain_path("/v1/technologies")
    assert not is_plain_path("/v1/a/../b") and not is_plain_path("/v1/./b") and not is_plain_path("/v1/a b")
    assert not is_plain_path("/v1/x?y=1") and not is_plain_path("http://other/v1") and not is_plain_path("/v1/%2e%2e")
    assert not is_plain_path("/" + "a" * 100_000 + "!")  # one character class: no backtracking blow-up


def test_a_client_survives_a_new_event_loop() -> None:
    """TestClient-style use: one client on one event loop after another (the upstream runs in its own thread)."""
    import threading

    server_loop = asyncio.new_event_loop()
    upstream = Upstream()
    url = server_loop.run_until_complete(upstream.start())
    thread = threading.Thread(target=server_loop.run_forever, daemon=True)
    thread.start()
    client = ServiceClient(url, "tok", timeout=2.0, backoff=0.001)
    try:
        async def call() -> int:
            return (await client.get("/ok")).status_code

        assert asyncio.run(call()) == 200
        assert asyncio.run(call()) == 200  # the first loop's pooled connection is dropped, not reused
        assert upstream.connections == 2
    finally:
        asyncio.run(client.aclose())
        server_loop.call_soon_threadsafe(server_loop.stop)
        thread.join(5)
