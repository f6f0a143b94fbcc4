"""Organization queries."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlmodel import Session

from shared.text import normalize
from services.registry.organizations.models import Organization


def get(session: Session, org_id: str, *, for_update: bool = False) -> Organization | None:
    stmt = select(Organization).where(Organization.id == org_id)
    if for_update:
        stmt = stmt.with_for_update()
    return session.execute(stmt).scalar_one_or_none()


def existing_ids(session: Session, org_ids: set[str]) -> set[str]:
    if not org_ids:
        return set()
    return set(session.execute(select(Organization.id).where(Organization.id.in_(org_ids))).scalars())


def by_credit_code(session: Session, credit_code: str) -> Organization | None:
    return session.execute(select(Organization).where(Organization.credit_code == credit_code)).scalar_one_or_none()


def by_external_ref(session: Session, source: str, external_id: str) -> Organization | None:
    stmt = select(Organization).where(Organization.source == source, Organization.external_id == external_id).with_for_update()
    return session.execute(stmt).scalar_one_or_none()


def page(session: Session, *, region: str | None, type_: str | None, q: str | None, credit_code: str | None,
         after: tuple[datetime, str] | None, limit: int) -> Sequence[Organization]:
    m = Organization
    conds = []
    if region:
        conds.append(m.region.like(region[:2] + "%") if region.endswith("0000")
                     else m.region.like(region[:4] + "%") if region.endswith("00") else m.region == region)
    if type_:
        conds.append(m.type == type_)
    if credit_code:
        conds.append(m.credit_code == credit_code)
    for term in normalize(q).split():
        conds.append(m.search_text.contains(term, autoescape=True))
    if after:
        conds.append(or_(m.updated_at > after[0], and_(m.updated_at == after[0], m.id > after[1])))
    stmt = select(m).where(*conds).order_by(m.updated_at, m.id).limit(limit + 1)
    return session.execute(stmt).scalars().all()


def add(session: Session, org: Organization) -> None:
    session.add(org)
    session.flush()
