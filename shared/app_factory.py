"""What every service app has: problem+json errors, request ids, /healthz, /readyz, /metrics."""
from __future__ import annotations

import secrets
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Header, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest

from shared.errors import ProblemError, install_problem_handlers
from shared.http import REQUEST_ID_HEADER, SERVICE_TOKEN_HEADER
from shared.logging_setup import RequestLogMiddleware, configure_logging

ReadinessCheck = Callable[[], Awaitable[None] | None]


def create_service_app(
    name: str,
    *,
    version: str = "0.1.0",
    description: str = "",
    readiness: dict[str, ReadinessCheck] | None = None,
    log_level: str = "INFO",
    service: str | None = None,  # short name in logs (default: name)
    **fastapi_kwargs: Any,
) -> FastAPI:
    configure_logging(service or name, log_level)  # JSON lines with request_id (shared/logging_setup.py)
    app = FastAPI(title=name, version=version, description=description, **fastapi_kwargs)
    install_problem_handlers(app)
    checks = readiness or {}
    # A registry per app so several apps can live in one test process.
    metrics = CollectorRegistry()
    requests = Counter("http_requests_total", "HTTP requests", ["method", "route", "status"], registry=metrics)
    latency = Histogram("http_request_duration_seconds", "Request latency", ["method", "route"], registry=metrics)
    app.state.metrics_registry = metrics
    app.add_middleware(RequestLogMiddleware, service=service or name)  # added first = runs inside _request_context

    @app.middleware("http")
    async def _request_context(request: Request, call_next):  # type: ignore[no-untyped-def]
        rid = request.headers.get(REQUEST_ID_HEADER) or uuid.uuid4().hex
        request.state.request_id = rid
        start = time.perf_counter()
        response = await call_next(request)
        route = getattr(request.scope.get("route"), "path", "unmatched")
        requests.labels(request.method, route, str(response.status_code)).inc()
        latency.labels(request.method, route).observe(time.perf_counter() - start)
        response.headers[REQUEST_ID_HEADER] = rid
        return response

    @app.get("/healthz", tags=["ops"], summary="Alive")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": name}

    @app.get("/readyz", tags=["ops"], summary="Dependencies reachable")
    async def readyz() -> JSONResponse:
        results: dict[str, str] = {}
        ok = True
        for check_name, check in checks.items():
            try:
                out = check()
                if hasattr(out, "__await__"):
                    await out  # type: ignore[misc]
                results[check_name] = "ok"
            except Exception as exc:  # noqa: BLE001 - readiness reports any failure
                ok = False
                results[check_name] = f"fail: {exc}"[:200]
        return JSONResponse({"status": "ok" if ok else "unavailable", "checks": results}, status_code=200 if ok else 503)

    @app.get("/metrics", tags=["ops"], summary="Prometheus metrics")
    async def metrics_endpoint() -> Response:
        return Response(generate_latest(metrics), media_type=CONTENT_TYPE_LATEST)

    return app


def require_service_token(expected: str) -> Callable[..., None]:
    """Dependency for internal endpoints: the caller must present the shared service token."""

    def _dep(x_service_token: str | None = Header(None, alias=SERVICE_TOKEN_HEADER)) -> None:
        if not x_service_token or not secrets.compare_digest(x_service_token, expected):
            raise ProblemError(401, "Unauthorized", f"Missing or wrong {SERVICE_TOKEN_HEADER} header.", kind="unauthorized")

    return _dep
