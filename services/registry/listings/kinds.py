"""What differs between the two listing kinds (technologies, demands); everything else is shared code."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from shared.schemas import (
    DemandCreate,
    DemandPublic,
    DemandUpdate,
    Entity,
    TechnologyCreate,
    TechnologyPublic,
    TechnologyUpdate,
)
from shared.text import normalize
from services.registry.demands.models import Demand, DemandGram
from services.registry.technologies.models import Technology, TechnologyGram


@dataclass(frozen=True)
class ListingKind:
    entity: Entity
    plural: str
    id_prefix: str
    model: type[Any]
    create_schema: type[BaseModel]
    update_schema: type[BaseModel]
    public_schema: type[BaseModel]
    required: tuple[str, ...]  # fields an update may not clear
    json_fields: frozenset[str]
    search_fields: tuple[str, ...]  # what `q` searches
    range_fields: tuple[str, str]  # (min, max) amount pair
    gram_model: type[Any]  # bigrams of search_text, for `q` (listings/grams.py)

    @property
    def content_fields(self) -> list[str]:
        """Fields a client writes (everything in Create except the external reference)."""
        return [f for f in self.create_schema.model_fields if f != "external_ref"]

    def search_text(self, row: Any) -> str:
        parts: list[str] = []
        for name in self.search_fields:
            value = getattr(row, name, None)
            if isinstance(value, list):
                parts.extend(str(v) for v in value)
            elif value:
                parts.append(str(value))
        return normalize(" ".join(parts))

    def to_public(self, row: Any) -> BaseModel:
        data = {name: getattr(row, name) for name in self.public_schema.model_fields if hasattr(row, name)}
        data["external_ref"] = {"source": row.source, "external_id": row.external_id} if row.source else None
        return self.public_schema.model_validate(data)


TECHNOLOGY = ListingKind(
    entity=Entity.technology,
    plural="technologies",
    id_prefix="tec",
    model=Technology,
    create_schema=TechnologyCreate,
    update_schema=TechnologyUpdate,
    public_schema=TechnologyPublic,
    required=("title", "domain"),
    json_fields=frozenset({"keywords", "benefit_figures", "patents", "transfer_modes"}),
    search_fields=("title", "summary", "description", "keywords"),
    range_fields=("price_min_cny", "price_max_cny"),
    gram_model=TechnologyGram,
)

DEMAND = ListingKind(
    entity=Entity.demand,
    plural="demands",
    id_prefix="dem",
    model=Demand,
    create_schema=DemandCreate,
    update_schema=DemandUpdate,
    public_schema=DemandPublic,
    required=("title", "kind"),
    json_fields=frozenset({"keywords", "cooperation_modes"}),
    search_fields=("title", "description", "keywords", "expected_indicators"),
    range_fields=("budget_min_cny", "budget_max_cny"),
    gram_model=DemandGram,
)

KINDS = {k.entity.value: k for k in (TECHNOLOGY, DEMAND)}
