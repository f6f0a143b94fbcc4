"""What the IP and finance pages need (issue #12): an organization's patents and infringement records, finance
products and a financing need's eligible products with the exclusion reasons — all from the public API."""
from __future__ import annotations

import asyncio
from typing import Any

from services.gateway.console.api import ApiError, GatewayApi
from services.gateway.console.finance_views import stats as finance_stats
from services.gateway.console.workspace import org_names

PATENT_PAGE = 200  # API maximum for /v1/patents


async def organization_view(api: GatewayApi, org_id: str) -> dict[str, Any]:
    """The organization (its 404 if unknown or unreadable), the patents it holds and the infringement records
    the caller may read on its profile (the API filters them; possibly none)."""
    org = await api.get(f"/v1/organizations/{org_id}")
    patents, infringements = await asyncio.gather(api.get("/v1/patents", org_id=org_id, limit=PATENT_PAGE),
                                                  api.get(f"/v1/organizations/{org_id}/infringements"))
    parties = {r.get("claimant_org_id") for r in infringements["items"]}
    return {"org": org, "patents": patents["items"], "more_patents": bool(patents.get("next_cursor")),
            "infringements": infringements["items"], "org_names": await org_names(api, parties)}


async def finance_view(api: GatewayApi, need_id: str) -> dict[str, Any]:
    """Active products; with a need id, the need and its eligible (ranked) and excluded products."""
    products, stats = await asyncio.gather(api.get("/v1/finance-products", status="active", limit=100), finance_stats(api))
    view: dict[str, Any] = {"products": products["items"], "need": None, "matches": None, "need_error": None, "stats": stats}
    if need_id:
        try:
            need, matches = await asyncio.gather(api.get(f"/v1/financing-needs/{need_id}"),
                                                 api.get(f"/v1/financing-needs/{need_id}/products"))
            view.update(need=need, matches=matches)
        except ApiError as exc:
            if exc.status not in (404, 422):  # a bad id is the user's typo; anything else is an error page
                raise
            view["need_error"] = "找不到该融资需求，或您无权查看。" if exc.status == 404 else exc.message
    orgs = {p["org_id"] for p in view["products"]} | ({view["need"]["org_id"]} if view["need"] else set())
    view["org_names"] = await org_names(api, orgs)
    return view
