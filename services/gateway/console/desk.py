"""What the evaluation, catalog and challenge pages share (issue #10): any signed-in role (broker, admin,
enterprise, evaluator) with the gateway API called under its own key — so each page can do and see exactly what
the API lets that key do, and a record it may not read is the API's 404 — and the API's refusals as Chinese
messages next to the form that caused them."""
from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response

from services.gateway.auth.roles import Role
from services.gateway.console.api import ApiError, GatewayApi, open_api
from services.gateway.console.session import AnyUserDep, ConsoleUser

# Problem `reason` / field-error `type` values the console says in Chinese (the API's own text is English).
REASONS = {
    "conflict_of_interest": "利益冲突，需回避：该技术属于贵机构，或贵机构与该技术、其所有方有交易往来，因此不能评价或评审这项技术。",
}
ERROR_TYPES = {
    "closed": "已过截止时间，不再接受提交。",
    "not_yet": "截止时间未到：评分和授奖在截止之后进行。",
}
STATUS_TEXT = {
    403: "您的角色无权进行此操作。",
    409: "当前状态下不能进行此操作。",
    422: "填写的内容有误，请按提示修改。",
}


async def _api(request: Request, user: AnyUserDep) -> AsyncIterator[GatewayApi]:
    async for api in open_api(request, user.key):
        yield api


AnyApiDep = Annotated[GatewayApi, Depends(_api)]


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def chinese_message(exc: ApiError) -> str:
    """A readable Chinese sentence for an API refusal; the API's own detail follows for the specifics."""
    problem = exc.problem
    if problem.get("reason") in REASONS:
        return REASONS[problem["reason"]]
    for err in problem.get("errors") or []:
        if err.get("type") in ERROR_TYPES:
            return ERROR_TYPES[err["type"]]
    head = STATUS_TEXT.get(exc.status, "操作未完成。")
    return f"{head}（{exc.message}）"


def refusal(exc: ApiError) -> dict[str, Any]:
    """Template context of a refused form: the message and the per-field errors. Server faults, expired sessions
    and records the user may not read are not form errors: they go on to the route class (error page, sign-in, 404)."""
    if exc.status >= 500 or exc.status in (401, 404):
        raise exc
    return {"message": chinese_message(exc), "errors": exc.field_errors()}


async def post_or_refuse(api: GatewayApi, path: str, body: dict[str, Any], done: str,
                         again: Callable[[dict[str, Any]], Awaitable[Response]]) -> Response:
    """POST to the API, then go to `done`; a refusal shows the same page again (`again(context)`) with the reason."""
    try:
        await api.post(path, body)
    except ApiError as exc:
        context = refusal(exc)
        return await again({**context, "status_code": exc.status})
    return see_other(done)


async def my_published(api: GatewayApi, user: ConsoleUser, kind: str) -> list[dict[str, Any]]:
    """The signed-in organization's published technologies or demands (for pickers); none for brokers/evaluators."""
    if user.role != Role.enterprise:
        return []
    page = await api.get(f"/v1/{kind}", owner_org_id=user.org_id, status="published", limit=100)
    return list(page.get("items", []))


async def org_names(api: GatewayApi, ids: set[str | None]) -> dict[str, str]:
    """Organization id → name for display (ids that are not registry organizations, e.g. evaluators, stay ids)."""
    names: dict[str, str] = {}
    for org_id in sorted(i for i in ids if i):
        try:
            names[org_id] = (await api.get(f"/v1/organizations/{org_id}")).get("name") or org_id
        except ApiError:
            names[org_id] = org_id
    return names


def form_list(form: dict[str, str], prefix: str) -> list[str]:
    """Checked boxes posted as `prefix.0`, `prefix.1`, … (the console's forms are flat)."""
    return [v for k, v in sorted(form.items()) if k.startswith(prefix + ".") and v]


def utc_input(text: str) -> str:
    """A datetime-local value ('2027-03-31T16:00') is UTC on this console (every time shown is UTC); anything else
    goes as typed, so the API names the field it rejects."""
    text = text.strip()
    if text and re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?", text):
        return text + "Z"
    return text
