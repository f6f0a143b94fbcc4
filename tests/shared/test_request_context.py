"""The request middleware every service runs (shared/logging_setup.py RequestContextMiddleware): pure ASGI,
request id in and out exactly once, every request counted by route template and status (500s too), and no
BaseHTTPMiddleware anywhere (it costs a task and a stream per request: docs/benchmarks.md, issue #13)."""
from __future__ import annotations

import inspect

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from starlette.middleware.base import BaseHTTPMiddleware

from shared.app_factory import create_service_app
from shared.errors import ProblemError
from shared.logging_setup import RequestContextMiddleware


def _app():
    app = create_service_app("t")

    @app.get("/v1/things/{thing_id}")
    async def thing(thing_id: str) -> dict:
        if thing_id == "gone":
            raise ProblemError(410, "Gone", "It was withdrawn.", kind="gone")
        return {"id": thing_id}

    @app.get("/v1/boom")
    async def boom() -> None:
        raise RuntimeError("x")

    return app


def _samples(client: TestClient, name: str) -> dict[tuple[str, ...], float]:
    out = {}
    for family in text_string_to_metric_families(client.get("/metrics").text):
        for sample in family.samples:
            if sample.name == name:
                out[tuple(sorted(sample.labels.items()))] = sample.value
    return out


def test_request_id_is_echoed_once_and_made_when_absent() -> None:
    client = TestClient(_app(), raise_server_exceptions=False)
    for path in ("/v1/things/a", "/v1/things/gone", "/v1/boom", "/nope"):
        resp = client.get(path, headers={"X-Request-ID": "rid-1"})
        # a problem response sets the id itself too: the header must still appear once
        assert resp.headers.get_list("X-Request-ID") == ["rid-1"], path
    made = client.get("/v1/things/a").headers.get_list("X-Request-ID")
    assert len(made) == 1 and len(made[0]) == 32


def test_requests_are_counted_by_route_template_and_status_including_failures() -> None:
    client = TestClient(_app(), raise_server_exceptions=False)
    for path in ("/v1/things/a", "/v1/things/b", "/v1/things/gone", "/v1/boom"):
        client.get(path)
    counts = _samples(client, "http_requests_total")

    def count(route: str, status: str) -> float:
        return counts.get((("method", "GET"), ("route", route), ("status", status)), 0)

    assert count("/v1/things/{thing_id}", "200") == 2
    assert count("/v1/things/{thing_id}", "410") == 1
    assert count("/v1/boom", "500") == 1
    latency = _samples(client, "http_request_duration_seconds_count")
    assert latency[(("method", "GET"), ("route", "/v1/things/{thing_id}"))] == 3


def _stack(app) -> list[type]:  # type: ignore[no-untyped-def]
    return [m.cls for m in app.user_middleware]  # type: ignore[misc]


def test_no_service_runs_a_base_http_middleware(tmp_path) -> None:
    from services.gateway.app import create_app as gateway_app
    from services.gateway.settings import GatewaySettings
    from services.registry.app import create_app as registry_app
    from services.registry.settings import RegistrySettings

    apps = [_app(), gateway_app(GatewaySettings(data_dir=tmp_path / "gw", service_token="t")),
            registry_app(RegistrySettings(data_dir=tmp_path / "reg", service_token="t", expire_sweep_seconds=0))]
    for app in apps:
        stack = _stack(app)
        assert RequestContextMiddleware in stack
        assert not [cls for cls in stack if isinstance(cls, type) and issubclass(cls, BaseHTTPMiddleware)], stack


def _sync_dependencies(dependant: Dependant) -> list[str]:
    found = []
    for dep in dependant.dependencies:
        call = dep.call
        is_async = inspect.iscoroutinefunction(call) or inspect.isasyncgenfunction(call) or \
            inspect.iscoroutinefunction(getattr(call, "__call__", None))
        if call is not None and not is_async:
            found.append(getattr(call, "__name__", repr(call)))
        found += _sync_dependencies(dep)
    return found


def test_proxied_reads_resolve_no_dependency_in_the_thread_pool() -> None:
    """FastAPI runs a plain `def` dependency in the thread pool: a thread hop on every request for nothing."""
    from services.gateway.public.listings import demands_router, technologies_router

    hot = {"/v1/technologies", "/v1/technologies/{record_id}", "/v1/demands", "/v1/demands/{record_id}"}
    routes = [r for router in (technologies_router, demands_router) for r in router.routes
              if isinstance(r, APIRoute) and r.path in hot and "GET" in r.methods]
    assert len(routes) == len(hot)
    for route in routes:
        assert _sync_dependencies(route.dependant) == [], route.path
        assert inspect.iscoroutinefunction(route.endpoint), route.path
