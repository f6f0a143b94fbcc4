"""Delegation API shapes."""
from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class DelegationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"org_id": "org_01hzx3k9q2m7a4b5c6d7", "platform_org_id": "org_zjtm",
         "note": "该研究院书面委托浙江网上技术市场同步其技术成果（委托书编号 ZJTM-2026-018）"}]})
    org_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$",
                        description="The registry organization whose records the platform may write")
    platform_org_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$",
                                 description="The trading platform's organization (the org_id of its platform keys)")
    note: str | None = Field(None, max_length=500, description="What the delegation rests on (a signed mandate, its reference)")


class DelegationPublic(BaseModel):
    id: str
    org_id: str
    platform_org_id: str
    note: str | None
    granted_by: str | None
    granted_at: datetime
    revoked_at: datetime | None
    revoked_by: str | None
    active: bool
