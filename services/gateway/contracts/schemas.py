"""Technology contract registration shapes (amounts in yuan on the wire)."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from shared.schemas import PositiveCny


class ContractType(StrEnum):
    """The five statutory technology contract types (《技术合同认定登记管理办法》)."""

    development = "development"  # 技术开发
    transfer = "transfer"  # 技术转让
    license = "license"  # 技术许可
    consulting = "consulting"  # 技术咨询
    service = "service"  # 技术服务


CONTRACT_TYPE_NAMES = {
    ContractType.development: "技术开发", ContractType.transfer: "技术转让", ContractType.license: "技术许可",
    ContractType.consulting: "技术咨询", ContractType.service: "技术服务",
}


class ContractRegister(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "deal_id": "deal_0193c…", "contract_type": "license", "contract_amount_cny": "1250000.00",
        "transaction_amount_cny": "1000000.00", "signed_on": "2026-12-01"}]})
    deal_id: str = Field(max_length=40)
    contract_type: ContractType
    seller_org_id: str | None = Field(None, max_length=64, description="Default: the deal's seller (trading deals)")
    buyer_org_id: str | None = Field(None, max_length=64, description="Default: the deal's buyer (trading deals)")
    seller_name: str | None = Field(None, max_length=200, description="Default: the organization's name in the registry")
    buyer_name: str | None = Field(None, max_length=200)
    contract_amount_cny: PositiveCny | None = Field(None, description="Default: the deal's contract amount")
    transaction_amount_cny: PositiveCny | None = Field(None, description="技术交易额, at most the contract amount; default equal")
    signed_on: date | None = Field(None, description="Default: the day the deal closed")
    registered_on: date | None = Field(None, description="Default: today")


class ContractPublic(BaseModel):
    id: str
    deal_id: str
    contract_type: ContractType
    contract_type_name: str = Field(examples=["技术许可"])
    seller_org_id: str
    seller_name: str
    buyer_org_id: str
    buyer_name: str
    contract_amount_cny: Decimal
    transaction_amount_cny: Decimal
    signed_on: date
    registered_on: date
    domain: str | None
    region: str | None
    created_at: datetime


class ContractGroupBy(StrEnum):
    domain = "domain"
    region = "region"
    month = "month"


class ContractStatsRow(BaseModel):
    key: str = Field(description="Domain code, region code or YYYY-MM (registration month); `unknown` when absent")
    contracts: int
    contract_amount_cny: Decimal
    transaction_amount_cny: Decimal


class ContractStats(BaseModel):
    group_by: ContractGroupBy
    from_month: str | None
    to_month: str | None
    total: ContractStatsRow
    items: list[ContractStatsRow]
