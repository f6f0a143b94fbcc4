"""Green finance routes: thin, the rules are in finance.service (eligibility in finance.eligibility)."""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from services.gateway.auth.deps import PrincipalDep
from services.gateway.db import SessionDep
from services.gateway.finance import service
from services.gateway.finance.schemas import (
    FinanceDecline,
    FinanceGrant,
    FinanceIntroductionCreate,
    FinanceIntroductionPage,
    FinanceIntroductionPublic,
    FinancingNeedPage,
    NeedsForProduct,
    ProductsForNeed,
)
from services.gateway.trading_common.clock import NowDep
from shared.errors import PROBLEM_RESPONSES
from shared.finance_schemas import (
    FinanceProductCreate,
    FinanceProductPublic,
    FinancingNeedCreate,
    FinancingNeedPublic,
)

router = APIRouter(prefix="/v1", tags=["finance"], responses={**PROBLEM_RESPONSES, 404: {"description": "No such record (or not yours to read)"}})


@router.post("/finance-products", status_code=201, response_model=FinanceProductPublic,
             summary="Publish a finance product (a financial institution's key, or admin)")
async def publish_product(body: FinanceProductCreate, request: Request, principal: PrincipalDep, session: SessionDep) -> Any:
    return await service.create_product(session, request, principal, body)


@router.get("/finance-products", summary="Finance products (public offers)")
async def list_products(request: Request, principal: PrincipalDep, org_id: str | None = None,
                        status: Annotated[str | None, Query(pattern="^(active|withdrawn)$")] = None,
                        limit: Annotated[int, Query(ge=1, le=500)] = 50, cursor: str | None = None) -> Any:
    return await service.list_products(request, principal, {"org_id": org_id, "status": status, "limit": limit, "cursor": cursor})


@router.get("/finance-products/{product_id}", response_model=FinanceProductPublic, summary="One finance product")
async def get_product(product_id: str, request: Request, principal: PrincipalDep) -> Any:
    return await service.get_product(request, principal, product_id)


@router.post("/finance-products/{product_id}/withdraw", response_model=FinanceProductPublic,
             summary="Withdraw a product (its financier): it is no longer proposed")
async def withdraw_product(product_id: str, request: Request, principal: PrincipalDep, session: SessionDep) -> Any:
    return await service.withdraw_product(session, request, principal, product_id)


@router.get("/finance-products/{product_id}/needs", response_model=NeedsForProduct, summary="Open financing needs eligible for a product, ranked, with the excluded and why")
async def needs_for_product(product_id: str, request: Request, principal: PrincipalDep) -> Any:
    return await service.needs_for_product(request, principal, product_id)


@router.post("/financing-needs", status_code=201, response_model=FinancingNeedPublic, summary="Post a financing need (your organization's)")
async def post_need(body: FinancingNeedCreate, request: Request, principal: PrincipalDep, session: SessionDep) -> Any:
    return await service.create_need(session, request, principal, body)


@router.get("/financing-needs", response_model=FinancingNeedPage,
            summary="Financing needs you may read: your organization's; a financier also others' open needs and those introduced to it; brokers and admins all")
async def list_financing_needs(request: Request, principal: PrincipalDep, session: SessionDep,
                               status: Annotated[str | None, Query(pattern="^(open|funded|withdrawn)$")] = None,
                               org_id: str | None = None, limit: Annotated[int, Query(ge=1, le=500)] = 50,
                               cursor: str | None = None) -> Any:
    return await service.list_needs(session, request, principal, {"status": status, "org_id": org_id, "limit": limit, "cursor": cursor})


@router.get("/financing-needs/{need_id}", response_model=FinancingNeedPublic, summary="One financing need")
async def get_need(need_id: str, request: Request, principal: PrincipalDep, session: SessionDep) -> Any:
    return await service.get_need(request, principal, need_id, session)


@router.post("/financing-needs/{need_id}/withdraw", response_model=FinancingNeedPublic,
             summary="Withdraw a financing need (its organization)")
async def withdraw_need(need_id: str, request: Request, principal: PrincipalDep, session: SessionDep) -> Any:
    return await service.withdraw_need(session, request, principal, need_id)


@router.get("/financing-needs/{need_id}/products", response_model=ProductsForNeed, summary="Finance products a need is eligible for, ranked, and each excluded product with its reasons")
async def products_for_need(need_id: str, request: Request, principal: PrincipalDep) -> Any:
    return await service.products_for_need(request, principal, need_id)


@router.post("/financing-needs/{need_id}/introductions", status_code=201, response_model=FinanceIntroductionPublic,
             summary="Introduce a need to a financier's product (the need's organization or a broker); ineligible → 409 with reasons")
async def request_finance_introduction(need_id: str, body: FinanceIntroductionCreate, request: Request, principal: PrincipalDep,
                    session: SessionDep, now: NowDep) -> Any:
    return service.view(await service.introduce(session, request, principal, need_id, body, now))


@router.get("/finance-introductions", response_model=FinanceIntroductionPage,
            summary="Finance introductions you take part in (need's organization, financier, whoever asked; admins all)")
def list_finance_introductions(principal: PrincipalDep, session: SessionDep, need_id: str | None = None, product_id: str | None = None,
                               status: Annotated[str | None, Query(pattern="^(requested|accepted|declined|granted)$")] = None,
                               limit: Annotated[int, Query(ge=1, le=500)] = 50, cursor: str | None = None) -> Any:
    return service.list_introductions(session, principal, {"need_id": need_id, "product_id": product_id, "status": status,
                                                           "limit": limit, "cursor": cursor})


@router.get("/finance-introductions/{intro_id}", response_model=FinanceIntroductionPublic, summary="One finance introduction (its parties)")
def get_finance_introduction(intro_id: str, principal: PrincipalDep, session: SessionDep) -> Any:
    return service.view(service.visible_introduction(session, principal, intro_id))


@router.post("/finance-introductions/{intro_id}/accept", response_model=FinanceIntroductionPublic, summary="The financier accepts")
def accept_finance_introduction(intro_id: str, principal: PrincipalDep, session: SessionDep, now: NowDep) -> Any:
    return service.view(service.answer(session, principal, intro_id, accept=True, reason=None, at=now))


@router.post("/finance-introductions/{intro_id}/decline", response_model=FinanceIntroductionPublic, summary="The financier declines, with a reason")
def decline_finance_introduction(intro_id: str, body: FinanceDecline, principal: PrincipalDep, session: SessionDep, now: NowDep) -> Any:
    return service.view(service.answer(session, principal, intro_id, accept=False, reason=body.reason, at=now))


@router.post("/finance-introductions/{intro_id}/grant", response_model=FinanceIntroductionPublic,
             summary="The financier records the amount granted (授信/放款/承保); the need becomes funded")
async def grant_finance_introduction(intro_id: str, body: FinanceGrant, request: Request, principal: PrincipalDep, session: SessionDep, now: NowDep) -> Any:
    return service.view(await service.grant(session, request, principal, intro_id, body, now))


@router.get("/finance/stats", summary="Financing requested and granted (counts, amounts, by product type)")
async def finance_stats(request: Request, principal: PrincipalDep, session: SessionDep) -> Any:
    return await service.stats(session, request, principal)
