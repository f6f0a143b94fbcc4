"""Run one API write: idempotency check, the service call, feed append, stored response, one commit."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError

from shared.errors import conflict
from services.registry.db import Database
from services.registry.feed import repository as feed
from services.registry.idempotency import service as idempotency
from services.registry.uow import UnitOfWork, unit_of_work

FEED_SEQ_HEADER = "X-Feed-Seq"
IDEMPOTENCY_HEADER = "Idempotency-Key"


@dataclass
class Written:
    """What a service call produced: the response body given its feed seq, and the record it wrote."""

    body: Callable[[int], Any]
    record_id: str | None = None
    version: int | None = None


def _seq(uow: UnitOfWork, written: Written) -> int:
    last = uow.flush_events()
    if written.record_id is not None and written.version is not None:
        return uow.seq_of(written.record_id, written.version)
    return last or feed.head_seq(uow.session)


def _response(status_code: int, body: Any, seq: int | None, replayed: bool = False) -> JSONResponse:
    headers = {FEED_SEQ_HEADER: str(seq)} if seq is not None else {}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return JSONResponse(body, status_code=status_code, headers=headers)


def execute(database: Database, request: Request, raw_body: Any, action: Callable[[UnitOfWork], Written],
            *, status_code: int = 200) -> JSONResponse:
    key = request.headers.get(IDEMPOTENCY_HEADER) if request.method == "POST" else None
    scope = f"{request.method} {request.url.path}"
    body_hash = idempotency.request_hash(raw_body)
    if key is not None:
        idempotency.check_key(key)
    try:
        with unit_of_work(database) as uow:
            if key is not None:
                stored = idempotency.find(uow.session, scope, key)
                if stored is not None:
                    idempotency.ensure_same_request(stored, body_hash)
                    return _response(stored.status_code, stored.response_body, stored.seq, replayed=True)
            written = action(uow)
            seq = _seq(uow, written)
            body = jsonable_encoder(written.body(seq))
            if key is not None:
                idempotency.store(uow.session, scope, key, body_hash, status_code, body, seq)
    except IntegrityError:
        # Only a concurrent request with the same Idempotency-Key can get here (domain conflicts are checked
        # before writing): it won the race, so replay its stored response.
        if key is None:
            raise conflict("A concurrent write changed the same data; read it again and retry.") from None
        with database.read() as session:
            stored = idempotency.find(session, scope, key)
        if stored is None:
            raise conflict("A concurrent write changed the same data; read it again and retry.") from None
        idempotency.ensure_same_request(stored, body_hash)
        return _response(stored.status_code, stored.response_body, stored.seq, replayed=True)
    return _response(status_code, body, seq)
