"""Record, answer and withdraw evaluations; keep the technology's evaluation summary in step.

An evaluation is its own feed entity (`evaluation`) so followers can show and audit it; its summary is also
written onto the technology (a technology `update` event) because matching indexes technologies, and a filter
or ranking signal must be a field of the record it filters. The governing evaluation is the newest one not
withdrawn (a newer evaluation supersedes an older one); whether it is still current is decided by readers
against `valid_until`, so expiry needs no sweep and no write.
"""
from __future__ import annotations

from services.registry.db import new_id, utcnow
from services.registry.evaluations import repository
from services.registry.evaluations.models import Evaluation
from services.registry.listings import repository as listings
from services.registry.listings.kinds import TECHNOLOGY
from services.registry.uow import UnitOfWork
from shared.errors import conflict, not_found
from shared.schemas import (
    ChangeOp,
    Entity,
    EvaluationCreate,
    EvaluationPublic,
    EvaluationSummary,
    RecordStatus,
)

PUBLISHED, WITHDRAWN = "published", "withdrawn"


def to_public(row: Evaluation) -> EvaluationPublic:
    return EvaluationPublic.model_validate(row, from_attributes=True)


def record(uow: UnitOfWork, body: EvaluationCreate) -> Evaluation:
    technology = listings.get(uow.session, TECHNOLOGY, body.technology_id, for_update=True)
    if technology is None:
        raise not_found("technology", body.technology_id)
    if technology.status != RecordStatus.published:
        raise conflict(f"technology_id: the technology is {technology.status}; only published technologies are evaluated.",
                       field="body.technology_id")
    # valid_until against "today" is the gateway's rule (its clock is injectable); the registry stores what it is told
    now = utcnow()
    row = Evaluation(id=new_id("eva"), technology_id=technology.id, evaluator_org_id=body.evaluator_org_id,
                     scores=body.scores.model_dump(), overall_score=body.scores.overall(), verdict=body.verdict.value,
                     assessed_trl=body.assessed_trl, energy_saved_tce_per_year=body.energy_saved_tce_per_year,
                     co2_cut_t_per_year=body.co2_cut_t_per_year, summary=body.summary,
                     evidence=[e.model_dump(mode="json") for e in body.evidence], valid_until=body.valid_until,
                     request_id=body.request_id, status=PUBLISHED, created_at=now, updated_at=now)
    uow.session.add(row)
    uow.session.flush()
    uow.emit(Entity.evaluation, row.id, ChangeOp.create, row.version)
    _refresh_summary(uow, technology)
    return row


def respond(uow: UnitOfWork, evaluation_id: str, response: str) -> Evaluation:
    """The technology owner's answer (the gateway checks who may): shown with the evaluation."""
    row = _existing(uow, evaluation_id)
    row.owner_response, row.updated_at, row.version = response, utcnow(), row.version + 1
    uow.session.add(row)
    uow.emit(Entity.evaluation, row.id, ChangeOp.update, row.version)
    return row


def withdraw(uow: UnitOfWork, evaluation_id: str) -> Evaluation:
    row = _existing(uow, evaluation_id)
    if row.status == WITHDRAWN:
        return row
    row.status, row.updated_at, row.version = WITHDRAWN, utcnow(), row.version + 1
    uow.session.add(row)
    uow.session.flush()
    uow.emit(Entity.evaluation, row.id, ChangeOp.update, row.version)
    technology = listings.get(uow.session, TECHNOLOGY, row.technology_id, for_update=True)
    if technology is not None:
        _refresh_summary(uow, technology)
    return row


def _existing(uow: UnitOfWork, evaluation_id: str) -> Evaluation:
    row = repository.get(uow.session, evaluation_id, for_update=True)
    if row is None:
        raise not_found("evaluation", evaluation_id)
    return row


def summary_of(rows: list[Evaluation]) -> EvaluationSummary | None:
    live = [r for r in rows if r.status == PUBLISHED]
    if not live:
        return None
    top = live[0]  # newest first
    return EvaluationSummary(evaluation_id=top.id, overall_score=top.overall_score, verdict=top.verdict,
                             evaluator_org_id=top.evaluator_org_id, valid_until=top.valid_until, count=len(live))


def _refresh_summary(uow: UnitOfWork, technology: object) -> None:
    summary = summary_of(list(repository.for_technology(uow.session, technology.id)))  # type: ignore[attr-defined]
    technology.evaluation = summary.model_dump(mode="json") if summary else None  # type: ignore[attr-defined]
    technology.version += 1  # type: ignore[attr-defined]
    technology.updated_at = utcnow()  # type: ignore[attr-defined]
    uow.session.add(technology)
    uow.emit(Entity.technology, technology.id, ChangeOp.update, technology.version)  # type: ignore[attr-defined]
