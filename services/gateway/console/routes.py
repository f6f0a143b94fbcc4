"""Console pages (server-rendered, Chinese UI) for brokers and admins. Thin: data comes from `workspace`
(which calls the gateway API), failures of the API become readable messages next to the form field."""
from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.gateway.auth.roles import Role
from services.gateway.console import finance_pages, ipfinance, trading, workspace
from services.gateway.console.api import ApiError, GatewayApi, open_api
from services.gateway.console.routing import ConsoleRoute, safe_next
from services.gateway.console.session import (
    FormDep,
    NotSignedIn,
    SignInRefused,
    TraderDep,
    UserDep,
    check_key,
    current_user,
    end_session,
    landing,
    start_session,
)
from services.gateway.console.templating import render
from services.gateway.db import SessionDep

router = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False,
                   default_response_class=HTMLResponse)


async def _api(request: Request, user: UserDep) -> AsyncIterator[GatewayApi]:
    async for api in open_api(request, user.key):
        yield api


ApiDep = Annotated[GatewayApi, Depends(_api)]


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _landing(role: Role, target: str) -> str:
    """Enterprise, evaluator and authority keys only have some pages: send them home unless they asked for one of
    theirs (finance and infringement pages are decided by console/finance_pages.py)."""
    return finance_pages.landing(role, target) or landing(role, target)


# --------------------------------------------------------------------------- sign-in
@router.get("")
def home() -> Response:
    return _see_other("/console/demands")


@router.get("/login")
def login_page(request: Request, session: SessionDep, next: str | None = None, reason: str | None = None) -> Response:
    try:
        user = current_user(request, session)
    except NotSignedIn:
        user = None
    if user is not None and reason is None:
        return _see_other(_landing(user.role, safe_next(next)))
    return render(request, "login.html", next=safe_next(next), message=reason)


@router.post("/login")
def login(request: Request, session: SessionDep, form: FormDep) -> Response:
    key = form.get("key", "").strip()
    target = safe_next(form.get("next"))
    if not key:
        return render(request, "login.html", status_code=422, next=target, errors={"key": "请输入 API 密钥（以 gtk_ 开头）。"})
    try:
        _, role, _, _ = check_key(session, key)
    except SignInRefused as exc:
        return render(request, "login.html", status_code=403, next=target, errors={"key": str(exc)})
    response = _see_other(_landing(role, target))
    start_session(response, request, key)
    return response


@router.post("/logout")
def logout(_form: FormDep) -> Response:
    response = _see_other("/console/login?reason=" + "已退出登录。")
    end_session(response)
    return response


# --------------------------------------------------------------------------- demands
@router.get("/demands")
async def demands(request: Request, user: UserDep, api: ApiDep, domain: str = "", region: str = "", q: str = "",
                  cursor: str | None = None) -> Response:
    filters = {"domain": domain.strip(), "region": region.strip(), "q": q.strip()}
    params = {k: v for k, v in filters.items() if v}
    try:
        page = await workspace.demands_page(api, filters, cursor)
    except ApiError as exc:
        if exc.status >= 500 or exc.status == 401:
            raise
        return render(request, "demands.html", user, status_code=exc.status, filters=filters, params=params, page=None,
                      errors=exc.field_errors(), message=exc.message)
    return render(request, "demands.html", user, filters=filters, params=params, page=page, cursor=cursor)


@router.get("/demands/{demand_id}")
async def demand(request: Request, user: UserDep, api: ApiDep, demand_id: str) -> Response:
    record = await api.get(f"/v1/demands/{demand_id}")
    engagement = await workspace.engagement_for(api, "demand", demand_id)
    names = await workspace.org_names(api, {record.get("owner_org_id")})
    return render(request, "demand.html", user, demand=record, engagement=engagement, org_names=names)


@router.post("/demands/{demand_id}/engagement")
async def start_matching(user: UserDep, api: ApiDep, form: FormDep, demand_id: str) -> Response:
    engagement = await workspace.open_engagement(api, "demand", demand_id)
    return _see_other(f"/console/engagements/{engagement['id']}")


# --------------------------------------------------------------------------- engagements
@router.get("/engagements")
async def engagements(request: Request, user: UserDep, api: ApiDep, cursor: str | None = None) -> Response:
    page = await api.get("/v1/engagements", limit=workspace.PAGE_SIZE, cursor=cursor)
    return render(request, "engagements.html", user, page=page)


async def _engagement_page(request: Request, user: UserDep, api: GatewayApi, engagement_id: str, *,
                           status_code: int = 200, failed: dict | None = None) -> Response:
    view = await workspace.engagement_view(api, engagement_id)
    failed = workspace.place_failure(view, failed or {})
    return render(request, "engagement.html", user, status_code=status_code, failed=failed, **view)


@router.get("/engagements/{engagement_id}")
async def engagement(request: Request, user: UserDep, api: ApiDep, engagement_id: str) -> Response:
    return await _engagement_page(request, user, api, engagement_id)


async def _post_or_show(request: Request, user: UserDep, api: GatewayApi, engagement_id: str, path: str, body: dict,
                        target: str) -> Response:
    try:
        await api.post(path, body)
    except ApiError as exc:
        if exc.status >= 500 or exc.status in (401, 404):
            raise
        failed = {"target": target, "errors": exc.field_errors(), "message": exc.message}
        return await _engagement_page(request, user, api, engagement_id, status_code=exc.status, failed=failed)
    return _see_other(f"/console/engagements/{engagement_id}#{target}")


@router.post("/engagements/{engagement_id}/shortlist")
async def shortlist(request: Request, user: UserDep, api: ApiDep, form: FormDep, engagement_id: str) -> Response:
    body = workspace.shortlist_body(form)
    return await _post_or_show(request, user, api, engagement_id, f"/v1/engagements/{engagement_id}/shortlist", body,
                                f"cand-{body['candidate_id']}")


@router.post("/engagements/{engagement_id}/shortlist/{entry_id}/introduction")
async def introduction(request: Request, user: UserDep, api: ApiDep, form: FormDep, engagement_id: str,
                       entry_id: str) -> Response:
    path = f"/v1/engagements/{engagement_id}/shortlist/{entry_id}/introduction"
    return await _post_or_show(request, user, api, engagement_id, path, {"message": form.get("message") or None},
                               f"entry-{entry_id}")


# --------------------------------------------------------------------------- deals
@router.get("/deals")
async def deals(request: Request, user: UserDep, api: ApiDep, stage: str = "", cursor: str | None = None) -> Response:
    view = await workspace.deals_view(api, stage or None, cursor)
    return render(request, "deals.html", user, stage=stage, **view)


@router.get("/deals/{deal_id}")
async def deal(request: Request, user: UserDep, api: ApiDep, deal_id: str) -> Response:
    return render(request, "deal.html", user, **await workspace.deal_view(api, deal_id))


@router.post("/deals/{deal_id}/transitions")
async def move_deal(request: Request, user: UserDep, api: ApiDep, form: FormDep, deal_id: str) -> Response:
    try:
        await api.post(f"/v1/deals/{deal_id}/transitions", workspace.transition_body(form))
    except ApiError as exc:
        if exc.status >= 500 or exc.status in (401, 404):
            raise
        view = await workspace.deal_view(api, deal_id)
        return render(request, "deal.html", user, status_code=exc.status, errors=exc.field_errors() or {"to_stage": exc.message},
                      message=exc.message, form=form, **view)
    return _see_other(f"/console/deals/{deal_id}")


# --------------------------------------------------------------------------- trading hall (brokers, admins, enterprises)
async def _trader_api(request: Request, user: TraderDep) -> AsyncIterator[GatewayApi]:
    async for api in open_api(request, user.key):
        yield api


TraderApiDep = Annotated[GatewayApi, Depends(_trader_api)]


@router.get("/trading")
async def trading_hall(request: Request, user: TraderDep, api: TraderApiDep) -> Response:
    return render(request, "trading.html", user, active="trading", **await trading.hall_view(api))


@router.get("/trading/listings/{listing_id}")
async def trading_listing(request: Request, user: TraderDep, api: TraderApiDep, listing_id: str) -> Response:
    return render(request, "listing.html", user, active="trading", **await trading.listing_view(api, listing_id))


@router.get("/auctions/{auction_id}")
async def auction(request: Request, user: TraderDep, api: TraderApiDep, auction_id: str) -> Response:
    return render(request, "auction.html", user, active="trading", **await trading.auction_view(api, user, auction_id))


async def _auction_post(request: Request, user: TraderDep, api: GatewayApi, auction_id: str, path: str,
                        body: dict, form: dict[str, str]) -> Response:
    """Post to the auction API; a refusal (too low, ended, not registered) is shown next to the form field."""
    try:
        await api.post(path, body)
    except ApiError as exc:
        if exc.status >= 500 or exc.status in (401, 404):
            raise
        view = await trading.auction_view(api, user, auction_id)
        errors = exc.field_errors() or {"amount_cny": exc.message}
        return render(request, "auction.html", user, status_code=exc.status, active="trading", errors=errors,
                      message=exc.message, form=form, **view)
    return _see_other(f"/console/auctions/{auction_id}")


@router.post("/auctions/{auction_id}/bidders")
async def register_bidder(request: Request, user: TraderDep, api: TraderApiDep, form: FormDep, auction_id: str) -> Response:
    body = {"deposit_reference": form.get("deposit_reference", "").strip()}
    return await _auction_post(request, user, api, auction_id, f"/v1/auctions/{auction_id}/bidders", body, form)


@router.post("/auctions/{auction_id}/bids")
async def place_bid(request: Request, user: TraderDep, api: TraderApiDep, form: FormDep, auction_id: str) -> Response:
    return await _auction_post(request, user, api, auction_id, f"/v1/auctions/{auction_id}/bids", trading.bid_body(form), form)


# --------------------------------------------------------------------------- IP and finance (issue #12)
@router.get("/organizations/{org_id}")
async def organization(request: Request, user: UserDep, api: ApiDep, org_id: str) -> Response:
    return render(request, "organization.html", user, **await ipfinance.organization_view(api, org_id))


@router.get("/finance")
async def finance(request: Request, user: UserDep, api: ApiDep, need: str = "") -> Response:
    view = await ipfinance.finance_view(api, need.strip())
    return render(request, "finance.html", user, active="finance", need_id=need.strip(), **view)


# --------------------------------------------------------------------------- notifications
@router.get("/notifications")
async def notifications(request: Request, user: UserDep, api: ApiDep, unread: bool = False,
                        cursor: str | None = None) -> Response:
    page = await api.get("/v1/notifications", unread=str(unread).lower(), limit=workspace.PAGE_SIZE, cursor=cursor)
    return render(request, "notifications.html", user, page=page, unread=unread)


@router.post("/notifications/{notification_id}/read")
async def mark_read(user: UserDep, api: ApiDep, form: FormDep, notification_id: int) -> Response:
    await api.post(f"/v1/notifications/{notification_id}/read")
    return _see_other("/console/notifications")


router.include_router(finance_pages.router)  # financing needs, finance introductions, infringement records (issue #12)
