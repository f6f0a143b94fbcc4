"""Read the change feed with each record's current public form."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from shared.schemas import ChangeEvent, ChangesPage, Entity
from services.registry.catalog import repository as catalog
from services.registry.catalog.service import to_public as edition_public
from services.registry.evaluations import repository as evaluations
from services.registry.evaluations.service import to_public as evaluation_public
from services.registry.feed import repository
from services.registry.finance import service as finance
from services.registry.finance.models import FinanceProductRow, FinancingNeedRow
from services.registry.infringements import service as infringements
from services.registry.infringements.models import InfringementRow
from services.registry.listings.kinds import KINDS
from services.registry.organizations.models import Organization
from services.registry.organizations.service import to_public as organization_public
from services.registry.patents import service as patents
from services.registry.patents.models import PatentRow


FINANCE = {Entity.finance_product: (FinanceProductRow, finance.product_public),
           Entity.financing_need: (FinancingNeedRow, finance.need_public)}


def _current_records(session: Session, keys: set[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
    found: dict[tuple[str, str], dict[str, Any]] = {}
    by_entity: dict[str, list[str]] = {}
    for entity, record_id in keys:
        by_entity.setdefault(entity, []).append(record_id)
    for entity, ids in by_entity.items():
        if entity in FINANCE:
            model, to_public = FINANCE[entity]
            for row in session.execute(select(model).where(model.id.in_(ids))).scalars():
                found[(entity, row.id)] = to_public(row).model_dump(mode="json")
        elif entity == Entity.infringement:
            rows_i = list(session.execute(select(InfringementRow).where(InfringementRow.id.in_(ids))).scalars())
            for record in infringements.to_public_many(session, rows_i):
                found[(entity, record.id)] = record.model_dump(mode="json")
        elif entity == Entity.patent:
            rows = list(session.execute(select(PatentRow).where(PatentRow.id.in_(ids))).scalars())
            for patent in patents.to_public_many(session, rows):
                found[(entity, patent.id)] = patent.model_dump(mode="json")
        elif entity == Entity.organization:
            for org in session.execute(select(Organization).where(Organization.id.in_(ids))).scalars():
                found[(entity, org.id)] = organization_public(org).model_dump(mode="json")
        elif entity == Entity.evaluation:
            for row in evaluations.by_ids(session, ids):
                found[(entity, row.id)] = evaluation_public(row).model_dump(mode="json")
        elif entity == Entity.catalog_edition:
            for row in catalog.by_ids(session, ids):
                found[(entity, row.id)] = edition_public(row).model_dump(mode="json")
        else:
            kind = KINDS[entity]
            for row in session.execute(select(kind.model).where(kind.model.id.in_(ids))).scalars():
                found[(entity, row.id)] = kind.to_public(row).model_dump(mode="json")
    return found


def changes(session: Session, after: int, limit: int) -> ChangesPage:
    # Safe to hand out everything visible: seq order equals commit order (see feed/repository.py).
    head = repository.head_seq(session)
    events = [e for e in repository.read_after(session, after, limit) if e.seq is not None and e.seq <= head]
    records = _current_records(session, {(e.entity, e.record_id) for e in events})
    items = [
        ChangeEvent(seq=e.seq, entity=e.entity, id=e.record_id, op=e.op, version=e.version, at=e.at,  # type: ignore[arg-type]
                    record=records.get((e.entity, e.record_id)))
        for e in events
    ]
    return ChangesPage(items=items, last_seq=items[-1].seq if items else after, head_seq=head)
