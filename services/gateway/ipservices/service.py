"""Patents and the green IPC table for callers of the public API.

Patents are public register data (CNIPA publishes applications, grants, transfers and pledges), so every key may
read them; writing one (or recording a legal event) is for admins and for the holder organization's keys.
A malformed patent id answers exactly as a missing one (404 built here, never relayed).
"""
from __future__ import annotations

import re
from typing import Any

from fastapi import Request
from sqlmodel import Session

from services.gateway.audit import service as audit
from services.gateway.auth.deps import Principal
from services.gateway.auth.permissions import Action, Scope, forbidden, require
from services.gateway.brokers import service as deals
from services.gateway.public import records
from services.gateway.public.registry_calls import registry
from services.gateway.webhooks import service as webhooks
from services.gateway.webhooks.schemas import EventType
from shared import identifiers, ipc_green, taxonomy
from shared.domain_suggestion import suggest
from shared.errors import ProblemError, invalid, not_found
from shared.ip_schemas import PatentCreate, PatentEventCreate

PATENT_ID = re.compile(r"^pat_[0-9a-z]{20}$")
LIST_LIMIT = 200  # a technology has a handful of patents; one page is enough for the views below


def _path(patent_id: str) -> str:
    if not PATENT_ID.match(patent_id):
        raise not_found("patent", patent_id)
    return f"/v1/patents/{patent_id}"


async def get(request: Request, principal: Principal, patent_id: str) -> dict[str, Any]:
    require(principal, Action.patent_read)
    try:
        return (await registry(request, principal, "GET", _path(patent_id))).json()
    except ProblemError as exc:
        if exc.status == 404:
            raise not_found("patent", patent_id) from None
        raise


async def create(session: Session, request: Request, principal: Principal, body: PatentCreate) -> dict[str, Any]:
    scope = require(principal, Action.patent_write)
    holders = {a.org_id for a in body.applicants if a.org_id}
    if scope == Scope.own and principal.org_id not in holders:
        raise forbidden("An enterprise key registers patents its own organization holds: name it among the applicants "
                        "(applicants[].org_id).", action=Action.patent_write)
    if scope == Scope.own:
        await _check_own_technologies(request, principal, body.technology_ids)
    created = (await registry(request, principal, "POST", "/v1/patents", json=body.model_dump(mode="json", exclude_unset=True))).json()
    audit.record(session, principal, "patent.created", "patent", created["id"],
                 {"application_number": created["application_number"], "technology_ids": created["technology_ids"]})
    session.commit()
    return created


async def _check_own_technologies(request: Request, principal: Principal, technology_ids: list[str]) -> None:
    """An enterprise links its patents to its own technologies only; another tenant's unpublished technology reads
    as missing (same message), so the answer never tells whether it exists."""
    for i, technology_id in enumerate(technology_ids):
        try:
            technology = await records.fetch_visible(request, principal, "technology", technology_id)
        except ProblemError as exc:
            if exc.status == 404:
                raise invalid(f"body.technology_ids.{i}", f"No technology with id {technology_id!r}.") from None
            raise
        if technology.get("owner_org_id") != principal.org_id:
            raise invalid(f"body.technology_ids.{i}", "A patent is linked only to your own organization's technologies.")


async def add_event(session: Session, request: Request, principal: Principal, patent_id: str,
                    body: PatentEventCreate) -> dict[str, Any]:
    scope = require(principal, Action.patent_write)
    patent = await get(request, principal, patent_id)
    if scope == Scope.own and principal.org_id not in patent["owner_org_ids"]:
        raise forbidden("Only the patent's holder organization (or an admin) records its legal events.", action=Action.patent_write)
    updated = (await registry(request, principal, "POST", f"{_path(patent_id)}/events",
                              json=body.model_dump(mode="json", exclude_unset=True))).json()
    detail = {"kind": body.kind.value, "on": body.on.isoformat(), "status": updated["current_status"], "flags": updated["flags"]}
    audit.record(session, principal, "patent.event_recorded", "patent", patent_id, detail)
    webhooks.enqueue_many(session, set(patent["owner_org_ids"]) | set(updated["owner_org_ids"]), EventType.patent_status_changed,
                          {"patent_id": patent_id, "application_number": updated["application_number"], **detail})
    session.commit()
    return updated


async def list_patents(request: Request, principal: Principal, params: dict[str, Any]) -> dict[str, Any]:
    require(principal, Action.patent_read)
    if params.get("technology_id"):  # a technology the caller may not read answers as missing, not with its patents
        await records.fetch_visible(request, principal, "technology", params["technology_id"])
    return (await registry(request, principal, "GET", "/v1/patents", params=params)).json()


async def _patents_of(request: Request, principal: Principal, technology_id: str) -> list[dict[str, Any]]:
    """Patents of a technology already checked (or of a deal the caller reads): no second visibility check."""
    require(principal, Action.patent_read)
    page = (await registry(request, principal, "GET", "/v1/patents", params={"technology_id": technology_id, "limit": LIST_LIMIT})).json()
    return page["items"]


def _flagged(patents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"patent_id": p["id"], "application_number": p["application_number"], "title": p["title"],
             "current_status": p["current_status"], "pledged": p["pledged"], "flags": p["flags"]}
            for p in patents if p["flags"]]


async def technology_patents(request: Request, principal: Principal, technology_id: str) -> dict[str, Any]:
    """A technology's patents with their current status; the technology must be readable by the caller."""
    await records.fetch_visible(request, principal, "technology", technology_id)
    patents = await _patents_of(request, principal, technology_id)
    return {"technology_id": technology_id, "patents": patents, "flagged": _flagged(patents)}


async def deal_patent_flags(session: Session, request: Request, principal: Principal, deal_id: str) -> dict[str, Any]:
    """What a broker checks before a deal: the deal's technology's patents that are lapsed, expired, pledged or
    still pending. Anyone who may read the deal may read this; others get the deal's 404."""
    deal = deals.visible_deal(session, principal, deal_id)
    if not deal.technology_id:
        return {"deal_id": deal_id, "technology_id": None, "has_flags": False, "flagged": [], "patents": []}
    patents = await _patents_of(request, principal, deal.technology_id)
    flagged = _flagged(patents)
    return {"deal_id": deal_id, "technology_id": deal.technology_id, "has_flags": bool(flagged), "flagged": flagged,
            "patents": [{"patent_id": p["id"], "application_number": p["application_number"], "current_status": p["current_status"],
                         "pledged": p["pledged"]} for p in patents]}


async def statistics(request: Request, principal: Principal, params: dict[str, Any]) -> dict[str, Any]:
    require(principal, Action.patent_read)
    return (await registry(request, principal, "GET", "/v1/patents/statistics", params=params)).json()


# --------------------------------------------------------------------------- green IPC table
def ipc_table(principal: Principal, *, domain: str | None, subdomain: str | None, kind: str | None, q: str | None) -> dict[str, Any]:
    require(principal, Action.patent_read)
    if domain is not None and not taxonomy.is_domain(domain):
        raise invalid("query.domain", f"unknown domain {domain!r}; one of {', '.join(taxonomy.DOMAINS)}")
    if subdomain is not None and not any(taxonomy.is_subdomain(d, subdomain) for d in taxonomy.DOMAINS):
        raise invalid("query.subdomain", f"unknown subdomain {subdomain!r} (GET /v1/taxonomy lists them)")
    items = ipc_green.search(domain=domain, subdomain=subdomain, q=q, kind=kind)
    return {"version": ipc_green.version(), "compiled": ipc_green.compiled(), "count": len(items),
            "items": [e.as_dict() for e in items],
            "uncovered": {s: r for s, r in ipc_green.uncovered().items() if not subdomain or s == subdomain}}


def suggest_from_ipc(principal: Principal, codes: list[str], title: str | None) -> dict[str, Any]:
    """A domain for a technology from its IPC codes (and title, if given); which codes are green and why."""
    require(principal, Action.patent_read)
    canonical = []
    for i, code in enumerate(codes):
        try:
            canonical.append(identifiers.validate_ipc(code))
        except ValueError as exc:
            raise invalid(f"query.ipc.{i}", str(exc)) from None
    matched = [{"ipc": c, "entry": (e.as_dict() if (e := ipc_green.lookup(c)) else None)} for c in canonical]
    s = suggest(title=title, ipc_codes=canonical)
    return {"table_version": ipc_green.version(), "codes": matched, "is_green": any(m["entry"] for m in matched),
            "suggestion": s.as_dict() if s else None}
