"""Starts the workflow's background workers (feed follower, webhook delivery) for a gateway app."""
from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI

from services.gateway.interests.config import FollowerSettings
from services.gateway.interests.follower import FeedFollower
from services.gateway.webhooks.worker import DeliveryWorker
from shared.http import SyncServiceClient


def start_workflow_workers(app: FastAPI) -> Callable[[], None]:
    """Start the workers unless GATEWAY_WORKFLOW_WORKERS=false; returns the function that stops them."""
    settings = app.state.settings
    if not FollowerSettings().workflow_workers:
        return lambda: None
    registry = SyncServiceClient(settings.registry_url, settings.service_token, timeout=settings.upstream_timeout)
    matching = SyncServiceClient(settings.matching_url, settings.service_token, timeout=max(settings.upstream_timeout, 30.0))
    follower = FeedFollower(app.state.engine, registry, matching)
    delivery = DeliveryWorker(app.state.engine, app.state.webhook_settings)
    follower.start()
    delivery.start()

    def stop() -> None:
        follower.stop()
        delivery.stop()
        registry.close()
        matching.close()

    return stop
