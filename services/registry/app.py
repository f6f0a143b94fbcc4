"""Registry app factory: `uvicorn --factory services.registry.app:create_app`."""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import Depends, FastAPI
from starlette.concurrency import run_in_threadpool

from shared.app_factory import create_service_app, require_service_token
from shared.request_guards import RequestGuard
from services.registry import migrations, validation
from services.registry.admin_endpoints import expire_all
from services.registry.admin_endpoints import router as admin_router
from services.registry.db import Database
from services.registry.demands.endpoints import router as demands_router
from services.registry.catalog.endpoints import router as catalog_router
from services.registry.deps import RegistryContext
from services.registry.evaluations.endpoints import router as evaluations_router
from services.registry.feed.endpoints import router as feed_router
from services.registry.listings.service import ListingPolicy
from services.registry.organizations.endpoints import router as organizations_router
from services.registry.finance.endpoints import needs as financing_needs_router
from services.registry.finance.endpoints import products as finance_products_router
from services.registry.infringements.endpoints import router as infringements_router
from services.registry.patents.endpoints import router as patents_router
from services.registry.settings import RegistrySettings
from services.registry.technologies.endpoints import router as technologies_router
from services.registry.uow import unit_of_work

log = logging.getLogger(__name__)

DESCRIPTION = """绿色技术登记中心 (registry): the system of record for organizations, technologies (supply) and
demands (needs, 揭榜挂帅 challenges). Every write runs 基础甄别 screening and appends to an ordered change feed
in the same transaction. Internal service: every `/v1` route needs `X-Service-Token`."""


def build_context(settings: RegistrySettings) -> RegistryContext:
    database = Database(settings.resolved_database_url(), schema=settings.database_schema)
    if settings.run_migrations:
        migrations.upgrade(database)
    policy = ListingPolicy(screening_inline=settings.screening == "inline", listing_days=settings.listing_days)
    return RegistryContext(settings=settings, database=database, policy=policy)


async def _expiry_loop(ctx: RegistryContext) -> None:
    def sweep() -> None:
        with unit_of_work(ctx.database) as uow:
            expired = expire_all(uow)
        if any(expired.values()):
            log.info("expired listings: %s", expired)

    while True:
        try:
            await run_in_threadpool(sweep)
        except Exception:  # noqa: BLE001 - keep sweeping; the next round retries
            log.exception("expiry sweep failed")
        await asyncio.sleep(ctx.settings.expire_sweep_seconds)


def create_app(settings: RegistrySettings | None = None) -> FastAPI:
    settings = settings or RegistrySettings()
    ctx = build_context(settings)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        task = asyncio.create_task(_expiry_loop(ctx)) if settings.expire_sweep_seconds > 0 else None
        try:
            yield
        finally:
            if task:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            ctx.database.dispose()

    app = create_service_app("registry", description=DESCRIPTION, readiness={"database": ctx.database.ping}, lifespan=lifespan,
                             log_level=settings.log_level)
    validation.install(app)
    app.add_middleware(RequestGuard, max_bytes=settings.max_body_bytes)
    app.state.registry = ctx
    guard = [Depends(require_service_token(settings.service_token))]
    for router in (organizations_router, technologies_router, demands_router, patents_router, infringements_router, finance_products_router,
                   financing_needs_router, evaluations_router, catalog_router, feed_router, admin_router):
        app.include_router(router, dependencies=guard)
    return app
