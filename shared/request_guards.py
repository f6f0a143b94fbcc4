"""Checks on a request body before any route sees it (pure ASGI middleware, installed by every service):

- size: a body above the limit is refused with 413 as soon as the limit is passed (Content-Length up front,
  or while counting a chunked body), so nobody can make a service hold a 10 MiB body in memory;
- lone UTF-16 surrogates in JSON (`"\\ud800"`): valid JSON, but no valid text: they cannot be encoded to
  UTF-8, so they would fail later in the tokenizer, the database or the response (a 500). Refused here with
  a 422 problem naming the field.
"""
from __future__ import annotations

import json
import re
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.errors import FieldError, ProblemError, problem_response

BODY_METHODS = {"POST", "PUT", "PATCH"}
# A surrogate escape in the raw body; only then is the body parsed here (valid pairs are fine).
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def too_large(max_bytes: int) -> ProblemError:
    return ProblemError(413, "Request body too large",
                        f"body: send at most {max_bytes} bytes; split big uploads (e.g. bulk upserts) into several requests.",
                        kind="payload-too-large", errors=[FieldError(field="body", message=f"at most {max_bytes} bytes", type="too_large")])


def lone_surrogate_paths(value: Any, path: str = "body") -> list[str]:
    """Field paths (`body.items.0.title`) of strings or keys holding a lone UTF-16 surrogate."""
    if isinstance(value, str):
        return [path] if any("\ud800" <= ch <= "\udfff" for ch in value) else []
    if isinstance(value, list):
        return [p for i, item in enumerate(value) for p in lone_surrogate_paths(item, f"{path}.{i}")]
    if isinstance(value, dict):
        found = []
        for key, item in value.items():
            found += [f"{path}.{key}"] if lone_surrogate_paths(key) else lone_surrogate_paths(item, f"{path}.{key}")
        return found
    return []


def surrogate_problem(paths: list[str]) -> ProblemError:
    message = "contains a lone UTF-16 surrogate (e.g. \\ud800), which is not text: send valid Unicode."
    return ProblemError(422, "Invalid request", f"{paths[0]}: {message}", kind="validation-error",
                        errors=[FieldError(field=p, message=message, type="string_unicode") for p in paths[:20]])


class RequestGuard:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") not in BODY_METHODS:
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            await problem_response(too_large(self.max_bytes))(scope, receive, send)
            return
        body, pending = await self._read(receive)
        if body is None:
            await problem_response(too_large(self.max_bytes))(scope, receive, send)
            return
        if _SURROGATE_ESCAPE.search(body) and b"json" in headers.get(b"content-type", b""):
            try:
                paths = lone_surrogate_paths(json.loads(body))
            except ValueError:
                paths = []  # not JSON: the route's own parsing answers that
            if paths:
                await problem_response(surrogate_problem(paths))(scope, receive, send)
                return
        await self.app(scope, self._replay(body, pending, receive), send)

    async def _read(self, receive: Receive) -> tuple[bytes | None, Message | None]:
        """The whole body (None once it passes the limit); stops early at a non-body message (a disconnect)."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return b"".join(chunks), message
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                return None, None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks), None

    @staticmethod
    def _replay(body: bytes, pending: Message | None, receive: Receive) -> Receive:
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            if pending is not None:
                return pending
            return await receive()

        return replay
