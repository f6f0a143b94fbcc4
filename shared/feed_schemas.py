"""Typed views of the change feed for the OpenAPI documents and response validation: one event model per
entity, discriminated on `entity`. The runtime `shared.schemas.ChangeEvent` keeps `record` a dict (the
matching service reads it as one and must not depend on every record field); this module describes what a
client parses. Every `Entity` must have a model here (tests/gateway/test_openapi.py checks it)."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from shared.finance_schemas import FinanceProductPublic, FinancingNeedPublic
from shared.ip_schemas import InfringementPublic, PatentPublic
from shared.schemas import (
    CatalogEditionPublic,
    ChangeOp,
    DemandPublic,
    EvaluationPublic,
    OrganizationPublic,
    RecordStatus,
    TechnologyPublic,
)


class RedactedRecord(BaseModel):
    """A listing the caller may not see (others' unpublished technologies/demands, in the gateway's feed)."""

    id: str
    status: RecordStatus
    version: int


class WithheldRecord(BaseModel):
    """A record whose content the caller may not read (others' infringement cases, financing needs): that it
    changed, and its version, nothing else."""

    id: str
    version: int


class _ChangeFields(BaseModel):
    seq: int = Field(description="Strictly increasing position in the feed")
    id: str
    op: ChangeOp
    version: int = Field(description="Record version this event produced")
    at: datetime


_NOW = "as it is NOW (may be newer than `version`), or null if deleted"


class OrganizationChange(_ChangeFields):
    entity: Literal["organization"]
    record: OrganizationPublic | None = Field(None, description=f"The organization {_NOW}")


class TechnologyChange(_ChangeFields):
    entity: Literal["technology"]
    record: TechnologyPublic | RedactedRecord | None = Field(None, description=f"The technology {_NOW}; cut to id/status if you may not see it")


class DemandChange(_ChangeFields):
    entity: Literal["demand"]
    record: DemandPublic | RedactedRecord | None = Field(None, description=f"The demand {_NOW}; cut to id/status if you may not see it")


class PatentChange(_ChangeFields):
    entity: Literal["patent"]
    record: PatentPublic | None = Field(None, description=f"The patent {_NOW} (patents are public)")


class InfringementChange(_ChangeFields):
    entity: Literal["infringement"]
    record: InfringementPublic | WithheldRecord | None = Field(None, description=f"The infringement record {_NOW}; cut to id/version "
                                                                "unless you may read it")


class FinanceProductChange(_ChangeFields):
    entity: Literal["finance_product"]
    record: FinanceProductPublic | WithheldRecord | None = Field(None, description=f"The finance product {_NOW}; cut to id/version "
                                                                 "while it is not active, unless it is yours")


class FinancingNeedChange(_ChangeFields):
    entity: Literal["financing_need"]
    record: FinancingNeedPublic | WithheldRecord | None = Field(None, description=f"The financing need {_NOW}; cut to id/version "
                                                                "unless you may read it")


class EvaluationChange(_ChangeFields):
    entity: Literal["evaluation"]
    record: EvaluationPublic | None = Field(None, description=f"The technology evaluation {_NOW} (evaluations are public)")


class CatalogEditionChange(_ChangeFields):
    entity: Literal["catalog_edition"]
    record: CatalogEditionPublic | None = Field(None, description=f"The promotion catalog edition {_NOW}")


TypedChangeEvent = Annotated[
    OrganizationChange | TechnologyChange | DemandChange | PatentChange | InfringementChange | FinanceProductChange
    | FinancingNeedChange | EvaluationChange | CatalogEditionChange,
    Field(discriminator="entity"),
]


class ChangeFeedPage(BaseModel):
    items: list[TypedChangeEvent]
    last_seq: int = Field(description="Seq of the last item, or `after` when empty: pass as the next `after`")
    head_seq: int = Field(description="Highest seq a reader can safely have seen now (events at or below it never appear later)")
