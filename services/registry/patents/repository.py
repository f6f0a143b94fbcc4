"""Queries for patents: rows, links, owners, events, statistics input."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlmodel import Session

from services.registry.organizations.models import Organization
from services.registry.patents.models import PatentEventRow, PatentOwner, PatentRow, PatentTechnology
from services.registry.technologies.models import Technology


def get(session: Session, patent_id: str, *, for_update: bool = False) -> PatentRow | None:
    return session.get(PatentRow, patent_id, with_for_update=for_update or None)


def by_number(session: Session, application_number: str) -> PatentRow | None:
    return session.execute(select(PatentRow).where(PatentRow.application_number == application_number)).scalar_one_or_none()


def organizations(session: Session, ids: Iterable[str]) -> dict[str, Organization]:
    ids = set(ids)
    if not ids:
        return {}
    return {o.id: o for o in session.execute(select(Organization).where(Organization.id.in_(ids))).scalars()}


def existing_technologies(session: Session, ids: Iterable[str]) -> set[str]:
    ids = set(ids)
    if not ids:
        return set()
    return set(session.execute(select(Technology.id).where(Technology.id.in_(ids))).scalars())


def set_links(session: Session, patent_id: str, technology_ids: list[str], owner_ids: list[str]) -> None:
    session.execute(delete(PatentTechnology).where(PatentTechnology.patent_id == patent_id))
    session.execute(delete(PatentOwner).where(PatentOwner.patent_id == patent_id))
    session.flush()
    session.add_all([PatentTechnology(patent_id=patent_id, technology_id=t) for t in dict.fromkeys(technology_ids)])
    session.add_all([PatentOwner(patent_id=patent_id, org_id=o) for o in dict.fromkeys(owner_ids)])


def technology_ids(session: Session, patent_ids: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {p: [] for p in patent_ids}
    if patent_ids:
        rows = session.execute(select(PatentTechnology).where(PatentTechnology.patent_id.in_(patent_ids))
                               .order_by(PatentTechnology.technology_id)).scalars()
        for r in rows:
            out[r.patent_id].append(r.technology_id)
    return out


def events(session: Session, patent_ids: list[str]) -> dict[str, list[PatentEventRow]]:
    out: dict[str, list[PatentEventRow]] = {p: [] for p in patent_ids}
    if patent_ids:
        rows = session.execute(select(PatentEventRow).where(PatentEventRow.patent_id.in_(patent_ids))
                               .order_by(PatentEventRow.id)).scalars()
        for r in rows:
            out[r.patent_id].append(r)
    return out


def page(session: Session, *, technology_id: str | None, org_id: str | None, green_domain: str | None,
         green: bool | None, after_id: str | None, limit: int) -> list[PatentRow]:
    stmt = select(PatentRow)
    if technology_id:
        stmt = stmt.join(PatentTechnology, PatentTechnology.patent_id == PatentRow.id).where(PatentTechnology.technology_id == technology_id)
    if org_id:
        stmt = stmt.join(PatentOwner, PatentOwner.patent_id == PatentRow.id).where(PatentOwner.org_id == org_id)
    if green_domain:
        stmt = stmt.where(PatentRow.green_domain == green_domain)
    if green is not None:
        stmt = stmt.where(PatentRow.green_domain.is_not(None) if green else PatentRow.green_domain.is_(None))
    if after_id:
        stmt = stmt.where(PatentRow.id > after_id)
    return list(session.execute(stmt.order_by(PatentRow.id).limit(limit + 1)).scalars())


def statistics_rows(session: Session) -> list[tuple[str | None, str | None, str | None, object, str]]:
    """(green_domain, green_subdomain, region, filing_date, status) of every patent: statistics group in Python
    (the table is small next to listings; one pass keeps the grouping rules in one readable place)."""
    stmt = select(PatentRow.green_domain, PatentRow.green_subdomain, PatentRow.region, PatentRow.filing_date, PatentRow.status)
    return [tuple(r) for r in session.execute(stmt)]  # type: ignore[misc]
