"""Organization writes (each emits a feed event in the same transaction)."""
from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError

from shared.errors import conflict, invalid, not_found
from shared.schemas import ChangeOp, Entity, OrganizationCreate, OrganizationPublic, OrganizationUpdate
from shared.text import normalize
from services.registry.db import new_id, utcnow
from services.registry.organizations import repository
from services.registry.organizations.models import Organization
from services.registry.uow import UnitOfWork

CONTENT = ("name", "type", "credit_code", "region", "contacts")


def to_public(org: Organization) -> OrganizationPublic:
    data: dict[str, Any] = {f: getattr(org, f) for f in OrganizationPublic.model_fields if hasattr(org, f)}
    data["external_ref"] = {"source": org.source, "external_id": org.external_id} if org.source else None
    return OrganizationPublic.model_validate(data)


def _values(payload: OrganizationCreate | OrganizationUpdate, fields: set[str]) -> dict[str, Any]:
    values = payload.model_dump(mode="json", include=fields)
    return values


def _check_credit_code(uow: UnitOfWork, credit_code: str | None, own_id: str | None, field: str) -> None:
    if not credit_code:
        return
    other = repository.by_credit_code(uow.session, credit_code)
    if other is not None and other.id != own_id:
        raise invalid(field, f"统一社会信用代码 {credit_code} already belongs to organization {other.id}: update that one instead.", status=409, type_="duplicate")


def _flush(uow: UnitOfWork, field: str) -> None:
    try:
        uow.session.flush()
    except IntegrityError:  # a concurrent writer took the same credit code between our check and our insert
        raise conflict(f"{field} was taken by a concurrent write; read and retry.") from None


def create(uow: UnitOfWork, payload: OrganizationCreate, *, field_prefix: str = "body.") -> Organization:
    _check_credit_code(uow, payload.credit_code, None, f"{field_prefix}credit_code")
    now = utcnow()
    ref = payload.external_ref
    org = Organization(
        id=new_id("org"), **_values(payload, set(CONTENT)), source=ref.source if ref else None,
        external_id=ref.external_id if ref else None, version=1, created_at=now, updated_at=now,
        search_text=normalize(payload.name),
    )
    uow.session.add(org)
    _flush(uow, f"{field_prefix}credit_code")
    uow.emit(Entity.organization.value, org.id, ChangeOp.create.value, org.version)
    return org


def _apply(uow: UnitOfWork, org: Organization, changes: dict[str, Any], field_prefix: str) -> Organization:
    changed = {k: v for k, v in changes.items() if getattr(org, k) != v}
    if not changed:
        return org
    if "credit_code" in changed:
        _check_credit_code(uow, changed["credit_code"], org.id, f"{field_prefix}credit_code")
    for k, v in changed.items():
        setattr(org, k, v)
    org.version += 1
    org.updated_at = utcnow()
    org.search_text = normalize(org.name)
    _flush(uow, f"{field_prefix}credit_code")
    uow.emit(Entity.organization.value, org.id, ChangeOp.update.value, org.version)
    return org


def update(uow: UnitOfWork, org_id: str, patch: OrganizationUpdate, expected_version: int) -> Organization:
    org = repository.get(uow.session, org_id, for_update=True)
    if org is None:
        raise not_found("organization", org_id)
    if org.version != expected_version:
        raise conflict(f"organization {org_id} is at version {org.version}, you sent {expected_version}: read it again and retry.",
                       current_version=org.version)
    fields = patch.model_fields_set & set(CONTENT)
    changes = _values(patch, fields)
    for required in ("name", "type"):
        if required in changes and changes[required] is None:
            raise invalid(f"body.{required}", f"{required} cannot be cleared.")
    return _apply(uow, org, changes, "body.")


def upsert(uow: UnitOfWork, payload: OrganizationCreate, *, field_prefix: str = "body.") -> tuple[str, Organization]:
    """By external_ref: created | updated | unchanged (used by the demo loader and importers)."""
    ref = payload.external_ref
    if ref is None:
        raise invalid(f"{field_prefix}external_ref", "external_ref is required to upsert.")
    org = repository.by_external_ref(uow.session, ref.source, ref.external_id)
    if org is None:
        return "created", create(uow, payload, field_prefix=field_prefix)
    before = org.version
    org = _apply(uow, org, _values(payload, set(CONTENT)), field_prefix)
    return ("unchanged" if org.version == before else "updated"), org
