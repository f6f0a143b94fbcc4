"""JSON logs, one object per line, for every service: configured once per process at app creation.

Every line carries `service`, and every line written while a request is handled (by structlog or by a plain
`logging.getLogger(...)` call) carries that request's `request_id`: the X-Request-ID the gateway forwards to
the registry and matching (shared/http.py), so one id follows a call across the three services. Each request
ends with one `request` line: method, route template, status, latency_ms (at DEBUG for successful probes of
/healthz, /readyz and /metrics, which Kubernetes and Prometheus call every few seconds). It replaces uvicorn's
access log.

stdlib logging keeps working: its records go through structlog's ProcessorFormatter, so they come out as the
same JSON. Handlers other code installed on the root logger (pytest's caplog, for one) are left alone.
"""
from __future__ import annotations

import logging
import sys
import time
import uuid
from typing import Any

import structlog
from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.http import REQUEST_ID_HEADER

_HANDLER_MARK = "_greentech_json_handler"
# Probed every few seconds by Kubernetes and Prometheus: their request lines go out at DEBUG, not INFO.
QUIET_ROUTES = frozenset({"/healthz", "/readyz", "/metrics"})
_REQUEST_ID_HEADER = REQUEST_ID_HEADER.lower().encode()
ACCESS_LOGGER = "greentech.access"


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever sys.stderr is at emit time (test runners swap it)."""

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def _shared_processors() -> list[Any]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]


class _StderrLines:
    """structlog's logger for the request line: the rendered line in one write to whatever sys.stderr is at that
    moment (test runners swap it)."""

    def msg(self, message: str) -> None:
        sys.stderr.write(message + "\n")

    debug = info = warning = error = critical = msg


def _access_logger(service: str, level: str) -> Any:
    """The per-request line, on structlog's own path (level filtered before any work, no stdlib LogRecord,
    handler lock or formatter chain): the same JSON fields as every other line, ~7 us instead of ~20 us per line
    (microbenchmark, docs/benchmarks.md)."""
    def add_logger_name(_logger: Any, _name: str, event: dict[str, Any]) -> dict[str, Any]:
        event["logger"] = ACCESS_LOGGER
        return event

    return structlog.wrap_logger(
        _StderrLines(),
        processors=[structlog.contextvars.merge_contextvars, structlog.processors.add_log_level, add_logger_name,
                    structlog.processors.TimeStamper(fmt="iso", utc=True), _default_service(service),
                    structlog.processors.JSONRenderer(ensure_ascii=False)],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
    )


def configure_logging(service: str, level: str = "INFO") -> Any:
    """Route structlog and stdlib logging to one JSON handler on the root logger; returns the logger of the
    per-request line (RequestContextMiddleware). Safe to call again."""
    structlog.configure(
        processors=[*_shared_processors(), structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_shared_processors(),
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            _default_service(service),
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(ensure_ascii=False),
        ],
    )
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _HANDLER_MARK, False)]:
        root.removeHandler(old)
    handler = _StderrHandler()
    setattr(handler, _HANDLER_MARK, True)
    handler.setFormatter(formatter)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):  # uvicorn's own lines in the same JSON
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    access = logging.getLogger("uvicorn.access")  # replaced by our `request` line, which has the request id
    access.handlers.clear()
    access.propagate = False
    for chatty in ("httpx", "httpcore"):  # one INFO line per service-to-service call: noise, and time per request
        logging.getLogger(chatty).setLevel(logging.WARNING)
    return _access_logger(service, level)


def _default_service(service: str) -> Any:
    def add(_logger: Any, _name: str, event: dict[str, Any]) -> dict[str, Any]:
        event.setdefault("service", service)  # a request's own binding wins (several apps in one test process)
        return event
    return add


class RequestContextMiddleware:
    """Pure ASGI (no per-request task, stream or body copy, unlike BaseHTTPMiddleware / @app.middleware("http")),
    the one middleware every service runs around its routes:

    - request id: the caller's X-Request-ID or a new one, in `request.state.request_id` and on the response;
    - structlog binding of request_id and service for everything logged while the request runs;
    - Prometheus `http_requests_total` and `http_request_duration_seconds` by route template;
    - the `request` log line (at DEBUG for successful probes).
    """

    def __init__(self, app: ASGIApp, service: str, requests: Counter, latency: Histogram, access_log: Any = None) -> None:
        self.app = app
        self.service = service
        self.access_log = access_log if access_log is not None else structlog.get_logger(ACCESS_LOGGER)
        self.requests = requests
        self.latency = latency

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _header(scope, _REQUEST_ID_HEADER) or uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id  # what request.state.request_id reads
        rid_header = (_REQUEST_ID_HEADER, request_id.encode("latin-1"))
        status = 500  # if the app raises before answering, the error handler outside answers 500
        start = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                # set, not add: a problem response may already carry the same id
                headers = [h for h in message.get("headers", ()) if h[0].lower() != _REQUEST_ID_HEADER]
                headers.append(rid_header)
                message = {**message, "headers": headers}
            await send(message)

        with structlog.contextvars.bound_contextvars(request_id=request_id, service=self.service):
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                elapsed = time.perf_counter() - start
                method = scope["method"]
                route = getattr(scope.get("route"), "path", "unmatched")
                self.requests.labels(method, route, str(status)).inc()
                self.latency.labels(method, route).observe(elapsed)
                log = self.access_log.debug if route in QUIET_ROUTES and status < 400 else self.access_log.info
                log("request", method=method, route=route, status=status, latency_ms=round(elapsed * 1000, 2))


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return None
