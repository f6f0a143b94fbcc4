"""Registry settings (env prefix REGISTRY_)."""
from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class RegistrySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="REGISTRY_", extra="ignore")

    database_url: str | None = Field(
        None, description="SQLAlchemy URL; default SQLite WAL file `<data_dir>/registry.db`. PostgreSQL: postgresql+psycopg://..."
    )
    database_schema: str | None = Field(None, description="PostgreSQL schema to use (search_path); default `public`")
    screening: Literal["inline", "deferred"] = Field(
        "inline", description="inline: screen in the write transaction; deferred: keep `submitted` until POST /v1/admin/screen-pending"
    )
    listing_days: int = Field(365, ge=1, description="How long a published listing stays up before it expires")
    expire_sweep_seconds: float = Field(3600.0, ge=0, description="Background expiry sweep interval; 0 disables it")
    run_migrations: bool = Field(True, description="Apply Alembic migrations on app start")

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.ensure_data_dir() / 'registry.db'}"
