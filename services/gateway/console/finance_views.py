"""What the financing-need, finance-introduction and infringement pages need (issue #12), assembled from the
public API with the signed-in key only, so every visibility rule is the API's."""
from __future__ import annotations

import asyncio
from typing import Any

from services.gateway.console.api import ApiError, GatewayApi
from services.gateway.console.templating import templates
from services.gateway.console.workspace import org_names
from shared.schemas import STAGE_NAMES, Stage

PAGE_SIZE = 50
NEED_STATUS = {"open": "融资中", "funded": "已获融资", "withdrawn": "已撤回"}
FIN_INTRO_STATUS = {"requested": "待金融机构答复", "accepted": "已受理", "declined": "已婉拒", "granted": "已授信/放款"}
SOFT_CRITERIA = {"domain_targeted": "产品明确支持该领域", "stage_targeted": "产品明确支持该阶段",
                 "amount_in_range": "金额在产品额度区间内", "type_suits_need": "产品类型适合该需求"}
PRODUCT_STATUS = {"active": "在售", "withdrawn": "已撤回"}
templates.env.globals.update({"NEED_STATUS": NEED_STATUS, "FIN_INTRO_STATUS": FIN_INTRO_STATUS, "SOFT_CRITERIA": SOFT_CRITERIA,
                              "PRODUCT_STATUS": PRODUCT_STATUS, "TECH_STAGES": {s.value: STAGE_NAMES[s] for s in Stage}})


async def stats(api: GatewayApi) -> dict[str, Any] | None:
    try:
        return await api.get("/v1/finance/stats")
    except ApiError as exc:
        if exc.status != 403:
            raise
        return None


async def needs_view(api: GatewayApi, status: str, cursor: str | None) -> dict[str, Any]:
    page, numbers = await asyncio.gather(api.get("/v1/financing-needs", status=status, limit=PAGE_SIZE, cursor=cursor), stats(api))
    return {"page": page, "stats": numbers, "org_names": await org_names(api, {n["org_id"] for n in page["items"]})}


async def need_view(api: GatewayApi, need_id: str) -> dict[str, Any]:
    """The need (its 404 if unreadable), its proposed and excluded products, and its introductions."""
    need = await api.get(f"/v1/financing-needs/{need_id}")
    matches, intros = await asyncio.gather(api.get(f"/v1/financing-needs/{need_id}/products"),
                                           api.get("/v1/finance-introductions", need_id=need_id, limit=100))
    orgs = {need["org_id"]} | {m["product"]["org_id"] for m in matches["items"]}
    orgs |= {i["financier_org_id"] for i in intros["items"]} | {i["requested_by_org_id"] for i in intros["items"]}
    return {"need": need, "matches": matches, "intros": intros["items"], "org_names": await org_names(api, orgs)}


async def new_need_form(api: GatewayApi, org_id: str) -> dict[str, Any]:
    """The organization's technologies and patents to pick from."""
    techs, patents = await asyncio.gather(api.get("/v1/technologies", owner_org_id=org_id, limit=100),
                                          api.get("/v1/patents", org_id=org_id, limit=200))
    return {"techs": techs["items"], "patents": patents["items"]}


def need_body(form: dict[str, str], patent_ids: list[str], org_id: str) -> dict[str, Any]:
    def text(name: str) -> str | None:
        return form.get(name, "").strip() or None
    trl = text("trl")
    return {"org_id": org_id, "technology_id": text("technology_id"), "title": form.get("title", "").strip(),
            "purpose": form.get("purpose", "").strip(), "description": text("description"),
            "amount_cny": (text("amount_cny") or "").replace(",", "") or None, "stage": text("stage"),
            "trl": int(trl) if trl and trl.isdigit() else trl, "collateral_patent_ids": patent_ids,
            "evaluation_id": text("evaluation_id")}


async def products_view(api: GatewayApi, org_id: str, own_only: bool) -> dict[str, Any]:
    """A financier's own products (any status), or every active product for brokers and admins."""
    page = await api.get("/v1/finance-products", org_id=org_id if own_only else None, status=None if own_only else "active", limit=100)
    intros = await api.get("/v1/finance-introductions", limit=200)
    by_product: dict[str, int] = {}
    for i in intros["items"]:
        by_product[i["product_id"]] = by_product.get(i["product_id"], 0) + 1
    return {"products": page["items"], "intro_counts": by_product,
            "org_names": await org_names(api, {p["org_id"] for p in page["items"]}), "stats": await stats(api)}


async def product_view(api: GatewayApi, product_id: str) -> dict[str, Any]:
    product = await api.get(f"/v1/finance-products/{product_id}")
    matches, intros = await asyncio.gather(api.get(f"/v1/finance-products/{product_id}/needs"),
                                           api.get("/v1/finance-introductions", product_id=product_id, limit=100))
    needs = {m["id"]: m["need"] for m in matches["items"]}
    orgs = {product["org_id"]} | {n["org_id"] for n in needs.values()}
    orgs |= {i["need_org_id"] for i in intros["items"]} | {i["requested_by_org_id"] for i in intros["items"]}
    return {"product": product, "matches": matches, "intros": intros["items"], "org_names": await org_names(api, orgs)}


async def introductions_view(api: GatewayApi) -> dict[str, Any]:
    intros = await api.get("/v1/finance-introductions", limit=200)
    orgs = {o for i in intros["items"] for o in (i["need_org_id"], i["financier_org_id"], i["requested_by_org_id"])}
    return {"intros": intros["items"], "org_names": await org_names(api, orgs)}


# --------------------------------------------------------------------------- infringement records
async def infringements_view(api: GatewayApi, org_id: str) -> dict[str, Any]:
    """The infringement records on an organization's profile that the caller may read."""
    if not org_id:
        return {"records": [], "org": None, "org_names": {}}
    org = await api.get(f"/v1/organizations/{org_id}")
    page = await api.get(f"/v1/organizations/{org_id}/infringements")
    orgs = {r["accused_org_id"] for r in page["items"]} | {r.get("claimant_org_id") for r in page["items"]}
    return {"records": page["items"], "org": org, "org_names": await org_names(api, orgs)}


async def infringement_view(api: GatewayApi, record_id: str) -> dict[str, Any]:
    record = await api.get(f"/v1/infringements/{record_id}")
    orgs = {record["accused_org_id"], record.get("claimant_org_id")} | {e.get("actor_org_id") for e in record["history"]}
    return {"record": record, "org_names": await org_names(api, orgs)}


def infringement_body(form: dict[str, str]) -> dict[str, Any]:
    def text(name: str) -> str | None:
        return form.get(name, "").strip() or None
    evidence = [{"title": text("evidence_title"), "url": text("evidence_url")}] if text("evidence_title") else []
    return {"decision_reference": form.get("decision_reference", "").strip(), "authority": form.get("authority", "").strip(),
            "decided_on": text("decided_on"), "patent_id": form.get("patent_id", "").strip(),
            "accused_org_id": form.get("accused_org_id", "").strip(), "claimant_org_id": text("claimant_org_id"),
            "claimant_name": form.get("claimant_name", "").strip(), "summary": form.get("summary", "").strip(),
            "evidence": evidence}


def entry_body(form: dict[str, str]) -> dict[str, Any]:
    body: dict[str, Any] = {"kind": form.get("kind", ""), "text": form.get("text", "").strip()}
    if form.get("outcome"):
        body["outcome"] = form["outcome"]
    field, value = form.get("change_field", "").strip(), form.get("change_value", "").strip()
    if body["kind"] == "correction" and field:
        body["changes"] = {field: value}
    return body


def recorded_by(record: dict[str, Any]) -> str | None:
    first = next((e for e in record["history"] if e["kind"] == "recorded"), None)
    return first.get("actor_org_id") if first else None
