"""The console's only way to the data: the gateway's own public HTTP API, called in-process (ASGI) with the
signed-in user's key, so every permission, audit and validation rule applies exactly as for API clients."""
from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
from fastapi import Request

from shared.http import REQUEST_ID_HEADER

INTERNAL_BASE_URL = "http://gateway.console.internal"
TIMEOUT_SECONDS = 60.0


class ApiError(Exception):
    """A problem+json answer of the gateway API, kept whole so pages can show it next to the right field."""

    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        self.status = status
        self.problem = problem
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return str(self.problem.get("detail") or self.problem.get("title") or f"HTTP {self.status}")

    def field_errors(self) -> dict[str, str]:
        """`body.contract_amount_cny` / `query.region` → form field name → message."""
        errors: dict[str, str] = {}
        for err in self.problem.get("errors") or []:
            path = str(err.get("field", ""))
            name = path.split(".", 1)[1] if path.split(".", 1)[0] in ("body", "query", "path") and "." in path else path
            errors.setdefault(name.split(".", 1)[0], str(err.get("message", "")))
        return errors


class GatewayApi:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client

    async def get(self, path: str, **params: Any) -> Any:
        clean = {k: v for k, v in params.items() if v not in (None, "")}
        return await self._send("GET", path, params=clean)

    async def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        return await self._send("POST", path, json=body or {})

    async def _send(self, method: str, path: str, **kw: Any) -> Any:
        resp = await self._client.request(method, path, **kw)
        if resp.status_code >= 400:
            try:
                problem = resp.json()
            except ValueError:
                problem = {"title": resp.reason_phrase, "detail": resp.text[:300]}
            raise ApiError(resp.status_code, problem if isinstance(problem, dict) else {"detail": str(problem)})
        return resp.json() if resp.content else None


async def open_api(request: Request, key: str) -> AsyncIterator[GatewayApi]:
    headers = {"Authorization": f"Bearer {key}"}
    rid = getattr(request.state, "request_id", None)
    if rid:
        headers[REQUEST_ID_HEADER] = rid
    transport = httpx.ASGITransport(app=request.app)
    async with httpx.AsyncClient(transport=transport, base_url=INTERNAL_BASE_URL, headers=headers,
                                 timeout=TIMEOUT_SECONDS) as client:
        yield GatewayApi(client)
