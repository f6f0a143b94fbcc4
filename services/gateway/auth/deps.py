"""Who is calling: `PrincipalDep` (any valid key) and `require_roles(...)` (a valid key with one of the roles)."""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from services.gateway.auth import service
from services.gateway.auth.key_cache import KeyCache
from services.gateway.auth.roles import Role
from services.gateway.delegations import repository as delegations
from shared.errors import ProblemError

bearer_scheme = HTTPBearer(auto_error=False, description="`Authorization: Bearer gtk_...`")
api_key_scheme = APIKeyHeader(name="X-API-Key", auto_error=False, description="`X-API-Key: gtk_...` (alternative)")


@dataclass(frozen=True)
class Principal:
    key_id: str
    role: Role
    org_id: str
    name: str
    source: str | None = None  # platform keys: the external_ref.source they own
    # platform keys: organizations that delegated writing their records to this platform (see delegations/)
    delegated_org_ids: frozenset[str] = frozenset()

    def may_act_for(self, org_id: str | None) -> bool:
        """May this key write records owned by `org_id`? (Its own organization, or one that delegated to it.)"""
        return org_id is None or org_id == self.org_id or org_id in self.delegated_org_ids

    @property
    def actor(self) -> str:
        """Value of the X-Actor header sent to the registry."""
        return f"{self.role.value}:{self.key_id}"

    def is_admin(self) -> bool:
        return self.role == Role.admin


async def get_principal(
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(bearer_scheme)],
    api_key: Annotated[str | None, Security(api_key_scheme)],
) -> Principal:
    return await resolve_principal(request, bearer.credentials if bearer else api_key)


async def resolve_principal(request: Request, key: str | None) -> Principal:
    """The caller behind an API key, counted against its rate limit; 401/429 problems otherwise. Shared by the
    dependency above and the fast read path (services/gateway/public/fast_reads.py)."""
    if not key:
        raise service.unauthorized("Send your API key as `Authorization: Bearer <key>` or `X-API-Key: <key>`.")
    key = key.strip()
    cache = getattr(request.app.state, "key_cache", None)  # auth/key_cache.py: revocation bound and why
    principal = cache.get(key) if cache is not None else None
    if principal is None or principal.role == Role.platform:  # database work: in a worker thread, off the event loop
        principal = await run_in_threadpool(_load_principal, request.app.state.engine, key, principal, cache)
    request.state.principal = principal
    limiter = getattr(request.app.state, "rate_limiter", None)
    if limiter is not None:
        if limiter.backend == "memory":  # in-process counters: no I/O, no thread hop
            limiter.check(principal.key_id)
        else:
            await run_in_threadpool(limiter.check, principal.key_id)
    return principal


def _load_principal(engine: Engine, key: str, cached: Principal | None, cache: KeyCache | None) -> Principal:
    # A session of its own, opened only here: a cache hit (any role but platform) then costs no session at all,
    # and routes that read nothing from the gateway's database (proxied reads) resolve no session dependency.
    with Session(engine) as session:
        principal = cached
        if principal is None:
            row = service.authenticate(session, key)
            principal = Principal(key_id=row.id, role=Role(row.role), org_id=row.org_id, name=row.name, source=row.source)
            if cache is not None:
                cache.put(key, principal, service.as_utc(row.expires_at))
        if principal.role == Role.platform:  # never cached: a revoked delegation must stop writes at once, everywhere
            principal = replace(principal, delegated_org_ids=delegations.active_org_ids_for_platform(session, principal.org_id))
        return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require_roles(*roles: Role):  # type: ignore[no-untyped-def]
    """Dependency: the caller's key must have one of `roles` (403 problem naming them otherwise)."""
    allowed = tuple(Role(r) for r in roles)

    async def _dep(principal: PrincipalDep) -> Principal:  # async: no I/O, so no thread-pool hop
        if principal.role not in allowed:
            names = " or ".join(r.value for r in allowed)
            raise ProblemError(403, "Forbidden", f"This needs a key with role {names}; yours is {principal.role.value}.",
                               kind="forbidden", extra={"required_roles": [r.value for r in allowed]})
        return principal

    return _dep


AdminDep = Annotated[Principal, Depends(require_roles(Role.admin))]
