"""Operator routes: expiry sweep, deferred screening, taxonomy."""
from typing import Any

from fastapi import APIRouter, Request

from shared import taxonomy
from shared.openapi import registry_write
from shared.schemas import TaxonomyDomain
from services.registry.deps import Context
from services.registry.listings import service
from services.registry.listings.kinds import KINDS
from services.registry.listings.schemas import ExpireResult, ScreenPendingResult
from services.registry.writes import Written, execute

router = APIRouter(prefix="/v1", tags=["admin"])


def expire_all(uow: Any) -> dict[str, list[str]]:
    return {name: service.expire_due(uow, kind) for name, kind in KINDS.items()}


@router.post("/admin/expire-due", response_model=ExpireResult, name="expire_due_listings", openapi_extra=registry_write(),
             summary="Mark published listings past expires_at as expired (feed events for each)")
def expire_due(ctx: Context, request: Request) -> Any:
    def action(uow: Any) -> Written:
        expired = expire_all(uow)
        return Written(lambda seq: {"expired": expired, "seq": seq})

    return execute(ctx.database, request, {"op": "expire-due"}, action)


@router.post("/admin/screen-pending", response_model=ScreenPendingResult, name="screen_pending_listings", openapi_extra=registry_write(),
             summary="Deferred screening mode: screen the listings still `submitted`")
def screen_pending(ctx: Context, request: Request) -> Any:
    def action(uow: Any) -> Written:
        done = {name: service.screen_pending(uow, kind, ctx.policy) for name, kind in KINDS.items()}
        return Written(lambda seq: {"screened": done, "seq": seq})

    return execute(ctx.database, request, {"op": "screen-pending"}, action)


@router.get("/taxonomy", response_model=list[TaxonomyDomain], name="get_taxonomy", summary="Green technology domain tree (codes and Chinese names)")
def get_taxonomy() -> list[dict[str, Any]]:
    return taxonomy.as_tree()
