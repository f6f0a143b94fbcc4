"""Reading a registry record on behalf of a caller: the one place that decides whether it exists for them.

Every gateway route that takes a technology, demand or organization id reads it through here before doing
anything with it (get, update, match by record, engagements, shortlists, introductions). A malformed id, a
missing record and another tenant's unpublished record all answer the same 404 problem, built here rather
than relayed from the registry, so neither the status nor the body tells them apart.
"""
from __future__ import annotations

from typing import Any

import httpx
from fastapi import Request

from services.gateway.auth.deps import Principal
from services.gateway.public import access
from services.gateway.public.registry_calls import registry
from shared.errors import ProblemError, conflict, not_found
from shared.identifiers import is_record_id

COLLECTIONS = {"technology": "/v1/technologies", "demand": "/v1/demands", "organization": "/v1/organizations"}


def record_path(entity: str, record_id: str) -> str:
    """The registry path of a record; an id that cannot be one of ours is simply not found (never sent upstream)."""
    if not is_record_id(entity, record_id):
        raise not_found(entity, record_id)
    return f"{COLLECTIONS[entity]}/{record_id}"


async def fetch(request: Request, principal: Principal, entity: str, record_id: str) -> dict[str, Any]:
    """The record as the registry has it, or our own 404 (no visibility check: callers add theirs)."""
    return (await _fetch_response(request, principal, entity, record_id)).json()


async def _fetch_response(request: Request, principal: Principal, entity: str, record_id: str) -> httpx.Response:
    try:
        return await registry(request, principal, "GET", record_path(entity, record_id))
    except ProblemError as exc:
        if exc.status == 404:
            raise not_found(entity, record_id) from None
        raise


async def fetch_visible(request: Request, principal: Principal, entity: str, record_id: str) -> dict[str, Any]:
    """A technology or demand the caller may read: published, or unpublished and theirs (or admin/evaluator)."""
    return (await fetch_visible_response(request, principal, entity, record_id))[1]


async def fetch_visible_response(request: Request, principal: Principal, entity: str,
                                 record_id: str) -> tuple[httpx.Response, dict[str, Any]]:
    """fetch_visible, with the registry's answer itself: a route that returns the record unchanged relays these
    very bytes (the ones checked here) instead of serialising the parsed record again."""
    resp = await _fetch_response(request, principal, entity, record_id)
    record = resp.json()
    access.ensure_visible(principal, entity, record)
    return resp, record


async def fetch_published(request: Request, principal: Principal, entity: str, record_id: str, *, field: str) -> dict[str, Any]:
    """A published record the caller may read, for workflows that only run on published records (engagements,
    shortlists, introductions). Callers who cannot see it get the 404 above; those who can (its owner, an
    admin) learn it is not published (409 naming `field`)."""
    record = await fetch_visible(request, principal, entity, record_id)
    if record.get("status") != access.PUBLISHED:
        raise conflict(f"{field}: this {entity} is {record.get('status')}, not published; only published records can be "
                       "matched, shortlisted or introduced.", field=field, record_status=record.get("status"))
    return record
