"""Search and recommendations (the matching service) for every role. Matching indexes only published records."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel

from services.gateway import upstream
from services.gateway.auth import permissions as perm
from services.gateway.auth.deps import Principal, PrincipalDep
from services.gateway.auth.permissions import Action
from shared.openapi import NOT_INDEXED_YET
from shared.examples import BATCH, RECORD_QUERY, SEARCH, SIMILAR, body_examples
from shared.matching_schemas import BatchRequest, RecordQuery, SearchRequest, SearchResponse, SimilarRequest, BatchResponse

router = APIRouter(tags=["matching"])


def _doc(examples: dict[str, Any]) -> dict[str, Any]:
    """Body examples, and Retry-After on the 409 a `min_seq` not indexed yet answers."""
    return {**NOT_INDEXED_YET, **body_examples(examples)}


async def _matching(request: Request, principal: Principal, path: str, body: BaseModel) -> Response:
    perm.require(principal, Action.match)
    resp = await upstream.call(upstream.get_matching(request), request, "POST", path, principal=principal,
                               service=upstream.MATCHING, json=body.model_dump(mode="json", exclude_unset=True))
    return upstream.relay(resp)


@router.post("/v1/search", response_model=SearchResponse, name="search", openapi_extra=_doc(SEARCH), summary="Hybrid explained search over technologies or demands")
async def search(request: Request, principal: PrincipalDep, body: SearchRequest) -> Response:
    return await _matching(request, principal, "/v1/search", body)


@router.post("/v1/demands/{demand_id}/technologies", response_model=SearchResponse, name="match_technologies_for_demand",
             openapi_extra=_doc(RECORD_QUERY), summary="Technologies (supply) for a demand")
async def technologies_for_demand(request: Request, principal: PrincipalDep, demand_id: str, body: RecordQuery) -> Response:
    return await _matching(request, principal, f"/v1/demands/{demand_id}/technologies", body)


@router.post("/v1/technologies/{technology_id}/demands", response_model=SearchResponse, name="match_demands_for_technology",
             openapi_extra=_doc(RECORD_QUERY), summary="Demands (needs) for a technology")
async def demands_for_technology(request: Request, principal: PrincipalDep, technology_id: str, body: RecordQuery) -> Response:
    return await _matching(request, principal, f"/v1/technologies/{technology_id}/demands", body)


@router.post("/v1/similar", response_model=SearchResponse, name="find_similar", openapi_extra=_doc(SIMILAR), summary="Near-duplicates of a record or a draft text")
async def similar(request: Request, principal: PrincipalDep, body: SimilarRequest) -> Response:
    return await _matching(request, principal, "/v1/similar", body)


@router.post("/v1/batch", response_model=BatchResponse, name="batch_search", openapi_extra=_doc(BATCH), summary="Up to 50 searches in one call")
async def batch(request: Request, principal: PrincipalDep, body: BatchRequest) -> Any:
    return await _matching(request, principal, "/v1/batch", body)
