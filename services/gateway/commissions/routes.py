"""Commission rules, previews and computed commissions."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from services.gateway.auth.deps import Principal, PrincipalDep, require_roles
from services.gateway.auth.roles import Role
from services.gateway.commissions import repository, service
from services.gateway.commissions.config import current_rules
from services.gateway.commissions.schemas import CommissionPreview, CommissionPublic, CommissionRulesSpec
from services.gateway.db import SessionDep
from shared.errors import PROBLEM_RESPONSES
from shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, decode_cursor, encode_cursor
from shared.schemas import PositiveCny

router = APIRouter(prefix="/v1", tags=["commissions"], responses=PROBLEM_RESPONSES)
BrokerOrAdmin = Annotated[Principal, Depends(require_roles(Role.broker, Role.admin))]


@router.get("/commission-rules", response_model=CommissionRulesSpec, name="get_commission_rules", summary="Commission rules in force (佣金规则)")
def get_rules(_: PrincipalDep) -> CommissionRulesSpec:
    return current_rules()


@router.get("/commissions/preview", response_model=CommissionPreview, name="preview_commission", summary="What a contract amount would earn")
def preview(
    _: PrincipalDep,
    contract_amount_cny: Annotated[PositiveCny, Query(description="Contract amount in yuan", examples=["3000000.00"])],
) -> CommissionPreview:
    return service.preview(contract_amount_cny)


@router.get("/commissions", response_model=Page[CommissionPublic], summary="Commissions of closed deals your organization shares")
def list_commissions(
    principal: BrokerOrAdmin, session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT, cursor: str | None = None,
) -> Page[CommissionPublic]:
    before = (decode_cursor(cursor) or {}).get("id")
    rows = repository.for_org(session, None if principal.is_admin() else principal.org_id, limit + 1, before)
    next_cursor = encode_cursor({"id": rows[limit - 1].deal_id}) if len(rows) > limit else None
    return Page[CommissionPublic](items=[service.view(session, c) for c in rows[:limit]], next_cursor=next_cursor)
