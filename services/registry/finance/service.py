"""Finance products and financing needs: validated against stored records, stored in fen, feed events.

Eligibility is evaluated by the gateway's finance matching (it needs the caller's view of patents and the
decline/introduction workflow); the registry keeps the records and their history on the feed.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from services.registry.db import new_id, utcnow
from services.registry.finance.models import FinanceProductRow, FinancingNeedRow
from services.registry.patents import repository as patents
from services.registry.technologies.models import Technology
from services.registry.uow import UnitOfWork
from shared import taxonomy
from shared.errors import conflict, invalid, not_found
from shared.finance_schemas import (
    PRODUCT_TYPE_NAMES,
    Eligibility,
    FinanceProductCreate,
    FinanceProductPublic,
    FinancingNeedCreate,
    FinancingNeedPublic,
    ProductType,
    Terms,
)
from shared.schemas import ChangeOp, Entity, OrganizationType

PRODUCT, NEED = Entity.finance_product.value, Entity.financing_need.value
FEN = Decimal(100)
PRODUCT_STATUSES = {"active", "withdrawn"}
NEED_STATUSES = {"open", "funded", "withdrawn"}


def _fen(yuan: Decimal | None) -> int | None:
    return None if yuan is None else int(yuan * FEN)


def _yuan(fen: int | None) -> Decimal | None:
    return None if fen is None else (Decimal(fen) / FEN).quantize(Decimal("0.01"))


def _check_domains(domains: list[str], field: str) -> None:
    for i, d in enumerate(domains):
        if not taxonomy.is_domain(d):
            raise invalid(f"{field}.{i}", f"unknown domain {d!r}; one of {', '.join(taxonomy.DOMAINS)}")


def create_product(uow: UnitOfWork, payload: FinanceProductCreate) -> FinanceProductRow:
    org = patents.organizations(uow.session, [payload.org_id]).get(payload.org_id)
    if org is None:
        raise invalid("body.org_id", f"No organization with id {payload.org_id!r}.")
    if org.type != OrganizationType.financial_institution:
        raise invalid("body.org_id", f"{org.name} is registered as {org.type}: only a financial_institution offers finance products.")
    rules = payload.rules
    _check_domains(rules.domains, "body.rules.domains")
    if rules.amount_min_cny is not None and rules.amount_max_cny is not None and rules.amount_min_cny > rules.amount_max_cny:
        raise invalid("body.rules.amount_min_cny", f"amount_min_cny must not exceed amount_max_cny ({rules.amount_max_cny}).")
    now = utcnow()
    row = FinanceProductRow(
        id=new_id("fpr"), org_id=payload.org_id, name=payload.name, product_type=payload.product_type.value,
        description=payload.description, rules=rules.model_dump(mode="json", exclude={"amount_min_cny", "amount_max_cny"}),
        amount_min_fen=_fen(rules.amount_min_cny), amount_max_fen=_fen(rules.amount_max_cny),
        terms=payload.terms.model_dump(mode="json", exclude_none=True), status="active", created_at=now, updated_at=now)
    uow.session.add(row)
    uow.emit(PRODUCT, row.id, ChangeOp.create, row.version)
    return row


def create_need(uow: UnitOfWork, payload: FinancingNeedCreate) -> FinancingNeedRow:
    session = uow.session
    org = patents.organizations(session, [payload.org_id]).get(payload.org_id)
    if org is None:
        raise invalid("body.org_id", f"No organization with id {payload.org_id!r}.")
    domain = payload.domain
    if domain is not None:
        _check_domains([domain], "body.domain")
    if payload.technology_id:
        tech = session.get(Technology, payload.technology_id)
        if tech is None or tech.owner_org_id != payload.org_id:
            raise invalid("body.technology_id", "No technology of this organization with that id.")
        domain = domain or tech.domain or tech.listed_domain
    for i, pid in enumerate(payload.collateral_patent_ids):
        patent = patents.get(session, pid)
        if patent is None:
            raise invalid(f"body.collateral_patent_ids.{i}", f"No patent with id {pid!r}.")
        if payload.org_id not in [a.get("org_id") for a in patent.applicants]:
            raise invalid(f"body.collateral_patent_ids.{i}", f"{patent.application_number} is not held by this organization.")
    now = utcnow()
    row = FinancingNeedRow(
        id=new_id("fnd"), org_id=payload.org_id, technology_id=payload.technology_id, deal_id=payload.deal_id, title=payload.title, purpose=payload.purpose,
        description=payload.description, amount_fen=_fen(payload.amount_cny), stage=payload.stage.value if payload.stage else None,
        trl=payload.trl, domain=domain, region=payload.region or org.region,
        collateral_patent_ids=list(dict.fromkeys(payload.collateral_patent_ids)), evaluation_id=payload.evaluation_id,
        status="open", created_at=now, updated_at=now)
    session.add(row)
    uow.emit(NEED, row.id, ChangeOp.create, row.version)
    return row


def get_product(session: Session, product_id: str, *, for_update: bool = False) -> FinanceProductRow:
    row = session.get(FinanceProductRow, product_id, with_for_update=for_update or None)
    if row is None:
        raise not_found("finance_product", product_id)
    return row


def get_need(session: Session, need_id: str, *, for_update: bool = False) -> FinancingNeedRow:
    row = session.get(FinancingNeedRow, need_id, with_for_update=for_update or None)
    if row is None:
        raise not_found("financing_need", need_id)
    return row


def set_status(uow: UnitOfWork, row: Any, status: str, allowed: set[str], entity: str) -> Any:
    if status not in allowed:
        raise invalid("body.status", f"status must be one of {', '.join(sorted(allowed))}.")
    if row.status == status:
        raise conflict(f"Already {status}.", field="body.status")
    row.status, row.version, row.updated_at = status, row.version + 1, utcnow()
    uow.emit(entity, row.id, ChangeOp.update, row.version)
    return row


def product_public(row: FinanceProductRow) -> FinanceProductPublic:
    rules = Eligibility(**row.rules, amount_min_cny=_yuan(row.amount_min_fen), amount_max_cny=_yuan(row.amount_max_fen))
    return FinanceProductPublic(id=row.id, org_id=row.org_id, name=row.name, product_type=row.product_type,
                                product_type_name=PRODUCT_TYPE_NAMES[ProductType(row.product_type)], description=row.description,
                                rules=rules, terms=Terms(**row.terms), status=row.status, version=row.version,
                                created_at=row.created_at, updated_at=row.updated_at)


def need_public(row: FinancingNeedRow) -> FinancingNeedPublic:
    return FinancingNeedPublic(id=row.id, org_id=row.org_id, technology_id=row.technology_id, deal_id=row.deal_id, title=row.title, purpose=row.purpose,
                               description=row.description, amount_cny=_yuan(row.amount_fen), stage=row.stage, trl=row.trl,
                               domain=row.domain, region=row.region, collateral_patent_ids=row.collateral_patent_ids,
                               evaluation_id=row.evaluation_id, status=row.status, version=row.version,
                               created_at=row.created_at, updated_at=row.updated_at)


def page(session: Session, model: Any, *, status: str | None, org_id: str | None, after_id: str | None, limit: int) -> list[Any]:
    stmt = select(model)
    if status:
        stmt = stmt.where(model.status == status)
    if org_id:
        stmt = stmt.where(model.org_id == org_id)
    if after_id:
        stmt = stmt.where(model.id > after_id)
    return list(session.execute(stmt.order_by(model.id).limit(limit + 1)).scalars())
