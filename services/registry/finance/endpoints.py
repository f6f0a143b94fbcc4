"""/v1/finance-products and /v1/financing-needs: create, read, list, change status. Thin."""
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from services.registry.deps import Context
from services.registry.finance import service
from services.registry.finance.models import FinanceProductRow, FinancingNeedRow
from services.registry.writes import Written, execute
from shared.errors import PROBLEM_RESPONSES
from shared.finance_schemas import (
    FinanceProductCreate,
    FinanceProductPublic,
    FinancingNeedCreate,
    FinancingNeedPublic,
    StatusChange,
)
from shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, decode_cursor, encode_cursor

products = APIRouter(prefix="/v1/finance-products", tags=["finance"], responses={**PROBLEM_RESPONSES, 404: {"description": "No such product"}})
needs = APIRouter(prefix="/v1/financing-needs", tags=["finance"], responses={**PROBLEM_RESPONSES, 404: {"description": "No such need"}})
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]


def _written(body: Any, row: Any) -> Written:
    base = body.model_dump(mode="json")
    return Written(lambda seq: {**base, "seq": seq}, row.id, row.version)


def _page(ctx: Any, model: Any, to_public: Any, status: str | None, org_id: str | None, limit: int, cursor: str | None) -> Any:
    with ctx.database.read() as session:
        rows = service.page(session, model, status=status, org_id=org_id, after_id=(decode_cursor(cursor) or {}).get("i"), limit=limit)
        items = [to_public(r).model_dump(mode="json") for r in rows[:limit]]
    return {"items": items, "next_cursor": encode_cursor({"i": rows[limit - 1].id}) if len(rows) > limit else None}


@products.post("", status_code=201, summary="Publish a finance product (a financial institution's)")
def create_product(ctx: Context, request: Request, payload: FinanceProductCreate) -> Any:
    def act(uow: Any) -> Written:
        row = service.create_product(uow, payload)
        return _written(service.product_public(row), row)
    return execute(ctx.database, request, payload.model_dump(mode="json", exclude_unset=True), act, status_code=201)


@products.get("", summary="Finance products")
def list_products(ctx: Context, status: str | None = None, org_id: str | None = None, limit: Limit = DEFAULT_LIMIT,
                  cursor: str | None = None) -> Any:
    return _page(ctx, FinanceProductRow, service.product_public, status, org_id, limit, cursor)


@products.get("/{product_id}", response_model=FinanceProductPublic, summary="One finance product")
def get_product(ctx: Context, product_id: str) -> Any:
    with ctx.database.read() as session:
        return service.product_public(service.get_product(session, product_id))


@products.post("/{product_id}/status", summary="Withdraw or re-activate a product")
def product_status(ctx: Context, request: Request, product_id: str, payload: StatusChange) -> Any:
    def act(uow: Any) -> Written:
        row = service.set_status(uow, service.get_product(uow.session, product_id, for_update=True), payload.status, service.PRODUCT_STATUSES, service.PRODUCT)
        return _written(service.product_public(row), row)
    return execute(ctx.database, request, payload.model_dump(mode="json"), act)


@needs.post("", status_code=201, summary="Post a financing need (a technology holder's)")
def create_need(ctx: Context, request: Request, payload: FinancingNeedCreate) -> Any:
    def act(uow: Any) -> Written:
        row = service.create_need(uow, payload)
        return _written(service.need_public(row), row)
    return execute(ctx.database, request, payload.model_dump(mode="json", exclude_unset=True), act, status_code=201)


@needs.get("", summary="Financing needs")
def list_needs(ctx: Context, status: str | None = None, org_id: str | None = None, limit: Limit = DEFAULT_LIMIT,
               cursor: str | None = None) -> Any:
    return _page(ctx, FinancingNeedRow, service.need_public, status, org_id, limit, cursor)


@needs.get("/{need_id}", response_model=FinancingNeedPublic, summary="One financing need")
def get_need(ctx: Context, need_id: str) -> Any:
    with ctx.database.read() as session:
        return service.need_public(service.get_need(session, need_id))


@needs.post("/{need_id}/status", summary="Mark a need funded, withdrawn or open again")
def need_status(ctx: Context, request: Request, need_id: str, payload: StatusChange) -> Any:
    def act(uow: Any) -> Written:
        row = service.set_status(uow, service.get_need(uow.session, need_id, for_update=True), payload.status, service.NEED_STATUSES, service.NEED)
        return _written(service.need_public(row), row)
    return execute(ctx.database, request, payload.model_dump(mode="json"), act)
