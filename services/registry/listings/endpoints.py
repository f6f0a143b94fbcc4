"""Routes for one listing kind (technologies or demands); thin: parse, call the service, shape the answer.

No `from __future__ import annotations` here: FastAPI reads the per-kind schema types from annotations.
"""
import json
from dataclasses import asdict
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.responses import StreamingResponse

from shared.errors import PROBLEM_RESPONSES, invalid, not_found
from shared.openapi import registry_write
from shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, decode_cursor, encode_cursor
from services.registry.deps import Actor, Context, IfMatch, resolve_version
from services.registry.listings import repository, service
from services.registry.listings.kinds import ListingKind
from services.registry.listings.repository import ListingFilters
from services.registry.listings.schemas import BulkUpsertResult, ListingSchemas, build, record_body
from services.registry.screening import service as screening
from services.registry.screening.schemas import OverrideRequest, ScreeningResult
from services.registry.writes import Written, execute

WRITE_RESPONSES: dict[int | str, dict[str, Any]] = {
    **PROBLEM_RESPONSES,
    404: {"description": "No such record"},
    409: {"description": "Stale version or conflicting state (problem+json with `current_version`)"},
}
EXPORT_BATCH = 500
ATOMIC_HELP = ("true (default): all or nothing, one invalid item -> 422 naming body.items.<i>.<field> and nothing is written. "
               "false: valid items are written; each invalid one comes back with outcome `invalid` and its errors "
               "(also collected in the top-level `errors`), and nothing of it is written.")


def _after(cursor: str | None) -> tuple[datetime, str] | None:
    keyset = decode_cursor(cursor)
    if keyset is None:
        return None
    try:
        return datetime.fromisoformat(keyset["u"]), str(keyset["i"])
    except (KeyError, TypeError, ValueError):
        raise invalid("query.cursor", "Not a cursor this API issued: pass `next_cursor` from the previous page unchanged.", status=400) from None


def _cursor(row: Any) -> str:
    return encode_cursor({"u": row.updated_at.isoformat(), "i": row.id})


def build_router(kind: ListingKind, filters_dep: Callable[..., ListingFilters], examples: dict[str, Any]) -> APIRouter:
    schemas: ListingSchemas = build(kind)
    entity, plural = kind.entity.value, kind.plural
    router = APIRouter(prefix=f"/v1/{plural}", tags=[plural])
    Filters = Annotated[ListingFilters, Depends(filters_dep)]

    def body_of(session: Any, row: Any) -> dict[str, Any]:
        return record_body(kind, schemas, row, screening.latest(session, row.id))

    def written(uow: Any, row: Any) -> Written:
        base = body_of(uow.session, row)
        return Written(lambda seq: {**base, "seq": seq}, row.id, row.version)

    @router.post("", status_code=201, response_model=schemas.written, responses=WRITE_RESPONSES, name=f"create_{entity}",
                 openapi_extra=registry_write(),
                 summary=f"Create a {entity}; screening (基础甄别) runs in the same transaction")
    def create(ctx: Context, request: Request,
               payload: Annotated[kind.create_schema, Body(openapi_examples=examples["create"])]) -> Any:  # type: ignore[name-defined]
        return execute(ctx.database, request, payload.model_dump(mode="json", exclude_unset=True),
                       lambda uow: written(uow, service.create(uow, kind, payload, ctx.policy)), status_code=201)

    @router.get("", response_model=schemas.page, name=f"list_{plural}", summary=f"List {plural} (filters, cursor pagination by updated_at)")
    def list_(ctx: Context, filters: Filters, limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
              cursor: Annotated[str | None, Query(description="`next_cursor` of the previous page")] = None) -> Any:
        after = _after(cursor)
        with ctx.database.read() as session:
            rows = repository.page(session, kind, filters, after=after, limit=limit)
            latest = screening.latest_for(session, [r.id for r in rows[:limit]])
            items = [record_body(kind, schemas, r, latest.get(r.id)) for r in rows[:limit]]
        return {"items": items, "next_cursor": _cursor(rows[limit - 1]) if len(rows) > limit else None}

    @router.get("/export", name=f"export_{plural}", summary=f"Export {plural} as JSON Lines (same filters as the list)",
                response_class=StreamingResponse,
                responses={200: {"description": f"One {entity} per line (JSON Lines)", "content": {"application/x-ndjson": {
                    "schema": {"type": "string"}, "example": examples["export_line"]}}}})
    def export(ctx: Context, filters: Filters) -> StreamingResponse:
        def lines() -> Iterator[bytes]:
            after = None
            while True:
                with ctx.database.read() as session:
                    rows = repository.page(session, kind, filters, after=after, limit=EXPORT_BATCH)
                    for row in rows[:EXPORT_BATCH]:
                        yield (json.dumps(kind.to_public(row).model_dump(mode="json"), ensure_ascii=False) + "\n").encode()
                if len(rows) <= EXPORT_BATCH:
                    return
                after = (rows[EXPORT_BATCH - 1].updated_at, rows[EXPORT_BATCH - 1].id)

        return StreamingResponse(lines(), media_type="application/x-ndjson",
                                 headers={"Content-Disposition": f'attachment; filename="{plural}.jsonl"'})

    @router.post("/bulk-upsert", response_model=BulkUpsertResult, responses=WRITE_RESPONSES, name=f"bulk_upsert_{plural}",
                 openapi_extra=registry_write(),
                 summary="Create or update by external_ref; all or nothing unless atomic=false; unchanged items are not touched")
    def bulk_upsert(ctx: Context, request: Request,
                    payload: Annotated[schemas.bulk, Body(openapi_examples=examples["bulk"])],  # type: ignore[name-defined]
                    atomic: Annotated[bool, Query(description=ATOMIC_HELP)] = True) -> Any:
        counts: dict[str, int] = {}

        def action(uow: Any) -> Written:
            outcomes = service.bulk_upsert(uow, kind, payload.items, ctx.policy, atomic=atomic)
            counts.update({o: sum(1 for r in outcomes if r.outcome == o) for o in ("created", "updated", "unchanged", "invalid")})
            items = [asdict(r) for r in outcomes]
            errors = [e for r in outcomes for e in r.errors]
            return Written(lambda seq: {"items": items, **counts, "errors": errors, "seq": seq})

        raw = payload.model_dump(mode="json", exclude_unset=True)
        response = execute(ctx.database, request, raw if atomic else {**raw, "atomic": False}, action)
        ctx.statistics.record(ctx.database, kind, counts.get("created", 0) + counts.get("updated", 0))  # after commit
        return response

    @router.get("/{record_id}", response_model=schemas.record, responses={404: {"description": "No such record"}}, name=f"get_{entity}",
                summary=f"Read a {entity} with its latest screening result")
    def read(ctx: Context, record_id: str) -> Any:
        with ctx.database.read() as session:
            row = repository.get(session, kind, record_id)
            if row is None:
                raise not_found(entity, record_id)
            return body_of(session, row)

    @router.patch("/{record_id}", response_model=schemas.written, responses=WRITE_RESPONSES, name=f"update_{entity}",
                  openapi_extra=registry_write(idempotent=False),
                  summary="Partial update with optimistic concurrency (`version` or If-Match); screening runs again")
    def patch(ctx: Context, request: Request, record_id: str, if_match: IfMatch,
              payload: Annotated[schemas.patch, Body(openapi_examples=examples["patch"])]) -> Any:  # type: ignore[name-defined]
        version = resolve_version(payload.version, if_match)
        return execute(ctx.database, request, payload.model_dump(mode="json", exclude_unset=True),
                       lambda uow: written(uow, service.update(uow, kind, record_id, payload, version, ctx.policy)))

    @router.post("/{record_id}/withdraw", response_model=schemas.written, responses=WRITE_RESPONSES, name=f"withdraw_{entity}",
                 openapi_extra=registry_write(),
                 summary="Withdraw the listing (owner's decision; stays in the registry, leaves matching)")
    def withdraw(ctx: Context, request: Request, record_id: str, if_match: IfMatch) -> Any:
        return execute(ctx.database, request, {"op": "withdraw"},
                       lambda uow: written(uow, service.withdraw(uow, kind, record_id, if_match)))

    @router.post("/{record_id}/renew", response_model=schemas.written, responses=WRITE_RESPONSES, name=f"renew_{entity}",
                 openapi_extra=registry_write(),
                 summary="Extend expiry by a listing period (one year) and republish after screening")
    def renew(ctx: Context, request: Request, record_id: str, if_match: IfMatch) -> Any:
        return execute(ctx.database, request, {"op": "renew"},
                       lambda uow: written(uow, service.renew(uow, kind, record_id, if_match, ctx.policy)))

    @router.post("/{record_id}/override", response_model=schemas.written, responses=WRITE_RESPONSES, name=f"override_{entity}_screening",
                 openapi_extra=registry_write(),
                 summary="Admin override of the screening decision, with a recorded reason and actor (X-Actor)")
    def override(ctx: Context, request: Request, record_id: str, if_match: IfMatch, actor: Actor,
                 payload: Annotated[OverrideRequest, Body(openapi_examples=examples["override"])]) -> Any:
        if actor is None:
            raise invalid("header.X-Actor", "An override must say who decides: send X-Actor: <role>:<key id>.")
        return execute(ctx.database, request, payload.model_dump(mode="json"),
                       lambda uow: written(uow, service.override(uow, kind, record_id, payload.status, payload.reason, actor,
                                                                 if_match, ctx.policy)))

    @router.get("/{record_id}/screening", response_model=list[ScreeningResult], name=f"list_{entity}_screening",
                summary="Screening history (automatic results and overrides), oldest first")
    def screening_history(ctx: Context, record_id: str) -> Any:
        with ctx.database.read() as session:
            if repository.get(session, kind, record_id) is None:
                raise not_found(entity, record_id)
            return screening.history(session, record_id)

    return router
