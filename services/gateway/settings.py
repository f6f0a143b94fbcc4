"""Gateway settings (env prefix GATEWAY_)."""
from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class GatewaySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    database_url: str | None = Field(None, description="SQLAlchemy URL; default sqlite:///<data_dir>/gateway.db")
    registry_url: str = "http://127.0.0.1:8001"
    matching_url: str = "http://127.0.0.1:8002"
    redis_url: str | None = Field(None, description="Redis for shared rate-limit counters; in-process when unset")
    upstream_timeout: float = Field(5.0, gt=0, description="Seconds before an upstream call is answered with 504")
    rate_limit: str = Field("600/minute", description="Per-key request budget, `limits` notation (e.g. 100/minute)")
    key_cache_seconds: float = Field(0.0, ge=0, description="How long an authenticated key is remembered in-process "
                                     "(0 = not at all). A key revoked through another replica, or changed in the database, "
                                     "is refused within this bound; deploy/k8s sets 5")
    fast_reads: bool = Field(True, description="Answer GET of one technology/demand and their lists without FastAPI's "
                             "per-request machinery (services/gateway/public/fast_reads.py); same answers, less added latency")

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.ensure_data_dir() / 'gateway.db'}"
