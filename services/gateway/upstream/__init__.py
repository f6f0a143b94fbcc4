"""Calls to the registry and matching services, and turning their answers into ours.

- 2xx: relayed as they are (body, content type, feed/ETag headers).
- 4xx problems: passed through unchanged (the client's mistake, already explained upstream).
- Upstream unreachable → 503, too slow → 504, upstream 5xx → 502; all problem+json, always within
  GATEWAY_UPSTREAM_TIMEOUT (one deadline over the whole call including retries). Nothing is cached, so the
  gateway recovers by itself as soon as the upstream answers again.
"""
from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import httpx
from fastapi import Request, Response

from services.gateway.metrics import count_upstream_errors
from shared.errors import PROBLEM_MEDIA_TYPE, ProblemError
from shared.http import ServiceClient

if TYPE_CHECKING:
    from services.gateway.auth.deps import Principal

REGISTRY = "registry"
MATCHING = "matching"
# Request headers the client may send that mean something upstream.
FORWARDED_REQUEST_HEADERS = ("Idempotency-Key", "If-Match")
# Upstream response headers worth relaying.
RELAYED_RESPONSE_HEADERS = ("X-Feed-Seq", "ETag", "Retry-After", "Content-Disposition")


def get_registry(request: Request) -> ServiceClient:
    return request.app.state.registry


def get_matching(request: Request) -> ServiceClient:
    return request.app.state.matching


def make_clients(*, registry_url: str, matching_url: str, service_token: str, timeout: float) -> dict[str, ServiceClient]:
    return {
        REGISTRY: ServiceClient(registry_url, service_token, timeout=timeout, retries=2, backoff=0.05),
        MATCHING: ServiceClient(matching_url, service_token, timeout=timeout, retries=2, backoff=0.05),
    }


@count_upstream_errors  # gateway_upstream_errors_total by kind (services/gateway/metrics.py)
async def call(
    client: ServiceClient,
    request: Request,
    method: str,
    path: str,
    *,
    principal: "Principal | None" = None,
    service: str = REGISTRY,
    json: Any = None,
    params: Any = None,
) -> httpx.Response:
    """One upstream call with the caller's identity and request id; raises ProblemError for 4xx/5xx/faults."""
    headers: dict[str, str] = {}
    if principal is not None:
        headers["X-Actor"] = principal.actor
        headers["X-Actor-Org"] = principal.org_id
    for name in FORWARDED_REQUEST_HEADERS:
        if name in request.headers:
            headers[name] = request.headers[name]
    deadline = request.app.state.settings.upstream_timeout
    kwargs: dict[str, Any] = {"headers": headers, "params": _clean_params(params)}
    if json is not None:
        kwargs["json"] = json
    try:
        async with asyncio.timeout(deadline):
            resp = await client.request(method, path, request_id=getattr(request.state, "request_id", None), **kwargs)
    except (TimeoutError, httpx.TimeoutException):
        raise ProblemError(504, "Upstream timeout", f"The {service} service did not answer within {deadline:g}s; try again shortly.",
                           kind="upstream-timeout", headers={"Retry-After": "1"}, extra={"upstream": service}) from None
    except httpx.TransportError as exc:
        raise ProblemError(503, "Upstream unavailable", f"The {service} service cannot be reached ({type(exc).__name__}); try again shortly.",
                           kind="upstream-unavailable", headers={"Retry-After": "2"}, extra={"upstream": service}) from None
    raise_for_upstream(resp, service)
    return resp


def raise_for_upstream(resp: httpx.Response, service: str) -> None:
    status = resp.status_code
    if status < 400:
        return
    if status == 401:  # our service token was refused: a deployment mistake, not the client's
        raise ProblemError(502, "Bad gateway", f"The {service} service refused the gateway's service token (check *_SERVICE_TOKEN).",
                           kind="bad-gateway", extra={"upstream": service})
    if status < 500:
        raise ProblemError(status, _problem_field(resp, "title") or "Upstream error", _problem_field(resp, "detail"),
                           kind="upstream", headers=_relayed_headers(resp), extra=_body_dict(resp))
    if status == 503:
        raise ProblemError(503, "Upstream unavailable", f"The {service} service is not ready; try again shortly.",
                           kind="upstream-unavailable", headers={"Retry-After": resp.headers.get("Retry-After", "2")},
                           extra={"upstream": service})
    raise ProblemError(502, "Bad gateway", f"The {service} service failed ({status}); the error was logged there.",
                       kind="bad-gateway", extra={"upstream": service, "upstream_status": status})


def relay(resp: httpx.Response, *, content: Any = None, status_code: int | None = None) -> Response:
    """Our response for an upstream success; `content` (JSON-able) replaces the body when we changed it."""
    headers = _relayed_headers(resp)
    if content is not None:
        from fastapi.responses import JSONResponse

        return JSONResponse(content, status_code=status_code or resp.status_code, headers=headers)
    media_type = resp.headers.get("content-type", "application/json")
    return Response(resp.content, status_code=status_code or resp.status_code, media_type=media_type, headers=headers)


def _relayed_headers(resp: httpx.Response) -> dict[str, str]:
    return {h: resp.headers[h] for h in RELAYED_RESPONSE_HEADERS if h in resp.headers}


def _body_dict(resp: httpx.Response) -> dict[str, Any]:
    try:
        body = resp.json()
    except ValueError:
        return {"detail": resp.text[:500]}
    return body if isinstance(body, dict) else {"detail": body}


def _problem_field(resp: httpx.Response, name: str) -> str | None:
    value = _body_dict(resp).get(name)
    return str(value) if value is not None else None


def _clean_params(params: Any) -> Any:
    if isinstance(params, dict):
        return {k: v for k, v in params.items() if v is not None}
    return params


def is_problem(resp: httpx.Response) -> bool:
    return resp.headers.get("content-type", "").startswith(PROBLEM_MEDIA_TYPE)
