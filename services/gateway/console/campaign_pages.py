"""Needs collection pages (需求征集, issue #10): a broker or admin opens a campaign; enterprises and associations
submit their published needs to it; a need's owner publishes it as a challenge (揭榜挂帅) from the campaign, on the
challenge form with the campaign filled in. Every action is the gateway API under the signed-in user's key, so
the permission matrix decides (open: broker, admin; submit and publish: the need's owner, admin)."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from services.gateway.auth.roles import Role
from services.gateway.console.api import ApiError, GatewayApi
from services.gateway.console.desk import (
    AnyApiDep,
    my_published,
    org_names,
    post_or_refuse,
    refusal,
    see_other,
    utc_input,
)
from services.gateway.console.routing import ConsoleRoute
from services.gateway.console.session import AnyUserDep, ConsoleUser, FormDep
from services.gateway.console.templating import render

router = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False, default_response_class=HTMLResponse)


def may_open(user: ConsoleUser) -> bool:
    return user.role in (Role.broker, Role.admin)


def may_submit(user: ConsoleUser) -> bool:
    return user.role in (Role.enterprise, Role.admin)


async def _campaigns(request: Request, user: ConsoleUser, api: GatewayApi, *, status_code: int = 200, **extra: Any) -> Response:
    found = await api.get("/v1/challenge-campaigns")
    names = await org_names(api, {c["organizer_org_id"] for c in found})
    return render(request, "campaigns.html", user, status_code=status_code, active="challenges", campaigns=found,
                  org_names=names, may_open=may_open(user), **extra)


@router.get("/campaigns")
async def campaigns(request: Request, user: AnyUserDep, api: AnyApiDep) -> Response:
    return await _campaigns(request, user, api)


def campaign_body(form: dict[str, str]) -> dict[str, Any]:
    return {"title": form.get("title", "").strip(), "description": form.get("description", "").strip() or None,
            "closes_at": utc_input(form.get("closes_at", ""))}


@router.post("/campaigns")
async def open_campaign(request: Request, user: AnyUserDep, api: AnyApiDep, form: FormDep) -> Response:
    try:
        created = await api.post("/v1/challenge-campaigns", campaign_body(form))
    except ApiError as exc:
        return await _campaigns(request, user, api, status_code=exc.status, form=form, **refusal(exc))
    return see_other(f"/console/campaigns/{created['id']}")


async def _campaign_page(request: Request, user: ConsoleUser, api: GatewayApi, campaign_id: str, *, status_code: int = 200,
                         **extra: Any) -> Response:
    campaign = await api.get(f"/v1/challenge-campaigns/{campaign_id}")
    challenges = {c["demand_id"]: c for c in await api.get("/v1/challenges") if c["campaign_id"] == campaign["id"]}
    gathered = {n["demand_id"] for n in campaign["needs"]}
    demands = [d for d in await my_published(api, user, "demands") if d["id"] not in gathered]
    names = await org_names(api, {campaign["organizer_org_id"]} | {n["owner_org_id"] for n in campaign["needs"]})
    publishable = {n["demand_id"]: "/console/challenges/new?" + urlencode({"demand_id": n["demand_id"], "campaign_id": campaign["id"]})
                   for n in campaign["needs"] if n["demand_id"] not in challenges
                   and (user.role == Role.admin or (user.role == Role.enterprise and n["owner_org_id"] == user.org_id))}
    return render(request, "campaign.html", user, status_code=status_code, active="challenges", campaign=campaign,
                  challenges=challenges, demands=demands, org_names=names, publishable=publishable,
                  may_submit=may_submit(user), **extra)


@router.get("/campaigns/{campaign_id}")
async def campaign(request: Request, user: AnyUserDep, api: AnyApiDep, campaign_id: str) -> Response:
    return await _campaign_page(request, user, api, campaign_id)


@router.post("/campaigns/{campaign_id}/needs")
async def submit_need(request: Request, user: AnyUserDep, api: AnyApiDep, form: FormDep, campaign_id: str) -> Response:
    """提交需求: the organization's own published demand (admins: any demand, by id)."""
    return await post_or_refuse(api, f"/v1/challenge-campaigns/{campaign_id}/needs", {"demand_id": form.get("demand_id", "").strip()},
                                f"/console/campaigns/{campaign_id}#needs",
                                lambda ctx: _campaign_page(request, user, api, campaign_id, form=form, **ctx))
