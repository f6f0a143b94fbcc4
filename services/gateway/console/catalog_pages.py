"""Promotion catalog pages (推广目录, issue #10): published editions for everyone; an admin opens a call for
nominations, owners and brokers nominate a technology, evaluators review nominations and the admin publishes the
edition, then adjusts it later (动态调整: entries withdrawn with a reason). What a user sees of the nominations and
may do is what the API answers to the user's key."""
from __future__ import annotations

from typing import Any

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
NOMINATION_STATUS = {"nominated": "待评审", "accepted": "已入选", "not_accepted": "未入选"}


async def _catalog(request: Request, user: ConsoleUser, api: GatewayApi, *, status_code: int = 200, **extra: Any) -> Response:
    calls = await api.get("/v1/catalog/calls")
    return render(request, "catalog.html", user, status_code=status_code, active="catalog",
                  editions=await api.get("/v1/catalog/editions"), calls=calls, may_manage=user.role == Role.admin, **extra)


@router.get("/catalog")
async def catalog(request: Request, user: AnyUserDep, api: AnyApiDep) -> Response:
    return await _catalog(request, user, api)


def call_body(form: dict[str, str]) -> dict[str, Any]:
    return {"name": form.get("name", "").strip(), "description": form.get("description", "").strip() or None,
            "nominations_close_at": utc_input(form.get("nominations_close_at", ""))}


@router.post("/catalog/calls")
async def open_call(request: Request, user: AnyUserDep, api: AnyApiDep, form: FormDep) -> Response:
    """开启征集 (admins; anyone else gets the API's 403 next to the form)."""
    try:
        created = await api.post("/v1/catalog/calls", call_body(form))
    except ApiError as exc:
        return await _catalog(request, user, api, status_code=exc.status, form=form, **refusal(exc))
    return see_other(f"/console/catalog/calls/{created['id']}")


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


async def _edition_page(request: Request, user: ConsoleUser, api: GatewayApi, edition_id: str, domain: str = "", *,
                        status_code: int = 200, **extra: Any) -> Response:
    edition = await api.get(f"/v1/catalog/editions/{edition_id}")
    domains = sorted({e["domain"] for e in edition["entries"] if e.get("domain")})
    entries = [e for e in edition["entries"] if not domain or e.get("domain") == domain]
    return render(request, "catalog_edition.html", user, status_code=status_code, active="catalog", edition=edition,
                  entries=entries, domains=domains, domain=domain, may_manage=user.role == Role.admin, **extra)


@router.get("/catalog/{edition_id}")
async def catalog_edition(request: Request, user: AnyUserDep, api: AnyApiDep, edition_id: str, domain: str = "") -> Response:
    return await _edition_page(request, user, api, edition_id, domain)


def adjustment_body(form: dict[str, str]) -> dict[str, Any]:
    """Ticked entries (`withdraw.<technology id>`) with their reasons (`reason.<technology id>`), in page order."""
    withdrawals = [{"technology_id": key.split(".", 1)[1], "reason": form.get(f"reason.{key.split('.', 1)[1]}", "").strip()}
                   for key, value in form.items() if key.startswith("withdraw.") and value]
    return {"name": form.get("adjustment_name", "").strip(), "withdrawals": withdrawals}


def adjustment_errors(exc: ApiError, body: dict[str, Any]) -> dict[str, str]:
    """The API names `body.withdrawals.<i>.reason`; the page shows it under that entry's reason (`reason.<id>`)."""
    errors: dict[str, str] = {}
    for err in exc.problem.get("errors") or []:
        parts, message = str(err.get("field", "")).split("."), str(err.get("message", ""))
        if len(parts) >= 4 and parts[1] == "withdrawals" and parts[2].isdigit() and int(parts[2]) < len(body["withdrawals"]):
            errors.setdefault(f"{parts[3]}.{body['withdrawals'][int(parts[2])]['technology_id']}", message)
        elif len(parts) >= 2:
            errors.setdefault({"name": "adjustment_name"}.get(parts[1], parts[1]), message)
    return errors


@router.post("/catalog/{edition_id}/adjustments")
async def adjust(request: Request, user: AnyUserDep, api: AnyApiDep, form: FormDep, edition_id: str) -> Response:
    """动态调整 (admins): withdraw the ticked entries, each with its reason, under the adjustment's name."""
    body = adjustment_body(form)
    try:
        await api.post(f"/v1/catalog/editions/{edition_id}/adjustments", body)
    except ApiError as exc:
        context = refusal(exc)
        if not body["withdrawals"] and exc.status == 422:
            context["message"] = "请勾选要调出的条目，并写明调出原因。"
        return await _edition_page(request, user, api, edition_id, status_code=exc.status, form=form,
                                   **{**context, "errors": adjustment_errors(exc, body)})
    return see_other(f"/console/catalog/{edition_id}#adjustments")
