"""Infringement record routes: thin, the rules are in infringements.service."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from services.gateway.auth.deps import PrincipalDep
from services.gateway.db import SessionDep
from services.gateway.infringements import service
from shared.errors import PROBLEM_RESPONSES
from shared.ip_schemas import InfringementCreate, InfringementEntryCreate, InfringementPublic

router = APIRouter(prefix="/v1", tags=["infringements"],
                   responses={**PROBLEM_RESPONSES, 404: {"description": "No such record (or not yours to read)"}})


@router.post("/infringements", status_code=201, response_model=InfringementPublic,
             summary="Record an infringement decision (admin or an authority key): reference, authority, parties, patent, date, evidence")
async def record_infringement(body: InfringementCreate, request: Request, principal: PrincipalDep, session: SessionDep) -> Any:
    return await service.create(session, request, principal, body)


@router.get("/infringements/export", summary="Export infringement records with their history as JSON Lines (credit-sharing)",
            responses={200: {"content": {"application/x-ndjson": {}}}})
async def export_infringements(request: Request, principal: PrincipalDep, org_id: str | None = None) -> Response:
    return Response(await service.export(request, principal, org_id), media_type="application/x-ndjson")


@router.get("/infringements/{record_id}", response_model=InfringementPublic, summary="One infringement record with its history")
async def get_infringement(record_id: str, request: Request, principal: PrincipalDep, session: SessionDep) -> Any:
    return await service.get(session, request, principal, record_id)


@router.post("/infringements/{record_id}/entries", response_model=InfringementPublic,
             summary="Answer or appeal (the accused organization), decide an appeal or correct (admin); history is append-only")
async def add_entry(record_id: str, body: InfringementEntryCreate, request: Request, principal: PrincipalDep,
                    session: SessionDep) -> Any:
    return await service.add_entry(session, request, principal, record_id, body)


@router.get("/organizations/{org_id}/infringements", summary="Infringement records on an organization's profile (brokers, counterparties)")
async def for_organization(org_id: str, request: Request, principal: PrincipalDep, session: SessionDep) -> Any:
    return await service.for_organization(session, request, principal, org_id)
