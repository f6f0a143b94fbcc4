"""Import foreign records through the same service layer as the API (validation, screening, feed).

Each record is its own transaction, so one bad record is reported and skipped without touching the others.
Re-importing the same file is a no-op: records are keyed by external_ref and unchanged ones are not rewritten.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from shared.domain_suggestion import suggest_for_record
from shared.errors import ProblemError
from shared.schemas import OrganizationCreate, OrganizationType
from services.registry.db import Database
from services.registry.listings import service as listings
from services.registry.listings import statistics
from services.registry.listings.kinds import ListingKind
from services.registry.listings.service import ListingPolicy
from services.registry.organizations import repository as organizations_repo
from services.registry.organizations import service as organizations
from services.registry.uow import unit_of_work

OWNER_NAME = "owner_name"  # mapping target: an organization name, upserted and linked as owner
OWNER_CREDIT_CODE = "owner_credit_code"  # an existing organization's 统一社会信用代码


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)  # not stored: {line, external_id, errors}
    statuses: Counter = field(default_factory=Counter)
    screening_reasons: Counter = field(default_factory=Counter)
    held: list[dict[str, Any]] = field(default_factory=list)  # stored but not published: {line, external_id, title, status, reasons}
    suggested_domains: Counter = field(default_factory=Counter)  # records stored with a suggested domain, by domain
    domain_from: Counter = field(default_factory=Counter)  # stored records by where their domain came from

    def as_dict(self) -> dict[str, Any]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged,
                "rejected": len(self.rejected), "rejected_items": self.rejected,
                "statuses": dict(self.statuses), "top_screening_reasons": self.screening_reasons.most_common(10),
                "held_items": self.held[:MAX_HELD_LISTED], "suggested_domains": dict(self.suggested_domains),
                "domain_from": dict(self.domain_from)}


MAX_HELD_LISTED = 500
INFER_CONFIDENCE = 0.5  # a technology's domain is taken from the text only when the suggestion is this sure


def infer_domain(record: dict[str, Any]) -> tuple[str, str | None] | None:
    """A technology needs a domain: the suggested one, when the text (or IPC codes) is clear enough."""
    suggestion = suggest_for_record(record)
    return (suggestion.domain, suggestion.subdomain) if suggestion and suggestion.confidence >= INFER_CONFIDENCE else None


def _errors(exc: Exception) -> list[str]:
    if isinstance(exc, ValidationError):
        return [f"{'.'.join(str(p) for p in e['loc']) or 'record'}: {e['msg']}" for e in exc.errors()]
    if isinstance(exc, ProblemError):
        return [f"{e.field}: {e.message}" for e in exc.errors] or [exc.detail or exc.title]
    return [str(exc)]


def _resolve_owner(uow: Any, record: dict[str, Any], source: str) -> None:
    name = record.pop(OWNER_NAME, None)
    credit = record.pop(OWNER_CREDIT_CODE, None)
    if credit:
        org = organizations_repo.by_credit_code(uow.session, str(credit).strip().upper())
        if org is None:
            raise ProblemError(422, "Invalid request", f"no organization with credit code {credit}", kind="validation-error")
        record["owner_org_id"] = org.id
    elif name:
        payload = OrganizationCreate(name=str(name)[:100], type=OrganizationType.enterprise,
                                     external_ref={"source": source, "external_id": f"org:{str(name)[:90]}"})
        _, org = organizations.upsert(uow, payload)
        record["owner_org_id"] = org.id


def import_listings(database: Database, kind: ListingKind, records: Iterable[dict[str, Any]], *, source: str,
                    policy: ListingPolicy, default_domain: str | None = None, infer: bool = True) -> ImportReport:
    report = ImportReport()
    for line, raw in enumerate(records, start=1):
        record = dict(raw)
        ref = record.get("external_ref") or {"source": source, "external_id": str(record.pop("external_id", None) or line)}
        record["external_ref"] = ref
        domain_from = "record" if record.get("domain") else _fill_domain(kind, record, infer, default_domain)
        try:
            with unit_of_work(database) as uow:
                _resolve_owner(uow, record, ref["source"])
                item = kind.create_schema.model_validate(record)
                outcome = listings.bulk_upsert(uow, kind, [item], policy, field_prefix="record.")[0]
                if outcome.outcome != "unchanged" and outcome.status != "published" and outcome.screening:
                    blocking = [r for r in outcome.screening["reasons"] if r["severity"] != "warn"]
                    for reason in blocking:
                        report.screening_reasons[f"{reason['field']}: {reason['check']}"] += 1
                    report.held.append({"line": line, "external_id": ref.get("external_id"), "title": item.title,  # type: ignore[attr-defined]
                                        "status": outcome.status, "reasons": [f"{r['field']}: {r['message']}" for r in blocking]})
                if outcome.outcome != "unchanged" and not item.domain:  # type: ignore[attr-defined]
                    suggestion = suggest_for_record(item.model_dump())  # what the registry stored with it
                    report.suggested_domains[suggestion.domain if suggestion else "none"] += 1
        except (ValidationError, ProblemError) as exc:
            report.rejected.append({"line": line, "external_id": ref.get("external_id"), "errors": _errors(exc)})
            continue
        setattr(report, outcome.outcome, getattr(report, outcome.outcome) + 1)
        report.statuses[outcome.status] += 1
        report.domain_from[domain_from] += 1
    if report.created or report.updated:
        statistics.refresh(database, kind)  # the first list queries after an import get plans for the new size
    return report


def _fill_domain(kind: ListingKind, record: dict[str, Any], infer: bool, default_domain: str | None) -> str:
    """A demand may stay without a domain (the registry stores a suggestion the owner can accept); a technology
    needs one: the confidently suggested domain, else the operator's --domain, else a less sure suggestion.
    Returns where the domain came from (counted in the report, so an operator sees how many were guessed)."""
    if "domain" not in kind.required:
        if default_domain:
            record["domain"] = default_domain
            return "--domain"
        return "none (suggestion stored)"
    inferred = infer_domain(record) if infer else None
    if inferred:
        record["domain"] = inferred[0]
        if inferred[1] and not record.get("subdomain"):
            record["subdomain"] = inferred[1]
        return "text (confident suggestion)"
    if default_domain:
        record["domain"] = default_domain
        return "--domain"
    if infer and (weak := suggest_for_record(record)):
        record["domain"] = weak.domain
        return "text (weak suggestion)"
    return "none"


def upsert_organizations(database: Database, records: Iterable[dict[str, Any]]) -> ImportReport:
    report = ImportReport()
    for line, record in enumerate(records, start=1):
        try:
            with unit_of_work(database) as uow:
                outcome, _ = organizations.upsert(uow, OrganizationCreate.model_validate(record), field_prefix="record.")
        except (ValidationError, ProblemError) as exc:
            report.rejected.append({"line": line, "external_id": (record.get("external_ref") or {}).get("external_id"), "errors": _errors(exc)})
            continue
        setattr(report, outcome, getattr(report, outcome) + 1)
    return report
