"""API shapes built per listing kind: record (+screening), write response (+seq), patch, bulk upsert, page."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from services.registry.listings.kinds import ListingKind
from services.registry.screening.schemas import ScreeningResult


class UpsertItemResult(BaseModel):
    index: int = Field(description="Position in the request's items")
    outcome: str = Field(description="created | updated | unchanged", examples=["created"])
    id: str
    version: int
    status: str = Field(examples=["published"])


class BulkUpsertResult(BaseModel):
    items: list[UpsertItemResult]
    created: int
    updated: int
    unchanged: int
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
    bulk = create_model(
        f"{name}BulkUpsert", __base__=_StrictModel,
        items=(list[kind.create_schema], Field(min_length=1, max_length=1000, description="Each item needs external_ref")),  # type: ignore[name-defined]
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
