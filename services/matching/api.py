"""HTTP routes (thin: validation by the schemas, work in service.py)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Path, Query, Request

from shared.matching_schemas import (
    BatchRequest, BatchResponse, RebuildResponse, RecordBatchRequest, RecordBatchResponse, RecordQuery, SearchRequest, SearchResponse, SimilarRequest,
    StatusResponse,
)
from services.matching.service import MatchingService
from shared import examples
from shared.errors import PROBLEM_MEDIA_TYPE, Problem
from shared.openapi import NOT_INDEXED_YET
from shared.schemas import Entity

PROBLEMS = {
    401: {"description": "Missing or wrong X-Service-Token", "model": Problem, "content": {PROBLEM_MEDIA_TYPE: {}}},
    404: {"description": "Record not indexed (never seen, or deleted)", "model": Problem, "content": {PROBLEM_MEDIA_TYPE: {}}},
    409: {"description": "`min_seq` not indexed yet (type not-indexed-yet, with indexed_seq and Retry-After)", "model": Problem,
          "content": {PROBLEM_MEDIA_TYPE: {}}},
    413: {"description": "Body too large", "model": Problem, "content": {PROBLEM_MEDIA_TYPE: {}}},
    422: {"description": "Invalid request: `errors[].field` names the field", "model": Problem, "content": {PROBLEM_MEDIA_TYPE: {}}},
}

SEARCH_EXAMPLES = examples.SEARCH
RECORD_EXAMPLE = examples.RECORD_QUERY


def _service(request: Request) -> MatchingService:
    return request.app.state.matching


Service = Annotated[MatchingService, Depends(_service)]
RecordId = Annotated[str, Path(max_length=100, examples=["tec_01HZX3T6Q9"])]
IncludeUnpublished = Annotated[bool, Query(description="Serve the stored text of a record that is not published (the gateway "
                                                       "sets it only for callers who may read that record); otherwise such a record is 404")]

router = APIRouter(prefix="/v1", tags=["matching"], responses=PROBLEMS)


@router.post("/search", name="search", openapi_extra=NOT_INDEXED_YET, summary="Hybrid search over technologies or demands", response_model=SearchResponse)
async def search(service: Service, body: Annotated[SearchRequest, Body(openapi_examples=SEARCH_EXAMPLES)]) -> SearchResponse:
    return await service.search(body)


@router.post("/demands/{id}/technologies", name="match_technologies_for_demand", openapi_extra=NOT_INDEXED_YET, summary="Technologies for a demand (need → supply)", response_model=SearchResponse)
async def technologies_for_demand(service: Service, id: RecordId,
                                  body: Annotated[RecordQuery, Body(openapi_examples=RECORD_EXAMPLE)] = RecordQuery(),
                                  include_unpublished: IncludeUnpublished = False) -> SearchResponse:
    return await service.for_record(Entity.demand, id, body, include_unpublished)


@router.post("/technologies/{id}/demands", name="match_demands_for_technology", openapi_extra=NOT_INDEXED_YET, summary="Demands for a technology (supply → needs)", response_model=SearchResponse)
async def demands_for_technology(service: Service, id: RecordId,
                                 body: Annotated[RecordQuery, Body(openapi_examples=RECORD_EXAMPLE)] = RecordQuery(),
                                 include_unpublished: IncludeUnpublished = False) -> SearchResponse:
    return await service.for_record(Entity.technology, id, body, include_unpublished)


@router.post("/similar", name="find_similar", openapi_extra=NOT_INDEXED_YET, summary="Near-duplicates of a record or a draft text", response_model=SearchResponse)
async def similar(service: Service, body: Annotated[SimilarRequest, Body(openapi_examples=examples.SIMILAR)],
                  include_unpublished: IncludeUnpublished = False) -> SearchResponse:
    return await service.similar(body, include_unpublished)


@router.post("/batch", name="batch_search", openapi_extra=NOT_INDEXED_YET, summary="Several searches in one call (queries are embedded together)", response_model=BatchResponse)
async def batch(service: Service, body: Annotated[BatchRequest, Body(openapi_examples=examples.BATCH)]) -> BatchResponse:
    return await service.batch(body)


@router.post("/records/batch", name="batch_record_matches", openapi_extra=NOT_INDEXED_YET,
             summary="Record-to-record matches of many records in one call (demands for each technology, or the reverse)",
             response_model=RecordBatchResponse)
async def records_batch(service: Service, body: RecordBatchRequest) -> RecordBatchResponse:
    return await service.for_records(body)


@router.get("/status", name="get_status", summary="Feed position, index sizes and model", response_model=StatusResponse)
async def status(service: Service) -> StatusResponse:
    return service.status()


@router.post("/admin/rebuild", status_code=202, name="rebuild_index", summary="Rebuild every index from the feed (swapped in when done)",
             response_model=RebuildResponse)
async def rebuild(service: Service) -> RebuildResponse:
    return RebuildResponse(status="started" if service.request_rebuild() else "already_running")
