"""Keyset pagination over prefixed, time-ordered ids (newest first), as the broker routes do."""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query

from shared.pagination import MAX_LIMIT, decode_cursor, encode_cursor

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]


def before(cursor: str | None) -> str | None:
    return (decode_cursor(cursor) or {}).get("id")


def next_cursor(rows: list[Any], limit: int) -> str | None:
    return encode_cursor({"id": rows[limit - 1].id}) if len(rows) > limit else None
