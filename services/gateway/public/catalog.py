"""Taxonomy and the change feed."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from services.gateway import upstream
from services.gateway.auth import permissions as perm
from services.gateway.auth.deps import PrincipalDep
from services.gateway.auth.permissions import Action
from services.gateway.public import access
from services.gateway.public.registry_calls import registry
from shared.feed_schemas import ChangeFeedPage
from shared.schemas import TaxonomyDomain

router = APIRouter(tags=["catalog"])


@router.get("/v1/taxonomy", response_model=list[TaxonomyDomain], name="get_taxonomy", summary="Green technology domain tree (绿色技术领域分类)")
async def taxonomy(request: Request, principal: PrincipalDep) -> Response:
    perm.require(principal, Action.taxonomy_read)
    return upstream.relay(await registry(request, principal, "GET", "/v1/taxonomy"))


@router.get("/v1/changes", response_model=ChangeFeedPage, name="list_changes", summary="Change feed (admin, platforms): every write in seq order",
            description="Records a caller may not see are cut to `{id, status, version}`; contacts of others are removed.")
async def changes(
    request: Request, principal: PrincipalDep,
    after: Annotated[int, Query(ge=0, le=2**63 - 1)] = 0, limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Response:
    perm.require(principal, Action.changes_read)
    resp = await registry(request, principal, "GET", "/v1/changes", params={"after": after, "limit": limit})
    page = resp.json()
    page["items"] = [access.redact_change(principal, e) for e in page.get("items", [])]
    return upstream.relay(resp, content=page)
