"""Response shapes for the OpenAPI document (bodies are relayed from the registry as they are)."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.schemas import (
    Contact,
    DemandCreate,
    DemandPublic,
    RecordStatus,
    TechnologyCreate,
    TechnologyPublic,
)


class TechnologyWritten(TechnologyPublic):
    seq: int = Field(description="Feed position of this write; pass as `min_seq` to matching for read-your-writes")


class DemandWritten(DemandPublic):
    seq: int = Field(description="Feed position of this write; pass as `min_seq` to matching for read-your-writes")


class TechnologyBulk(BaseModel):
    model_config = ConfigDict(extra="forbid")
    items: list[TechnologyCreate] = Field(min_length=1, max_length=1000, description="Each item needs external_ref")


class DemandBulk(BaseModel):
    model_config = ConfigDict(extra="forbid")
    items: list[DemandCreate] = Field(min_length=1, max_length=1000, description="Each item needs external_ref")


class BulkItemOutcome(BaseModel):
    index: int = Field(description="Position in the request's items")
    id: str
    outcome: Literal["created", "updated", "unchanged"]
    version: int
    status: RecordStatus


class BulkResult(BaseModel):
    items: list[BulkItemOutcome]
    created: int
    updated: int
    unchanged: int
    seq: int = Field(description="Feed position covering every write of this batch")


class OverrideRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: RecordStatus = Field(examples=["published"])
    reason: str = Field(min_length=2, max_length=500, examples=["人工复核通过：专利号与权利人信息已核实"])


class OwnerContacts(BaseModel):
    record_id: str
    organization_id: str
    organization_name: str | None = None
    contacts: list[Contact]
