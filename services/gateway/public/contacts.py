"""Who may see a record owner's contact people (besides admins and the owner itself)."""
from __future__ import annotations

from sqlmodel import Session

try:  # the broker workflow decides whether an introduction was accepted
    from services.gateway.brokers.service import broker_has_accepted_introduction
except ImportError:  # workflow module not written yet: no introductions exist, so no broker sees contacts

    def broker_has_accepted_introduction(session: Session, broker_org_id: str, record_id: str) -> bool:  # type: ignore[misc]
        return False
