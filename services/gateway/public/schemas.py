"""Response shapes for the OpenAPI document (bodies are relayed from the registry as they are)."""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from shared.errors import FieldError
from shared.schemas import (
    Contact,
    DemandPublic,
    DomainSuggestion,
    RecordStatus,
    TechnologyPublic,
)


class TechnologyWritten(TechnologyPublic):
    seq: int = Field(description="Feed position of this write; pass as `min_seq` to matching for read-your-writes")


class DemandWritten(DemandPublic):
    seq: int = Field(description="Feed position of this write; pass as `min_seq` to matching for read-your-writes")


# Bulk items are checked one by one (the gateway's ownership rules here, the schema and screening in the
# registry) so that `atomic=false` can refuse one item and write the others; the schema still documents each
# item as the kind's Create model.
TechnologyItem = Annotated[dict[str, Any], WithJsonSchema({"$ref": "#/components/schemas/TechnologyCreate"})]
DemandItem = Annotated[dict[str, Any], WithJsonSchema({"$ref": "#/components/schemas/DemandCreate"})]


class TechnologyBulk(BaseModel):
    model_config = ConfigDict(extra="forbid")
    items: list[TechnologyItem] = Field(min_length=1, max_length=1000, description="TechnologyCreate objects, each with external_ref")


class DemandBulk(BaseModel):
    model_config = ConfigDict(extra="forbid")
    items: list[DemandItem] = Field(min_length=1, max_length=1000, description="DemandCreate objects, each with external_ref")


class ScreeningReason(BaseModel):
    field: str = Field(examples=["description"])
    message: str = Field(examples=["请用至少30个字描述技术内容"])
    severity: str = Field(description="reject | fix | warn", examples=["fix"])
    check: str = Field(description="completeness | text_quality | green_relevance | plausibility", examples=["completeness"])
    suggestion: DomainSuggestion | None = Field(None, description="On the `domain` reason of a record without one: the suggested domain")


class ItemScreening(BaseModel):
    decision: str = Field(description="published | on_hold | rejected", examples=["on_hold"])
    score: int = Field(ge=0, le=100, examples=[70])
    reasons: list[ScreeningReason] = Field(default_factory=list)


class BulkItemOutcome(BaseModel):
    index: int = Field(description="Position in the request's items")
    outcome: Literal["created", "updated", "unchanged", "invalid"] = Field(description="invalid only with atomic=false")
    id: str | None = Field(None, description="null for an invalid item")
    version: int | None = None
    status: RecordStatus | None = None
    screening: ItemScreening | None = Field(None, description="The screening this write ran; null when unchanged or invalid")
    errors: list[FieldError] = Field(default_factory=list, description="Why an invalid item was refused (body.items.<i>.…)")


class BulkResult(BaseModel):
    items: list[BulkItemOutcome]
    created: int
    updated: int
    unchanged: int
    invalid: int = Field(0, description="Items refused (atomic=false only; nothing of them was written)")
    errors: list[FieldError] = Field(default_factory=list, description="Every refused item's errors, as a problem's errors[]")
    seq: int = Field(description="Feed position covering every write of this batch (0 when nothing was written)")


class OverrideRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: RecordStatus = Field(examples=["published"])
    reason: str = Field(min_length=2, max_length=500, examples=["人工复核通过：专利号与权利人信息已核实"])


class OwnerContacts(BaseModel):
    record_id: str
    organization_id: str
    organization_name: str | None = None
    contacts: list[Contact]
