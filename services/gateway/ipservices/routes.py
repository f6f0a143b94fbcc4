"""IP service routes: patents, a technology's patents, a deal's patent flags, the green IPC table, statistics."""
from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request

from services.gateway.auth.deps import PrincipalDep
from services.gateway.db import SessionDep
from services.gateway.ipservices import service
from shared.errors import PROBLEM_RESPONSES
from shared.ip_schemas import PatentCreate, PatentEventCreate, PatentPublic

router = APIRouter(prefix="/v1", responses={**PROBLEM_RESPONSES, 404: {"description": "No such record (or not yours to read)"}})
MAX_IPC = 30


class PatentStatsGroupBy(StrEnum):
    domain = "domain"
    region = "region"
    year = "year"


@router.post("/patents", status_code=201, response_model=PatentPublic, tags=["patents"],
             summary="Register a patent (admin, or an enterprise among its applicants)")
async def create_patent(body: PatentCreate, request: Request, principal: PrincipalDep, session: SessionDep) -> Any:
    return await service.create(session, request, principal, body)


@router.get("/patents", tags=["patents"], summary="Patents (filter by technology, holder organization, green domain)")
async def list_patents(request: Request, principal: PrincipalDep, technology_id: str | None = None, org_id: str | None = None,
                       green_domain: str | None = None, green: bool | None = None,
                       limit: Annotated[int, Query(ge=1, le=200)] = 50, cursor: str | None = None) -> Any:
    return await service.list_patents(request, principal, {"technology_id": technology_id, "org_id": org_id, "green": green,
                                                           "green_domain": green_domain, "limit": limit, "cursor": cursor})


@router.get("/patents/statistics", tags=["patents"], summary="Green patent statistics by domain, region or year, with growth (统计监测)")
async def patent_statistics(request: Request, principal: PrincipalDep, group_by: PatentStatsGroupBy = PatentStatsGroupBy.domain,
                            from_year: Annotated[int | None, Query(ge=1985, le=2100)] = None,
                            to_year: Annotated[int | None, Query(ge=1985, le=2100)] = None,
                            domain: str | None = None, region: Annotated[str | None, Query(examples=["330000"])] = None) -> Any:
    return await service.statistics(request, principal, {"group_by": group_by.value, "from_year": from_year, "to_year": to_year,
                                                         "domain": domain, "region": region})


@router.get("/patents/{patent_id}", response_model=PatentPublic, tags=["patents"], summary="One patent: status, flags, legal history")
async def get_patent(patent_id: str, request: Request, principal: PrincipalDep) -> Any:
    return await service.get(request, principal, patent_id)


@router.post("/patents/{patent_id}/events", response_model=PatentPublic, tags=["patents"],
             summary="Record a legal event (granted, lapsed, restored, transferred, pledged, pledge_released); history is append-only")
async def add_patent_event(patent_id: str, body: Annotated[PatentEventCreate, Body()], request: Request,
                           principal: PrincipalDep, session: SessionDep) -> Any:
    return await service.add_event(session, request, principal, patent_id, body)


@router.get("/technologies/{technology_id}/patents", tags=["patents"],
            summary="A technology's patents with their current status, and those flagged (lapsed, expired, pledged, pending)")
async def technology_patents(technology_id: str, request: Request, principal: PrincipalDep) -> Any:
    return await service.technology_patents(request, principal, technology_id)


@router.get("/deals/{deal_id}/patent-flags", tags=["deals", "patents"],
            summary="Before a deal: is any patent of its technology lapsed, expired, pledged or pending?")
async def deal_patent_flags(deal_id: str, request: Request, principal: PrincipalDep, session: SessionDep) -> Any:
    return await service.deal_patent_flags(session, request, principal, deal_id)


@router.get("/ipc-green", tags=["ipc-green"], summary="The green IPC reference table (绿色技术与国际专利分类参考关系表), filterable")
def ipc_green_table(principal: PrincipalDep, domain: str | None = None, subdomain: str | None = None,
                    kind: Annotated[str | None, Query(pattern="^(ipc|tag)$")] = None,
                    q: Annotated[str | None, Query(max_length=50, description="Symbol prefix (C02F) or words of the title (脱硝)")] = None) -> Any:
    return service.ipc_table(principal, domain=domain, subdomain=subdomain, kind=kind, q=q)


@router.get("/ipc-green/suggest", tags=["ipc-green"], summary="Suggest a technology's domain from its IPC codes (and title)")
def ipc_green_suggest(principal: PrincipalDep,
                      ipc: Annotated[list[str], Query(min_length=1, max_length=MAX_IPC, examples=["F03D 7/02"])],
                      title: Annotated[str | None, Query(max_length=200)] = None) -> Any:
    return service.suggest_from_ipc(principal, ipc, title)
