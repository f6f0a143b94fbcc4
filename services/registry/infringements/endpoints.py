"""/v1/infringements: record, read, list by organization, append history entries, export JSON Lines."""
import json
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import Response

from services.registry.deps import Actor, Context
from services.registry.infringements import repository, service
from services.registry.writes import Written, execute
from shared.errors import PROBLEM_RESPONSES
from shared.ip_schemas import InfringementCreate, InfringementEntryCreate, InfringementPublic
from shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, decode_cursor, encode_cursor

router = APIRouter(prefix="/v1/infringements", tags=["infringements"],
                   responses={**PROBLEM_RESPONSES, 404: {"description": "No such infringement record"}})
ActorOrg = Annotated[str | None, Header(alias="X-Actor-Org", description="Organization of the acting key (set by the gateway)")]


def _written(uow: Any, row: Any) -> Written:
    base = service.to_public(uow.session, row).model_dump(mode="json")
    return Written(lambda seq: {**base, "seq": seq}, row.id, row.version)


@router.post("", status_code=201, summary="Record an infringement decision (侵权行为信息记录)")
def create_infringement(ctx: Context, request: Request, payload: InfringementCreate, actor: Actor, actor_org: ActorOrg = None) -> Any:
    return execute(ctx.database, request, payload.model_dump(mode="json", exclude_unset=True),
                   lambda uow: _written(uow, service.create(uow, payload, actor, actor_org)), status_code=201)


@router.get("", summary="Infringement records (by accused organization or patent)")
def list_infringements(ctx: Context, org_id: str | None = None, patent_id: str | None = None,
          limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT, cursor: str | None = None) -> Any:
    with ctx.database.read() as session:
        rows = repository.page(session, org_id=org_id, patent_id=patent_id, after_id=(decode_cursor(cursor) or {}).get("i"), limit=limit)
        items = [r.model_dump(mode="json") for r in service.to_public_many(session, rows[:limit])]
    return {"items": items, "next_cursor": encode_cursor({"i": rows[limit - 1].id}) if len(rows) > limit else None}


@router.get("/export", summary="All infringement records with their history as JSON Lines (credit-sharing platforms)",
            responses={200: {"content": {"application/x-ndjson": {}}}})
def export_infringements(ctx: Context, org_id: str | None = None) -> Response:
    with ctx.database.read() as session:
        rows = repository.page(session, org_id=org_id, patent_id=None, after_id=None, limit=None)
        lines = [json.dumps(r.model_dump(mode="json"), ensure_ascii=False) for r in service.to_public_many(session, rows)]
    return Response("".join(line + "\n" for line in lines), media_type="application/x-ndjson")


@router.get("/{record_id}", response_model=InfringementPublic, summary="One infringement record with its full history")
def get_infringement(ctx: Context, record_id: str) -> Any:
    with ctx.database.read() as session:
        return service.to_public(session, service.get(session, record_id))


@router.post("/{record_id}/entries", summary="Append an answer, appeal, appeal decision or correction (never edits history)")
def add_infringement_entry(ctx: Context, request: Request, record_id: str, payload: InfringementEntryCreate, actor: Actor,
              actor_org: ActorOrg = None) -> Any:
    return execute(ctx.database, request, payload.model_dump(mode="json", exclude_unset=True),
                   lambda uow: _written(uow, service.add_entry(uow, record_id, payload, actor, actor_org)))
