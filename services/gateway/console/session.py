"""Console sign-in: the API key lives only in an HttpOnly, SameSite=Strict cookie scoped to /console; a second
cookie carries the per-session CSRF token that every form posts back (double submit). Keys are never logged."""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request, Response
from sqlmodel import Session

from services.gateway.auth import service as key_service
from services.gateway.auth.roles import Role
from services.gateway.db import SessionDep
from shared.errors import ProblemError

KEY_COOKIE = "gt_console_key"
CSRF_COOKIE = "gt_console_csrf"
COOKIE_PATH = "/console"
CONSOLE_ROLES = (Role.broker, Role.admin)
# Enterprises bid in auctions (trading.bid is theirs alone), so their keys may sign in, but only the trading
# pages accept them: every other page depends on `UserDep`, which still requires a broker or admin.
TRADING_ROLES = (*CONSOLE_ROLES, Role.enterprise)
# Evaluators (and enterprises, for their own evaluations, nominations and challenges) also sign in: their pages
# (evaluation_pages, catalog_pages, challenge_pages) depend on `AnyUserDep`; what they may do there is decided by
# the API each page calls with their key.
# Authority keys (知识产权局、市场监管局) sign in for the infringement pages only (console/finance_pages.py).
SIGN_IN_ROLES = (*TRADING_ROLES, Role.evaluator, Role.authority)
# Where a key that is not a broker desk's may go after sign-in, and its home page.
DESK_PREFIXES = {Role.enterprise: ("/console/trading", "/console/auctions", "/console/evaluations", "/console/technologies",
                                   "/console/catalog", "/console/challenge"),
                 Role.evaluator: ("/console/evaluations", "/console/technologies", "/console/catalog", "/console/challenge")}
DESK_HOMES = {Role.enterprise: "/console/trading", Role.evaluator: "/console/evaluations",
              Role.authority: "/console/infringements"}
ROLE_NAMES = {Role.admin: "平台管理员", Role.broker: "技术经纪人", Role.enterprise: "企业", Role.platform: "第三方交易平台",
              Role.evaluator: "技术评价机构", Role.authority: "执法/司法机关"}


class NotSignedIn(Exception):
    """No (longer a) valid console session: the route class redirects to the sign-in page with `reason`."""

    def __init__(self, reason: str | None = None) -> None:
        super().__init__(reason or "")
        self.reason = reason


class CsrfRejected(Exception):
    """A form came without this session's token (e.g. posted from another site)."""


class SignInRefused(Exception):
    pass


@dataclass(frozen=True)
class ConsoleUser:
    key: str = field(repr=False)
    key_id: str
    role: Role
    org_id: str
    name: str
    csrf_token: str = field(repr=False)

    @property
    def role_name(self) -> str:
        return ROLE_NAMES[self.role]

    @property
    def home(self) -> str:
        return home_of(self)

    @property
    def is_broker_desk(self) -> bool:
        """May use the broker pages (demands, engagements, deals, …), not only the trading hall."""
        return self.role in CONSOLE_ROLES


def check_key(session: Session, key: str) -> tuple[str, Role, str, str]:
    """(key id, role, org, name) of an active broker/admin/enterprise/evaluator key; SignInRefused with a Chinese
    reason otherwise."""
    try:
        row = key_service.authenticate(session, key.strip())
    except ProblemError as exc:
        raise SignInRefused(f"密钥无法使用：{exc.detail}") from None
    role = Role(row.role)
    if role not in SIGN_IN_ROLES:
        raise SignInRefused(f"此控制台仅供技术经纪人、平台管理员、企业、技术评价机构和执法/司法机关使用；您的密钥角色是“{ROLE_NAMES[role]}”"
                            f"({role.value})。第三方交易平台请使用 API（/docs）。")
    return row.id, role, row.org_id, row.name


def csrf_token_of(request: Request) -> str:
    """This browser's CSRF token (a fresh one if it has none yet; `remember_csrf` stores it)."""
    token = request.cookies.get(CSRF_COOKIE, "")
    return token if len(token) >= 32 else secrets.token_urlsafe(32)


def _set(response: Response, request: Request, name: str, value: str) -> None:
    response.set_cookie(name, value, path=COOKIE_PATH, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https")


def remember_csrf(response: Response, request: Request, token: str) -> None:
    if request.cookies.get(CSRF_COOKIE) != token:
        _set(response, request, CSRF_COOKIE, token)


def start_session(response: Response, request: Request, key: str) -> None:
    _set(response, request, KEY_COOKIE, key.strip())
    _set(response, request, CSRF_COOKIE, secrets.token_urlsafe(32))  # a new session gets a new token


def end_session(response: Response) -> None:
    for name in (KEY_COOKIE, CSRF_COOKIE):
        response.delete_cookie(name, path=COOKIE_PATH)


def current_user(request: Request, session: SessionDep) -> ConsoleUser:
    key = request.cookies.get(KEY_COOKIE)
    if not key:
        raise NotSignedIn()
    try:
        key_id, role, org_id, name = check_key(session, key)
    except SignInRefused as exc:  # revoked, expired or role changed since sign-in
        raise NotSignedIn(str(exc)) from None
    return ConsoleUser(key=key, key_id=key_id, role=role, org_id=org_id, name=name, csrf_token=csrf_token_of(request))


class WrongRole(Exception):
    """A signed-in enterprise or evaluator key on a broker page: the route class shows a 403 page pointing home."""

    def __init__(self, home: str = "/console/trading") -> None:
        super().__init__(home)
        self.home = home


def trading_user(request: Request, session: SessionDep) -> ConsoleUser:
    return current_user(request, session)


def broker_user(request: Request, session: SessionDep) -> ConsoleUser:
    user = current_user(request, session)
    if not user.is_broker_desk:
        raise WrongRole(home_of(user))
    return user


UserDep = Annotated[ConsoleUser, Depends(broker_user)]
TraderDep = Annotated[ConsoleUser, Depends(trading_user)]
AnyUserDep = Annotated[ConsoleUser, Depends(current_user)]  # any signed-in role; the API decides what it may do


def home_of(user: ConsoleUser) -> str:
    return "/console/demands" if user.is_broker_desk else DESK_HOMES.get(user.role, "/console/trading")


def landing(role: Role, target: str) -> str:
    """Where sign-in leads: the asked-for page if this role has such pages, otherwise its home."""
    if role in CONSOLE_ROLES or target.startswith(DESK_PREFIXES.get(role, ())):
        return target
    return DESK_HOMES.get(role, "/console/trading")


async def checked_form(request: Request) -> dict[str, str]:
    """The posted form, after checking its CSRF token against the session cookie."""
    form = await request.form()
    sent = str(form.get("csrf_token", ""))
    expected = request.cookies.get(CSRF_COOKIE, "")
    if not expected or not secrets.compare_digest(sent.encode(), expected.encode()):
        raise CsrfRejected()
    return {k: str(v) for k, v in form.items() if k != "csrf_token"}


FormDep = Annotated[dict[str, str], Depends(checked_form)]
