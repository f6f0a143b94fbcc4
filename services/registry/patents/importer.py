"""Import patents from JSON Lines / JSON / CSV through the same service as the API (validation, feed).

One transaction per record: a bad record is reported with its line and field errors and nothing of it is
stored; re-importing the same file changes nothing (records are keyed by application number). CSV cells hold
lists separated by `;` (applicants, applicant_org_ids, ipc_codes, technology_ids).
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from services.registry.db import Database
from services.registry.patents import service
from services.registry.uow import unit_of_work
from shared.errors import ProblemError
from shared.ip_schemas import PatentCreate

LIST_FIELDS = ("ipc_codes", "technology_ids")


@dataclass
class PatentImportReport:
    outcomes: Counter = field(default_factory=Counter)
    rejected: list[dict[str, Any]] = field(default_factory=list)
    green: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"created": self.outcomes["created"], "updated": self.outcomes["updated"],
                "unchanged": self.outcomes["unchanged"], "rejected": len(self.rejected), "rejected_items": self.rejected,
                "green_patents": self.green}


def _split(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [v.strip() for v in str(value or "").split(";") if v.strip()]


def normalise(record: dict[str, Any]) -> dict[str, Any]:
    """Flat CSV cells → the PatentCreate shape; JSON records pass through (empty strings become absent)."""
    out = {k: v for k, v in record.items() if v not in ("", None) and k not in ("applicant_org_ids",)}
    for name in LIST_FIELDS:
        if name in out:
            out[name] = _split(out[name])
    applicants = out.get("applicants")
    if applicants is not None and not isinstance(applicants, list):
        org_ids = _split(record.get("applicant_org_ids"))
        out["applicants"] = [{"name": n, **({"org_id": org_ids[i]} if i < len(org_ids) else {})}
                             for i, n in enumerate(_split(applicants))]
    return out


def _errors(exc: Exception) -> list[str]:
    if isinstance(exc, ValidationError):
        return [f"{'.'.join(str(p) for p in e['loc']) or 'record'}: {e['msg']}" for e in exc.errors()]
    if isinstance(exc, ProblemError):
        return [f"{e.field}: {e.message}" for e in exc.errors] or [exc.detail or exc.title]
    raise exc


def import_patents(database: Database, records: Iterable[dict[str, Any]]) -> PatentImportReport:
    report = PatentImportReport()
    for line, raw in enumerate(records, start=1):
        try:
            payload = PatentCreate.model_validate(normalise(dict(raw)))
            with unit_of_work(database) as uow:
                outcome, row = service.upsert(uow, payload)
            report.outcomes[outcome] += 1
            report.green += row.green_domain is not None
        except (ValidationError, ProblemError) as exc:
            report.rejected.append({"line": line, "application_number": raw.get("application_number"), "errors": _errors(exc)})
    return report
