"""Search and recommendations (the matching service) for every role.

Matching indexes only published records, but it remembers the text of every record it saw so an owner can
match their own draft. So a record id is first read as the caller (services.gateway.public.records): another
tenant's unpublished record answers 404 exactly like a missing one, and matching is told to serve an
unpublished record's text only when the caller may read it."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel

from services.gateway import upstream
from services.gateway.auth import permissions as perm
from services.gateway.auth.deps import Principal, PrincipalDep
from services.gateway.auth.permissions import Action
from services.gateway.public import access, records
from shared.openapi import NOT_INDEXED_YET
from shared.examples import BATCH, RECORD_QUERY, SEARCH, SIMILAR, body_examples
from shared.matching_schemas import BatchRequest, RecordQuery, SearchRequest, SearchResponse, SimilarRequest, BatchResponse

router = APIRouter(tags=["matching"])


def _doc(examples: dict[str, Any]) -> dict[str, Any]:
    """Body examples, and Retry-After on the 409 a `min_seq` not indexed yet answers."""
    return {**NOT_INDEXED_YET, **body_examples(examples)}


async def _matching(request: Request, principal: Principal, path: str, body: BaseModel,
                    params: dict[str, str] | None = None) -> Response:
    perm.require(principal, Action.match)
    resp = await upstream.call(upstream.get_matching(request), request, "POST", path, principal=principal,
                               service=upstream.MATCHING, json=body.model_dump(mode="json", exclude_unset=True), params=params)
    return upstream.relay(resp)


async def _by_record(request: Request, principal: Principal, entity: str, record_id: str, path: str, body: BaseModel) -> Response:
    """Match from a stored record, after checking the caller may read it (404 otherwise, as if missing)."""
    perm.require(principal, Action.match)
    record = await records.fetch_visible(request, principal, entity, record_id)
    params = {"include_unpublished": "true"} if record.get("status") != access.PUBLISHED else None
    return await _matching(request, principal, path, body, params)


@router.post("/v1/search", response_model=SearchResponse, name="search", openapi_extra=_doc(SEARCH), summary="Hybrid explained search over technologies or demands")
async def search(request: Request, principal: PrincipalDep, body: SearchRequest) -> Response:
    return await _matching(request, principal, "/v1/search", body)


@router.post("/v1/demands/{demand_id}/technologies", response_model=SearchResponse, name="match_technologies_for_demand",
             openapi_extra=_doc(RECORD_QUERY), summary="Technologies (supply) for a demand")
async def technologies_for_demand(request: Request, principal: PrincipalDep, demand_id: str, body: RecordQuery) -> Response:
    return await _by_record(request, principal, "demand", demand_id, f"/v1/demands/{demand_id}/technologies", body)


@router.post("/v1/technologies/{technology_id}/demands", response_model=SearchResponse, name="match_demands_for_technology",
             openapi_extra=_doc(RECORD_QUERY), summary="Demands (needs) for a technology")
async def demands_for_technology(request: Request, principal: PrincipalDep, technology_id: str, body: RecordQuery) -> Response:
    return await _by_record(request, principal, "technology", technology_id, f"/v1/technologies/{technology_id}/demands", body)


@router.post("/v1/similar", response_model=SearchResponse, name="find_similar", openapi_extra=_doc(SIMILAR), summary="Near-duplicates of a record or a draft text")
async def similar(request: Request, principal: PrincipalDep, body: SimilarRequest) -> Response:
    if body.id is not None:
        return await _by_record(request, principal, body.entity, body.id, "/v1/similar", body)
    return await _matching(request, principal, "/v1/similar", body)


@router.post("/v1/batch", response_model=BatchResponse, name="batch_search", openapi_extra=_doc(BATCH), summary="Up to 50 searches in one call")
async def batch(request: Request, principal: PrincipalDep, body: BatchRequest) -> Any:
    return await _matching(request, principal, "/v1/batch", body)
