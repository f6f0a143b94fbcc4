"""/v1/organizations."""
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request
from pydantic import Field, create_model

from services.registry.deps import Context, IfMatch, resolve_version
from services.registry.organizations import repository, service
from services.registry.writes import Written, execute
from shared import identifiers
from shared.errors import PROBLEM_RESPONSES, invalid, not_found
from shared.examples import ORGANIZATION_CREATE, ORGANIZATION_PATCH
from shared.openapi import registry_write
from shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, decode_cursor, encode_cursor
from shared.schemas import OrganizationCreate, OrganizationPublic, OrganizationType, OrganizationUpdate

router = APIRouter(prefix="/v1/organizations", tags=["organizations"])

OrganizationWritten = create_model("OrganizationWritten", __base__=OrganizationPublic, seq=(int, Field(description="Feed position of this write")))
OrganizationPatch = create_model("OrganizationPatch", __base__=OrganizationUpdate, version=(int | None, Field(None, ge=1, le=2**31 - 1, description='The version you read (or If-Match)')))
OrganizationPage = create_model("OrganizationPage", items=(list[OrganizationPublic], ...), next_cursor=(str | None, None))

RESPONSES: dict[int | str, dict[str, Any]] = {**PROBLEM_RESPONSES, 404: {"description": "No such organization"}, 409: {"description": "Stale version or duplicate credit code"}}


def _written(org: Any) -> Written:
    base = service.to_public(org).model_dump(mode="json")
    return Written(lambda seq: {**base, "seq": seq}, org.id, org.version)


@router.post("", status_code=201, response_model=OrganizationWritten, responses=RESPONSES, name="create_organization",
             openapi_extra=registry_write(), summary="Register an organization")
def create(ctx: Context, request: Request, payload: Annotated[OrganizationCreate, Body(openapi_examples=ORGANIZATION_CREATE)]) -> Any:
    return execute(ctx.database, request, payload.model_dump(mode="json", exclude_unset=True),
                   lambda uow: _written(service.create(uow, payload)), status_code=201)


@router.get("", response_model=OrganizationPage, name="list_organizations", summary="List organizations (cursor pagination)")
def list_(ctx: Context,
          region: Annotated[str | None, Query(description="GB/T 2260 code, prefix-aware", examples=["330000"])] = None,
          type: Annotated[OrganizationType | None, Query()] = None,
          q: Annotated[str | None, Query(max_length=100, description="Words in the name", examples=["环保"])] = None,
          credit_code: Annotated[str | None, Query(description="统一社会信用代码")] = None,
          limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT, cursor: str | None = None) -> Any:
    if region is not None:
        try:
            region = identifiers.validate_region(region)
        except ValueError as exc:
            raise invalid("query.region", str(exc)) from None
    keyset = decode_cursor(cursor)
    try:
        after = (datetime.fromisoformat(keyset["u"]), str(keyset["i"])) if keyset else None
    except (KeyError, TypeError, ValueError):
        raise invalid("query.cursor", "Not a cursor this API issued.", status=400) from None
    with ctx.database.read() as session:
        rows = repository.page(session, region=region, type_=type.value if type else None, q=q, credit_code=credit_code,
                               after=after, limit=limit)
    items = [service.to_public(r).model_dump(mode="json") for r in rows[:limit]]
    last = rows[limit - 1] if len(rows) > limit else None
    return {"items": items, "next_cursor": encode_cursor({"u": last.updated_at.isoformat(), "i": last.id}) if last else None}


@router.get("/{org_id}", response_model=OrganizationPublic, responses={404: {"description": "No such organization"}},
            name="get_organization", summary="Read an organization")
def read(ctx: Context, org_id: str) -> Any:
    with ctx.database.read() as session:
        org = repository.get(session, org_id)
    if org is None:
        raise not_found("organization", org_id)
    return service.to_public(org)


@router.patch("/{org_id}", response_model=OrganizationWritten, responses=RESPONSES, name="update_organization",
              openapi_extra=registry_write(idempotent=False), summary="Partial update (optimistic concurrency)")
def patch(ctx: Context, request: Request, org_id: str, if_match: IfMatch,
          payload: Annotated[OrganizationPatch, Body(openapi_examples=ORGANIZATION_PATCH)]) -> Any:  # type: ignore[valid-type]
    version = resolve_version(payload.version, if_match)
    return execute(ctx.database, request, payload.model_dump(mode="json", exclude_unset=True),
                   lambda uow: _written(service.update(uow, org_id, payload, version)))
