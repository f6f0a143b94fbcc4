"""What the console pages need, assembled from calls to the gateway API (no database access of its own)."""
from __future__ import annotations

import asyncio
import json
from typing import Any

from services.gateway.console.api import ApiError, GatewayApi

PAGE_SIZE = 20
SCAN_LIMIT = 500  # API maximum page size, used when the console looks something up in a list
CANDIDATES_K = 10


async def _all(api: GatewayApi, path: str, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = await api.get(path, limit=SCAN_LIMIT, cursor=cursor, **params)
        items.extend(page["items"])
        cursor = page.get("next_cursor")
        if not cursor:
            return items


async def org_names(api: GatewayApi, org_ids: set[str | None]) -> dict[str, str]:
    """Organization id → name for display; an id stays as it is if the registry cannot say."""
    async def one(org_id: str) -> tuple[str, str]:
        try:
            return org_id, (await api.get(f"/v1/organizations/{org_id}"))["name"]
        except ApiError:
            return org_id, org_id
    return dict(await asyncio.gather(*(one(o) for o in sorted(o for o in org_ids if o))))


async def demands_page(api: GatewayApi, filters: dict[str, str], cursor: str | None) -> dict[str, Any]:
    return await api.get("/v1/demands", status="published", limit=PAGE_SIZE, cursor=cursor, **filters)


async def engagement_for(api: GatewayApi, entity: str, record_id: str) -> dict[str, Any] | None:
    """This organization's engagement on the record, if it already has one (the oldest)."""
    found = [e for e in await _all(api, "/v1/engagements") if e["subject_entity"] == entity and e["subject_id"] == record_id]
    return min(found, key=lambda e: e["created_at"]) if found else None


async def open_engagement(api: GatewayApi, entity: str, record_id: str) -> dict[str, Any]:
    existing = await engagement_for(api, entity, record_id)
    if existing:
        return existing
    return await api.post("/v1/engagements", {"subject_entity": entity, "subject_id": record_id})


async def engagement_view(api: GatewayApi, engagement_id: str) -> dict[str, Any]:
    """The engagement, its subject record, explained candidates, shortlist and introductions by entry."""
    engagement = await api.get(f"/v1/engagements/{engagement_id}")
    collection = "demands" if engagement["subject_entity"] == "demand" else "technologies"
    subject, shortlist, introductions = await asyncio.gather(
        api.get(f"/v1/{collection}/{engagement['subject_id']}"),
        api.get(f"/v1/engagements/{engagement_id}/shortlist"),
        _all(api, "/v1/introductions"),
    )
    matching_error = None
    try:
        candidates = (await api.post(f"/v1/engagements/{engagement_id}/matches", {"k": CANDIDATES_K}))["items"]
    except ApiError as exc:
        candidates, matching_error = [], exc.message
    intro_by_entry = {i["shortlist_entry_id"]: i for i in introductions if i["engagement_id"] == engagement_id}
    shortlisted = {e["candidate_id"]: e for e in shortlist}
    names = await org_names(api, {e.get("candidate_owner_org_id") for e in shortlist} | {subject.get("owner_org_id")})
    return {"engagement": engagement, "subject": subject, "candidates": candidates, "matching_error": matching_error,
            "shortlist": shortlist, "shortlisted": shortlisted, "intro_by_entry": intro_by_entry, "org_names": names}


def place_failure(view: dict[str, Any], failed: dict[str, Any]) -> dict[str, Any]:
    """Show a failed form's message next to its form if that form is on the page, else at the top."""
    forms = {f"cand-{c['id']}" for c in view["candidates"] if c["id"] not in view["shortlisted"]}
    forms |= {f"entry-{e['id']}" for e in view["shortlist"] if e["id"] not in view["intro_by_entry"]}
    return failed if failed.get("target") in forms else {**failed, "target": None}


def shortlist_body(form: dict[str, str]) -> dict[str, Any]:
    """The shortlist request from the candidate form; `match` is the hit as shown (kept for the record)."""
    body: dict[str, Any] = {"candidate_id": form.get("candidate_id", ""), "note": form.get("note") or None}
    try:
        match = json.loads(form.get("match") or "null")
    except ValueError:
        match = None
    if isinstance(match, dict):
        body["match"] = match
    return body


def transition_body(form: dict[str, str]) -> dict[str, Any]:
    body: dict[str, Any] = {"to_stage": form.get("to_stage", "")}
    if form.get("contract_amount_cny", "").strip():
        body["contract_amount_cny"] = form["contract_amount_cny"].strip().replace(",", "")
    if form.get("note", "").strip():
        body["note"] = form["note"].strip()
    if form.get("version", "").isdigit():
        body["version"] = int(form["version"])
    return body


async def deals_view(api: GatewayApi, stage: str | None, cursor: str | None) -> dict[str, Any]:
    page = await api.get("/v1/deals", stage=stage, limit=PAGE_SIZE, cursor=cursor)
    titles = await record_titles(api, {("technologies", d["technology_id"]) for d in page["items"]}
                                 | {("demands", d["demand_id"]) for d in page["items"]})
    return {"page": page, "titles": titles}


async def deal_view(api: GatewayApi, deal_id: str) -> dict[str, Any]:
    deal = await api.get(f"/v1/deals/{deal_id}")
    titles = await record_titles(api, {("technologies", deal["technology_id"]), ("demands", deal["demand_id"])})
    orgs = {h["actor_org_id"] for h in deal["history"]} | {deal["broker_org_id"]}
    orgs |= {s["broker_org_id"] for s in deal["broker_shares"]}
    preview = None
    if deal["commission"] is None and deal["contract_amount_cny"] is not None:
        preview = await api.get("/v1/commissions/preview", contract_amount_cny=deal["contract_amount_cny"])
    try:  # lapsed / expired / pledged / pending patents of the technology, shown before the deal goes further
        patent_flags = await api.get(f"/v1/deals/{deal_id}/patent-flags")
    except ApiError:
        patent_flags = None
    return {"deal": deal, "titles": titles, "org_names": await org_names(api, orgs), "preview": preview,
            "patent_flags": patent_flags}


async def record_titles(api: GatewayApi, refs: set[tuple[str, str]]) -> dict[str, str]:
    async def one(collection: str, record_id: str) -> tuple[str, str]:
        try:
            return record_id, (await api.get(f"/v1/{collection}/{record_id}"))["title"]
        except ApiError:
            return record_id, record_id
    return dict(await asyncio.gather(*(one(c, i) for c, i in sorted(refs))))
