"""/v1/catalog/editions: published promotion catalog editions (internal: the gateway runs nominations and review)."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from services.registry.catalog import repository, service
from services.registry.deps import Context
from services.registry.writes import Written, execute
from shared.errors import not_found
from shared.schemas import CatalogAdjustmentCreate, CatalogEditionCreate, CatalogEditionPublic

router = APIRouter(prefix="/v1/catalog/editions", tags=["catalog"])


def _written(row: Any) -> Written:
    public = service.to_public(row)
    return Written(lambda seq: {**public.model_dump(mode="json"), "seq": seq}, row.id, row.version)


@router.post("", status_code=201, response_model=CatalogEditionPublic, summary="Publish an edition (entries frozen now)")
def publish_catalog_edition(ctx: Context, request: Request, body: CatalogEditionCreate) -> Any:
    return execute(ctx.database, request, body.model_dump(mode="json"), lambda uow: _written(service.publish(uow, body)), status_code=201)


@router.get("", response_model=list[CatalogEditionPublic], summary="Published editions, newest first")
def list_editions(ctx: Context) -> list[CatalogEditionPublic]:
    with ctx.database.read() as session:
        return [service.to_public(r) for r in repository.newest_first(session)]


@router.get("/{edition_id}", response_model=CatalogEditionPublic)
def get_edition(ctx: Context, edition_id: str) -> CatalogEditionPublic:
    with ctx.database.read() as session:
        row = repository.get(session, edition_id)
        if row is None:
            raise not_found("catalog edition", edition_id)
        return service.to_public(row)


@router.post("/{edition_id}/adjustments", response_model=CatalogEditionPublic, summary="Dynamic adjustment: withdraw entries")
def adjust_catalog_edition(ctx: Context, request: Request, edition_id: str, body: CatalogAdjustmentCreate) -> Any:
    return execute(ctx.database, request, body.model_dump(mode="json"), lambda uow: _written(service.adjust(uow, edition_id, body)))
