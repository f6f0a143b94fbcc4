"""Request-scoped access to the app's database and policy, and header parsing shared by routes."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Header, Request

from shared.errors import invalid
from services.registry.db import Database
from services.registry.listings.service import ListingPolicy
from services.registry.listings.statistics import StatisticsRefresher
from services.registry.settings import RegistrySettings


@dataclass
class RegistryContext:
    settings: RegistrySettings
    database: Database
    policy: ListingPolicy
    statistics: StatisticsRefresher = field(default_factory=StatisticsRefresher)  # ANALYZE after large bulk writes


def get_context(request: Request) -> RegistryContext:
    return request.app.state.registry


Context = Annotated[RegistryContext, Depends(get_context)]

_ETAG = re.compile(r'^(?:W/)?"?(\d{1,9})"?$')  # versions are 32-bit; more digits is not a version we issued


def if_match_version(if_match: Annotated[str | None, Header(description='Expected version, e.g. `"3"` (alternative to `version` in the body)')] = None) -> int | None:
    if if_match is None:
        return None
    m = _ETAG.match(if_match.strip())
    if not m:
        raise invalid("header.If-Match", 'If-Match must be the record version you read, e.g. "3".')
    return int(m.group(1))


IfMatch = Annotated[int | None, Depends(if_match_version)]


def actor(x_actor: Annotated[str | None, Header(description="Who acts, `<role>:<key id>` (set by the gateway)", examples=["admin:key_01"])] = None) -> str | None:
    return x_actor.strip()[:120] if x_actor and x_actor.strip() else None


Actor = Annotated[str | None, Depends(actor)]


def resolve_version(body_version: int | None, header_version: int | None) -> int:
    if body_version is None and header_version is None:
        raise invalid("body.version", 'Send the version you read, as `version` in the body or as If-Match: "<version>".', status=428, type_="missing")
    if body_version is not None and header_version is not None and body_version != header_version:
        raise invalid("header.If-Match", f"If-Match ({header_version}) and body version ({body_version}) disagree: send one.")
    return body_version if body_version is not None else header_version  # type: ignore[return-value]
