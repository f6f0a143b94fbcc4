"""A webhook receiver on a loopback port, written the way a client would: pick the secret by subscription,
verify, dedupe by event id. Every request is also kept raw (headers, body) for tests to inspect."""
from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from services.gateway.webhooks.signing import (EVENT_ID_HEADER, SIGNATURE_HEADER, SUBSCRIPTION_HEADER, SignatureError,
                                               verify_signature)


@dataclass(frozen=True)
class Captured:
    headers: dict[str, str]
    body: bytes

    @property
    def signature(self) -> str | None:
        return self.headers.get(SIGNATURE_HEADER.lower())

    @property
    def subscription_id(self) -> str | None:
        return self.headers.get(SUBSCRIPTION_HEADER.lower())


class Receiver:
    def __init__(self, secret: str | None = None, fail_first: int = 0, *,
                 secrets_by_subscription: dict[str, str] | None = None,
                 now: Callable[[], int] | None = None) -> None:
        self.secret = secret  # one subscription: verify everything with this secret
        self.secrets_by_subscription = secrets_by_subscription  # several: pick by X-Greentech-Subscription
        self.now = now  # the verifier's clock (unix seconds); None = the real time
        self.fail_first = fail_first
        self.requests = 0
        self.captured: list[Captured] = []
        self.events: dict[str, dict] = {}  # processed events by id (the dedupe store)
        self.rejected: list[str] = []
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status = outer._handle({k.lower(): v for k, v in self.headers.items()}, body)
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _secret_for(self, subscription_id: str | None) -> str | None:
        if self.secrets_by_subscription is not None:
            return self.secrets_by_subscription.get(subscription_id or "", "")  # unknown subscription: never verifies
        return self.secret

    def _handle(self, headers: dict[str, str], body: bytes) -> int:
        with self._lock:
            self.requests += 1
            request = Captured(headers, body)
            self.captured.append(request)
            if self.requests <= self.fail_first:
                return 500
            secret = self._secret_for(request.subscription_id)
            if secret is not None:
                try:
                    verify_signature(secret, request.signature, body, now=self.now() if self.now else None)
                except SignatureError as exc:
                    self.rejected.append(str(exc))
                    return 401
            event_id = headers.get(EVENT_ID_HEADER.lower())
            payload = json.loads(body)
            if payload["event_id"] != event_id:
                return 400
            self.events.setdefault(event_id, payload)  # a redelivered event is acknowledged, not processed twice
            return 200

    def __enter__(self) -> "Receiver":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
