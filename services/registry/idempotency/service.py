"""`Idempotency-Key` on POST: the first response is stored in the write's own transaction and replayed.

Same key + same body -> the stored response again (no second write). Same key + another body -> 422.
Keys are scoped to the request path, so one key cannot collide across different records or routes.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from shared.errors import ProblemError
from services.registry.db import utcnow
from services.registry.idempotency.models import IdempotencyRecord

MAX_KEY_LENGTH = 200


def request_hash(body: Any) -> str:
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_key(key: str) -> None:
    if not key.strip() or len(key) > MAX_KEY_LENGTH:
        raise ProblemError(400, "Invalid request", f"Idempotency-Key must be 1-{MAX_KEY_LENGTH} characters (a UUID is a good choice).",
                           kind="validation-error")


def find(session: Session, scope: str, key: str) -> IdempotencyRecord | None:
    stmt = select(IdempotencyRecord).where(IdempotencyRecord.scope == scope, IdempotencyRecord.key == key)
    return session.execute(stmt).scalar_one_or_none()


def ensure_same_request(record: IdempotencyRecord, body_hash: str) -> None:
    if record.request_hash != body_hash:
        raise ProblemError(
            422, "Idempotency key reused",
            "This Idempotency-Key was already used with a different request body: use a new key for a new request.",
            kind="idempotency-key-reused",
        )


def store(session: Session, scope: str, key: str, body_hash: str, status_code: int, body: dict[str, Any], seq: int | None) -> None:
    session.add(IdempotencyRecord(scope=scope, key=key, request_hash=body_hash, status_code=status_code,
                                  response_body=body, seq=seq, created_at=utcnow()))
    session.flush()
