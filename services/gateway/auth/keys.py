"""API key format and hashing.

A key is `gtk_<prefix>_<secret>`: the prefix (12 hex) finds the row by index, the secret (43 url-safe chars,
256 bits) makes guessing hopeless. Only sha256(key) is stored; with that much entropy a slow hash adds nothing.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets

KEY_PATTERN = re.compile(r"^gtk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")


def new_key() -> tuple[str, str]:
    """A fresh (key, prefix)."""
    prefix = secrets.token_hex(6)
    return f"gtk_{prefix}_{secrets.token_urlsafe(32)}", prefix


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def prefix_of(key: str) -> str | None:
    m = KEY_PATTERN.match(key)
    return m.group(1) if m else None


def matches(key: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_key(key), stored_hash)


def new_key_id() -> str:
    return "key_" + secrets.token_hex(8)
