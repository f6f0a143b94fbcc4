"""Technology evaluation routes (技术评价): thin, the logic is in evaluations.service."""
from __future__ import annotations

from fastapi import APIRouter, Request

from services.gateway.auth.deps import PrincipalDep
from services.gateway.db import SessionDep
from services.gateway.evaluations import service
from services.gateway.evaluations.schemas import (
    EvaluationSubmit,
    EvaluationView,
    OwnerResponse,
    RequestCreate,
    RequestDecision,
    RequestPublic,
)
from services.gateway.trading_common.clock import NowDep
from services.gateway.trading_common.pages import Limit, before, next_cursor
from shared.errors import PROBLEM_RESPONSES
from shared.pagination import DEFAULT_LIMIT, Page

router = APIRouter(prefix="/v1", tags=["evaluation"], responses=PROBLEM_RESPONSES)


@router.post("/evaluations", status_code=201, response_model=EvaluationView,
             summary="Record an evaluation of a published technology as your organization (evaluator)")
async def record_evaluation(body: EvaluationSubmit, request: Request, principal: PrincipalDep, session: SessionDep, now: NowDep) -> EvaluationView:
    return await service.record(session, request, principal, body, now)


@router.get("/evaluations/{evaluation_id}", response_model=EvaluationView, summary="One evaluation (as visible as its technology)")
async def get_evaluation(evaluation_id: str, request: Request, principal: PrincipalDep, now: NowDep) -> EvaluationView:
    return service.view(await service.readable(request, principal, evaluation_id), now)


@router.post("/evaluations/{evaluation_id}/response", response_model=EvaluationView,
             summary="The technology owner's response to an evaluation")
async def respond_to_evaluation(evaluation_id: str, body: OwnerResponse, request: Request, principal: PrincipalDep, session: SessionDep,
                  now: NowDep) -> EvaluationView:
    return await service.respond(session, request, principal, evaluation_id, body, now)


@router.post("/evaluations/{evaluation_id}/withdraw", response_model=EvaluationView,
             summary="Withdraw your organization's evaluation (the technology's summary falls back to the previous one)")
async def withdraw_evaluation(evaluation_id: str, request: Request, principal: PrincipalDep, session: SessionDep, now: NowDep) -> EvaluationView:
    return await service.withdraw(session, request, principal, evaluation_id, now)


@router.get("/technologies/{technology_id}/evaluations", response_model=list[EvaluationView],
            summary="Evaluations of a technology, newest first; expired and withdrawn ones marked current=false")
async def for_technology(technology_id: str, request: Request, principal: PrincipalDep, now: NowDep) -> list[EvaluationView]:
    return await service.for_technology(request, principal, technology_id, now)


@router.post("/evaluation-requests", status_code=201, response_model=RequestPublic,
             summary="Ask for an evaluation of your published technology (one evaluator, or any)")
async def create_request(body: RequestCreate, request: Request, principal: PrincipalDep, session: SessionDep,
                         now: NowDep) -> RequestPublic:
    return RequestPublic.model_validate(await service.create_request(session, request, principal, body, now), from_attributes=True)


@router.get("/evaluation-requests", response_model=Page[RequestPublic],
            summary="Requests you are party to (owners: yours; evaluators: addressed to you or open to any)")
def list_requests(principal: PrincipalDep, session: SessionDep, limit: Limit = DEFAULT_LIMIT,
                  cursor: str | None = None) -> Page[RequestPublic]:
    rows = service.list_requests(session, principal, limit + 1, before(cursor))
    return Page[RequestPublic](items=[RequestPublic.model_validate(r, from_attributes=True) for r in rows[:limit]],
                               next_cursor=next_cursor(rows, limit))


@router.get("/evaluation-requests/{request_id}", response_model=RequestPublic, summary="One evaluation request (parties only)")
def get_request(request_id: str, principal: PrincipalDep, session: SessionDep) -> RequestPublic:
    return RequestPublic.model_validate(service.readable_request(session, principal, request_id), from_attributes=True)


@router.post("/evaluation-requests/{request_id}/decision", response_model=RequestPublic,
             summary="Accept or decline an evaluation request (evaluator)")
async def decide_evaluation_request(request_id: str, body: RequestDecision, request: Request, principal: PrincipalDep, session: SessionDep,
                 now: NowDep) -> RequestPublic:
    return RequestPublic.model_validate(await service.decide(session, request, principal, request_id, body, now), from_attributes=True)


@router.post("/evaluation-requests/{request_id}/cancel", response_model=RequestPublic, summary="Cancel your request (owner)")
def cancel_evaluation_request(request_id: str, principal: PrincipalDep, session: SessionDep, now: NowDep) -> RequestPublic:
    return RequestPublic.model_validate(service.cancel(session, principal, request_id, now), from_attributes=True)
