"""Queries on delegations."""
from __future__ import annotations

from sqlmodel import Session, col, or_, select

from services.gateway.auth.models import ApiKey
from services.gateway.delegations.models import Delegation


def active_org_ids_for_platform(session: Session, platform_org_id: str) -> frozenset[str]:
    stmt = select(Delegation.org_id).where(Delegation.platform_org_id == platform_org_id, col(Delegation.revoked_at).is_(None))
    return frozenset(session.exec(stmt))


def active(session: Session, org_id: str, platform_org_id: str) -> Delegation | None:
    stmt = select(Delegation).where(Delegation.org_id == org_id, Delegation.platform_org_id == platform_org_id,
                                    col(Delegation.revoked_at).is_(None))
    return session.exec(stmt).first()


def page(session: Session, *, visible_to_org: str | None, after_id: str | None, limit: int) -> list[Delegation]:
    """Newest first; `visible_to_org` limits to delegations that org gave or received (None = all, for admins)."""
    stmt = select(Delegation)
    if visible_to_org is not None:
        stmt = stmt.where(or_(Delegation.org_id == visible_to_org, Delegation.platform_org_id == visible_to_org))
    if after_id:
        stmt = stmt.where(col(Delegation.id) < after_id)
    return list(session.exec(stmt.order_by(col(Delegation.id).desc()).limit(limit)))


def is_platform_org(session: Session, org_id: str) -> bool:
    return session.exec(select(ApiKey.id).where(ApiKey.org_id == org_id, ApiKey.role == "platform").limit(1)).first() is not None


def platform_sources(session: Session) -> frozenset[str]:
    """Every external_ref.source registered to a platform key (revoked keys included: the namespace stays theirs)."""
    stmt = select(ApiKey.source).where(ApiKey.role == "platform", col(ApiKey.source).is_not(None)).distinct()
    return frozenset(s for s in session.exec(stmt) if s)
