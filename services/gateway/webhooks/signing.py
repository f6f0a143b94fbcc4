"""HMAC-SHA256 webhook signatures over `<timestamp>.<body>`.

Header: `X-Greentech-Signature: t=<unix seconds>,v1=<hex digest>[,v1=<hex digest>]`. During a secret rotation
(`POST /v1/webhooks/{id}/rotate-secret`) a delivery carries one `v1` per valid secret, the new one first, as
Stripe does: a receiver still holding the old secret and one already holding the new one both verify.

Receivers verify with `verify_signature` (copy it: it needs only the standard library), reject stale
timestamps to stop replays by third parties, dedupe by the `X-Greentech-Event-Id` header because delivery is
at-least-once, and pick the secret by `X-Greentech-Subscription` when they serve several subscriptions.
"""
from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Sequence

SIGNATURE_HEADER = "X-Greentech-Signature"
EVENT_ID_HEADER = "X-Greentech-Event-Id"
EVENT_TYPE_HEADER = "X-Greentech-Event"
SUBSCRIPTION_HEADER = "X-Greentech-Subscription"
DEFAULT_TOLERANCE_SECONDS = 300


class SignatureError(ValueError):
    pass


def _digest(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()


def sign(secrets: str | Sequence[str], body: bytes, timestamp: int | None = None) -> str:
    """The signature header value for `body` sent at `timestamp` (now if omitted): one `v1` per secret, in order."""
    ts = int(time.time()) if timestamp is None else timestamp
    keys = [secrets] if isinstance(secrets, str) else list(secrets)
    if not keys:
        raise ValueError("at least one secret is needed to sign")
    return f"t={ts}," + ",".join(f"v1={_digest(key, ts, body)}" for key in keys)


def verify_signature(
    secret: str, header: str | None, body: bytes, *, tolerance: int = DEFAULT_TOLERANCE_SECONDS, now: int | None = None
) -> int:
    """Check a signature header against the raw request body. Returns the timestamp; raises SignatureError."""
    if not header:
        raise SignatureError(f"missing {SIGNATURE_HEADER} header")
    parts: dict[str, list[str]] = {}
    for item in header.split(","):
        key, sep, value = item.strip().partition("=")
        if sep:
            parts.setdefault(key, []).append(value)
    try:
        ts = int(parts["t"][0])
    except (KeyError, ValueError):
        raise SignatureError("signature header has no valid t=<unix seconds>") from None
    current = int(time.time()) if now is None else now
    if abs(current - ts) > tolerance:
        raise SignatureError(f"signature timestamp is {abs(current - ts)}s away from now (tolerance {tolerance}s)")
    expected = _digest(secret, ts, body)
    # One v1 per secret valid at sending time: during a rotation both the new and the previous one.
    if not any(hmac.compare_digest(expected, candidate) for candidate in parts.get("v1", [])):
        raise SignatureError("signature does not match the body: wrong secret or the body was altered")
    return ts
