"""Settings base: every service subclasses this with its own env prefix (REGISTRY_, MATCHING_, GATEWAY_)."""
from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATA_DIR = Path("var")
# Only for local/dev use; every deployment must set *_SERVICE_TOKEN to a secret shared by the services.
DEV_SERVICE_TOKEN = "dev-internal-service-token"


class ServiceSettings(BaseSettings):
    """Fields every service has. Subclasses set `model_config = SettingsConfigDict(env_prefix=...)`."""

    model_config = SettingsConfigDict(env_prefix="GREENTECH_", extra="ignore")

    data_dir: Path = Field(DEFAULT_DATA_DIR, description="Where embedded-default files (SQLite, FAISS) live")
    service_token: str = Field(DEV_SERVICE_TOKEN, description="Shared secret for service-to-service calls")
    log_level: str = "INFO"
    max_body_bytes: int = Field(8 * 1024 * 1024, ge=1024, description="Requests with a larger body are refused with 413")

    def ensure_data_dir(self) -> Path:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return self.data_dir
