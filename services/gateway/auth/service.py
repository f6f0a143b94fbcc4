"""Creating, checking and revoking API keys."""
from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session

from services.gateway.auth import keys, repository
from services.gateway.auth.models import ApiKey
from services.gateway.auth.schemas import ApiKeyCreate, ApiKeyPublic
from services.gateway.auth.roles import Role
from shared.errors import FieldError, ProblemError, invalid, not_found
from shared.pagination import decode_cursor, encode_cursor


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; every stored one is UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def to_public(row: ApiKey) -> ApiKeyPublic:
    return ApiKeyPublic(
        id=row.id, prefix=row.prefix, role=row.role, org_id=row.org_id, name=row.name, source=row.source,  # type: ignore[arg-type]
        created_at=as_utc(row.created_at), expires_at=as_utc(row.expires_at),  # type: ignore[arg-type]
        revoked_at=as_utc(row.revoked_at), created_by=row.created_by,
    )


def create_key(session: Session, data: ApiKeyCreate, *, created_by: str | None) -> tuple[ApiKey, str]:
    """Store a new key's hash; return the row and the key (the only time the key exists in clear)."""
    if data.role == Role.platform and not data.source:
        raise invalid("body.source", "A platform key needs `source`: the external_ref.source code of the records it syncs.")
    if data.role != Role.platform and data.source:
        raise invalid("body.source", "`source` is only for platform keys; remove it.")
    expires_at = as_utc(data.expires_at)
    if expires_at is not None and expires_at <= utcnow():
        raise ProblemError(422, "Invalid request", "expires_at is in the past: give a future UTC time or omit it.",
                           kind="validation-error", errors=[FieldError(field="body.expires_at", message="must be in the future")])
    key, prefix = keys.new_key()
    row = ApiKey(
        id=keys.new_key_id(), prefix=prefix, key_hash=keys.hash_key(key), role=data.role.value, org_id=data.org_id,
        name=data.name, source=data.source, created_at=utcnow(), expires_at=expires_at, created_by=created_by,
    )
    repository.add(session, row)
    return row, key


def authenticate(session: Session, key: str) -> ApiKey:
    """The active key row for `key`, or a 401 problem saying why not."""
    prefix = keys.prefix_of(key)
    row = repository.by_prefix(session, prefix) if prefix else None
    if row is None or not keys.matches(key, row.key_hash):
        raise unauthorized("The API key is not valid. Check it was copied whole (it starts with `gtk_`).")
    if row.revoked_at is not None:
        raise unauthorized("This API key was revoked. Ask an administrator for a new one.")
    expires_at = as_utc(row.expires_at)
    if expires_at is not None and expires_at <= utcnow():
        raise unauthorized(f"This API key expired at {expires_at.isoformat()}. Ask an administrator for a new one.")
    return row


def revoke(session: Session, key_id: str) -> ApiKey:
    row = repository.by_id(session, key_id)
    if row is None:
        raise not_found("api key", key_id)
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.add(row)
    return row


def list_keys(session: Session, *, org_id: str | None, role: str | None, cursor: str | None, limit: int) -> tuple[list[ApiKey], str | None]:
    keyset = decode_cursor(cursor)
    rows = repository.list_page(session, org_id=org_id, role=role, after_id=(keyset or {}).get("id"), limit=limit + 1)
    next_cursor = encode_cursor({"id": rows[limit - 1].id}) if len(rows) > limit else None
    return rows[:limit], next_cursor


def unauthorized(detail: str) -> ProblemError:
    return ProblemError(401, "Unauthorized", detail, kind="unauthorized", headers={"WWW-Authenticate": 'Bearer realm="greentech"'})

