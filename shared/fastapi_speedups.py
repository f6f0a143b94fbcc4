"""Memoise two pure functions FastAPI calls for every parameter of every request.

FastAPI (0.165 here) works out, per request and per query/header parameter, whether the parameter's type
annotation is a sequence (`field_annotation_is_sequence`, called twice per parameter) and whether it is a
Pydantic model (`_get_model_type`), walking `typing.get_origin` / `get_args` / `issubclass` each time. Both
answers depend on the annotation object alone, which never changes after startup. A route with a dozen query
parameters (GET /v1/technologies: ten filters, limit, cursor) paid for this on every call: in a CPU profile of
the gateway's proxied list it was about a sixth of the gateway's own time, and the main reason a list cost
more than a read of one record (one path parameter).

The memo is a dict keyed by the annotation (typing objects hash and compare by structure, classes by
identity); an unhashable annotation is simply computed as before. If FastAPI renames these functions the
patch is skipped and nothing changes but speed.

Two more shortcuts, both answering exactly what FastAPI would:

- `request_params_to_args` (query/header/cookie/path parameters of every dependant of every request): a
  parameter that is absent from the request, optional, without `validate_default` and with an immutable
  default (None, bool, int, float, str, bytes, an Enum member) gets that default, which is what FastAPI's own
  path ends with (`deepcopy` of an immutable value is the value itself). Everything else (present values,
  required parameters, Pydantic-model parameters, factories) goes through FastAPI's function unchanged, one
  parameter at a time, so values and errors (and their order) are the same. The list routes have ten optional
  filters that are usually absent.
- included routers (`_IncludedRouter.matches`): FastAPI 0.165 keeps every `include_router` as a branch and,
  per request, tries each branch in order, each trying all of its routes (regex plus scope bookkeeping per
  route). A route matches only if its path regex does, so a branch gets one regex, its routes' regexes or-ed
  (named groups made plain), and a path that regex does not match answers NONE at once. It is rebuilt
  whenever FastAPI rebuilds the branch's routes (routes added later); a branch with a Host route or anything
  not matched by a path regex is always tried as before. Order, 405s, partial matches and redirects are
  unchanged: only branches that would have answered NONE are skipped.
- the dependency cache key (`_get_cache_key`: the call, its OAuth scopes if any dependency below uses scopes,
  its scope) and whether a dependency is a (async) generator or coroutine function (`_is_gen_callable` and
  friends, which FastAPI caches behind a wrapper object and an lru_cache) are worked out per sub-dependency on
  every request; both depend only on the Dependant / the callable, built once at startup, so they are memoised
  by identity (the object kept alive with its answer; the memo is emptied past 4096 entries, since dependency
  overrides build fresh Dependants per request).
"""
from __future__ import annotations

import enum
import re
from collections.abc import Callable, Sequence
from typing import Any

_PATCHED = "_greentech_memoised"
_IMMUTABLE_DEFAULTS = (type(None), bool, int, float, str, bytes, enum.Enum)


def _memoise(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
    memo: dict[Any, Any] = {}

    def memoised(annotation: Any) -> Any:
        try:
            return memo[annotation]
        except KeyError:
            result = memo[annotation] = fn(annotation)
            return result
        except TypeError:  # unhashable annotation: as FastAPI does it
            return fn(annotation)

    memoised.__wrapped__ = fn  # type: ignore[attr-defined]
    setattr(memoised, _PATCHED, True)
    return memoised


_IDENTITY_MEMO_SIZE = 4096


def _memoise_by_identity(fn: Callable[..., Any], keyword: str | None = None) -> Callable[..., Any]:
    """fn(obj) or fn(*, keyword=obj, ...) memoised by the identity of obj (other keyword arguments only feed a
    per-request memo inside FastAPI and do not change the answer)."""
    memo: dict[int, tuple[Any, Any]] = {}

    if keyword is None:
        def memoised(obj: Any) -> Any:
            hit = memo.get(id(obj))
            if hit is not None and hit[0] is obj:
                return hit[1]
            result = fn(obj)
            if len(memo) >= _IDENTITY_MEMO_SIZE:
                memo.clear()
            memo[id(obj)] = (obj, result)
            return result
    else:
        def memoised(*args: Any, **kwargs: Any) -> Any:
            obj = kwargs.get(keyword)
            if args or obj is None:
                return fn(*args, **kwargs)
            hit = memo.get(id(obj))
            if hit is not None and hit[0] is obj:
                return hit[1]
            result = fn(*args, **kwargs)
            if len(memo) >= _IDENTITY_MEMO_SIZE:
                memo.clear()
            memo[id(obj)] = (obj, result)
            return result

    memoised.__wrapped__ = fn  # type: ignore[attr-defined]
    setattr(memoised, _PATCHED, True)
    return memoised


def _fast_params_to_args(original: Callable[..., Any], utils: Any) -> Callable[..., Any]:
    """FastAPI's request_params_to_args with absent optional parameters answered from a per-field plan."""
    plans: dict[int, tuple[Any, tuple[str, ...] | None, Any]] = {}  # id(field) -> (field, request keys, default)

    def plan_for(field: Any) -> tuple[Any, tuple[str, ...] | None, Any]:
        keys: tuple[str, ...] | None = None
        default: Any = None
        try:
            info = field.field_info
            if (utils._get_param_model(field) is None and not info.is_required() and not info.validate_default
                    and info.default_factory is None and isinstance(info.default, _IMMUTABLE_DEFAULTS)):
                keys = tuple(request_key for _, request_key in utils._get_param_aliases(field))
                default = info.default
        except Exception:  # noqa: BLE001 - anything unexpected: FastAPI's own path for this field
            keys = None
        if len(plans) >= _IDENTITY_MEMO_SIZE:  # dependency overrides build fresh fields per request: stay bounded
            plans.clear()
        plan = plans[id(field)] = (field, keys or None, default)  # the field kept alive: its id stays its own
        return plan

    def request_params_to_args(fields: Sequence[Any], received_params: Any) -> tuple[dict[str, Any], list[Any]]:
        values: dict[str, Any] = {}
        errors: list[Any] = []
        for field in fields:
            plan = plans.get(id(field))
            if plan is None or plan[0] is not field:
                plan = plan_for(field)
            keys = plan[1]
            if keys is not None:
                for key in keys:
                    if key in received_params:
                        break
                else:  # absent: FastAPI would validate Undefined -> deepcopy(default) of an immutable default
                    values[field.name] = plan[2]
                    continue
            field_values, field_errors = original([field], received_params)
            if field_errors:
                errors.extend(field_errors)
            else:
                values.update(field_values)
        return values, errors

    request_params_to_args.__wrapped__ = original  # type: ignore[attr-defined]
    setattr(request_params_to_args, _PATCHED, True)
    return request_params_to_args


_NAMED_GROUP = re.compile(r"\(\?P<[^>]+>")


def _route_regex(candidate: Any, routing: Any) -> str | None:
    """The regex FastAPI/Starlette match this effective route's path with, or None if it is not matched that way."""
    from starlette import routing as starlette_routing

    original = getattr(candidate, "original_route", None)
    if isinstance(original, routing.APIRoute):
        regex = getattr(candidate, "path_regex", None)
    else:
        route = getattr(candidate, "starlette_route", None)
        if not isinstance(route, (starlette_routing.Route, starlette_routing.WebSocketRoute, starlette_routing.Mount)):
            return None
        regex = getattr(route, "path_regex", None)
    pattern = getattr(regex, "pattern", None)
    return pattern if isinstance(pattern, str) else None


def _branch_regexes(branch: Any, routing: Any, depth: int = 0) -> list[str] | None:
    if depth > 20:  # pragma: no cover - absurd nesting: no shortcut
        return None
    patterns: list[str] = []
    for candidate in branch.effective_candidates():
        if isinstance(candidate, routing._IncludedRouter):
            inner = _branch_regexes(candidate, routing, depth + 1)
        else:
            pattern = _route_regex(candidate, routing)
            inner = None if pattern is None else [pattern]
        if inner is None:
            return None
        patterns.extend(inner)
    return patterns


def _branch_filter(branch: Any, routing: Any) -> re.Pattern[str] | None:
    """One regex matching every path some route of the branch matches (their regexes, groups unnamed, or-ed)."""
    patterns = _branch_regexes(branch, routing)
    if patterns is None:
        return None
    if not patterns:
        return re.compile(r"(?!)")  # no routes: matches nothing, as FastAPI's scan would
    try:
        return re.compile("|".join(f"(?:{_NAMED_GROUP.sub('(?:', pattern)})" for pattern in patterns))
    except re.error:
        return None


def _prefiltered_matches(original: Callable[..., Any], routing: Any) -> Callable[..., Any]:
    from starlette._utils import get_route_path
    from starlette.routing import Match

    filter_attr = "_greentech_path_filter"

    def matches(self: Any, scope: Any) -> Any:
        if "path" in scope:
            cached = self.__dict__.get(filter_attr)
            # A branch without nested branches: FastAPI's routes version is its router's own counter, so an unchanged
            # counter means unchanged candidates (no walk of the routes to add up versions, as effective_candidates does).
            if cached is None or cached[2] is None or cached[2] != getattr(self.original_router, "_routes_version", None):
                candidates = self.effective_candidates()  # FastAPI's own cache, rebuilt when routes change
                if cached is None or cached[0] is not candidates:
                    nested = any(isinstance(candidate, routing._IncludedRouter) for candidate in candidates)
                    version = None if nested else getattr(self.original_router, "_routes_version", None)
                    cached = (candidates, _branch_filter(self, routing), version)
                    self.__dict__[filter_attr] = cached
            path_filter = cached[1]
            if path_filter is not None and path_filter.match(get_route_path(scope)) is None:
                return Match.NONE, {}
        return original(self, scope)

    matches.__wrapped__ = original  # type: ignore[attr-defined]
    setattr(matches, _PATCHED, True)
    return matches


def install() -> None:
    """Idempotent; called by shared.app_factory for every service app."""
    try:
        from fastapi import routing
        from fastapi.dependencies import utils
    except ImportError:  # pragma: no cover
        return
    for name in ("field_annotation_is_sequence", "_get_model_type"):
        fn = getattr(utils, name, None)
        if callable(fn) and not getattr(fn, _PATCHED, False):
            setattr(utils, name, _memoise(fn))
    fn = getattr(utils, "request_params_to_args", None)
    if (callable(fn) and not getattr(fn, _PATCHED, False)
            and all(hasattr(utils, name) for name in ("_get_param_model", "_get_param_aliases"))):
        utils.request_params_to_args = _fast_params_to_args(fn, utils)
    fn = getattr(utils, "_get_cache_key", None)
    if callable(fn) and not getattr(fn, _PATCHED, False):
        utils._get_cache_key = _memoise_by_identity(fn, "dependant")
    for name in ("_is_gen_callable", "_is_async_gen_callable", "_is_coroutine_callable"):
        fn = getattr(utils, name, None)
        if callable(fn) and not getattr(fn, _PATCHED, False):
            setattr(utils, name, _memoise_by_identity(fn))
    included = getattr(routing, "_IncludedRouter", None)
    fn = getattr(included, "matches", None)
    if (callable(fn) and not getattr(fn, _PATCHED, False) and hasattr(included, "effective_candidates")
            and hasattr(routing, "_EffectiveRouteContext")):
        included.matches = _prefiltered_matches(fn, routing)  # type: ignore[union-attr]
