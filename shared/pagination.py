"""Cursor pagination: `?limit=&cursor=` -> `{"items": [...], "next_cursor": ...}`.

Cursors are opaque (url-safe base64 of a small JSON keyset), so clients cannot depend on their content.
"""
from __future__ import annotations

import base64
import binascii
import json
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, Field

from shared.errors import invalid

T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(None, description="Pass as `cursor` to get the next page; null on the last page")


def encode_cursor(keyset: dict[str, Any]) -> str:
    raw = json.dumps(keyset, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> dict[str, Any] | None:
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        value = None
    if not isinstance(value, dict):
        raise invalid("query.cursor", "Not a cursor this API issued: pass `next_cursor` from the previous page unchanged.", status=400)
    return value
