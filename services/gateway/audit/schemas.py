from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class AuditEventPublic(BaseModel):
    id: int
    at: datetime
    actor_key_id: str | None = None
    actor_role: str | None = None
    actor_org_id: str | None = None
    action: str = Field(examples=["technology.create"])
    entity: str = Field(examples=["technology"])
    entity_id: str | None = Field(None, examples=["tec_01J0ABCD"])
    detail: dict[str, Any] = Field(default_factory=dict, examples=[{"title": "钢铁烧结烟气脱硫脱硝一体化技术", "status": "published", "seq": 42}])
    request_id: str | None = None


class AuditPage(BaseModel):
    items: list[AuditEventPublic]
    next_cursor: str | None = None
