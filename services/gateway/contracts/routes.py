"""Technology contract registration routes (技术合同登记): thin, the logic is in contracts.service."""
from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from services.gateway.auth.deps import PrincipalDep
from services.gateway.contracts import service
from services.gateway.contracts.schemas import (
    ContractGroupBy,
    ContractPublic,
    ContractRegister,
    ContractStats,
)
from services.gateway.db import SessionDep
from services.gateway.trading_common.clock import NowDep
from services.gateway.trading_common.pages import Limit, before, next_cursor
from shared.errors import PROBLEM_RESPONSES, invalid
from shared.pagination import DEFAULT_LIMIT, Page

router = APIRouter(prefix="/v1/contracts", tags=["contracts"], responses=PROBLEM_RESPONSES)
MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"
Month = Annotated[str | None, Query(pattern=MONTH, description="YYYY-MM", examples=["2026-12"])]


class ExportFormat(StrEnum):
    jsonl = "jsonl"
    csv = "csv"


@router.post("", status_code=201, response_model=ContractPublic, summary="Register a closed deal's technology contract (技术合同登记)")
async def register_contract(body: ContractRegister, request: Request, principal: PrincipalDep, session: SessionDep, now: NowDep) -> ContractPublic:
    return service.view(await service.register(session, request, principal, body, now))


@router.get("", response_model=Page[ContractPublic], summary="Registered contracts you are party to (all for admins)")
def list_contracts(principal: PrincipalDep, session: SessionDep, limit: Limit = DEFAULT_LIMIT,
                   cursor: str | None = None) -> Page[ContractPublic]:
    rows = service.visible(session, principal, limit + 1, before(cursor))
    return Page[ContractPublic](items=[service.view(c) for c in rows[:limit]], next_cursor=next_cursor(rows, limit))


@router.get("/export", summary="Export the contracts you may read as JSON Lines or CSV (UTF-8)",
            responses={200: {"content": {"application/x-ndjson": {}, "text/csv": {}}}})
def export_contracts(principal: PrincipalDep, session: SessionDep, format: ExportFormat = ExportFormat.jsonl) -> Response:
    rows = service.visible(session, principal, None, None)
    if format == ExportFormat.csv:
        return Response(service.export_csv(rows), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="tech_contracts.csv"'})
    return Response(service.export_jsonl(rows), media_type="application/x-ndjson")


@router.get("/stats", response_model=ContractStats,
            summary="Registered contracts: count, contract and transaction amounts by domain, region or month")
def contract_stats(principal: PrincipalDep, session: SessionDep, group_by: ContractGroupBy = ContractGroupBy.month,
          from_: Annotated[str | None, Query(alias="from", pattern=MONTH, description="First month, YYYY-MM")] = None,
          to: Month = None) -> ContractStats:
    if from_ and to and from_ > to:
        raise invalid("query.from", f"`from` ({from_}) is after `to` ({to}); swap them.")
    for name, month in (("query.from", from_), ("query.to", to)):
        if month is not None and not 1990 <= int(month[:4]) <= 2100:
            raise invalid(name, f"{month}: give a month between 1990-01 and 2100-12.")
    return service.stats(session, principal, group_by, from_, to)
