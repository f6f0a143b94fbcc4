"""Webhook delivery settings (env prefix GATEWAY_)."""
from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class WebhookSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")
    webhook_max_attempts: int = Field(8, ge=1, le=30, description="Attempts before a delivery is marked failed")
    webhook_backoff_seconds: float = Field(5.0, gt=0, description="First retry delay; doubles after each failure")
    webhook_max_backoff_seconds: float = Field(3600.0, gt=0)
    webhook_timeout_seconds: float = Field(5.0, gt=0, description="Per-attempt HTTP timeout")
    webhook_poll_seconds: float = Field(0.5, gt=0, description="How often the worker looks for due deliveries")
    webhook_batch: int = Field(100, ge=1, le=1000, description="Due deliveries claimed per pass (one statement)")
    webhook_concurrency: int = Field(4, ge=1, le=64, description="Subscriptions sent to at the same time; each "
                                     "subscription's deliveries go out one after another, oldest first")
    webhook_lease_seconds: float = Field(60.0, gt=0, description="A claimed delivery is not retried by others for this long")
    webhook_allow_private_targets: bool = Field(
        False, description="Allow loopback/private/link-local webhook URLs (local development and tests only)")
