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


class Growth(BaseModel):
    """Year-on-year growth per figure: (current - previous) / previous; null when the previous year's figure is 0."""

    technologies_listed: float | None = None
    demands_listed: float | None = None
    introductions: float | None = None
    introductions_accepted: float | None = None
    deals_opened: float | None = None
    deals_closed: float | None = Field(None, examples=[0.5])
    deal_amount_cny: float | None = None
    commission_cny: float | None = None


class StatsRow(BaseModel):
    key: str = Field(examples=["pollution_control"])
    name: str = Field(examples=["污染治理"])
    current: Figures
    previous_year: Figures = Field(description="Same group, the same period one year earlier")
    yoy_growth: Growth = Field(description="(current - previous) / previous per figure; null when previous is 0")


class StatsReport(BaseModel):
    group_by: GroupBy
    from_month: str = Field(examples=["2025-01"])
    to_month: str = Field(examples=["2025-12"])
    totals: Figures
    items: list[StatsRow]
