"""Listing lifecycle: create, update, withdraw, renew, override, expire, bulk upsert.

Every function runs inside a caller's UnitOfWork: the record write, its screening and its feed event
commit together. Validation failures raise 4xx ProblemErrors before anything is flushed for good (the
unit of work rolls back), so a bad request never leaves a partial write.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from enum import Enum
from types import SimpleNamespace
from typing import Any

from pydantic import BaseModel, ValidationError

from shared import taxonomy
from shared.domain_suggestion import suggest_for_record
from shared.errors import FieldError, ProblemError, conflict, invalid, not_found
from shared.schemas import ChangeOp, DemandKind, RecordStatus
from services.registry.db import new_id, utcnow
from services.registry.listings import repository
from services.registry.listings.kinds import ListingKind
from services.registry.organizations import repository as organizations
from services.registry.screening import service as screening
from services.registry.uow import UnitOfWork
from services.registry.validation import item_problem

SCREENED = {RecordStatus.submitted, RecordStatus.published, RecordStatus.on_hold, RecordStatus.rejected}


@dataclass(frozen=True)
class ListingPolicy:
    screening_inline: bool = True
    listing_days: int = 365


@dataclass(frozen=True)
class UpsertOutcome:
    index: int
    outcome: str  # created | updated | unchanged | invalid (atomic=false only)
    id: str | None = None
    version: int | None = None
    status: str | None = None
    screening: dict[str, Any] | None = None  # {decision, score, reasons} of the screening this write ran
    errors: list[FieldError] = field(default_factory=list)  # why an invalid item was refused


# --------------------------------------------------------------------------- helpers
def _content_values(kind: ListingKind, payload: BaseModel, fields: list[str]) -> dict[str, Any]:
    python = payload.model_dump(mode="python", include=set(fields))
    as_json = payload.model_dump(mode="json", include=set(fields) & kind.json_fields)
    values = {**python, **as_json}
    return {k: (v.value if isinstance(v, Enum) else v) for k, v in values.items()}


def _canonical(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value.quantize(Decimal("0.01")))
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    return value


def _content_of(kind: ListingKind, row: Any) -> dict[str, Any]:
    return {f: getattr(row, f) for f in kind.content_fields}


def _refresh_suggestion(kind: ListingKind, row: Any) -> None:
    """The suggested domain while the record has none: stored with it, carried on the feed, used by matching and
    by the list's domain filter (listed_domain). Choosing a domain (accepting the suggestion or not) clears it."""
    if row.domain:
        row.domain_suggestion = None
        row.listed_domain, row.listed_subdomain = row.domain, row.subdomain
        return
    suggestion = suggest_for_record(_content_of(kind, row))
    row.domain_suggestion = suggestion.as_dict() if suggestion else None
    row.listed_domain, row.listed_subdomain = (suggestion.domain, suggestion.subdomain) if suggestion else (None, None)


def _check_owner(uow: UnitOfWork, owner_org_id: str | None, field: str) -> None:
    if owner_org_id:
        _check_owner_in(organizations.existing_ids(uow.session, {owner_org_id}), owner_org_id, field)


def _check_owner_in(existing: set[str], owner_org_id: str | None, field: str) -> None:
    if owner_org_id and owner_org_id not in existing:
        raise invalid(field, f"No organization with id {owner_org_id!r}: create it first (POST /v1/organizations) or leave owner_org_id empty.")


def _check_merged(kind: ListingKind, row: Any, prefix: str) -> None:
    """Rules that need the whole record after a partial update (the schema saw only the patch)."""
    errors: list[FieldError] = []
    if row.subdomain and not taxonomy.is_subdomain(row.domain or "", row.subdomain):
        errors.append(FieldError(field=f"{prefix}subdomain", message=f"subdomain {row.subdomain!r} does not belong to domain {row.domain!r}: send a matching subdomain (or null) with the domain."))
    lo_name, hi_name = kind.range_fields
    lo, hi = getattr(row, lo_name), getattr(row, hi_name)
    if lo is not None and hi is not None and lo > hi:
        errors.append(FieldError(field=f"{prefix}{lo_name}", message=f"{lo_name} must not exceed {hi_name} ({hi})."))
    if getattr(row, "kind", None) == DemandKind.challenge and (row.award_cny is None or row.deadline is None):
        errors.append(FieldError(field=f"{prefix}award_cny", message="a challenge (揭榜挂帅) needs award_cny and deadline."))
    if errors:
        raise ProblemError(422, "Invalid request", "; ".join(e.message for e in errors), kind="validation-error", errors=errors)


def _publish(row: Any, policy: ListingPolicy, *, renew: bool = False) -> None:
    today = utcnow().date()
    if row.status != RecordStatus.published or row.published_at is None:
        row.published_at = utcnow()
    if renew:
        row.expires_at = max(today, row.expires_at or today) + timedelta(days=policy.listing_days)
    elif row.expires_at is None or row.expires_at <= today:
        row.expires_at = today + timedelta(days=policy.listing_days)


def _apply_screening(uow: UnitOfWork, kind: ListingKind, row: Any, policy: ListingPolicy, *, renew: bool = False,
                     into: list[dict[str, Any]] | None = None) -> None:
    if not policy.screening_inline:
        row.status = RecordStatus.submitted.value
        return
    outcome = screening.run(uow.session, kind.entity.value, row, _content_of(kind, row), into=into)
    if outcome.decision == RecordStatus.published:
        _publish(row, policy, renew=renew)
    row.status = outcome.decision


def _touch(uow: UnitOfWork, kind: ListingKind, row: Any) -> None:
    row.version += 1
    row.updated_at = utcnow()
    old_text, row.search_text = row.search_text, kind.search_text(row)
    if row.search_text != old_text:  # the `q` index follows in the same transaction
        repository.replace_grams(uow.session, kind, row.id, old_text, row.search_text)


def _load(uow: UnitOfWork, kind: ListingKind, record_id: str, expected_version: int | None) -> Any:
    row = repository.get(uow.session, kind, record_id, for_update=True)
    if row is None:
        raise not_found(kind.entity.value, record_id)
    if expected_version is not None and expected_version != row.version:
        raise conflict(
            f"{kind.entity.value} {record_id} is at version {row.version}, you sent {expected_version}: "
            "read it again, re-apply your change and send the current version.",
            current_version=row.version,
        )
    return row


# --------------------------------------------------------------------------- create / update
def create(uow: UnitOfWork, kind: ListingKind, payload: BaseModel, policy: ListingPolicy, *, field_prefix: str = "body.") -> Any:
    _check_owner(uow, getattr(payload, "owner_org_id", None), f"{field_prefix}owner_org_id")
    ref = getattr(payload, "external_ref", None)
    if ref is not None and repository.get_by_external_ref(uow.session, kind, ref.source, ref.external_id):
        raise conflict(f"A {kind.entity.value} with external_ref {ref.source}/{ref.external_id} exists: use bulk-upsert or PATCH it.")
    screenings: list[dict[str, Any]] = []
    draft = _draft(uow, kind, payload, policy, screenings)
    repository.insert_many(uow.session, kind, [vars(draft)])
    screening.add_many(uow.session, screenings)
    return repository.get(uow.session, kind, draft.id)


def _draft(uow: UnitOfWork, kind: ListingKind, payload: BaseModel, policy: ListingPolicy, screenings: list[dict[str, Any]]) -> SimpleNamespace:
    """A new record's column values, screened, with its feed event emitted; the caller inserts it.

    A plain namespace instead of an ORM object: bulk imports insert thousands of these in one statement, and
    building SQLModel instances (plus their screening rows) cost more than the rest of the import together.
    """
    ref = getattr(payload, "external_ref", None)
    now = utcnow()
    row = SimpleNamespace(
        id=new_id(kind.id_prefix),
        **_content_values(kind, payload, kind.content_fields),
        source=ref.source if ref else None,
        external_id=ref.external_id if ref else None,
        status=RecordStatus.submitted.value,
        version=1,
        created_at=now,
        updated_at=now,
        published_at=None,
    )
    _refresh_suggestion(kind, row)
    row.search_text = kind.search_text(row)
    _apply_screening(uow, kind, row, policy, into=screenings)
    uow.emit(kind.entity.value, row.id, ChangeOp.create.value, row.version)
    return row


def update(uow: UnitOfWork, kind: ListingKind, record_id: str, patch: BaseModel, expected_version: int, policy: ListingPolicy,
           *, field_prefix: str = "body.") -> Any:
    row = _load(uow, kind, record_id, expected_version)
    fields = [f for f in patch.model_fields_set if f in kind.content_fields]
    changes = _content_values(kind, patch, fields)
    for name in kind.required:
        if name in changes and changes[name] is None:
            raise invalid(f"{field_prefix}{name}", f"{name} cannot be cleared; send a value or leave it out.")
    if "owner_org_id" in changes:
        _check_owner(uow, changes["owner_org_id"], f"{field_prefix}owner_org_id")
    return _apply_changes(uow, kind, row, changes, policy, field_prefix=field_prefix)


def _apply_changes(uow: UnitOfWork, kind: ListingKind, row: Any, changes: dict[str, Any], policy: ListingPolicy,
                   *, field_prefix: str, into: list[dict[str, Any]] | None = None) -> Any:
    changed = {k: v for k, v in changes.items() if _canonical(getattr(row, k)) != _canonical(v)}
    if not changed:
        return row  # nothing to do: no new version, no feed event
    for name, value in changed.items():
        setattr(row, name, value)
    _check_merged(kind, row, field_prefix)
    _refresh_suggestion(kind, row)
    _touch(uow, kind, row)
    if row.status in SCREENED:
        _apply_screening(uow, kind, row, policy, into=into)
    else:  # withdrawn / expired stay so, but the owner still sees what screening thinks of the new text
        screening.run(uow.session, kind.entity.value, row, _content_of(kind, row), into=into)
    if into is None:
        uow.session.flush()
    uow.emit(kind.entity.value, row.id, ChangeOp.update.value, row.version)
    return row


# --------------------------------------------------------------------------- lifecycle
def withdraw(uow: UnitOfWork, kind: ListingKind, record_id: str, expected_version: int | None) -> Any:
    row = _load(uow, kind, record_id, expected_version)
    if row.status == RecordStatus.withdrawn:
        raise conflict(f"{kind.entity.value} {record_id} is already withdrawn.", current_version=row.version)
    row.status = RecordStatus.withdrawn.value
    _touch(uow, kind, row)
    uow.emit(kind.entity.value, row.id, ChangeOp.update.value, row.version)
    return row


def renew(uow: UnitOfWork, kind: ListingKind, record_id: str, expected_version: int | None, policy: ListingPolicy) -> Any:
    """Extend by a listing period and republish (screening runs again: rules may have changed)."""
    row = _load(uow, kind, record_id, expected_version)
    if row.status not in (RecordStatus.published, RecordStatus.expired, RecordStatus.withdrawn):
        raise conflict(f"Only published, expired or withdrawn listings can be renewed; this one is {row.status}: fix it with PATCH first.",
                       current_version=row.version)
    _refresh_suggestion(kind, row)  # the lexicon may have grown since the last write
    _touch(uow, kind, row)
    if policy.screening_inline:
        outcome = screening.run(uow.session, kind.entity.value, row, _content_of(kind, row))
        if outcome.decision == RecordStatus.published:
            _publish(row, policy, renew=True)
        row.status = outcome.decision
    else:
        row.status = RecordStatus.submitted.value
    uow.emit(kind.entity.value, row.id, ChangeOp.update.value, row.version)
    return row


def override(uow: UnitOfWork, kind: ListingKind, record_id: str, status: RecordStatus, reason: str, actor: str,
             expected_version: int | None, policy: ListingPolicy) -> Any:
    row = _load(uow, kind, record_id, expected_version)
    if status == RecordStatus.submitted:
        raise invalid("body.status", "An override decides: choose published, on_hold, rejected, withdrawn or expired.")
    if status == RecordStatus.published:
        _publish(row, policy)
    row.status = status.value
    _touch(uow, kind, row)
    screening.record_override(uow.session, kind.entity.value, row, status.value, reason, actor)
    uow.emit(kind.entity.value, row.id, ChangeOp.update.value, row.version)
    return row


def expire_due(uow: UnitOfWork, kind: ListingKind, today: date | None = None) -> list[str]:
    expired = []
    for row in repository.due_for_expiry(uow.session, kind, today or utcnow().date()):
        row.status = RecordStatus.expired.value
        _touch(uow, kind, row)
        uow.emit(kind.entity.value, row.id, ChangeOp.update.value, row.version)
        expired.append(row.id)
    return expired


def refresh_suggestions(uow: UnitOfWork, kind: ListingKind, *, after_id: str | None = None, limit: int = 500) -> tuple[list[str], str | None]:
    """Recompute the suggested domain of records without a domain (written before migration 0003, or before the
    lexicon grew). A changed suggestion is a new version with a feed event, so matching picks it up.
    Returns (ids changed, last id seen: pass it as after_id for the next batch; None when done)."""
    rows = repository.without_domain(uow.session, kind, after_id, limit)
    changed = []
    for row in rows:
        before = row.domain_suggestion
        _refresh_suggestion(kind, row)
        if row.domain_suggestion != before:
            _touch(uow, kind, row)
            uow.emit(kind.entity.value, row.id, ChangeOp.update.value, row.version)
            changed.append(row.id)
    return changed, (rows[-1].id if len(rows) == limit else None)


def screen_pending(uow: UnitOfWork, kind: ListingKind, policy: ListingPolicy, limit: int = 500) -> list[str]:
    """Deferred mode: screen records still `submitted`."""
    inline = ListingPolicy(screening_inline=True, listing_days=policy.listing_days)
    done = []
    for row in repository.with_status(uow.session, kind, RecordStatus.submitted.value, limit):
        _touch(uow, kind, row)
        _apply_screening(uow, kind, row, inline)
        uow.emit(kind.entity.value, row.id, ChangeOp.update.value, row.version)
        done.append(row.id)
    return done


# --------------------------------------------------------------------------- bulk upsert
def bulk_upsert(uow: UnitOfWork, kind: ListingKind, items: Sequence[BaseModel | Mapping[str, Any]], policy: ListingPolicy,
                *, field_prefix: str = "body.items.", atomic: bool = True) -> list[UpsertOutcome]:
    """Create or update by external_ref. Unchanged items get no new version and no event.

    atomic (default): all or nothing; invalid items raise one 422 naming `items.<i>.<field>` (every malformed item,
    or the first that fails a check against the stored data).
    atomic=False: valid items are written, each invalid one comes back as outcome `invalid` with its field errors
    (nothing of it is written: every check runs before the item touches a row).
    An existing record's owner_org_id is never changed or cleared here: a differing one refuses the item.
    """
    results: dict[int, UpsertOutcome] = {}

    def refuse(i: int, error: ProblemError) -> None:
        if atomic:
            raise error
        results[i] = UpsertOutcome(i, "invalid", errors=list(error.errors))

    parsed: dict[int, BaseModel] = {}
    seen: dict[tuple[str, str], int] = {}
    malformed: list[ProblemError] = []
    for i, raw in enumerate(items):
        try:
            item = _parse_item(kind, raw, field_prefix, i)
            key = _batch_key(item, seen, f"{field_prefix}{i}.external_ref")
        except ProblemError as error:
            malformed.append(error)
            results[i] = UpsertOutcome(i, "invalid", errors=list(error.errors))
            continue
        seen[key] = i
        parsed[i] = item
    if atomic and malformed:  # like request validation: every malformed item named at once
        errors = [e for error in malformed for e in error.errors]
        raise ProblemError(422, "Invalid request", f"{len(errors)} field(s) failed validation: "
                           f"{', '.join(e.field for e in errors[:5])}. Nothing was written.", kind="validation-error", errors=errors)
    # One query for the batch's existing records and one for its owners; rows are flushed once, by the caller's
    # unit of work, together with the feed events.
    existing = repository.by_external_refs(uow.session, kind, list(seen), for_update=True)
    owners = organizations.existing_ids(uow.session, {o for item in parsed.values() if (o := getattr(item, "owner_org_id", None))})
    drafts: list[dict[str, Any]] = []
    screenings: list[dict[str, Any]] = []
    for i, item in parsed.items():
        prefix = f"{field_prefix}{i}."
        ref = item.external_ref  # type: ignore[attr-defined]
        row = existing.get((ref.source, ref.external_id))
        try:
            if row is None:
                _check_owner_in(owners, getattr(item, "owner_org_id", None), f"{prefix}owner_org_id")
            else:
                changes = _bulk_changes(kind, row, item, prefix)
        except ProblemError as error:
            refuse(i, error)
            continue
        if row is None:
            row = _draft(uow, kind, item, policy, screenings)
            drafts.append(vars(row))
            outcome = "created"
        else:
            before = row.version
            row = _apply_changes(uow, kind, row, changes, policy, field_prefix=prefix, into=screenings)
            outcome = "unchanged" if row.version == before else "updated"
        results[i] = UpsertOutcome(i, outcome, row.id, row.version, row.status)
    repository.insert_many(uow.session, kind, drafts)
    screening.add_many(uow.session, screenings)
    ran = {s["record_id"]: {"decision": s["decision"], "score": s["score"], "reasons": s["reasons"]} for s in screenings}
    return [replace(r, screening=ran.get(r.id)) if r.id else r for _, r in sorted(results.items())]


def _batch_key(item: BaseModel, seen: dict[tuple[str, str], int], field: str) -> tuple[str, str]:
    ref = getattr(item, "external_ref", None)
    if ref is None:
        raise invalid(field, "Every bulk item needs external_ref {source, external_id}.")
    key = (ref.source, ref.external_id)
    if key in seen:
        raise invalid(field, f"Same external_ref as item {seen[key]}: send each record once per batch.")
    return key


def _parse_item(kind: ListingKind, raw: BaseModel | Mapping[str, Any], field_prefix: str, index: int) -> BaseModel:
    """A bulk item validated on its own, so atomic=false can report it without failing the batch."""
    if isinstance(raw, BaseModel):
        return raw
    if not isinstance(raw, Mapping):
        raise invalid(f"{field_prefix}{index}", "Each item must be a JSON object.")
    try:
        return kind.create_schema.model_validate(raw)
    except ValidationError as exc:
        raise item_problem(exc, (*field_prefix.rstrip(".").split("."), index)) from None


def _bulk_changes(kind: ListingKind, row: Any, item: BaseModel, prefix: str) -> dict[str, Any]:
    """An existing record's changes from a bulk item, checked against the whole record before anything is set."""
    fields = [f for f in kind.content_fields if f != "owner_org_id"]
    if getattr(item, "expires_at", None) is None:
        fields.remove("expires_at")  # the registry set it on publishing; an absent value keeps it
    owner = getattr(item, "owner_org_id", None)
    if owner is not None and owner != row.owner_org_id:
        raise invalid(f"{prefix}owner_org_id", f"This record belongs to {row.owner_org_id or 'no organization'}; bulk upsert never "
                      "changes an owner: send the stored owner_org_id or leave it out.")
    changes = _content_values(kind, item, fields)
    merged = SimpleNamespace(**{**_content_of(kind, row), **changes})
    _check_merged(kind, merged, prefix)
    return changes
