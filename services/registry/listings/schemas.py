"""API shapes built per listing kind: record (+screening), write response (+seq), patch, bulk upsert, page."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, create_model

from services.registry.listings.kinds import ListingKind
from services.registry.screening.schemas import ScreeningReason, ScreeningResult
from shared.errors import FieldError


class ItemScreening(BaseModel):
    decision: str = Field(description="published | on_hold | rejected", examples=["on_hold"])
    score: int = Field(ge=0, le=100, examples=[70])
    reasons: list[ScreeningReason] = Field(default_factory=list)


class UpsertItemResult(BaseModel):
    index: int = Field(description="Position in the request's items")
    outcome: str = Field(description="created | updated | unchanged | invalid (invalid only with atomic=false)", examples=["created"])
    id: str | None = Field(None, description="null for an invalid item")
    version: int | None = None
    status: str | None = Field(None, examples=["published"])
    screening: ItemScreening | None = Field(None, description="The screening this write ran (decision and reasons); null when the "
                                            "item was unchanged (GET the record for its latest) or invalid")
    errors: list[FieldError] = Field(default_factory=list, description="Why an invalid item was refused (field paths body.items.<i>.…)")


class BulkUpsertResult(BaseModel):
    items: list[UpsertItemResult]
    created: int
    updated: int
    unchanged: int
    invalid: int = Field(0, description="Items refused (atomic=false only; nothing of them was written)")
    errors: list[FieldError] = Field(default_factory=list, description="Every refused item's errors, as a problem's `errors[]`")
    seq: int = Field(description="Feed position covering every write of this batch")


class ExpireResult(BaseModel):
    expired: dict[str, list[str]] = Field(description="ids per entity that expired now")
    seq: int


@dataclass(frozen=True)
class ListingSchemas:
    record: type[BaseModel]
    written: type[BaseModel]
    patch: type[BaseModel]
    bulk: type[BaseModel]
    page: type[BaseModel]


def build(kind: ListingKind) -> ListingSchemas:
    name = kind.entity.value.capitalize()
    record = create_model(f"{name}Record", __base__=kind.public_schema,
                          screening=(ScreeningResult | None, Field(None, description="Latest screening (基础甄别) result")))
    written = create_model(f"{name}Written", __base__=record, seq=(int, Field(description="Feed position of this write (X-Feed-Seq)")))
    patch = create_model(
        f"{name}Patch", __base__=kind.update_schema,
        version=(int | None, Field(None, ge=1, le=2**31 - 1, description='The version you read (or send If-Match: "<version>"); stale -> 409')),
    )
    # Items are validated one by one by the service (so atomic=false can refuse one and keep the others); the
    # schema still documents each item as the kind's Create model.
    item = Annotated[dict[str, Any], WithJsonSchema({"$ref": f"#/components/schemas/{kind.create_schema.__name__}"})]
    bulk = create_model(
        f"{name}BulkUpsert", __base__=_StrictModel,
        items=(list[item], Field(min_length=1, max_length=1000, description=f"{kind.create_schema.__name__} objects, each with external_ref")),  # type: ignore[valid-type]
    )
    page = create_model(f"{name}Page", items=(list[record], ...), next_cursor=(str | None, None))  # type: ignore[valid-type]
    return ListingSchemas(record, written, patch, bulk, page)


class _StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


def record_body(kind: ListingKind, schemas: ListingSchemas, row: Any, screening: ScreeningResult | None) -> dict[str, Any]:
    return {**kind.to_public(row).model_dump(mode="json"), "screening": screening.model_dump(mode="json") if screening else None}


class ScreenPendingResult(BaseModel):
    screened: dict[str, list[str]] = Field(description="ids per entity screened now")
    seq: int
