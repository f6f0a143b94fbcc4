"""A webhook receiver on a loopback port, written the way a client would: verify, dedupe by event id."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from services.gateway.webhooks.signing import EVENT_ID_HEADER, SIGNATURE_HEADER, SignatureError, verify_signature


class Receiver:
    def __init__(self, secret: str | None = None, fail_first: int = 0) -> None:
        self.secret = secret
        self.fail_first = fail_first
        self.requests = 0
        self.events: dict[str, dict] = {}  # processed events by id (the dedupe store)
        self.rejected: list[str] = []
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status = outer._handle(self.headers.get(SIGNATURE_HEADER), self.headers.get(EVENT_ID_HEADER), body)
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _handle(self, signature: str | None, event_id: str | None, body: bytes) -> int:
        with self._lock:
            self.requests += 1
            if self.requests <= self.fail_first:
                return 500
            if self.secret is not None:
                try:
                    verify_signature(self.secret, signature, body)
                except SignatureError as exc:
                    self.rejected.append(str(exc))
                    return 401
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
