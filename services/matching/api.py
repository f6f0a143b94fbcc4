"""HTTP routes (thin: validation by the schemas, work in service.py)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Path, Query, Request

from shared.matching_schemas import (
    BatchRequest, BatchResponse, RebuildResponse, RecordQuery, SearchRequest, SearchResponse, SimilarRequest,
    StatusResponse,
)
from services.matching.service import MatchingService
from shared.errors import PROBLEM_MEDIA_TYPE, Problem
from shared.schemas import Entity

PROBLEMS = {
    401: {"description": "Missing or wrong X-Service-Token", "model": Problem, "content": {PROBLEM_MEDIA_TYPE: {}}},
    404: {"description": "Record not indexed (never seen, or deleted)", "model": Problem, "content": {PROBLEM_MEDIA_TYPE: {}}},
    409: {"description": "`min_seq` not indexed yet (type not-indexed-yet, with indexed_seq and Retry-After)", "model": Problem,
          "content": {PROBLEM_MEDIA_TYPE: {}}},
    413: {"description": "Body too large", "model": Problem, "content": {PROBLEM_MEDIA_TYPE: {}}},
    422: {"description": "Invalid request: `errors[].field` names the field", "model": Problem, "content": {PROBLEM_MEDIA_TYPE: {}}},
}

SEARCH_EXAMPLES = {
    "need": {"summary": "企业需求找技术", "value": {
        "query": "我们是家具厂，喷漆车间排出的有机废气风量大、浓度低，环保检查不达标，需要治理方案",
        "target": "technology", "k": 5, "filters": {"region": "330000", "transfer_modes": ["license", "assignment"]}}},
    "supply": {"summary": "技术找需求", "value": {"query": "烧结烟气脱硫脱硝一体化", "target": "demand", "k": 10}},
}
RECORD_EXAMPLE = {"default": {"summary": "按预算筛选", "value": {"k": 10, "filters": {"budget_max_cny": "2000000"}, "min_seq": 1024}}}


def _service(request: Request) -> MatchingService:
    return request.app.state.matching


Service = Annotated[MatchingService, Depends(_service)]
RecordId = Annotated[str, Path(max_length=100, examples=["tec_01HZX3T6Q9"])]
IncludeUnpublished = Annotated[bool, Query(description="Serve the stored text of a record that is not published (the gateway "
                                                       "sets it only for callers who may read that record); otherwise such a record is 404")]

router = APIRouter(prefix="/v1", tags=["matching"], responses=PROBLEMS)


@router.post("/search", summary="Hybrid search over technologies or demands", response_model=SearchResponse)
async def search(service: Service, body: Annotated[SearchRequest, Body(openapi_examples=SEARCH_EXAMPLES)]) -> SearchResponse:
    return await service.search(body)


@router.post("/demands/{id}/technologies", summary="Technologies for a demand (need → supply)", response_model=SearchResponse)
async def technologies_for_demand(service: Service, id: RecordId,
                                  body: Annotated[RecordQuery, Body(openapi_examples=RECORD_EXAMPLE)] = RecordQuery(),
                                  include_unpublished: IncludeUnpublished = False) -> SearchResponse:
    return await service.for_record(Entity.demand, id, body, include_unpublished)


@router.post("/technologies/{id}/demands", summary="Demands for a technology (supply → needs)", response_model=SearchResponse)
async def demands_for_technology(service: Service, id: RecordId,
                                 body: Annotated[RecordQuery, Body(openapi_examples=RECORD_EXAMPLE)] = RecordQuery(),
                                 include_unpublished: IncludeUnpublished = False) -> SearchResponse:
    return await service.for_record(Entity.technology, id, body, include_unpublished)


@router.post("/similar", summary="Near-duplicates of a record or a draft text", response_model=SearchResponse)
async def similar(service: Service, body: Annotated[SimilarRequest, Body(openapi_examples={
    "draft": {"summary": "发布前查重", "value": {"entity": "technology", "text": "钢铁烧结烟气循环流化床脱硫+SCR脱硝一体化", "k": 5}},
    "record": {"summary": "已入库记录查重", "value": {"entity": "demand", "id": "dem_01HZX3T6Q9", "k": 5}},
})], include_unpublished: IncludeUnpublished = False) -> SearchResponse:
    return await service.similar(body, include_unpublished)


@router.post("/batch", summary="Several searches in one call (queries are embedded together)", response_model=BatchResponse)
async def batch(service: Service, body: Annotated[BatchRequest, Body(openapi_examples={
    "two": {"summary": "两条需求", "value": {"queries": [
        {"query": "污水厂脱水后的泥饼太湿，外运处置费用高", "k": 3},
        {"query": "厂房屋顶闲置，想装光伏发电", "k": 3}]}},
})]) -> BatchResponse:
    return await service.batch(body)


@router.get("/status", summary="Feed position, index sizes and model", response_model=StatusResponse)
async def status(service: Service) -> StatusResponse:
    return service.status()


@router.post("/admin/rebuild", status_code=202, summary="Rebuild every index from the feed (swapped in when done)",
             response_model=RebuildResponse)
async def rebuild(service: Service) -> RebuildResponse:
    return RebuildResponse(status="started" if service.request_rebuild() else "already_running")
