"""Promotion catalog pages (推广目录, issue #10): published editions for everyone; a call for nominations where
owners and brokers nominate a technology, evaluators review nominations and an admin publishes the edition. What a
user sees of the nominations and may do is what the API answers to the user's key."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from services.gateway.auth.roles import Role
from services.gateway.console.api import GatewayApi
from services.gateway.console.desk import AnyApiDep, my_published, org_names, post_or_refuse
from services.gateway.console.routing import ConsoleRoute
from services.gateway.console.session import AnyUserDep, ConsoleUser, FormDep
from services.gateway.console.templating import render

router = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False, default_response_class=HTMLResponse)
NOMINATION_STATUS = {"nominated": "待评审", "accepted": "已入选", "not_accepted": "未入选"}


@router.get("/catalog")
async def catalog(request: Request, user: AnyUserDep, api: AnyApiDep) -> Response:
    calls = await api.get("/v1/catalog/calls")
    return render(request, "catalog.html", user, active="catalog", editions=await api.get("/v1/catalog/editions"), calls=calls)


async def _call_page(request: Request, user: ConsoleUser, api: GatewayApi, call_id: str, *, status_code: int = 200,
                     **extra: Any) -> Response:
    call = await api.get(f"/v1/catalog/calls/{call_id}")
    nominations = await api.get(f"/v1/catalog/calls/{call_id}/nominations")  # the API leaves out what the user may not see
    names = await org_names(api, {n["owner_org_id"] for n in nominations} | {n["nominated_by_org_id"] for n in nominations})
    reviewed = {n["id"] for n in nominations if any(r["reviewer_org_id"] == user.org_id for r in n["reviews"])}
    return render(request, "catalog_call.html", user, status_code=status_code, active="catalog", call=call, nominations=nominations,
                  org_names=names, reviewed=reviewed, technologies=await my_published(api, user, "technologies"),
                  may_nominate=user.role in (Role.enterprise, Role.broker, Role.admin), may_review=user.role == Role.evaluator,
                  may_publish=user.role == Role.admin, NOMINATION_STATUS=NOMINATION_STATUS, **extra)


@router.get("/catalog/calls/{call_id}")
async def catalog_call(request: Request, user: AnyUserDep, api: AnyApiDep, call_id: str) -> Response:
    return await _call_page(request, user, api, call_id)


@router.post("/catalog/calls/{call_id}/nominations")
async def nominate(request: Request, user: AnyUserDep, api: AnyApiDep, form: FormDep, call_id: str) -> Response:
    body = {"technology_id": form.get("technology_id", "").strip(), "reason": form.get("reason", "").strip()}
    return await post_or_refuse(api, f"/v1/catalog/calls/{call_id}/nominations", body, f"/console/catalog/calls/{call_id}",
                                lambda ctx: _call_page(request, user, api, call_id, form=form, failed="nominate", **ctx))


@router.post("/catalog/calls/{call_id}/nominations/{nomination_id}/reviews")
async def review(request: Request, user: AnyUserDep, api: AnyApiDep, form: FormDep, call_id: str, nomination_id: str) -> Response:
    score = form.get("score", "").strip()
    body = {"score": int(score) if score.isdigit() else score, "recommend": form.get("recommend") == "yes",
            "comments": form.get("comments", "").strip()}
    return await post_or_refuse(api, f"/v1/catalog/nominations/{nomination_id}/reviews", body,
                                f"/console/catalog/calls/{call_id}#{nomination_id}",
                                lambda ctx: _call_page(request, user, api, call_id, form=form, failed=nomination_id, **ctx))


@router.post("/catalog/calls/{call_id}/publish")
async def publish(request: Request, user: AnyUserDep, api: AnyApiDep, form: FormDep, call_id: str) -> Response:
    try:
        body = {"min_score": float(form.get("min_score") or 60), "min_reviews": int(form.get("min_reviews") or 1)}
    except ValueError:
        body = {"min_score": form.get("min_score"), "min_reviews": form.get("min_reviews")}  # the API names the field
    return await post_or_refuse(api, f"/v1/catalog/calls/{call_id}/publish", body, "/console/catalog",
                                lambda ctx: _call_page(request, user, api, call_id, failed="publish", **ctx))


@router.get("/catalog/{edition_id}")
async def catalog_edition(request: Request, user: AnyUserDep, api: AnyApiDep, edition_id: str, domain: str = "") -> Response:
    edition = await api.get(f"/v1/catalog/editions/{edition_id}")
    domains = sorted({e["domain"] for e in edition["entries"] if e.get("domain")})
    entries = [e for e in edition["entries"] if not domain or e.get("domain") == domain]
    return render(request, "catalog_edition.html", user, active="catalog", edition=edition, entries=entries, domains=domains,
                  domain=domain)
