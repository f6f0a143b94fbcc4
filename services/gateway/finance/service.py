"""Green finance workflow: who publishes, who posts, who reads, matching both ways, introductions, statistics.

Financiers are enterprise keys of organizations registered as `financial_institution` (no new role: the
organization type already says who they are). Products are public offers: every key reads them. A financing
need is read by its organization, brokers, admins and financiers; anyone else gets the missing-record 404.
The introduction to a financier follows the broker introduction flow's states (requested → accepted / declined)
and adds `granted` with the amount, which the statistics count.
"""
from __future__ import annotations

import re
from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from typing import Any

from fastapi import Request
from sqlmodel import Session

from services.gateway.audit import service as audit
from services.gateway.auth.deps import Principal
from services.gateway.auth.permissions import Action, Scope, forbidden, require, scope_of
from services.gateway.auth.roles import Role
from services.gateway.brokers import service as deals
from services.gateway.brokers.columns import new_id
from services.gateway.finance import eligibility, repository
from services.gateway.finance.models import FinanceIntroduction
from services.gateway.finance.schemas import (
    FinanceGrant,
    FinanceIntroductionCreate,
    FinanceIntroductionPublic,
)
from services.gateway.public import records
from services.gateway.public.registry_calls import registry
from services.gateway.trading_common.money import fen_to_yuan, yuan_or_none, yuan_to_fen
from services.gateway.webhooks import service as webhooks
from services.gateway.webhooks.schemas import EventType
from shared.errors import ProblemError, conflict, invalid, not_found
from shared.finance_schemas import FinanceProductCreate, FinancingNeedCreate
from shared.pagination import decode_cursor, encode_cursor

IDS = {"finance_product": re.compile(r"^fpr_[0-9a-z]{20}$"), "financing_need": re.compile(r"^fnd_[0-9a-z]{20}$")}
PATHS = {"finance_product": "/v1/finance-products", "financing_need": "/v1/financing-needs"}
PAGE, MAX_PAGES = 500, 20  # catalogue and open needs read whole for matching (bounded: 10k records)


# --------------------------------------------------------------------------- reading registry records
async def _fetch(request: Request, principal: Principal, entity: str, record_id: str) -> dict[str, Any]:
    if not IDS[entity].match(record_id):
        raise not_found(entity, record_id)
    try:
        return (await registry(request, principal, "GET", f"{PATHS[entity]}/{record_id}")).json()
    except ProblemError as exc:
        if exc.status == 404:
            raise not_found(entity, record_id) from None
        raise


async def _all(request: Request, principal: Principal, entity: str, **params: Any) -> list[dict[str, Any]]:
    items, cursor = [], None
    for _ in range(MAX_PAGES):
        page = (await registry(request, principal, "GET", PATHS[entity], params={**params, "limit": PAGE, "cursor": cursor})).json()
        items += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            break
    return items


async def is_financier(request: Request, principal: Principal) -> bool:
    if principal.role != Role.enterprise:
        return False
    try:
        org = await records.fetch(request, principal, "organization", principal.org_id)
    except ProblemError:
        return False
    return org.get("type") == "financial_institution"


def _may_read_need(principal: Principal, need: dict[str, Any], financier: bool, introduced_to_me: set[str] | None = None) -> bool:
    """Its organization, brokers and admins read a need whatever its status; a financier reads another
    organization's need while it is open (a standing request for money), and after that only if it was introduced
    to the financier (it keeps the history of what it answered). Everyone else: the missing-record 404."""
    scope = scope_of(principal, Action.finance_need_read)
    if scope == Scope.all:
        return True
    if scope != Scope.own:
        return False
    if need["org_id"] == principal.org_id:
        return True
    return financier and (need["status"] == "open" or need["id"] in (introduced_to_me or set()))


async def get_need(request: Request, principal: Principal, need_id: str, session: Session | None = None) -> dict[str, Any]:
    need = await _fetch(request, principal, "financing_need", need_id)
    financier = await is_financier(request, principal)
    introduced = repository.needs_introduced_to(session, principal.org_id) if session is not None and financier else set()
    if not _may_read_need(principal, need, financier, introduced):
        raise not_found("financing_need", need_id)
    return need


async def list_needs(session: Session, request: Request, principal: Principal, params: dict[str, Any]) -> dict[str, Any]:
    """The financing needs the caller may read (the same rule as one need), newest id order of the registry,
    cursor-paginated. Admins and brokers page the registry directly; enterprises page it with the rule applied,
    so a page may hold fewer than `limit` items only at the end."""
    scope = require(principal, Action.finance_need_read)
    limit, status, org_id = params["limit"], params.get("status"), params.get("org_id")
    if scope == Scope.all:
        return (await registry(request, principal, "GET", PATHS["financing_need"], params=params)).json()
    financier = await is_financier(request, principal)
    if not financier:  # an ordinary enterprise reads only its own organization's needs
        if org_id not in (None, principal.org_id):
            return {"items": [], "next_cursor": None}
        org_id = principal.org_id
    introduced = repository.needs_introduced_to(session, principal.org_id) if financier else set()
    items: list[dict[str, Any]] = []
    after = (decode_cursor(params.get("cursor")) or {}).get("i")
    more = False
    for _ in range(MAX_PAGES):
        cursor = encode_cursor({"i": after}) if after else None
        page = (await registry(request, principal, "GET", PATHS["financing_need"],
                               params={"status": status, "org_id": org_id, "limit": PAGE, "cursor": cursor})).json()
        for need in page["items"]:
            after = need["id"]
            if _may_read_need(principal, need, financier, introduced):
                if len(items) == limit:
                    more = True
                    break
                items.append(need)
        if more or not page["next_cursor"]:
            break
    return {"items": items, "next_cursor": encode_cursor({"i": items[-1]["id"]}) if more and items else None}


def _sees_withdrawn(principal: Principal, org_id: str | None) -> bool:
    """A withdrawn product is no longer a public offer: its financier, admins and brokers still read it."""
    return principal.role in (Role.admin, Role.broker) or (org_id is not None and org_id == principal.org_id)


async def get_product(request: Request, principal: Principal, product_id: str) -> dict[str, Any]:
    require(principal, Action.finance_product_read)
    product = await _fetch(request, principal, "finance_product", product_id)
    if product["status"] != "active" and not _sees_withdrawn(principal, product["org_id"]):
        raise not_found("finance_product", product_id)
    return product


async def list_products(request: Request, principal: Principal, params: dict[str, Any]) -> dict[str, Any]:
    require(principal, Action.finance_product_read)
    if not _sees_withdrawn(principal, params.get("org_id")):
        if params.get("status") == "withdrawn":  # others' withdrawn products: as if none
            return {"items": [], "next_cursor": None}
        params = {**params, "status": "active"}
    return (await registry(request, principal, "GET", PATHS["finance_product"], params=params)).json()


async def _patents(request: Request, principal: Principal, needs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    out = {}
    for pid in {p for n in needs for p in n.get("collateral_patent_ids", [])}:
        try:
            out[pid] = (await registry(request, principal, "GET", f"/v1/patents/{pid}")).json()
        except ProblemError as exc:
            if exc.status != 404:
                raise
    return out


# --------------------------------------------------------------------------- writes
async def create_product(session: Session, request: Request, principal: Principal, body: FinanceProductCreate) -> dict[str, Any]:
    scope = require(principal, Action.finance_product_publish)
    if scope == Scope.own and (body.org_id != principal.org_id or not await is_financier(request, principal)):
        raise forbidden("A finance product is published by a financial institution's own key, for its own organization.",
                        action=Action.finance_product_publish)
    product = (await registry(request, principal, "POST", PATHS["finance_product"], json=body.model_dump(mode="json", exclude_unset=True))).json()
    audit.record(session, principal, "finance_product.published", "finance_product", product["id"],
                 {"org_id": product["org_id"], "product_type": product["product_type"]})
    session.commit()
    return product


async def create_need(session: Session, request: Request, principal: Principal, body: FinancingNeedCreate) -> dict[str, Any]:
    scope = require(principal, Action.finance_need_post)
    if scope == Scope.own and body.org_id != principal.org_id:
        raise forbidden("A financing need is posted for your own organization.", action=Action.finance_need_post)
    if body.deal_id is not None:
        _check_deal(session, principal, body.deal_id, body.org_id)
    need = (await registry(request, principal, "POST", PATHS["financing_need"], json=body.model_dump(mode="json", exclude_unset=True))).json()
    audit.record(session, principal, "financing_need.posted", "financing_need", need["id"],
                 {"org_id": need["org_id"], "amount_cny": need["amount_cny"]})
    session.commit()
    return need


def _check_deal(session: Session, principal: Principal, deal_id: str, org_id: str) -> None:
    """A need for a deal: the deal must be one the caller may read, and the need's organization a party to it."""
    try:
        deal = deals.visible_deal(session, principal, deal_id)
    except ProblemError as exc:
        if exc.status == 404:
            raise invalid("body.deal_id", f"No deal {deal_id!r} you take part in.") from None
        raise
    if org_id not in repository.deal_parties(session, deal):
        raise invalid("body.deal_id", "The need's organization is not a party to this deal.")


# --------------------------------------------------------------------------- matching both ways
async def products_for_need(request: Request, principal: Principal, need_id: str) -> dict[str, Any]:
    need = await get_need(request, principal, need_id)
    products = await _all(request, principal, "finance_product", status="active")
    ranked = eligibility.rank([(p, need) for p in products], await _patents(request, principal, [need]), candidate="product")
    return {"need_id": need_id, **ranked}


async def needs_for_product(request: Request, principal: Principal, product_id: str) -> dict[str, Any]:
    product = await get_product(request, principal, product_id)
    require(principal, Action.finance_need_read)
    financier = await is_financier(request, principal)
    needs = [n for n in await _all(request, principal, "financing_need", status="open") if _may_read_need(principal, n, financier)]
    ranked = eligibility.rank([(product, n) for n in needs], await _patents(request, principal, needs), candidate="need")
    return {"product_id": product_id, **ranked}


# --------------------------------------------------------------------------- introductions to financiers
def view(row: FinanceIntroduction) -> FinanceIntroductionPublic:
    return FinanceIntroductionPublic(
        id=row.id, need_id=row.need_id, product_id=row.product_id, product_type=row.product_type, need_org_id=row.need_org_id,
        financier_org_id=row.financier_org_id, requested_by_org_id=row.requested_by_org_id, status=row.status,
        amount_requested_cny=fen_to_yuan(row.amount_requested_fen), amount_granted_cny=yuan_or_none(row.amount_granted_fen),
        note=row.note, decline_reason=row.decline_reason, version=row.version, created_at=row.created_at, updated_at=row.updated_at)


def _notify(session: Session, row: FinanceIntroduction, event: EventType) -> None:
    webhooks.enqueue_many(session, {row.need_org_id, row.financier_org_id, row.requested_by_org_id}, event,
                          {"finance_introduction_id": row.id, "need_id": row.need_id, "product_id": row.product_id,
                           "status": row.status})


async def introduce(session: Session, request: Request, principal: Principal, need_id: str, body: FinanceIntroductionCreate,
                    at: datetime) -> FinanceIntroduction:
    need = await get_need(request, principal, need_id)
    scope = require(principal, Action.finance_introduce)
    if scope == Scope.own and need["org_id"] != principal.org_id:
        raise forbidden("Only the need's organization (or a broker) asks for an introduction to a financier.", action=Action.finance_introduce)
    product = await get_product(request, principal, body.product_id)
    reasons = eligibility.exclusions(product, need, await _patents(request, principal, [need]))
    if reasons:
        raise conflict("This need does not meet the product's eligibility rules: " + "；".join(r["detail"] for r in reasons),
                       field="body.product_id", reasons=reasons)
    if need["status"] != "open":
        raise conflict(f"The need is {need['status']}, not open.", field="body.product_id")
    if repository.open_for_pair(session, need_id, product["id"]):
        raise conflict("An introduction of this need to this product is already open.", field="body.product_id")
    row = FinanceIntroduction(id=new_id("fin"), need_id=need_id, product_id=product["id"], product_type=product["product_type"],
                              need_org_id=need["org_id"], financier_org_id=product["org_id"], requested_by_org_id=principal.org_id,
                              status="requested", amount_requested_fen=yuan_to_fen(Decimal(str(need["amount_cny"]))), note=body.note,
                              created_at=at, updated_at=at)
    session.add(row)
    audit.record(session, principal, "finance_introduction.requested", "finance_introduction", row.id,
                 {"need_id": need_id, "product_id": product["id"], "financier_org_id": product["org_id"]})
    _notify(session, row, EventType.finance_introduction_requested)
    session.commit()
    return row


def visible_introduction(session: Session, principal: Principal, intro_id: str) -> FinanceIntroduction:
    row = session.get(FinanceIntroduction, intro_id)
    parties = {row.need_org_id, row.financier_org_id, row.requested_by_org_id} if row else set()
    if row is None or not (principal.is_admin() or principal.org_id in parties):
        raise not_found("finance_introduction", intro_id)
    return row


def list_introductions(session: Session, principal: Principal, params: dict[str, Any]) -> dict[str, Any]:
    """The introductions the caller takes part in (as the need's organization, the financier or whoever asked);
    admins see all. The same rule as reading one."""
    require(principal, Action.finance_need_read)
    rows = repository.page_visible(session, None if principal.is_admin() else principal.org_id, need_id=params.get("need_id"),
                                   product_id=params.get("product_id"), status=params.get("status"),
                                   after_id=(decode_cursor(params.get("cursor")) or {}).get("i"), limit=params["limit"])
    page = rows[:params["limit"]]
    more = len(rows) > params["limit"]
    return {"items": [view(r) for r in page], "next_cursor": encode_cursor({"i": page[-1].id}) if more else None}


def _financier_action(session: Session, principal: Principal, intro_id: str, expected: str) -> FinanceIntroduction:
    row = visible_introduction(session, principal, intro_id)
    scope = require(principal, Action.finance_answer)
    if scope == Scope.own and principal.org_id != row.financier_org_id:
        raise forbidden("Only the financier offering the product answers this introduction.", action=Action.finance_answer)
    if row.status != expected:
        raise conflict(f"The introduction is {row.status}; this needs it {expected}.", current_status=row.status)
    return row


def answer(session: Session, principal: Principal, intro_id: str, *, accept: bool, reason: str | None, at: datetime) -> FinanceIntroduction:
    row = _financier_action(session, principal, intro_id, "requested")
    row.status, row.decline_reason = ("accepted", None) if accept else ("declined", reason)
    row.version, row.updated_at = row.version + 1, at
    audit.record(session, principal, f"finance_introduction.{row.status}", "finance_introduction", row.id, {"reason": reason})
    _notify(session, row, EventType.finance_introduction_answered)
    session.commit()
    return row


async def grant(session: Session, request: Request, principal: Principal, intro_id: str, body: FinanceGrant,
                at: datetime) -> FinanceIntroduction:
    row = _financier_action(session, principal, intro_id, "accepted")
    try:  # the need is funded: it leaves the open needs (a second grant finds it funded already, which is fine)
        await registry(request, principal, "POST", f"{PATHS['financing_need']}/{row.need_id}/status", json={"status": "funded"})
    except ProblemError as exc:
        if exc.status != 409:
            raise
    row.status, row.amount_granted_fen = "granted", yuan_to_fen(body.amount_cny)
    row.version, row.updated_at = row.version + 1, at
    audit.record(session, principal, "finance_introduction.granted", "finance_introduction", row.id, {"amount_cny": body.amount_cny})
    _notify(session, row, EventType.finance_granted)
    session.commit()
    return row


# --------------------------------------------------------------------------- statistics
async def stats(session: Session, request: Request, principal: Principal) -> dict[str, Any]:
    """Financing requested (needs posted, amounts) and granted (introductions granted, amounts), by product type.
    Admins and brokers see the platform; an enterprise sees what its organization asked, offered or introduced."""
    scope = require(principal, Action.finance_stats)
    org = None if scope == Scope.all else principal.org_id
    needs = await _all(request, principal, "financing_need", **({"org_id": org} if org else {}))
    intros = repository.visible(session, org)
    by_type: dict[str, dict[str, int]] = defaultdict(lambda: {"introductions": 0, "granted": 0, "granted_fen": 0})
    for i in intros:
        by_type[i.product_type]["introductions"] += 1
        if i.status == "granted":
            by_type[i.product_type]["granted"] += 1
            by_type[i.product_type]["granted_fen"] += i.amount_granted_fen or 0
    statuses: dict[str, int] = defaultdict(int)
    for i in intros:
        statuses[i.status] += 1
    return {
        "needs_posted": len(needs),
        "amount_requested_cny": fen_to_yuan(sum(eligibility.fen(n["amount_cny"]) or 0 for n in needs)),
        "needs_funded": sum(n["status"] == "funded" for n in needs),
        "introductions": dict(statuses),
        "granted": statuses.get("granted", 0),
        "amount_granted_cny": fen_to_yuan(sum(i.amount_granted_fen or 0 for i in intros if i.status == "granted")),
        "by_product_type": {t: {"introductions": v["introductions"], "granted": v["granted"],
                                "amount_granted_cny": fen_to_yuan(v["granted_fen"])} for t, v in sorted(by_type.items())},
    }


# --------------------------------------------------------------------------- withdrawal
async def withdraw_product(session: Session, request: Request, principal: Principal, product_id: str) -> dict[str, Any]:
    product = await get_product(request, principal, product_id)
    scope = require(principal, Action.finance_product_publish)
    if scope == Scope.own and product["org_id"] != principal.org_id:
        raise forbidden("Only the financier offering the product withdraws it.", action=Action.finance_product_publish)
    updated = (await registry(request, principal, "POST", f"{PATHS['finance_product']}/{product_id}/status",
                              json={"status": "withdrawn"})).json()
    audit.record(session, principal, "finance_product.withdrawn", "finance_product", product_id, {})
    session.commit()
    return updated


async def withdraw_need(session: Session, request: Request, principal: Principal, need_id: str) -> dict[str, Any]:
    need = await get_need(request, principal, need_id)
    scope = require(principal, Action.finance_need_post)
    if scope == Scope.own and need["org_id"] != principal.org_id:
        raise forbidden("Only the need's organization withdraws it.", action=Action.finance_need_post)
    updated = (await registry(request, principal, "POST", f"{PATHS['financing_need']}/{need_id}/status",
                              json={"status": "withdrawn"})).json()
    audit.record(session, principal, "financing_need.withdrawn", "financing_need", need_id, {})
    session.commit()
    return updated
