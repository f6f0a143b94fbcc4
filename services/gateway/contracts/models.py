"""Registered technology contracts (技术合同登记), one per closed deal."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from services.gateway.brokers.columns import BIGINT, utc_column


class TechContract(SQLModel, table=True):
    __tablename__ = "tech_contract"

    id: str = Field(primary_key=True, max_length=40)
    deal_id: str = Field(foreign_key="deal.id", max_length=40, unique=True)
    contract_type: str = Field(max_length=20, index=True)  # development | transfer | license | consulting | service
    seller_org_id: str = Field(max_length=64, index=True)
    seller_name: str = Field(max_length=200)
    buyer_org_id: str = Field(max_length=64, index=True)
    buyer_name: str = Field(max_length=200)
    contract_amount_fen: int = Field(sa_column=sa.Column(BIGINT, nullable=False))
    transaction_amount_fen: int = Field(sa_column=sa.Column(BIGINT, nullable=False))  # 技术交易额 ≤ contract amount
    signed_on: date
    registered_on: date = Field(index=True)
    domain: str | None = Field(None, max_length=40, index=True)
    region: str | None = Field(None, max_length=6, index=True)
    registered_by: str = Field(max_length=40)
    created_at: datetime = Field(sa_column=utc_column())
