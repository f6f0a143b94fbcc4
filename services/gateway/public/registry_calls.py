"""Registry calls on behalf of a caller (identity headers set, faults turned into problems)."""
from __future__ import annotations

import json
from typing import Any

import httpx
from fastapi import Request

from services.gateway import upstream
from services.gateway.auth.deps import Principal
from shared.errors import invalid


async def registry(request: Request, principal: Principal, method: str, path: str, **kw: Any) -> httpx.Response:
    return await upstream.call(upstream.get_registry(request), request, method, path, principal=principal,
                               service=upstream.REGISTRY, **kw)


async def fetch(request: Request, principal: Principal, path: str) -> dict[str, Any]:
    return (await registry(request, principal, "GET", path)).json()


async def raw_json_body(request: Request) -> Any:
    """The caller's JSON body for pass-through actions (withdraw, renew), or None when empty."""
    body = await request.body()
    if not body.strip():
        return None
    try:
        return json.loads(body)
    except ValueError:
        raise invalid("body", "The body is not valid JSON: send a JSON object or nothing.", status=400) from None
