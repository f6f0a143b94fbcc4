"""Run screening inside the write transaction and keep its history."""
from __future__ import annotations

from typing import Any

from sqlmodel import Session

from services.registry.db import utcnow
from services.registry.screening import repository
from services.registry.screening.models import ScreeningRecord
from services.registry.screening.rules import Outcome, screen
from services.registry.screening.schemas import ScreeningResult


def run(session: Session, entity: str, row: Any, content: dict[str, Any], *, into: list[dict[str, Any]] | None = None) -> Outcome:
    """Screen and record the result: written now, or appended to `into` for one insert per batch (add_many)."""
    outcome = screen(entity, content)
    values = dict(entity=entity, record_id=row.id, record_version=row.version, kind="auto",
                  decision=outcome.decision, score=outcome.score, reasons=outcome.reasons, created_at=utcnow())
    if into is None:
        add_many(session, [values])
    else:
        into.append(values)
    return outcome


def add_many(session: Session, records: list[dict[str, Any]]) -> None:
    repository.add_many(session, records)


def record_override(session: Session, entity: str, row: Any, status: str, note: str, actor: str) -> None:
    previous = repository.latest(session, row.id)
    repository.add(session, ScreeningRecord(
        entity=entity, record_id=row.id, record_version=row.version, kind="override", decision=status,
        score=previous.score if previous else 0, reasons=previous.reasons if previous else [],
        actor=actor, note=note, created_at=utcnow(),
    ))


def to_result(record: ScreeningRecord) -> ScreeningResult:
    return ScreeningResult(
        kind=record.kind, decision=record.decision, score=record.score, reasons=record.reasons,  # type: ignore[arg-type]
        record_version=record.record_version, actor=record.actor, note=record.note, at=record.created_at,
    )


def latest(session: Session, record_id: str) -> ScreeningResult | None:
    record = repository.latest(session, record_id)
    return to_result(record) if record else None


def latest_for(session: Session, record_ids: list[str]) -> dict[str, ScreeningResult]:
    """Latest screening of every record on a list page, in one query."""
    return {rid: to_result(r) for rid, r in repository.latest_for(session, record_ids).items()}


def history(session: Session, record_id: str) -> list[ScreeningResult]:
    return [to_result(r) for r in repository.history(session, record_id)]
