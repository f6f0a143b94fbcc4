"""Patents: create / import-upsert, legal events (append-only history), public form, green statistics.

Every write runs in the caller's UnitOfWork and emits a `patent` feed event; validation problems name the field
and are raised before anything is committed.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlmodel import Session

from services.registry.db import new_id, utcnow
from services.registry.patents import repository
from services.registry.patents.models import PatentEventRow, PatentRow
from services.registry.uow import UnitOfWork
from shared import identifiers, ipc_green, taxonomy
from shared.errors import conflict, invalid, not_found
from shared.ip_schemas import (
    Applicant,
    GreenClass,
    PatentCreate,
    PatentEventCreate,
    PatentEventKind,
    PatentEventPublic,
    PatentPublic,
)
from shared.schemas import ChangeOp, Entity, PatentStatus

ENTITY = Entity.patent.value


# --------------------------------------------------------------------------- validation against stored records
def _check(session: Session, payload: PatentCreate, prefix: str) -> dict[str, Any]:
    """Cross-record and cross-field rules; returns the organizations the applicants name."""
    org_ids = [a.org_id for a in payload.applicants if a.org_id]
    orgs = repository.organizations(session, org_ids)
    for i, a in enumerate(payload.applicants):
        if a.org_id and a.org_id not in orgs:
            raise invalid(f"{prefix}applicants.{i}.org_id", f"No organization with id {a.org_id!r}: register it first or give only the name.")
    known = repository.existing_technologies(session, payload.technology_ids)
    for i, t in enumerate(payload.technology_ids):
        if t not in known:
            raise invalid(f"{prefix}technology_ids.{i}", f"No technology with id {t!r}.")
    f, g, e = payload.filing_date, payload.grant_date, payload.expiry_date
    if f and g and g < f:
        raise invalid(f"{prefix}grant_date", f"grant_date {g} is before filing_date {f}.")
    if f and e and e <= f:
        raise invalid(f"{prefix}expiry_date", f"expiry_date {e} must be after filing_date {f}.")
    if payload.status == PatentStatus.pending and g:
        raise invalid(f"{prefix}status", "A patent with a grant_date is not pending: send status granted (or lapsed/expired).")
    return orgs


def _apply(row: PatentRow, payload: PatentCreate, orgs: dict[str, Any]) -> None:
    row.grant_number = payload.grant_number
    row.title = payload.title
    row.applicants = [a.model_dump() for a in payload.applicants]
    row.status = payload.status.value
    row.filing_date, row.grant_date, row.expiry_date = payload.filing_date, payload.grant_date, payload.expiry_date
    row.ipc_codes = list(dict.fromkeys(payload.ipc_codes))
    green = ipc_green.green_entries(row.ipc_codes)
    row.green_domain, row.green_subdomain = (green[0].domain, green[0].subdomain) if green else (None, None)
    first_org = next((orgs[a.org_id] for a in payload.applicants if a.org_id in orgs), None)
    row.region = payload.region or (first_org.region if first_org else None)


def _owners(row: PatentRow) -> list[str]:
    return [a["org_id"] for a in row.applicants if a.get("org_id")]


def create(uow: UnitOfWork, payload: PatentCreate, prefix: str = "body.") -> PatentRow:
    orgs = _check(uow.session, payload, prefix)
    if repository.by_number(uow.session, payload.application_number):
        raise conflict(f"Patent {payload.application_number} is already registered; read it (GET /v1/patents?…) instead.",
                       field=f"{prefix}application_number")
    now = utcnow()
    row = PatentRow(id=new_id("pat"), application_number=payload.application_number, title=payload.title, status="",
                    created_at=now, updated_at=now)
    _apply(row, payload, orgs)
    uow.session.add(row)
    uow.session.flush()
    repository.set_links(uow.session, row.id, payload.technology_ids, _owners(row))
    uow.emit(ENTITY, row.id, ChangeOp.create, row.version)
    return row


def upsert(uow: UnitOfWork, payload: PatentCreate, prefix: str = "") -> tuple[str, PatentRow]:
    """Import: create, or update the bibliographic data of a known application number (events are kept)."""
    row = repository.by_number(uow.session, payload.application_number)
    if row is None:
        return "created", create(uow, payload, prefix)
    orgs = _check(uow.session, payload, prefix)
    before = (_snapshot(row), sorted(repository.technology_ids(uow.session, [row.id])[row.id]))
    _apply(row, payload, orgs)
    if (_snapshot(row), sorted(set(payload.technology_ids))) == before:
        return "unchanged", row
    row.version += 1
    row.updated_at = utcnow()
    repository.set_links(uow.session, row.id, payload.technology_ids, _owners(row))
    uow.emit(ENTITY, row.id, ChangeOp.update, row.version)
    return "updated", row


def _snapshot(row: PatentRow) -> tuple:
    return (row.grant_number, row.title, row.applicants, row.status, row.filing_date, row.grant_date, row.expiry_date,
            row.ipc_codes, row.region)


def get(session: Session, patent_id: str, *, for_update: bool = False) -> PatentRow:
    row = repository.get(session, patent_id, for_update=for_update)
    if row is None:
        raise not_found("patent", patent_id)
    return row


# --------------------------------------------------------------------------- legal events
def add_event(uow: UnitOfWork, patent_id: str, payload: PatentEventCreate, actor: str | None) -> PatentRow:
    row = get(uow.session, patent_id, for_update=True)  # two events at once: the second sees the first
    if row.filing_date and payload.on < row.filing_date:
        raise invalid("body.on", f"{payload.on} is before the filing date {row.filing_date}.")
    kind, status = payload.kind, row.status
    if kind == PatentEventKind.granted:
        if status != PatentStatus.pending:
            raise conflict(f"The patent is {status}; only a pending application is granted.", field="body.kind")
        row.status, row.grant_date = PatentStatus.granted.value, row.grant_date or payload.on
    elif kind == PatentEventKind.lapsed:
        if status in (PatentStatus.lapsed, PatentStatus.expired):
            raise conflict(f"The patent is already {status}.", field="body.kind")
        row.status = PatentStatus.lapsed.value
    elif kind == PatentEventKind.restored:
        if status != PatentStatus.lapsed:
            raise conflict("Only a lapsed patent has its rights restored.", field="body.kind")
        row.status = PatentStatus.granted.value
    elif kind == PatentEventKind.transferred:
        if not payload.to_applicants:
            raise invalid("body.to_applicants", "A transfer names the new holder(s) in to_applicants.")
        orgs = repository.organizations(uow.session, [a.org_id for a in payload.to_applicants if a.org_id])
        for i, a in enumerate(payload.to_applicants):
            if a.org_id and a.org_id not in orgs:
                raise invalid(f"body.to_applicants.{i}.org_id", f"No organization with id {a.org_id!r}.")
        row.applicants = [a.model_dump() for a in payload.to_applicants]
        repository.set_links(uow.session, row.id, repository.technology_ids(uow.session, [row.id])[row.id], _owners(row))
    elif kind == PatentEventKind.pledged:
        if not payload.pledgee:
            raise invalid("body.pledgee", "A pledge names the pledgee (质权人).")
        if row.pledged:
            raise conflict("The patent is already pledged; record pledge_released first.", field="body.kind")
        row.pledged = True
    elif kind == PatentEventKind.pledge_released:
        if not row.pledged:
            raise conflict("The patent is not pledged.", field="body.kind")
        row.pledged = False
    detail = payload.model_dump(mode="json", exclude={"kind", "on"}, exclude_none=True, exclude_defaults=True)
    uow.session.add(PatentEventRow(patent_id=row.id, kind=kind.value, on=payload.on, detail=detail,
                                   recorded_at=utcnow(), actor=actor))
    row.version += 1
    row.updated_at = utcnow()
    uow.emit(ENTITY, row.id, ChangeOp.update, row.version)
    return row


# --------------------------------------------------------------------------- public form
def flags_of(status: str, pledged: bool) -> list[str]:
    flags = [status] if status in ("lapsed", "expired", "pending") else []
    return [*flags, "pledged"] if pledged else flags


def to_public_many(session: Session, rows: list[PatentRow], today: date | None = None) -> list[PatentPublic]:
    today = today or utcnow().date()
    ids = [r.id for r in rows]
    techs, events = repository.technology_ids(session, ids), repository.events(session, ids)
    out = []
    for r in rows:
        current = "expired" if r.expiry_date and r.expiry_date < today and r.status == PatentStatus.granted else r.status
        green = [GreenClass(symbol=e.symbol, domain=e.domain, subdomain=e.subdomain) for e in ipc_green.green_entries(r.ipc_codes)]
        out.append(PatentPublic(
            id=r.id, application_number=r.application_number, grant_number=r.grant_number, title=r.title,
            applicants=[Applicant(**a) for a in r.applicants], owner_org_ids=_owners(r), status=r.status,
            current_status=current, pledged=r.pledged, flags=flags_of(current, r.pledged), filing_date=r.filing_date,
            grant_date=r.grant_date, expiry_date=r.expiry_date, ipc_codes=r.ipc_codes, green=green, is_green=bool(green),
            region=r.region, technology_ids=techs[r.id],
            events=[PatentEventPublic(kind=e.kind, on=e.on, recorded_at=e.recorded_at, actor=e.actor, **e.detail)
                    for e in events[r.id]],
            version=r.version, created_at=r.created_at, updated_at=r.updated_at))
    return out


def to_public(session: Session, row: PatentRow) -> PatentPublic:
    return to_public_many(session, [row])[0]


# --------------------------------------------------------------------------- green patent statistics (统计监测)
def statistics(session: Session, *, group_by: str, from_year: int | None, to_year: int | None,
               domain: str | None, region: str | None) -> dict[str, Any]:
    """Green patents (filed, by filing year) grouped by domain, region (province) or year, each with counts per
    year and the growth of the last year over the one before. Patents without a region count as `unknown`
    (foreign applicants mostly): 国内外 split."""
    years: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    granted: dict[str, int] = defaultdict(int)
    total_green = total = 0
    seen_years: set[int] = set()
    for g_domain, _sub, reg, filed, status in repository.statistics_rows(session):
        total += 1
        if g_domain is None or filed is None:
            continue
        year = filed.year  # type: ignore[attr-defined]
        if (from_year and year < from_year) or (to_year and year > to_year):
            continue
        if domain and g_domain != domain or region and not identifiers.region_matches(region, reg):
            continue
        key = {"domain": g_domain, "region": identifiers.region_province(reg) if reg else "unknown", "year": str(year)}[group_by]
        years[key][year] += 1
        granted[key] += status in ("granted", "expired")
        seen_years.add(year)
        total_green += 1
    last = to_year or (max(seen_years) if seen_years else None)
    rows = []
    for key in sorted(years):
        by_year = dict(sorted(years[key].items()))
        cur, prev = (by_year.get(last, 0), by_year.get(last - 1, 0)) if last else (0, 0)
        rows.append({"key": key, "name": _name(group_by, key), "green_patents": sum(by_year.values()), "granted": granted[key],
                     "by_year": {str(y): n for y, n in by_year.items()}, "last_year": last, "last_year_count": cur,
                     "growth": round((cur - prev) / prev, 4) if prev else None})
    if group_by == "year":  # growth of each year over the one before
        for i, row in enumerate(rows):
            prev = rows[i - 1]["green_patents"] if i and int(rows[i - 1]["key"]) == int(row["key"]) - 1 else 0
            row["growth"] = round((row["green_patents"] - prev) / prev, 4) if prev else None
    return {"group_by": group_by, "table_version": ipc_green.version(), "patents": total, "green_patents": total_green, "rows": rows}


def _name(group_by: str, key: str) -> str | None:
    if group_by == "domain":
        return taxonomy.DOMAINS[key].name if key in taxonomy.DOMAINS else None
    if group_by == "region":
        return identifiers.PROVINCES.get(key[:2], "境外或未知") if key != "unknown" else "境外或未知"
    return None


