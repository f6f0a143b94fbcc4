"""/v1/patents: create, read, list, legal events, green patent statistics. Thin: the logic is in patents.service."""
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request

from services.registry.deps import Actor, Context
from services.registry.patents import repository, service
from services.registry.writes import Written, execute
from shared import identifiers, taxonomy
from shared.errors import PROBLEM_RESPONSES, invalid
from shared.ip_schemas import PatentCreate, PatentEventCreate, PatentPublic
from shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, decode_cursor, encode_cursor

router = APIRouter(prefix="/v1/patents", tags=["patents"], responses={**PROBLEM_RESPONSES, 404: {"description": "No such patent"}})


class PatentStatsGroupBy(StrEnum):
    domain = "domain"
    region = "region"
    year = "year"


def _written(uow: Any, row: Any) -> Written:
    base = service.to_public(uow.session, row).model_dump(mode="json")
    return Written(lambda seq: {**base, "seq": seq}, row.id, row.version)


@router.post("", status_code=201, summary="Register a patent (application number checked, IPC codes validated)")
def create_patent(ctx: Context, request: Request, payload: PatentCreate) -> Any:
    return execute(ctx.database, request, payload.model_dump(mode="json", exclude_unset=True),
                   lambda uow: _written(uow, service.create(uow, payload)), status_code=201)


@router.get("", summary="List patents (by technology, holder organization, green domain)")
def list_patents(ctx: Context, technology_id: str | None = None, org_id: str | None = None,
          green_domain: Annotated[str | None, Query(description="Domain of the green IPC table")] = None,
          green: bool | None = None, limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
          cursor: str | None = None) -> Any:
    after = (decode_cursor(cursor) or {}).get("i")
    with ctx.database.read() as session:
        rows = repository.page(session, technology_id=technology_id, org_id=org_id, green_domain=green_domain,
                               green=green, after_id=after, limit=limit)
        items = [p.model_dump(mode="json") for p in service.to_public_many(session, rows[:limit])]
    return {"items": items, "next_cursor": encode_cursor({"i": rows[limit - 1].id}) if len(rows) > limit else None}


@router.get("/statistics", summary="Green patent statistics by domain, region or filing year, with growth (统计监测)")
def patent_statistics(ctx: Context, group_by: PatentStatsGroupBy = PatentStatsGroupBy.domain,
               from_year: Annotated[int | None, Query(ge=1985, le=2100)] = None,
               to_year: Annotated[int | None, Query(ge=1985, le=2100)] = None,
               domain: str | None = None, region: str | None = None) -> Any:
    if from_year and to_year and from_year > to_year:
        raise invalid("query.from_year", f"from_year {from_year} is after to_year {to_year}.")
    if domain is not None and not taxonomy.is_domain(domain):
        raise invalid("query.domain", f"unknown domain {domain!r}; one of {', '.join(taxonomy.DOMAINS)}")
    if region is not None:
        try:
            region = identifiers.validate_region(region)
        except ValueError as exc:
            raise invalid("query.region", str(exc)) from None
    with ctx.database.read() as session:
        return service.statistics(session, group_by=group_by.value, from_year=from_year, to_year=to_year,
                                  domain=domain, region=region)


@router.get("/{patent_id}", response_model=PatentPublic, summary="One patent with its legal status and event history")
def get_patent(ctx: Context, patent_id: str) -> Any:
    with ctx.database.read() as session:
        return service.to_public(session, service.get(session, patent_id))


@router.post("/{patent_id}/events", summary="Record a legal event (granted, lapsed, restored, transferred, pledged, pledge_released)")
def add_patent_event(ctx: Context, request: Request, patent_id: str, actor: Actor,
              payload: Annotated[PatentEventCreate, Body()]) -> Any:
    return execute(ctx.database, request, payload.model_dump(mode="json", exclude_unset=True),
                   lambda uow: _written(uow, service.add_event(uow, patent_id, payload, actor)))
