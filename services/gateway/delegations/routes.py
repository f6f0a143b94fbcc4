"""/v1/delegations: which organizations let which trading platform write their records."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from services.gateway.auth.deps import AdminDep, PrincipalDep
from services.gateway.db import SessionDep
from services.gateway.delegations import service
from services.gateway.delegations.schemas import DelegationCreate, DelegationPublic
from shared.errors import PROBLEM_RESPONSES
from shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page

router = APIRouter(prefix="/v1/delegations", tags=["delegations"], responses=PROBLEM_RESPONSES)


@router.post("", status_code=201, response_model=DelegationPublic,
             summary="Let a trading platform write an organization's records (admin, on the organization's mandate)")
async def create_delegation(body: DelegationCreate, request: Request, admin: AdminDep, session: SessionDep) -> DelegationPublic:
    return service.view(await service.grant(session, request, admin, body))


@router.get("", response_model=Page[DelegationPublic],
            summary="Delegations (admin: all; others: those your organization gave or received)")
def list_delegations(principal: PrincipalDep, session: SessionDep, limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
                     cursor: str | None = None) -> Page[DelegationPublic]:
    rows, next_cursor = service.list_page(session, principal, cursor, limit)
    return Page[DelegationPublic](items=[service.view(r) for r in rows], next_cursor=next_cursor)


@router.post("/{delegation_id}/revoke", response_model=DelegationPublic, summary="Revoke a delegation (admin); takes effect at once")
def revoke_delegation(delegation_id: str, request: Request, admin: AdminDep, session: SessionDep) -> DelegationPublic:
    return service.view(service.revoke(session, admin, delegation_id, request_id=request.state.request_id))
