"""Console pages for financing needs, finance introductions and infringement records (issue #12), in their own
router (included by console/routes.py) so the broker desk's modules stay as they are.

Who uses them: enterprises post financing needs and answer infringement records against them; a financial
institution's enterprise key sees its products, the needs proposed for them and answers introductions; brokers
and admins introduce needs to financiers; admins and authority keys record infringement decisions. Every page
reads through the public API with the signed-in key, so the API's permission and visibility rules decide."""
from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.gateway.auth.roles import Role
from services.gateway.console import finance_views as views
from services.gateway.console.api import ApiError, GatewayApi, open_api
from services.gateway.console.routing import ConsoleRoute, safe_next
from services.gateway.console.session import ConsoleUser, FormDep, TraderDep
from services.gateway.console.templating import render

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False, default_response_class=HTMLResponse)
PREFIXES = ("/console/finance/", "/console/infringements")
AUTHORITY_PREFIXES = ("/console/infringements",)


def landing(role: Role, target: str) -> str | None:
    """Where a non-broker key goes after sign-in: authority keys only to the infringement pages; enterprise keys
    also to the finance pages (None: not decided here)."""
    if role == Role.authority:
        return target if target.startswith(AUTHORITY_PREFIXES) else "/console/infringements"
    if role == Role.enterprise and target.startswith(PREFIXES):
        return target
    return None


async def _api(request: Request, user: TraderDep) -> AsyncIterator[GatewayApi]:
    async for api in open_api(request, user.key):
        yield api


ApiDep = Annotated[GatewayApi, Depends(_api)]
UserDep = TraderDep  # any signed-in key; the API refuses what the role may not do (shown as an error page)


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _refusal(exc: ApiError) -> bool:
    """A refusal the page shows next to the form (bad input, conflict); anything else is the error page."""
    return exc.status in (403, 409, 422)


# --------------------------------------------------------------------------- financing needs
@router.get("/finance/needs")
async def finance_needs(request: Request, user: UserDep, api: ApiDep, status: str = "", cursor: str | None = None) -> Response:
    view = await views.needs_view(api, status.strip(), cursor)
    return render(request, "finance_needs.html", user, active="finance_needs", status=status.strip(),
                  params={"status": status.strip()} if status.strip() else {}, **view)


async def _new_need_page(request: Request, user: ConsoleUser, api: GatewayApi, *, status_code: int = 200, form: dict | None = None,
                         errors: dict | None = None, message: str | None = None) -> Response:
    view = await views.new_need_form(api, user.org_id)
    return render(request, "finance_need_new.html", user, status_code=status_code, active="finance_needs", form=form or {},
                  errors=errors or {}, message=message, **view)


@router.get("/finance/needs/new")
async def new_need(request: Request, user: UserDep, api: ApiDep) -> Response:
    return await _new_need_page(request, user, api)


@router.post("/finance/needs")
async def post_need(request: Request, user: UserDep, api: ApiDep, form: FormDep) -> Response:
    patent_ids = [str(v) for v in (await request.form()).getlist("collateral_patent_ids") if v]
    try:
        need = await api.post("/v1/financing-needs", views.need_body(form, patent_ids, user.org_id))
    except ApiError as exc:
        if not _refusal(exc):
            raise
        return await _new_need_page(request, user, api, status_code=exc.status, form={**form, "patents": patent_ids},
                                    errors=exc.field_errors(), message=exc.message)
    return _see_other(f"/console/finance/needs/{need['id']}")


@router.get("/finance/needs/{need_id}")
async def finance_need(request: Request, user: UserDep, api: ApiDep, need_id: str) -> Response:
    return render(request, "finance_need.html", user, active="finance_needs", **await views.need_view(api, need_id))


@router.post("/finance/needs/{need_id}/introductions")
async def introduce_need(request: Request, user: UserDep, api: ApiDep, form: FormDep, need_id: str) -> Response:
    body = {"product_id": form.get("product_id", "").strip(), "note": form.get("note", "").strip() or None}
    try:
        await api.post(f"/v1/financing-needs/{need_id}/introductions", body)
    except ApiError as exc:
        if not _refusal(exc):
            raise
        view = await views.need_view(api, need_id)
        return render(request, "finance_need.html", user, status_code=exc.status, active="finance_needs",
                      errors=exc.field_errors() or {"product_id": exc.message}, message=exc.message, form=form, **view)
    return _see_other(f"/console/finance/needs/{need_id}#introductions")


# --------------------------------------------------------------------------- products and introductions
@router.get("/finance/products")
async def finance_products(request: Request, user: UserDep, api: ApiDep) -> Response:
    own_only = user.role == Role.enterprise
    return render(request, "finance_products.html", user, active="finance_products", own_only=own_only,
                  **await views.products_view(api, user.org_id, own_only))


@router.get("/finance/products/{product_id}")
async def finance_product(request: Request, user: UserDep, api: ApiDep, product_id: str) -> Response:
    return render(request, "finance_product.html", user, active="finance_products", **await views.product_view(api, product_id))


@router.get("/finance/introductions")
async def finance_introductions(request: Request, user: UserDep, api: ApiDep) -> Response:
    return render(request, "finance_introductions.html", user, active="finance_introductions", **await views.introductions_view(api))


@router.post("/finance/introductions/{intro_id}/{action}")
async def answer_introduction(request: Request, user: UserDep, api: ApiDep, form: FormDep, intro_id: str, action: str) -> Response:
    back = safe_next(form.get("next")) if form.get("next") else "/console/finance/introductions"
    bodies = {"accept": {}, "decline": {"reason": form.get("reason", "").strip()},
              "grant": {"amount_cny": form.get("amount_cny", "").strip().replace(",", "") or None}}
    if action not in bodies:
        return render(request, "error.html", user, status_code=404, message="没有这个操作。")
    try:
        await api.post(f"/v1/finance-introductions/{intro_id}/{action}", bodies[action])
    except ApiError as exc:
        if not _refusal(exc):
            raise
        return render(request, "error.html", user, status_code=exc.status, message=exc.message, problem=exc.problem, home=back)
    return _see_other(back)


# --------------------------------------------------------------------------- infringement records
def _may_record(user: ConsoleUser) -> bool:
    return user.role in (Role.admin, Role.authority)


@router.get("/infringements")
async def infringements(request: Request, user: UserDep, api: ApiDep, org: str = "") -> Response:
    org_id = org.strip() or (user.org_id if user.role == Role.enterprise else "")
    try:
        view = await views.infringements_view(api, org_id)
    except ApiError as exc:
        if exc.status not in (404, 422):
            raise
        view = {"records": [], "org": None, "org_names": {}, "lookup_error": "找不到该机构。"}
    return render(request, "infringements.html", user, active="infringements", org_id=org_id, may_record=_may_record(user), **view)


@router.get("/infringements/new")
async def new_infringement(request: Request, user: UserDep, api: ApiDep, patent: str = "", accused: str = "") -> Response:
    return render(request, "infringement_new.html", user, active="infringements",
                  form={"patent_id": patent, "accused_org_id": accused}, may_record=_may_record(user))


@router.post("/infringements")
async def record_infringement(request: Request, user: UserDep, api: ApiDep, form: FormDep) -> Response:
    try:
        record = await api.post("/v1/infringements", views.infringement_body(form))
    except ApiError as exc:
        if not _refusal(exc):
            raise
        return render(request, "infringement_new.html", user, status_code=exc.status, active="infringements", form=form,
                      errors=exc.field_errors(), message=exc.message, may_record=_may_record(user))
    return _see_other(f"/console/infringements/{record['id']}")


def _record_context(user: ConsoleUser, record: dict) -> dict:
    decides = user.role == Role.admin or (user.role == Role.authority and views.recorded_by(record) == user.org_id)
    answers = user.role == Role.admin or (user.role == Role.enterprise and user.org_id == record["accused_org_id"])
    return {"may_decide": decides, "may_answer": answers}


@router.get("/infringements/{record_id}")
async def infringement(request: Request, user: UserDep, api: ApiDep, record_id: str) -> Response:
    view = await views.infringement_view(api, record_id)
    return render(request, "infringement.html", user, active="infringements", **view, **_record_context(user, view["record"]))


@router.post("/infringements/{record_id}/entries")
async def add_infringement_entry(request: Request, user: UserDep, api: ApiDep, form: FormDep, record_id: str) -> Response:
    try:
        await api.post(f"/v1/infringements/{record_id}/entries", views.entry_body(form))
    except ApiError as exc:
        if not _refusal(exc):
            raise
        view = await views.infringement_view(api, record_id)
        return render(request, "infringement.html", user, status_code=exc.status, active="infringements", form=form,
                      errors=exc.field_errors(), message=exc.message, **view, **_record_context(user, view["record"]))
    return _see_other(f"/console/infringements/{record_id}#history")
