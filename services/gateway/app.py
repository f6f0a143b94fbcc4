"""Gateway app factory: the platform's one public API (keys, roles, tenants, registry and matching re-exposed,
broker workflow, webhooks, audit)."""
from __future__ import annotations

import importlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

from services.gateway import metrics, upstream
from services.gateway.audit.routes import router as audit_router
from services.gateway.auth.key_cache import KeyCache
from services.gateway.auth.routes import router as keys_router
from services.gateway.console import STATIC_PATH, static_files
from services.gateway.console import router as console_router
from services.gateway.db import make_engine, run_migrations
from services.gateway.interests.background import start_workflow_workers
from services.gateway.public import fast_reads
from services.gateway.public.catalog import router as catalog_router
from services.gateway.public.listings import demands_router, technologies_router
from services.gateway.public.matching import router as matching_router
from services.gateway.public.organizations import router as organizations_router
from services.gateway.ratelimit import KeyRateLimiter
from services.gateway.settings import GatewaySettings
from services.gateway.webhooks.config import WebhookSettings
from services.gateway.webhooks.docs import document_webhooks
from shared.app_factory import create_service_app
from shared.openapi import GATEWAY_PROBLEMS
from shared.request_guards import RequestGuard

log = logging.getLogger(__name__)

# Routers of the broker workflow (each package's routes.py exposes `router`).
WORKFLOW_PACKAGES = ("brokers", "commissions", "webhooks", "interests", "stats", "delegations",
                     "trading_listings", "auctions", "tenders", "contracts", "ipservices", "infringements", "finance",
                     "evaluations", "catalog", "challenges")

DESCRIPTION = """绿色技术转移撮合平台 公共接口 (Green technology transfer matching platform, public API).

Authenticate with `Authorization: Bearer <api key>` (or `X-API-Key`). Roles: admin, broker, enterprise,
platform, evaluator; what each may do is in docs/permissions.md. Errors are `application/problem+json`.
"""


def _workflow_routers() -> list[APIRouter]:
    return [importlib.import_module(f"services.gateway.{name}.routes").router for name in WORKFLOW_PACKAGES]


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or GatewaySettings()
    engine = make_engine(settings.resolved_database_url())
    run_migrations(engine)
    clients = upstream.make_clients(
        registry_url=settings.registry_url, matching_url=settings.matching_url,
        service_token=settings.service_token, timeout=settings.upstream_timeout,
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        stop_workflow_workers = start_workflow_workers(_app)  # feed follower + webhook delivery (workflow)
        yield
        stop_workflow_workers()
        for client in clients.values():
            await client.aclose()
        engine.dispose()

    def upstream_ready(name: str):
        async def check() -> None:
            (await clients[name].get("/healthz")).raise_for_status()
        return check

    app = create_service_app(
        "Green Tech Transfer Platform API", description=DESCRIPTION, lifespan=lifespan, problem_statuses=GATEWAY_PROBLEMS,
        readiness={"registry": upstream_ready(upstream.REGISTRY), "matching": upstream_ready(upstream.MATCHING)},
        log_level=settings.log_level, service="gateway",
    )
    metrics.register(app.state.metrics_registry)
    app.add_middleware(RequestGuard, max_bytes=settings.max_body_bytes)
    app.state.settings = settings
    app.state.engine = engine
    app.state.registry = clients[upstream.REGISTRY]
    app.state.matching = clients[upstream.MATCHING]
    app.state.rate_limiter = KeyRateLimiter(settings.rate_limit, settings.redis_url)
    app.state.key_cache = KeyCache(settings.key_cache_seconds)
    app.state.webhook_settings = WebhookSettings()

    # matching first: its /v1/demands/{id}/technologies must not be shadowed by listing routes
    public = (matching_router, catalog_router, organizations_router, technologies_router, demands_router)
    for router in (keys_router, audit_router, *public, *_workflow_routers()):
        app.include_router(router)
    document_webhooks(app)  # the `webhooks` section: event payloads POSTed to subscribers
    app.include_router(console_router)  # broker web console (HTML) at /console
    app.mount(STATIC_PATH, static_files, name="console-static")
    if settings.fast_reads:
        fast_reads.install(app)  # after every route is included: it selects routes in FastAPI's order
    return app
