from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query, Request

from services.gateway.audit import service as audit
from services.gateway.auth import service
from services.gateway.auth.deps import AdminDep
from services.gateway.auth.roles import Role
from services.gateway.auth.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyPublic
from services.gateway.db import SessionDep
from shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page

router = APIRouter(prefix="/v1/keys", tags=["keys"])

_CREATE_EXAMPLE = {"role": "enterprise", "org_id": "org_01HZX3", "name": "杭州绿源环保 对接接口", "expires_at": "2027-12-31T00:00:00Z"}


@router.post("", status_code=201, response_model=ApiKeyCreated, name="create_key", summary="Create an API key (admin); the key is shown once")
def create_key(
    request: Request,
    session: SessionDep,
    admin: AdminDep,
    body: Annotated[ApiKeyCreate, Body(openapi_examples={"enterprise": {"summary": "企业密钥", "value": _CREATE_EXAMPLE}})],
) -> ApiKeyCreated:
    row, key = service.create_key(session, body, created_by=admin.key_id)
    audit.record(session, admin, "key.create", "api_key", row.id,
                 {"role": row.role, "org_id": row.org_id, "name": row.name, "source": row.source},
                 request_id=request.state.request_id)
    session.commit()
    return ApiKeyCreated(**service.to_public(row).model_dump(), key=key)


@router.get("", response_model=Page[ApiKeyPublic], name="list_keys", summary="List API keys (admin); never shows keys, only prefixes")
def list_keys(
    session: SessionDep,
    _admin: AdminDep,
    org_id: str | None = None,
    role: Role | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[ApiKeyPublic]:
    rows, next_cursor = service.list_keys(session, org_id=org_id, role=role.value if role else None, cursor=cursor, limit=limit)
    return Page[ApiKeyPublic](items=[service.to_public(r) for r in rows], next_cursor=next_cursor)


@router.post("/{key_id}/revoke", response_model=ApiKeyPublic, name="revoke_key", summary="Revoke an API key (admin); takes effect at once")
def revoke_key(request: Request, session: SessionDep, admin: AdminDep, key_id: str) -> ApiKeyPublic:
    row = service.revoke(session, key_id)
    audit.record(session, admin, "key.revoke", "api_key", row.id, {"org_id": row.org_id}, request_id=request.state.request_id)
    session.commit()
    request.app.state.key_cache.invalidate_key(row.id)  # this process at once; other replicas within the cache TTL
    return service.to_public(row)
