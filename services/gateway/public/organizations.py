from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from services.gateway.auth.deps import PrincipalDep
from services.gateway.db import SessionDep
from services.gateway.public import organization_service as svc
from shared.examples import ORGANIZATION_CREATE, ORGANIZATION_PATCH, body_examples
from shared.openapi import registry_write
from shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page
from shared.schemas import OrganizationCreate, OrganizationPublic, OrganizationUpdate

router = APIRouter(prefix="/v1/organizations", tags=["organizations"])


@router.post("", status_code=201, response_model=OrganizationPublic, name="create_organization",
             openapi_extra={**registry_write(), **body_examples(ORGANIZATION_CREATE)}, summary="Register an organization (admin; platforms for their own source)")
async def create(request: Request, session: SessionDep, principal: PrincipalDep, body: OrganizationCreate) -> Response:
    return await svc.create(request, session, principal, body)


@router.get("", response_model=Page[OrganizationPublic], name="list_organizations", summary="List organizations (contacts only for your own)")
async def list_(
    request: Request, principal: PrincipalDep,
    q: Annotated[str | None, Query(max_length=200, examples=["环保科技"])] = None,
    type: str | None = None,
    region: str | None = None,
    credit_code: Annotated[str | None, Query(description="统一社会信用代码")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Response:
    params = {"q": q, "type": type, "region": region, "credit_code": credit_code, "limit": limit, "cursor": cursor}
    return await svc.list_orgs(request, principal, params)


@router.get("/{org_id}", response_model=OrganizationPublic, name="get_organization", summary="Get an organization (contacts only for your own)")
async def get(request: Request, principal: PrincipalDep, org_id: str) -> Response:
    return JSONResponse(await svc.get(request, principal, org_id))


@router.patch("/{org_id}", response_model=OrganizationPublic, name="update_organization",
              openapi_extra={**registry_write(idempotent=False), **body_examples(ORGANIZATION_PATCH)}, summary="Update an organization (admin, or the organization itself)")
async def update(request: Request, session: SessionDep, principal: PrincipalDep, org_id: str, body: OrganizationUpdate) -> Response:
    return await svc.update(request, session, principal, org_id, body)
