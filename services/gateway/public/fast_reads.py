"""Proxied reads answered without FastAPI's per-request machinery.

The gateway's most called routes (GET one technology or demand, and their lists) only authenticate, check the
caller may read, and relay the registry's answer. FastAPI's routing over the gateway's ~250 routes, its
dependency resolution and exception layers cost more than that work and the upstream call together (about
0.8 ms per read on this machine, docs/benchmarks.md), so this pure ASGI middleware answers the ordinary case
of those routes itself, with the very pieces FastAPI would run:

- the route FastAPI would pick: one regex over every GET route in FastAPI's own order (first match wins), so a
  path another route owns (`/v1/technologies/export`) is never taken here;
- FastAPI's own parameter validation (`request_params_to_args`) over the route's declared query and path
  parameters, then the route's own sub-dependencies (`_list_params`) and endpoint function;
- the key → principal → rate-limit step of `auth.deps.resolve_principal`, and problem responses of shared.errors.

Anything out of the ordinary goes to FastAPI unchanged, before any work with side effects (the rate-limit count):
no API key, a parameter that fails validation, a repeated parameter. So every error keeps one implementation and
the OpenAPI stays FastAPI's. `GATEWAY_FAST_READS=false` turns this off; tests compare answers both ways.
"""
from __future__ import annotations

import inspect
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.dependencies import utils as fastapi_deps
from fastapi.routing import APIRoute
from starlette._utils import get_route_path
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from services.gateway.auth.deps import api_key_scheme, bearer_scheme, get_principal, resolve_principal
from services.gateway.metrics import FAST_READS
from shared.errors import ProblemError, problem_response

# Route names (APIRoute.name) answered here; each must have the shape _plan_for accepts (checked at startup).
log = logging.getLogger(__name__)
FAST_ROUTES = ("get_technology", "get_demand", "list_technologies", "list_demands")
_NAMED_GROUP = re.compile(r"\(\?P<[^>]+>")


@dataclass(frozen=True)
class _SubDependency:
    param: str  # the endpoint's parameter it fills
    call: Callable[..., Any]  # async, takes only query parameters
    query_fields: tuple[Any, ...]


@dataclass(frozen=True)
class _Plan:
    route: APIRoute
    request_param: str
    principal_param: str
    query_fields: tuple[Any, ...]
    path_fields: tuple[Any, ...]
    subdependencies: tuple[_SubDependency, ...]
    query_names: frozenset[str]  # every query parameter name the route reads (to refuse repeated ones)
    answered: Any  # FAST_READS children for this route, bound once
    handed_over: Any


class UnsupportedRoute(ValueError):
    """A route listed in FAST_ROUTES whose parameters this module cannot resolve exactly as FastAPI would."""


def _plan_for(route: APIRoute) -> _Plan:
    dep = route.dependant
    if dep.header_params or dep.cookie_params or dep.body_params or not dep.request_param_name:
        raise UnsupportedRoute(f"{route.name}: only Request, the principal, path/query parameters and query-only dependencies")
    if not inspect.iscoroutinefunction(route.endpoint):
        raise UnsupportedRoute(f"{route.name}: the endpoint must be async")
    principal_param: str | None = None
    subs: list[_SubDependency] = []
    for sub in dep.dependencies:
        if sub.call is get_principal:
            principal_param = sub.name
            continue
        if (sub.dependencies or sub.path_params or sub.header_params or sub.cookie_params or sub.body_params
                or sub.request_param_name or not inspect.iscoroutinefunction(sub.call) or sub.name is None):
            raise UnsupportedRoute(f"{route.name}: dependency {sub.name} is not an async query-only function")
        subs.append(_SubDependency(sub.name, sub.call, tuple(sub.query_params)))
    if principal_param is None:
        raise UnsupportedRoute(f"{route.name}: no principal dependency")
    fields = [*dep.query_params, *(f for s in subs for f in s.query_fields)]
    names = frozenset(_query_names(fields))
    return _Plan(route, dep.request_param_name, principal_param, tuple(dep.query_params), tuple(dep.path_params),
                 tuple(subs), names, FAST_READS.labels(route.path, "answered"), FAST_READS.labels(route.path, "handed_over"))


def _query_names(fields: Iterable[Any]) -> Iterable[str]:
    aliases = getattr(fastapi_deps, "_get_param_aliases", None)  # FastAPI >= 0.16x: a field may have several
    for f in fields:
        if aliases is not None:
            yield from (alias for _, alias in aliases(f))
        else:
            yield f.alias


def _get_routes_in_order(routes: Iterable[Any]) -> list[tuple[re.Pattern[str], BaseRoute | None]]:
    """(path regex, route) for every route that can answer a GET, in the order FastAPI tries them; the route is
    None for what this module never takes (mounts, plain Starlette routes)."""
    from fastapi import routing

    included = getattr(routing, "_IncludedRouter", None)  # FastAPI 0.16x keeps included routers as branches
    out: list[tuple[re.Pattern[str], BaseRoute | None]] = []
    for candidate in routes:
        if included is not None and isinstance(candidate, included):
            out.extend(_get_routes_in_order(candidate.effective_candidates()))
            continue
        original = getattr(candidate, "original_route", candidate)
        if isinstance(original, APIRoute):
            regex = getattr(candidate, "path_regex", None) or original.path_regex
            if "GET" in original.methods:
                out.append((regex, original))
            continue
        route = getattr(candidate, "starlette_route", None) or original
        if isinstance(route, Mount) or (isinstance(route, Route) and (route.methods is None or "GET" in route.methods)):
            out.append((route.path_regex, None))
        elif not isinstance(route, (Route, Mount)):
            raise UnsupportedRoute(f"unknown route type {type(route).__name__}: cannot tell which route a path selects")
    return out


class FastReadTable:
    """Which route FastAPI would select for a GET path, and the plan when it is one of ours. Built once all routes
    are included (end of create_app). A listed route that is missing or of a shape this module cannot resolve
    exactly as FastAPI would, or FastAPI internals it cannot read, raise UnsupportedRoute: install() then leaves
    every read to FastAPI (logged), and tests/gateway/test_fast_reads.py, which builds the table itself, fails."""

    def __init__(self, app: FastAPI, names: Iterable[str] = FAST_ROUTES) -> None:
        try:
            ordered = _get_routes_in_order(app.router.routes)
        except (AttributeError, TypeError) as exc:
            raise UnsupportedRoute(f"this FastAPI's routes cannot be read in order ({exc})") from exc
        wanted = set(names)
        try:
            plans = {route.name: _plan_for(route) for _, route in ordered if isinstance(route, APIRoute) and route.name in wanted}
        except (AttributeError, TypeError) as exc:
            raise UnsupportedRoute(f"this FastAPI's dependency model cannot be read ({exc})") from exc
        missing = wanted - set(plans)
        if missing:
            raise UnsupportedRoute(f"no GET route named {sorted(missing)}")
        self.by_group: dict[str, _Plan] = {}
        parts = []
        for i, (regex, route) in enumerate(ordered):
            group = f"r{i}"
            parts.append(f"(?P<{group}>{_NAMED_GROUP.sub('(?:', regex.pattern)})")
            if isinstance(route, APIRoute) and route.name in plans:
                self.by_group[group] = plans[route.name]
        self.selector = re.compile("|".join(parts))

    def plan(self, path: str) -> _Plan | None:
        match = self.selector.match(path)
        return None if match is None or match.lastgroup is None else self.by_group.get(match.lastgroup)


def install(app: FastAPI) -> None:
    """Innermost of the app's own middlewares: inside the request id / metrics / log line and the request guard
    (Starlette wraps user_middleware in list order, the first outermost), so those see these requests as any other."""
    try:
        table = FastReadTable(app)
    except UnsupportedRoute as exc:  # a FastAPI whose routing this module cannot mirror: every read goes to FastAPI
        log.warning("fast reads off: %s", exc)
        return
    app.user_middleware.append(Middleware(FastReads, table=table))


class FastReads:
    """Pure ASGI: answers the GETs FastReadTable selects, hands everything else to the app unchanged."""

    def __init__(self, app: ASGIApp, table: FastReadTable) -> None:
        self.app = app
        self.table = table

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        path = get_route_path(scope)
        plan = self.table.plan(path)
        if plan is None:
            await self.app(scope, receive, send)
        elif await self._answer(plan, path, scope, receive, send):
            plan.answered.inc()
        else:
            plan.handed_over.inc()
            await self.app(scope, receive, send)

    async def _answer(self, plan: _Plan, path: str, scope: Scope, receive: Receive, send: Send) -> bool:
        """Answer the request, or return False (nothing done) for FastAPI to answer it."""
        route = plan.route
        matched = route.path_regex.match(path)  # again: the selector's regex has no named groups
        if matched is None:
            return False
        path_values = {name: route.param_convertors[name].convert(value) for name, value in matched.groupdict().items()}
        request = Request(scope, receive)
        query = request.query_params
        if len(query) and any(len(query.getlist(name)) > 1 for name in plan.query_names if name in query):
            return False  # a repeated parameter: FastAPI's reading of it is the reference
        kwargs, errors = fastapi_deps.request_params_to_args(plan.query_fields, query)
        path_args, path_errors = fastapi_deps.request_params_to_args(plan.path_fields, path_values)
        if errors or path_errors:
            return False  # FastAPI words the 422
        sub_values = []
        for sub in plan.subdependencies:
            values, sub_errors = fastapi_deps.request_params_to_args(sub.query_fields, query)
            if sub_errors:
                return False
            sub_values.append((sub, values))
        bearer = await bearer_scheme(request)
        key = bearer.credentials if bearer else await api_key_scheme(request)
        if not key:
            return False  # FastAPI's 401
        # From here on the request is ours: the rate limit is counted once, below.
        scope["route"] = route  # the route template for metrics and the request log line
        scope["endpoint"] = route.endpoint
        scope["path_params"] = path_values
        try:
            principal = await resolve_principal(request, key)
            for sub, values in sub_values:
                kwargs[sub.param] = await sub.call(**values)
            kwargs.update(path_args)
            kwargs[plan.request_param] = request
            kwargs[plan.principal_param] = principal
            response = await route.endpoint(**kwargs)
        except ProblemError as exc:
            response = problem_response(exc, request)
        if not isinstance(response, Response):  # pragma: no cover - FAST_ROUTES return responses (startup check)
            raise TypeError(f"{route.name} returned {type(response).__name__}, not a Response")
        await response(scope, receive, send)
        return True
