"""The kernel pieces every service relies on: problem+json, pagination cursors, normalisation, app factory."""
import asyncio

import httpx
import pytest
from fastapi import Depends
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field, ValidationError

from shared import schemas, taxonomy
from shared.app_factory import create_service_app, require_service_token
from shared.errors import ProblemError
from shared.http import ServiceClient, SyncServiceClient
from shared.pagination import decode_cursor, encode_cursor
from shared.text import cjk_ratio, normalize


class Body(BaseModel):
    title: str = Field(max_length=5)
    n: int


def _app():
    app = create_service_app("t", readiness={"db": lambda: None})

    @app.post("/v1/things", dependencies=[Depends(require_service_token("tok"))])
    def things(body: Body) -> dict:
        return body.model_dump()

    @app.get("/v1/boom")
    def boom() -> None:
        raise RuntimeError("x")

    @app.get("/v1/gone")
    def gone() -> None:
        raise ProblemError(410, "Gone", "It was withdrawn.", kind="gone")

    return app


def test_validation_errors_are_problem_json_naming_fields() -> None:
    c = TestClient(_app(), raise_server_exceptions=False)
    r = c.post("/v1/things", json={"title": "toolongtitle", "n": "x"}, headers={"X-Service-Token": "tok"})
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    fields = {e["field"] for e in r.json()["errors"]}
    assert fields == {"body.title", "body.n"}
    assert r.headers["X-Request-ID"]


def test_service_token_required_and_errors_shaped() -> None:
    c = TestClient(_app(), raise_server_exceptions=False)
    assert c.post("/v1/things", json={"title": "a", "n": 1}).status_code == 401
    r = c.get("/v1/boom")
    assert r.status_code == 500 and r.json()["title"] == "Internal error"
    r = c.get("/v1/gone")
    assert r.status_code == 410 and r.json()["type"].endswith("/gone")
    assert c.get("/nope").headers["content-type"].startswith("application/problem+json")
    assert c.get("/readyz").json()["status"] == "ok"
    assert "http_requests_total" in c.get("/metrics").text


def test_cursor_roundtrip_and_garbage_is_400() -> None:
    assert decode_cursor(encode_cursor({"id": "abc", "t": 3})) == {"id": "abc", "t": 3}
    with pytest.raises(ProblemError) as e:
        decode_cursor("!!notacursor")
    assert e.value.status == 400


def test_normalize_full_width_and_spaces() -> None:
    assert normalize("ＶＯＣｓ　治理\n\t方案 ") == "vocs 治理 方案"
    assert cjk_ratio("脱硫ab") == 0.5


def test_schema_rejects_unknown_domain_and_bad_range() -> None:
    with pytest.raises(ValidationError, match="unknown domain"):
        schemas.TechnologyCreate(title="一项技术名称", domain="space_mining")
    with pytest.raises(ValidationError, match="must not exceed"):
        schemas.TechnologyCreate(title="一项技术名称", domain="clean_energy", price_min_cny=10, price_max_cny=5)
    with pytest.raises(ValidationError, match="challenge"):
        schemas.DemandCreate(title="揭榜挂帅需求", kind="challenge")
    assert len(taxonomy.as_tree()) == 9


def test_client_retries_idempotent_calls_only() -> None:
    asyncio.run(_retries())


async def _retries() -> None:
    calls = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        return httpx.Response(503 if calls["n"] < 3 else 200, json={})

    client = ServiceClient("http://x", "tok", transport=httpx.MockTransport(handler), backoff=0.001)
    assert (await client.get("/a")).status_code == 200 and calls["n"] == 3
    calls["n"] = 0
    assert (await client.post("/a")).status_code == 503 and calls["n"] == 1
    calls["n"] = 0
    assert (await client.post("/a", headers={"Idempotency-Key": "k"})).status_code == 200
    await client.aclose()


def test_sync_client_follows_the_same_retry_policy() -> None:
    calls = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        if calls["n"] == 1:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(503 if calls["n"] == 2 else 200, json={})

    client = SyncServiceClient("http://x", "tok", transport=httpx.MockTransport(handler), backoff=0.001)
    assert client.get("/a").status_code == 200 and calls["n"] == 3
    calls["n"] = 0
    with pytest.raises(httpx.ConnectError):
        client.post("/a")  # not idempotent: the connection error is not retried
    assert calls["n"] == 1
    client.close()
