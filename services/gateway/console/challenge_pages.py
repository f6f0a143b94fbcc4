"""Open challenge pages (揭榜挂帅, issue #10): an enterprise posts a challenge from its published need and awards
entries; solvers enter (linking their technologies and/or describing a solution); appointed evaluators score the
entries after the deadline. An entry page exists only for those the API shows the entry to (the challenge owner,
its appointed evaluators, admins, the entry's own solver): to anyone else it is the API's 404."""
from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from services.gateway.auth.roles import Role
from services.gateway.console.api import ApiError, GatewayApi
from services.gateway.console.desk import (
    AnyApiDep,
    form_list,
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
ENTRY_STATUS = {"submitted": "已提交", "awarded": "已获奖"}
_CRITERION_LINE = re.compile(r"^(.+?)[\s:：,，]+([^\s:：,，]+)$")


def is_owner(user: ConsoleUser, challenge: dict[str, Any]) -> bool:
    return user.role == Role.admin or (user.role == Role.enterprise and user.org_id == challenge["owner_org_id"])


def is_jury(user: ConsoleUser, challenge: dict[str, Any]) -> bool:
    return user.role == Role.evaluator and user.org_id in challenge["evaluator_org_ids"]


async def proposed_to_me(api: GatewayApi, user: ConsoleUser) -> dict[str, list[str]]:
    """Demand id → titles of the organization's technologies matching proposed for that challenge (the API's
    `challenge_solver` notifications of the organization, latest 100); enterprises only."""
    if user.role != Role.enterprise:
        return {}
    proposed: dict[str, list[str]] = {}
    for note in (await api.get("/v1/notifications", limit=100)).get("items", []):
        if note["kind"] == "challenge_solver" and note.get("demand_id") and note["technology_title"] not in proposed.get(note["demand_id"], []):
            proposed.setdefault(note["demand_id"], []).append(note["technology_title"])
    return proposed


@router.get("/challenges")
async def challenges(request: Request, user: AnyUserDep, api: AnyApiDep) -> Response:
    found = await api.get("/v1/challenges")
    return render(request, "challenges.html", user, active="challenges", challenges=found,
                  may_publish=user.role in (Role.enterprise, Role.admin), proposed=await proposed_to_me(api, user))


# --------------------------------------------------------------------------- posting a challenge (the need's owner)
async def _new_form(request: Request, user: ConsoleUser, api: GatewayApi, form: dict[str, str] | None = None, *,
                    status_code: int = 200, **extra: Any) -> Response:
    demands = await my_published(api, user, "demands")
    return render(request, "challenge_form.html", user, status_code=status_code, active="challenges", demands=demands,
                  form=form or {"criteria": "技术先进性 40\n经济性 30\n实施能力 30"}, **extra)


@router.get("/challenges/new")
async def new_challenge(request: Request, user: AnyUserDep, api: AnyApiDep, demand_id: str = "", campaign_id: str = "") -> Response:
    """From a campaign's need (发布为榜单) the need and the campaign come filled in."""
    form = {"criteria": "技术先进性 40\n经济性 30\n实施能力 30", "demand_id": demand_id.strip(), "campaign_id": campaign_id.strip()}
    return await _new_form(request, user, api, form)


def criteria_of(text: str) -> list[dict[str, Any]]:
    """'技术先进性 40' per line → [{"name": "技术先进性", "weight": 40}]; a weight that is not a number goes as typed, so
    the API names the criterion it rejects."""
    items: list[dict[str, Any]] = []
    for line in (ln.strip() for ln in text.splitlines()):
        if not line:
            continue
        match = _CRITERION_LINE.match(line)
        name, weight = (match.group(1).strip(), match.group(2)) if match else (line, "")
        try:
            items.append({"name": name, "weight": float(weight)})
        except ValueError:
            items.append({"name": name, "weight": weight or None})
    return items


def challenge_body(form: dict[str, str]) -> dict[str, Any]:
    return {"demand_id": form.get("demand_id", "").strip(), "campaign_id": form.get("campaign_id", "").strip() or None,
            "award_cny": form.get("award_cny", "").strip(),
            "deadline": utc_input(form.get("deadline", "")), "eligibility": form.get("eligibility", "").strip(),
            "ip_terms": form.get("ip_terms", "").strip(), "criteria": criteria_of(form.get("criteria", "")),
            "evaluator_org_ids": [s for s in re.split(r"[\s,，、]+", form.get("evaluator_org_ids", "")) if s]}


@router.post("/challenges/new")
async def publish_challenge_page(request: Request, user: AnyUserDep, api: AnyApiDep, form: FormDep) -> Response:
    try:
        created = await api.post("/v1/challenges", challenge_body(form))
    except ApiError as exc:
        return await _new_form(request, user, api, form, status_code=exc.status, **refusal(exc))
    return see_other(f"/console/challenges/{created['id']}")


# --------------------------------------------------------------------------- a challenge
async def _awards_with_deals(api: GatewayApi, challenge_id: str) -> list[dict[str, Any]]:
    awards = await api.get(f"/v1/challenges/{challenge_id}/awards")
    for award in awards:
        try:  # the deal, where this user takes part in it (buyer, seller, its broker, admin)
            award["deal"] = await api.get(f"/v1/deals/{award['deal_id']}")
        except ApiError as exc:
            if exc.status >= 500:
                raise
            award["deal"] = None
    return awards


async def _challenge_page(request: Request, user: ConsoleUser, api: GatewayApi, challenge_id: str, *, status_code: int = 200,
                          **extra: Any) -> Response:
    found = await api.get(f"/v1/challenges/{challenge_id}")
    entries = await api.get(f"/v1/challenges/{challenge_id}/entries")  # the API leaves out what this user may not see
    awards = await _awards_with_deals(api, challenge_id)
    own_entry = next((e for e in entries if e["solver_org_id"] == user.org_id), None)
    owner = is_owner(user, found)
    may_enter = (user.role == Role.enterprise and not owner and own_entry is None and found["status"] == "open")
    names = await org_names(api, {found["owner_org_id"]} | {e["solver_org_id"] for e in entries})
    proposed = (await proposed_to_me(api, user)).get(found["demand_id"], []) if may_enter else []
    return render(request, "challenge.html", user, status_code=status_code, active="challenges", challenge=found, entries=entries,
                  proposed_mine=proposed,
                  awards=awards, owner=owner, jury=is_jury(user, found), own_entry=own_entry, may_enter=may_enter,
                  technologies=await my_published(api, user, "technologies") if may_enter else [], org_names=names,
                  ENTRY_STATUS=ENTRY_STATUS, **extra)


@router.get("/challenges/{challenge_id}")
async def challenge(request: Request, user: AnyUserDep, api: AnyApiDep, challenge_id: str) -> Response:
    return await _challenge_page(request, user, api, challenge_id)


@router.post("/challenges/{challenge_id}/proposals")
async def propose(request: Request, user: AnyUserDep, api: AnyApiDep, form: FormDep, challenge_id: str) -> Response:
    """推荐揭榜方 (the owner): matching proposes likely solvers and the API notifies their owners; the page shows whom.
    Nothing of it is kept here, so the answer is the challenge page itself (reloading asks matching again)."""
    try:
        proposals = await api.post(f"/v1/challenges/{challenge_id}/proposals", {})
    except ApiError as exc:
        if exc.status in (502, 503, 504):  # matching unreachable or still catching up: say so, keep the page
            return await _challenge_page(request, user, api, challenge_id, status_code=exc.status, failed="propose",
                                         message="匹配服务暂时不可用，请稍后再试。", errors={})
        return await _challenge_page(request, user, api, challenge_id, status_code=exc.status, failed="propose", **refusal(exc))
    names = await org_names(api, {p["owner_org_id"] for p in proposals})
    return await _challenge_page(request, user, api, challenge_id, proposals=proposals, proposal_orgs=names)


def entry_body(form: dict[str, str]) -> dict[str, Any]:
    title, reference = form.get("attachment_title", "").strip(), form.get("attachment_reference", "").strip()
    return {"technology_ids": form_list(form, "technology_ids"), "solution": form.get("solution", "").strip(),
            "attachments": [{"title": title, "reference": reference}] if title or reference else []}


@router.post("/challenges/{challenge_id}/entries")
async def enter(request: Request, user: AnyUserDep, api: AnyApiDep, form: FormDep, challenge_id: str) -> Response:
    try:
        entry = await api.post(f"/v1/challenges/{challenge_id}/entries", entry_body(form))
    except ApiError as exc:
        return await _challenge_page(request, user, api, challenge_id, status_code=exc.status, form=form, failed="enter",
                                     **refusal(exc))
    return see_other(f"/console/challenge-entries/{entry['id']}")


def award_body(form: dict[str, str]) -> dict[str, Any]:
    """One amount field per entry (`amount.<entry id>`); the entries given an amount are awarded together (赛马)."""
    return {"awards": [{"entry_id": key.split(".", 1)[1], "amount_cny": value.strip()}
                       for key, value in sorted(form.items()) if key.startswith("amount.") and value.strip()]}


@router.post("/challenges/{challenge_id}/awards")
async def award(request: Request, user: AnyUserDep, api: AnyApiDep, form: FormDep, challenge_id: str) -> Response:
    return await post_or_refuse(api, f"/v1/challenges/{challenge_id}/awards", award_body(form), f"/console/challenges/{challenge_id}#awards",
                                lambda ctx: _challenge_page(request, user, api, challenge_id, form=form, failed="award", **ctx))


# --------------------------------------------------------------------------- an entry (its parties only)
async def _entry_page(request: Request, user: ConsoleUser, api: GatewayApi, entry_id: str, *, status_code: int = 200,
                      **extra: Any) -> Response:
    entry = await api.get(f"/v1/challenge-entries/{entry_id}")  # 404 for anyone the entry is confidential to
    found = await api.get(f"/v1/challenges/{entry['challenge_id']}")
    technologies = []
    for technology_id in entry["technology_ids"]:
        try:
            technologies.append(await api.get(f"/v1/technologies/{technology_id}"))
        except ApiError:
            technologies.append({"id": technology_id, "title": technology_id})
    jury = is_jury(user, found)
    scored = any(s["evaluator_org_id"] == user.org_id for s in entry["scores"])
    names = await org_names(api, {entry["solver_org_id"]})
    return render(request, "challenge_entry.html", user, status_code=status_code, active="challenges", entry=entry,
                  challenge=found, technologies=technologies, jury=jury, scored=scored, org_names=names,
                  ENTRY_STATUS=ENTRY_STATUS, **extra)


@router.get("/challenge-entries/{entry_id}")
async def challenge_entry(request: Request, user: AnyUserDep, api: AnyApiDep, entry_id: str) -> Response:
    return await _entry_page(request, user, api, entry_id)


def score_body(form: dict[str, str]) -> dict[str, Any]:
    scores: dict[str, Any] = {}
    for key, value in form.items():
        if key.startswith("score.") and value.strip():
            scores[key.split(".", 1)[1]] = int(value) if value.strip().isdigit() else value.strip()
    return {"scores": scores, "comments": form.get("comments", "").strip()}


@router.post("/challenge-entries/{entry_id}/scores")
async def score(request: Request, user: AnyUserDep, api: AnyApiDep, form: FormDep, entry_id: str) -> Response:
    return await post_or_refuse(api, f"/v1/challenge-entries/{entry_id}/scores", score_body(form), f"/console/challenge-entries/{entry_id}",
                                lambda ctx: _entry_page(request, user, api, entry_id, form=form, **ctx))
