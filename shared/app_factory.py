"""What every service app has: problem+json errors, request ids, /healthz, /readyz, /metrics, an OpenAPI
document a client generator can use (shared.openapi) and docs pages that work offline."""
from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from functools import cache
from pathlib import Path
from typing import Any

import fastapi_offline
from fastapi import FastAPI, Header, Request, Response
from fastapi.openapi.docs import get_redoc_html
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse
from fastapi_offline import FastAPIOffline
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from pydantic import BaseModel, Field

from shared import fastapi_speedups, openapi
from shared.errors import ProblemError, install_problem_handlers
from shared.http import SERVICE_TOKEN_HEADER
from shared.logging_setup import RequestContextMiddleware, configure_logging

ReadinessCheck = Callable[[], Awaitable[None] | None]
DOCS_STATIC = "/docs-static"
# ReDoc's bundle shows Redocly's logo from their CDN in the side menu: served with our own favicon instead,
# so the page requests nothing from outside.
REDOC_CDN_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


class Health(BaseModel):
    status: str = Field(examples=["ok"])
    service: str


class Readiness(BaseModel):
    status: str = Field(description="`ok` or `unavailable`", examples=["ok"])
    checks: dict[str, str] = Field(description="Per dependency: `ok` or `fail: <reason>`", examples=[{"database": "ok"}])


def create_service_app(
    name: str,
    *,
    version: str = "0.1.0",
    description: str = "",
    readiness: dict[str, ReadinessCheck] | None = None,
    log_level: str = "INFO",
    service: str | None = None,  # short name in logs (default: name)
    problem_statuses: tuple[int, ...] = openapi.SERVICE_PROBLEMS,
    **fastapi_kwargs: Any,
) -> FastAPI:
    access_log = configure_logging(service or name, log_level)  # JSON lines with request_id (shared/logging_setup.py)
    fastapi_speedups.install()  # per-request parameter introspection memoised (shared/fastapi_speedups.py)
    # Docs pages from assets shipped in the fastapi-offline wheel (Swagger UI, ReDoc): no CDN, so they open
    # on an intranet. One schema per model (no -Input/-Output twins) and operation ids from route names.
    app = FastAPIOffline(
        title=name, version=version, description=description, separate_input_output_schemas=False,
        generate_unique_id_function=openapi.operation_id, static_url=DOCS_STATIC, redoc_url=None, **fastapi_kwargs,
    )
    _offline_redoc(app)
    install_problem_handlers(app)
    openapi.install(app, problem_statuses)
    checks = readiness or {}
    # A registry per app so several apps can live in one test process.
    metrics = CollectorRegistry()
    requests = Counter("http_requests_total", "HTTP requests", ["method", "route", "status"], registry=metrics)
    latency = Histogram("http_request_duration_seconds", "Request latency", ["method", "route"], registry=metrics)
    app.state.metrics_registry = metrics
    # One pure ASGI middleware for request id, metrics and the request log line (shared/logging_setup.py).
    app.add_middleware(RequestContextMiddleware, service=service or name, requests=requests, latency=latency,
                       access_log=access_log)

    @app.get("/healthz", tags=["ops"], summary="Alive", response_model=Health)
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": name}

    @app.get("/readyz", tags=["ops"], summary="Dependencies reachable", response_model=Readiness,
             responses={503: {"model": Readiness, "description": "A dependency is not reachable"}})
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

    @app.get("/metrics", tags=["ops"], summary="Prometheus metrics", response_class=PlainTextResponse, name="metrics",
             responses={200: {"content": {CONTENT_TYPE_LATEST.split(";")[0]: {"schema": {"type": "string"}}},
                              "description": "Prometheus text exposition format"}})
    async def metrics_endpoint() -> Response:
        return Response(generate_latest(metrics), media_type=CONTENT_TYPE_LATEST)

    return app


@cache
def _redoc_bundle() -> str:
    bundle = Path(fastapi_offline.__file__).parent / "static" / "redoc.standalone.js"
    return bundle.read_text(encoding="utf-8").replace(REDOC_CDN_LOGO, f"{DOCS_STATIC}/favicon.png")


def _offline_redoc(app: FastAPI) -> None:
    @app.get("/redoc-offline.js", include_in_schema=False)
    async def redoc_js() -> Response:
        return Response(_redoc_bundle(), media_type="text/javascript")

    @app.get("/redoc", include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_redoc_html(openapi_url=f"{root}{app.openapi_url}", title=f"{app.title} - ReDoc",
                              redoc_js_url=f"{root}/redoc-offline.js",
                              redoc_favicon_url=f"{root}{DOCS_STATIC}/favicon.png", with_google_fonts=False)


def require_service_token(expected: str) -> Callable[..., None]:
    """Dependency for internal endpoints: the caller must present the shared service token."""

    def _dep(x_service_token: str | None = Header(None, alias=SERVICE_TOKEN_HEADER)) -> None:
        if not x_service_token or not secrets.compare_digest(x_service_token, expected):
            raise ProblemError(401, "Unauthorized", f"Missing or wrong {SERVICE_TOKEN_HEADER} header.", kind="unauthorized")

    return _dep
