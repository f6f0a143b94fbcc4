"""Refuse oversized request bodies before anything parses (let alone embeds) them: 413 problem+json."""
from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.errors import ProblemError, problem_response


class BodySizeLimit:
    """Pure ASGI middleware: checks Content-Length, and counts bytes for chunked bodies (buffered up to the limit)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _too_large(self) -> ProblemError:
        return ProblemError(413, "Request body too large",
                            f"body: send at most {self.max_bytes} bytes (a query is at most 2000 characters; "
                            "split big batches)", kind="payload-too-large")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            await problem_response(self._too_large())(scope, receive, send)
            return
        if length is not None:
            await self.app(scope, receive, send)
            return
        # No length given (chunked): read up to the limit, then replay to the app.
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await problem_response(self._too_large())(scope, receive, send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
