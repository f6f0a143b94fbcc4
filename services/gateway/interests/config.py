"""Feed follower settings (env prefix GATEWAY_)."""
from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class FollowerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")
    workflow_workers: bool = Field(True, description="Run the feed follower and the webhook worker inside the gateway process")
    feed_poll_seconds: float = Field(1.0, gt=0)
    feed_max_backoff_seconds: float = Field(10.0, gt=0, description="Longest pause after failed passes (matching or registry down)")
    feed_batch: int = Field(100, ge=1, le=1000)
    notify_k: int = Field(20, ge=1, le=100, description="Hits asked from matching per interest / per new technology")
    notify_min_strength: Literal["strong", "possible", "weak"] = "possible"
