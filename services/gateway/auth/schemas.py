from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from services.gateway.auth.roles import Role


class ApiKeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    role: Role
    org_id: str = Field(min_length=1, max_length=64, description="Registry organization id (the tenant)", examples=["org_01HZX3"])
    name: str = Field(min_length=1, max_length=100, examples=["杭州绿源环保 对接接口"])
    source: str | None = Field(
        None, max_length=50, pattern=r"^[a-z0-9][a-z0-9_.-]*$",
        description="Platform keys only: the `external_ref.source` code whose records this key may sync", examples=["zjtm"],
    )
    expires_at: datetime | None = Field(None, description="UTC; omit for a key that does not expire", examples=["2026-12-31T00:00:00Z"])


class ApiKeyPublic(BaseModel):
    id: str
    prefix: str = Field(description="First part of the key, safe to show; identifies it in logs")
    role: Role
    org_id: str
    name: str
    source: str | None = None
    created_at: datetime
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    created_by: str | None = None


class ApiKeyCreated(ApiKeyPublic):
    key: str = Field(description="The API key. Shown ONCE: store it now; only a hash is kept.",
                     examples=["gtk_3f9a1c0b7d2e_Jx8...（仅此一次显示）"])
