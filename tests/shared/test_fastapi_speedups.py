"""shared/fastapi_speedups.py answers exactly what FastAPI would: the same responses (values, 422 errors and
their order, 404/405/redirects, mounts, routes added after the first request) with each shortcut on and off.
(No `from __future__ import annotations`: the test app's dependencies are local functions.)"""
import enum
from collections.abc import Iterator
from datetime import datetime
from typing import Annotated

import pytest
from fastapi import APIRouter, Cookie, Depends, Header, Query, Security
from fastapi import routing as fastapi_routing
from fastapi.dependencies import utils
from fastapi.security import OAuth2PasswordBearer
from fastapi.testclient import TestClient
from pydantic import BaseModel
from starlette.responses import PlainTextResponse
from starlette.routing import Mount, Route

from shared import fastapi_speedups
from shared.app_factory import create_service_app


class Colour(str, enum.Enum):
    red = "red"
    blue = "blue"


class Filters(BaseModel):
    kind: str | None = None
    size: int = 3


def _app():
    app = create_service_app("t")

    async def params(
        a: str | None = None,
        b: Annotated[int | None, Query(ge=1, le=9)] = None,
        colour: Colour = Colour.red,
        since: datetime | None = None,
        tags: Annotated[list[str] | None, Query()] = None,
        aliased: Annotated[str | None, Query(alias="al-ias")] = None,
        q: Annotated[str | None, Query(max_length=5)] = None,
    ) -> dict:
        return {"a": a, "b": b, "colour": colour.value, "since": since.isoformat() if since else None, "tags": tags,
                "aliased": aliased, "q": q}

    first = APIRouter(prefix="/v1/first")

    @first.get("")
    async def first_list(p: Annotated[dict, Depends(params)], limit: Annotated[int, Query(ge=1, le=50)] = 20,
                         need: Annotated[str, Query()] = "x", x_h: Annotated[str | None, Header()] = None,
                         c: Annotated[str | None, Cookie()] = None) -> dict:
        return {**p, "limit": limit, "need": need, "x_h": x_h, "c": c}

    oauth = OAuth2PasswordBearer(tokenUrl="/token", auto_error=False)

    def session() -> Iterator[str]:  # a generator dependency (request-scoped cleanup)
        yield "session"

    async def scoped(token: Annotated[str | None, Security(oauth, scopes=["read"])],
                     s: Annotated[str, Depends(session)]) -> str:
        return f"{token}:{s}"

    @first.get("/deps")
    async def deps(a: Annotated[str, Depends(scoped)], b: Annotated[str, Depends(session)]) -> dict:
        return {"a": a, "b": b}

    @first.get("/required")
    async def required(must: int, other: Annotated[str, Query(min_length=2)]) -> dict:
        return {"must": must, "other": other}

    @first.get("/model")
    async def model(f: Annotated[Filters, Query()]) -> dict:
        return f.model_dump()

    @first.get("/{item_id}")
    async def item(item_id: int) -> dict:
        return {"id": item_id}

    @first.post("/{item_id}")
    async def item_post(item_id: int) -> dict:
        return {"posted": item_id}

    second = APIRouter(prefix="/v1/second")

    @second.get("/{a}/{b}")
    async def two(a: str, b: str) -> dict:
        return {"a": a, "b": b}

    @second.get("/slash/")
    async def slash() -> dict:
        return {"slash": True}

    shadow = APIRouter()  # no prefix, overlaps /v1/first/{item_id}: first included wins, as before

    @shadow.get("/v1/first/{other}")
    async def shadowed(other: str) -> dict:
        return {"shadow": other}

    @shadow.put("/v1/first/{other}")
    async def shadow_put(other: str) -> dict:
        return {"shadow_put": other}

    outer = APIRouter(prefix="/v1/outer")
    inner = APIRouter(prefix="/inner")

    @inner.get("/{x}")
    async def nested(x: str) -> dict:
        return {"nested": x}

    outer.include_router(inner)
    outer.routes.append(Route("/v1/outer/plain", lambda request: PlainTextResponse("plain")))
    mounted = APIRouter()
    mounted.routes.append(Mount("/v1/static", routes=[Route("/{name}", lambda request: PlainTextResponse(request.path_params["name"]))]))

    for router in (first, second, shadow, outer, mounted):
        app.include_router(router)
    return app


REQUESTS = [
    ("GET", "/v1/first"), ("GET", "/v1/first?a=x&b=3&colour=blue&tags=1&tags=2&al-ias=y&q=abc&limit=5"),
    ("GET", "/v1/first?b=0"), ("GET", "/v1/first?b=x&limit=0&colour=green&since=nope&q=toolong"),
    ("GET", "/v1/first?since=2026-01-02T03:04:05Z&need="), ("GET", "/v1/first?aliased=no&tags="),
    ("GET", "/v1/first/required"), ("GET", "/v1/first/required?must=1&other=ab"), ("GET", "/v1/first/required?must=x&other=a"),
    ("GET", "/v1/first/model"), ("GET", "/v1/first/model?kind=k&size=4"), ("GET", "/v1/first/model?size=x"),
    ("GET", "/v1/first/7"), ("GET", "/v1/first/seven"), ("POST", "/v1/first/7"), ("PUT", "/v1/first/7"),
    ("DELETE", "/v1/first/7"), ("GET", "/v1/second/a/b"), ("GET", "/v1/second/a"), ("POST", "/v1/second/a/b"),
    ("GET", "/v1/second/slash"), ("GET", "/v1/second/slash/"), ("GET", "/v1/outer/inner/z"), ("GET", "/v1/outer/plain"),
    ("GET", "/v1/outer/inner"), ("GET", "/v1/static/f.txt"), ("GET", "/v1/nothing"), ("GET", "/healthz"), ("GET", "/"),
    ("GET", "/v1/first/"), ("GET", "/v1/first/deps"),
]


MEMOISED = ("_get_cache_key", "_is_gen_callable", "_is_async_gen_callable", "_is_coroutine_callable")


@pytest.fixture()
def originals() -> Iterator[None]:
    fastapi_speedups.install()
    fast_params, fast_matches = utils.request_params_to_args, fastapi_routing._IncludedRouter.matches
    memoised = {name: getattr(utils, name) for name in MEMOISED}
    assert all(getattr(fn, "__wrapped__", None) for fn in (fast_params, fast_matches, *memoised.values())), "not installed"
    yield
    utils.request_params_to_args, fastapi_routing._IncludedRouter.matches = fast_params, fast_matches
    for name, fn in memoised.items():
        setattr(utils, name, fn)


def _answers(client: TestClient) -> list[tuple]:
    out = []
    for method, path in REQUESTS:
        resp = client.request(method, path, headers={"x-h": "hv"}, cookies={"c": "cv"}, follow_redirects=False)
        body = resp.json() if resp.headers.get("content-type", "").endswith("json") else resp.text
        out.append((method, path, resp.status_code, body, resp.headers.get("allow"), resp.headers.get("location")))
    return out


def test_same_answers_with_and_without_the_shortcuts(originals: None, monkeypatch: pytest.MonkeyPatch) -> None:
    fast = _answers(TestClient(_app()))
    monkeypatch.setattr(fastapi_speedups, "install", lambda: None)  # the app factory must not put them back
    utils.request_params_to_args = utils.request_params_to_args.__wrapped__
    fastapi_routing._IncludedRouter.matches = fastapi_routing._IncludedRouter.matches.__wrapped__
    for name in MEMOISED:
        setattr(utils, name, getattr(utils, name).__wrapped__)
    plain = _answers(TestClient(_app()))
    assert fast == plain
    statuses = {status for _, _, status, *_ in fast}
    assert {200, 404, 405, 422}.issubset(statuses) and any(status in (307, 308) for status in statuses)


def test_routes_added_after_the_first_request_are_found(originals: None) -> None:
    app = _app()
    client = TestClient(app)
    assert client.get("/v1/first/7").status_code == 200
    late = APIRouter(prefix="/v1/late")

    @late.get("/x")
    async def late_x() -> dict:
        return {"late": True}

    app.include_router(late)
    assert client.get("/v1/late/x").json() == {"late": True}
    # a route appended to a router that was already included (FastAPI rebuilds that branch's candidates)
    second_branch = next(r for r in app.router.routes if isinstance(r, fastapi_routing._IncludedRouter)
                        and r.original_router.prefix == "/v1/second")

    @second_branch.original_router.get("/zz/late/x")
    async def late_in_branch() -> dict:
        return {"late_in_branch": True}

    assert client.get("/v1/second/zz/late/x").json() == {"late_in_branch": True}


def test_absent_optional_parameters_take_their_default_without_fastapis_path(originals: None) -> None:
    calls = []
    original = utils.request_params_to_args.__wrapped__

    def counting(fields, received):
        calls.append([f.name for f in fields])
        return original(fields, received)

    utils.request_params_to_args = fastapi_speedups._fast_params_to_args(counting, utils)
    client = TestClient(_app())
    assert client.get("/v1/first?b=2").json()["b"] == 2
    assert calls == [["b"]]  # only the present parameter went through FastAPI's function


def test_memoised_dependency_facts_are_fastapis(originals: None) -> None:
    app = _app()
    dependants = []

    def walk(dependant) -> None:
        dependants.append(dependant)
        for sub in dependant.dependencies:
            walk(sub)

    for route in app.routes:
        if hasattr(route, "dependant"):
            walk(route.dependant)
    for branch in (r for r in app.router.routes if isinstance(r, fastapi_routing._IncludedRouter)):
        for context in branch.effective_route_contexts():
            if getattr(context, "dependant", None) is not None:
                walk(context.dependant)
    assert len(dependants) > 20
    for _ in range(2):  # second round: answered from the memo
        for dependant in dependants:
            assert utils._get_cache_key(dependant=dependant) == utils._get_cache_key.__wrapped__(dependant=dependant)
            for name in MEMOISED[1:]:
                assert getattr(utils, name)(dependant.call) == getattr(utils, name).__wrapped__(dependant.call), name
    assert any(utils._get_cache_key(dependant=d)[1] == ("read",) for d in dependants)  # scopes kept in the key
    assert any(utils._is_gen_callable(d.call) for d in dependants)
