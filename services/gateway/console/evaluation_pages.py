"""Technology evaluation pages (技术评价, issue #10): evaluators see the requests addressed to them, accept or
decline them and record evaluations; owners (enterprises) request an evaluation of their technology and respond to
one; the evaluating organization withdraws its evaluation; everyone who may read a technology sees its evaluations. Every action is the gateway API under the user's key."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

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
)
from services.gateway.console.routing import ConsoleRoute
from services.gateway.console.session import AnyUserDep, ConsoleUser, FormDep
from services.gateway.console.templating import render

router = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False, default_response_class=HTMLResponse)

CRITERIA = (("maturity", "技术成熟度"), ("effect", "技术效果"), ("economic_benefit", "经济效益"),
            ("environmental_benefit", "环境效益"), ("ip_status", "知识产权状况"))
VERDICTS = {"recommended": "推荐", "conditional": "有条件推荐", "not_recommended": "不推荐"}
EVIDENCE_KINDS = {"document": "文件资料", "test_report": "检测报告", "site_visit": "现场核查"}
REQUEST_STATUS = {"open": "待接受", "accepted": "已接受，评价中", "declined": "已婉拒", "completed": "已完成", "cancelled": "已撤回"}
EVIDENCE_ROWS = 3  # evidence lines on the form; empty ones are left out


# --------------------------------------------------------------------------- my evaluation desk
async def _desk(request: Request, user: ConsoleUser, api: GatewayApi, *, status_code: int = 200, **extra: Any) -> Response:
    requests = (await api.get("/v1/evaluation-requests", limit=100))["items"]
    technologies = await my_published(api, user, "technologies")
    assigned, calls = [], []
    if user.role == Role.evaluator:
        assigned = [c for c in await api.get("/v1/challenges") if user.org_id in c["evaluator_org_ids"]]
        calls = [c for c in await api.get("/v1/catalog/calls") if c["status"] == "open"]
    names = await org_names(api, {r["owner_org_id"] for r in requests} | {r["evaluator_org_id"] for r in requests})
    return render(request, "evaluations.html", user, status_code=status_code, active="evaluations", requests=requests,
                  technologies=technologies, assigned=assigned, calls=calls, org_names=names, REQUEST_STATUS=REQUEST_STATUS,
                  **extra)


@router.get("/evaluations")
async def evaluations(request: Request, user: AnyUserDep, api: AnyApiDep) -> Response:
    return await _desk(request, user, api)


@router.post("/evaluations/requests")
async def request_evaluation(request: Request, user: AnyUserDep, api: AnyApiDep, form: FormDep) -> Response:
    body = {"technology_id": form.get("technology_id", "").strip(),
            "evaluator_org_id": form.get("evaluator_org_id", "").strip() or None, "note": form.get("note", "").strip() or None}
    return await post_or_refuse(api, "/v1/evaluation-requests", body, "/console/evaluations",
                                lambda ctx: _desk(request, user, api, form=form, **ctx))


@router.post("/evaluations/requests/{request_id}/decision")
async def decide_request(request: Request, user: AnyUserDep, api: AnyApiDep, form: FormDep, request_id: str) -> Response:
    body = {"decision": form.get("decision", ""), "note": form.get("note", "").strip() or None}
    return await post_or_refuse(api, f"/v1/evaluation-requests/{request_id}/decision", body, "/console/evaluations",
                                lambda ctx: _desk(request, user, api, failed=request_id, **ctx))


@router.post("/evaluations/requests/{request_id}/cancel")
async def cancel_request(request: Request, user: AnyUserDep, api: AnyApiDep, form: FormDep, request_id: str) -> Response:
    return await post_or_refuse(api, f"/v1/evaluation-requests/{request_id}/cancel", {}, "/console/evaluations",
                                lambda ctx: _desk(request, user, api, failed=request_id, **ctx))


# --------------------------------------------------------------------------- recording an evaluation (evaluators)
async def _record_form(request: Request, user: ConsoleUser, api: GatewayApi, technology_id: str, request_id: str,
                       form: dict[str, str] | None = None, *, status_code: int = 200, **extra: Any) -> Response:
    # 404 page if the user may not read it; the id comes from the query string, so it stays one path segment
    technology = await api.get(f"/v1/technologies/{quote(technology_id.strip('.'), safe='') or '-'}")
    default_until = (datetime.now(UTC).date() + timedelta(days=730)).isoformat()
    return render(request, "evaluation_form.html", user, status_code=status_code, active="evaluations", technology=technology,
                  request_id=request_id, form=form or {"valid_until": default_until}, CRITERIA=CRITERIA, VERDICTS=VERDICTS,
                  EVIDENCE_KINDS=EVIDENCE_KINDS, evidence_rows=range(EVIDENCE_ROWS), **extra)


@router.get("/evaluations/new")
async def new_evaluation(request: Request, user: AnyUserDep, api: AnyApiDep, technology_id: str = "", request_id: str = "") -> Response:
    return await _record_form(request, user, api, technology_id.strip() or "-", request_id.strip())


def _number(value: str | None) -> Any:
    """Form text → a number for the API; anything else goes as typed, so the API names the field it rejects."""
    text = (value or "").strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text


def evaluation_body(form: dict[str, str]) -> dict[str, Any]:
    evidence = [{"kind": form.get(f"evidence.{i}.kind", "document"), "title": form.get(f"evidence.{i}.title", "").strip(),
                 "reference": form.get(f"evidence.{i}.reference", "").strip()} for i in range(EVIDENCE_ROWS)]
    body = {"technology_id": form.get("technology_id", ""), "request_id": form.get("request_id") or None,
            "scores": {code: _number(form.get(f"scores.{code}")) for code, _ in CRITERIA},
            "verdict": form.get("verdict", ""), "assessed_trl": _number(form.get("assessed_trl")),
            "energy_saved_tce_per_year": _number(form.get("energy_saved_tce_per_year")),
            "co2_cut_t_per_year": _number(form.get("co2_cut_t_per_year")), "summary": form.get("summary", "").strip(),
            "evidence": [e for e in evidence if e["title"] or e["reference"]], "valid_until": form.get("valid_until", "").strip()}
    return body


@router.post("/evaluations/new")
async def record_evaluation_page(request: Request, user: AnyUserDep, api: AnyApiDep, form: FormDep) -> Response:
    body = evaluation_body(form)
    try:
        await api.post("/v1/evaluations", body)
    except ApiError as exc:
        context = refusal(exc)
        return await _record_form(request, user, api, body["technology_id"] or "-", form.get("request_id", ""), form,
                                  status_code=exc.status, **context)
    return see_other(f"/console/technologies/{body['technology_id']}#evaluations")


# --------------------------------------------------------------------------- a technology with its evaluations
async def _technology(request: Request, user: ConsoleUser, api: GatewayApi, technology_id: str, *, status_code: int = 200,
                      **extra: Any) -> Response:
    technology = await api.get(f"/v1/technologies/{technology_id}")
    found = await api.get(f"/v1/technologies/{technology_id}/evaluations")
    owner = user.role == Role.enterprise and technology.get("owner_org_id") == user.org_id
    names = await org_names(api, {technology.get("owner_org_id")} | {e["evaluator_org_id"] for e in found})
    calls = [c for c in await api.get("/v1/catalog/calls") if c["status"] == "open"] if owner or user.role in (
        Role.broker, Role.admin) else []
    return render(request, "technology.html", user, status_code=status_code, active="evaluations", technology=technology,
                  evaluations=found, owner=owner, org_names=names, calls=calls, CRITERIA=CRITERIA, VERDICTS=VERDICTS,
                  EVIDENCE_KINDS=EVIDENCE_KINDS, **extra)


@router.get("/technologies/{technology_id}")
async def technology_page(request: Request, user: AnyUserDep, api: AnyApiDep, technology_id: str) -> Response:
    return await _technology(request, user, api, technology_id)


@router.post("/technologies/{technology_id}/evaluations/{evaluation_id}/response")
async def respond_to_evaluation_page(request: Request, user: AnyUserDep, api: AnyApiDep, form: FormDep, technology_id: str,
                                     evaluation_id: str) -> Response:
    return await post_or_refuse(api, f"/v1/evaluations/{evaluation_id}/response", {"response": form.get("response", "").strip()},
                                f"/console/technologies/{technology_id}#{evaluation_id}",
                                lambda ctx: _technology(request, user, api, technology_id, failed=evaluation_id, **ctx))


@router.post("/technologies/{technology_id}/evaluations/{evaluation_id}/withdraw")
async def withdraw_evaluation_page(request: Request, user: AnyUserDep, api: AnyApiDep, form: FormDep, technology_id: str,
                                   evaluation_id: str) -> Response:
    """撤回评价: only the evaluating organization (the API refuses anyone else, shown next to the evaluation)."""
    return await post_or_refuse(api, f"/v1/evaluations/{evaluation_id}/withdraw", {},
                                f"/console/technologies/{technology_id}#{evaluation_id}",
                                lambda ctx: _technology(request, user, api, technology_id, failed=evaluation_id, **ctx))
