"""Promotion catalog routes (推广目录): thin, the logic is in catalog.service."""
from __future__ import annotations

from typing import Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Request, Response

from services.gateway.auth.deps import PrincipalDep
from services.gateway.catalog import export, service
from services.gateway.catalog.schemas import (
    AdjustmentCreate,
    AdoptionReportCreate,
    AdoptionReportPublic,
    CallCreate,
    CallPublic,
    NominationCreate,
    NominationPublic,
    PublishRequest,
    ReviewCreate,
)
from services.gateway.db import SessionDep
from services.gateway.trading_common.clock import NowDep
from shared.errors import PROBLEM_RESPONSES
from shared.schemas import CatalogEditionPublic

router = APIRouter(prefix="/v1/catalog", tags=["catalog"], responses=PROBLEM_RESPONSES)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _call(row: Any) -> CallPublic:
    return CallPublic.model_validate(row, from_attributes=True)


@router.post("/calls", status_code=201, response_model=CallPublic, summary="Open a call for nominations (admin)")
def open_call(body: CallCreate, principal: PrincipalDep, session: SessionDep, now: NowDep) -> CallPublic:
    return _call(service.open_call(session, principal, body, now))


@router.get("/calls", response_model=list[CallPublic], summary="Calls for nominations, newest first")
def list_calls(principal: PrincipalDep, session: SessionDep) -> list[CallPublic]:
    return [_call(c) for c in service.calls(session, principal)]


@router.get("/calls/{call_id}", response_model=CallPublic)
def get_call(call_id: str, principal: PrincipalDep, session: SessionDep) -> CallPublic:
    return _call(service.readable_call(session, principal, call_id))


@router.post("/calls/{call_id}/nominations", status_code=201, response_model=NominationPublic,
             summary="Nominate a published technology (its owner, or a broker)")
async def nominate_for_catalog(call_id: str, body: NominationCreate, request: Request, principal: PrincipalDep, session: SessionDep,
                   now: NowDep) -> NominationPublic:
    return service.nomination_view(session, await service.nominate(session, request, principal, call_id, body, now))


@router.get("/calls/{call_id}/nominations", response_model=list[NominationPublic],
            summary="Nominations you may see (admins, evaluators: all; others: those they made or of their technologies)")
def list_nominations(call_id: str, principal: PrincipalDep, session: SessionDep) -> list[NominationPublic]:
    return [service.nomination_view(session, n) for n in service.nominations(session, principal, call_id)]


@router.get("/nominations/{nomination_id}", response_model=NominationPublic)
def get_nomination(nomination_id: str, principal: PrincipalDep, session: SessionDep) -> NominationPublic:
    return service.nomination_view(session, service.readable_nomination(session, principal, nomination_id))


@router.post("/nominations/{nomination_id}/reviews", status_code=201, response_model=NominationPublic,
             summary="Expert review of a nomination (evaluator): score 0–100, recommendation, comments")
def review_nomination(nomination_id: str, body: ReviewCreate, principal: PrincipalDep, session: SessionDep, now: NowDep) -> NominationPublic:
    return service.nomination_view(session, service.review(session, principal, nomination_id, body, now))


@router.post("/calls/{call_id}/publish", status_code=201, response_model=CatalogEditionPublic,
             summary="Publish the edition: nominations with enough reviews and mean score, frozen by the registry (admin)")
async def publish_catalog_edition(call_id: str, body: PublishRequest, request: Request, principal: PrincipalDep, session: SessionDep,
                  now: NowDep) -> Any:
    return await service.publish(session, request, principal, call_id, body, now)


@router.get("/editions", response_model=list[CatalogEditionPublic], summary="Published editions, newest first")
async def list_editions(request: Request, principal: PrincipalDep) -> Any:
    return await service.editions(request, principal)


@router.get("/editions/{edition_id}", response_model=CatalogEditionPublic, summary="One edition; `domain` narrows its entries")
async def get_edition(edition_id: str, request: Request, principal: PrincipalDep, domain: str | None = None) -> Any:
    return await service.edition(request, principal, edition_id, domain)


@router.get("/editions/{edition_id}/export", summary="The edition as JSON or as an xlsx workbook",
            responses={200: {"content": {XLSX: {}, "application/json": {}}}})
async def export_edition(edition_id: str, request: Request, principal: PrincipalDep, format: Literal["json", "xlsx"] = "xlsx",
                         domain: str | None = None) -> Response:
    found = await service.edition(request, principal, edition_id, domain)
    if format == "json":
        return Response(CatalogEditionPublic.model_validate(found).model_dump_json(), media_type="application/json")
    filename = quote(f"绿色技术推广目录_{found['name']}.xlsx")
    return Response(export.edition_xlsx(found), media_type=XLSX,
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{filename}"})


@router.post("/editions/{edition_id}/adjustments", response_model=CatalogEditionPublic,
             summary="Dynamic adjustment (动态调整): withdraw entries with a reason (admin)")
async def adjust_catalog_edition(edition_id: str, body: AdjustmentCreate, request: Request, principal: PrincipalDep, session: SessionDep) -> Any:
    return await service.adjust(session, request, principal, edition_id, body)


@router.post("/editions/{edition_id}/adoption-reports", status_code=201, response_model=AdoptionReportPublic,
             summary="Follow-up report on the adoption of an entry (its owner, or a broker)")
async def report_adoption(edition_id: str, body: AdoptionReportCreate, request: Request, principal: PrincipalDep,
                          session: SessionDep, now: NowDep) -> AdoptionReportPublic:
    row = await service.report_adoption(session, request, principal, edition_id, body, now)
    return AdoptionReportPublic.model_validate(row, from_attributes=True)


@router.get("/editions/{edition_id}/adoption-reports", response_model=list[AdoptionReportPublic])
async def list_adoption_reports(edition_id: str, request: Request, principal: PrincipalDep, session: SessionDep) -> list[AdoptionReportPublic]:
    return [AdoptionReportPublic.model_validate(r, from_attributes=True)
            for r in await service.adoption_reports(session, request, principal, edition_id)]
