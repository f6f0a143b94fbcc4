"""Publish a catalog edition (entries frozen from the technologies as they are now) and adjust it later.

Freezing happens here, in the registry's transaction, so an entry is exactly the published technology at the
moment of publication; later edits of the technology never change the edition. An adjustment withdraws entries
with a reason (dynamic adjustment, 动态调整); the entry stays in the edition, marked withdrawn.
"""
from __future__ import annotations

from services.registry.catalog import repository
from services.registry.catalog.models import CatalogEdition
from services.registry.db import new_id, utcnow
from services.registry.listings import repository as listings
from services.registry.listings.kinds import TECHNOLOGY
from services.registry.uow import UnitOfWork
from shared.errors import FieldError, ProblemError, conflict, invalid, not_found
from shared.schemas import (
    CatalogAdjustmentCreate,
    CatalogEditionCreate,
    CatalogEditionPublic,
    CatalogEntry,
    ChangeOp,
    Entity,
    RecordStatus,
)


def to_public(row: CatalogEdition) -> CatalogEditionPublic:
    return CatalogEditionPublic.model_validate(row, from_attributes=True)


def publish(uow: UnitOfWork, body: CatalogEditionCreate) -> CatalogEdition:
    if repository.by_name(uow.session, body.name) is not None:
        raise conflict(f"An edition named {body.name!r} exists already.", field="body.name")
    entries, errors = [], []
    for i, item in enumerate(body.entries):
        tech = listings.get(uow.session, TECHNOLOGY, item.technology_id)
        if tech is None or tech.status != RecordStatus.published:
            errors.append(FieldError(field=f"body.entries.{i}.technology_id",
                                     message=f"{item.technology_id} is not a published technology."))
            continue
        figures = tech.benefit_figures or {}
        entries.append(CatalogEntry(
            technology_id=tech.id, title=tech.title, domain=tech.domain, subdomain=tech.subdomain, owner_org_id=tech.owner_org_id,
            applicable_scope=tech.applicable_scope, core_process=tech.core_process, key_parameters=tech.key_parameters,
            benefits=tech.benefits, energy_saved_tce_per_year=figures.get("energy_saved_tce_per_year"),
            co2_cut_t_per_year=figures.get("co2_reduced_t_per_year"), water_saved_t_per_year=figures.get("water_saved_t_per_year"),
            review_score=item.review_score, review_count=item.review_count).model_dump(mode="json"))
    if errors:
        raise ProblemError(422, "Invalid request", "; ".join(e.message for e in errors), kind="validation-error", errors=errors)
    if len({e["technology_id"] for e in entries}) != len(entries):
        raise invalid("body.entries", "A technology appears twice in the edition.")
    now = utcnow()
    row = CatalogEdition(id=new_id("cat"), name=body.name, description=body.description, call_id=body.call_id,
                         status="published", entries=entries, adjustments=[], published_at=now, updated_at=now)
    uow.session.add(row)
    uow.emit(Entity.catalog_edition, row.id, ChangeOp.create, row.version)
    return row


def adjust(uow: UnitOfWork, edition_id: str, body: CatalogAdjustmentCreate) -> CatalogEdition:
    row = repository.get(uow.session, edition_id, for_update=True)
    if row is None:
        raise not_found("catalog edition", edition_id)
    now = utcnow()
    entries = [dict(e) for e in row.entries]
    index = {e["technology_id"]: e for e in entries}
    for i, w in enumerate(body.withdrawals):
        entry = index.get(w.technology_id)
        if entry is None:
            raise invalid(f"body.withdrawals.{i}.technology_id", f"{w.technology_id} is not an entry of this edition.")
        if entry["status"] == "withdrawn":
            raise conflict(f"body.withdrawals.{i}.technology_id: already withdrawn in {entry['withdrawn_in']}.",
                           field=f"body.withdrawals.{i}.technology_id")
        entry.update(status="withdrawn", withdrawn_reason=w.reason, withdrawn_in=body.name, withdrawn_at=now.isoformat())
    row.entries = entries  # a new list, so the JSON column is written
    row.adjustments = [*row.adjustments, {"name": body.name, "at": now.isoformat(),
                                          "withdrawn": [w.technology_id for w in body.withdrawals]}]
    row.version, row.updated_at = row.version + 1, now
    uow.session.add(row)
    uow.emit(Entity.catalog_edition, row.id, ChangeOp.update, row.version)
    return row
