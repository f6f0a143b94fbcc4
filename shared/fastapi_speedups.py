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
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

_PATCHED = "_greentech_memoised"


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


def install() -> None:
    """Idempotent; called by shared.app_factory for every service app."""
    try:
        from fastapi.dependencies import utils
    except ImportError:  # pragma: no cover
        return
    for name in ("field_annotation_is_sequence", "_get_model_type"):
        fn = getattr(utils, name, None)
        if callable(fn) and not getattr(fn, _PATCHED, False):
            setattr(utils, name, _memoise(fn))
