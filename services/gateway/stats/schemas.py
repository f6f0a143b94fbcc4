"""Statistics API shapes."""
from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, Field


class GroupBy(StrEnum):
    domain = "domain"
    region = "region"  # province level (GB/T 2260 first two digits)
    month = "month"


class Figures(BaseModel):
    technologies_listed: int = 0
    demands_listed: int = 0
    introductions: int = 0
    introductions_accepted: int = 0
    deals_opened: int = 0
    deals_closed: int = 0
    deal_amount_cny: Decimal = Decimal("0.00")
    commission_cny: Decimal = Decimal("0.00")


class StatsRow(BaseModel):
    key: str = Field(examples=["pollution_control"])
    name: str = Field(examples=["污染治理"])
    current: Figures
    previous_year: Figures = Field(description="Same group, the same period one year earlier")
    yoy_growth: dict[str, float | None] = Field(description="(current - previous) / previous per figure; null when previous is 0",
                                                examples=[{"deals_closed": 0.5, "deal_amount_cny": None}])


class StatsReport(BaseModel):
    group_by: GroupBy
    from_month: str = Field(examples=["2025-01"])
    to_month: str = Field(examples=["2025-12"])
    totals: Figures
    items: list[StatsRow]
