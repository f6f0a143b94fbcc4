"""Request and response shapes of the gateway's finance workflow."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from shared.schemas import PositiveCny


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class FinanceIntroductionCreate(_Strict):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True,
                              json_schema_extra={"examples": [{"product_id": "fpr_01m8vt1fqrea0adqk8rn", "note": "企业已备齐专利权属证明"}]})
    product_id: str = Field(max_length=40)
    note: str | None = Field(None, max_length=1000)


class FinanceDecline(_Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{'reason': '抵押物估值不足，建议补充专利质押'}]})
    reason: str = Field(min_length=1, max_length=1000, examples=["抵押物估值不足"])


class FinanceGrant(_Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{'amount_cny': '3000000.00'}]})
    amount_cny: PositiveCny = Field(description="Amount granted (授信/放款/承保金额), yuan")


class FinanceIntroductionPublic(BaseModel):
    id: str
    need_id: str
    product_id: str
    product_type: str
    need_org_id: str
    financier_org_id: str
    requested_by_org_id: str
    status: str
    amount_requested_cny: Decimal
    amount_granted_cny: Decimal | None = None
    note: str | None = None
    decline_reason: str | None = None
    version: int
    created_at: datetime
    updated_at: datetime
