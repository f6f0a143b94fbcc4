"""/v1/evaluations and /v1/technologies/{id}/evaluations (internal: the gateway checks roles and conflicts)."""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Request
from pydantic import BaseModel, ConfigDict, Field

from services.registry.deps import Context
from services.registry.evaluations import repository, service
from services.registry.writes import Written, execute
from shared.errors import not_found
from shared.schemas import EvaluationCreate, EvaluationPublic

router = APIRouter(prefix="/v1", tags=["evaluations"])


class OwnerResponse(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{'response': '感谢评价，示范工程运行数据已补充。'}]})
    response: str = Field(min_length=1, max_length=4000)


def _written(row: Any) -> Written:
    public = service.to_public(row)
    return Written(lambda seq: {**public.model_dump(mode="json"), "seq": seq}, row.id, row.version)


@router.post("/evaluations", status_code=201, response_model=EvaluationPublic,
             summary="Record an evaluation of a published technology (feed: evaluation create + technology update)")
def create_evaluation(ctx: Context, request: Request, body: EvaluationCreate) -> Any:
    return execute(ctx.database, request, body.model_dump(mode="json"),
                   lambda uow: _written(service.record(uow, body)), status_code=201)


@router.get("/evaluations/{evaluation_id}", response_model=EvaluationPublic)
def get_evaluation(ctx: Context, evaluation_id: str) -> EvaluationPublic:
    with ctx.database.read() as session:
        row = repository.get(session, evaluation_id)
        if row is None:
            raise not_found("evaluation", evaluation_id)
        return service.to_public(row)


@router.get("/technologies/{technology_id}/evaluations", response_model=list[EvaluationPublic],
            summary="Evaluations of a technology, newest first (withdrawn ones included, marked)")
def for_technology(ctx: Context, technology_id: str) -> list[EvaluationPublic]:
    with ctx.database.read() as session:
        return [service.to_public(r) for r in repository.for_technology(session, technology_id)]


@router.post("/evaluations/{evaluation_id}/response", response_model=EvaluationPublic,
             summary="The technology owner's response to an evaluation")
def respond_to_evaluation(ctx: Context, request: Request, evaluation_id: str, body: Annotated[OwnerResponse, Body()]) -> Any:
    return execute(ctx.database, request, body.model_dump(),
                   lambda uow: _written(service.respond(uow, evaluation_id, body.response)))


@router.post("/evaluations/{evaluation_id}/withdraw", response_model=EvaluationPublic,
             summary="Withdraw an evaluation (the technology's summary falls back to the previous one)")
def withdraw_evaluation(ctx: Context, request: Request, evaluation_id: str) -> Any:
    return execute(ctx.database, request, {"op": "withdraw"}, lambda uow: _written(service.withdraw(uow, evaluation_id)))
