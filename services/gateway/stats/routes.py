"""Platform statistics (交易统计)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from services.gateway.auth.deps import PrincipalDep
from services.gateway.brokers.columns import now
from services.gateway.db import SessionDep
from services.gateway.stats import service
from services.gateway.stats.schemas import GroupBy, StatsReport
from shared.errors import PROBLEM_RESPONSES, invalid

router = APIRouter(prefix="/v1", tags=["stats"], responses=PROBLEM_RESPONSES)
# Years 1900-2999: a report also reads the year before (and defaults `from` to 11 months back), and year 0
# does not exist, so to=0000-09 or 0001-01 raised in date arithmetic (a 500).
MONTH = r"^(19|2\d)\d{2}-(0[1-9]|1[0-2])$"


@router.get("/stats", response_model=StatsReport,
            summary="Listings, introductions, deals and commissions by domain, region or month, with year-on-year growth")
def get_stats(_: PrincipalDep, session: SessionDep, group_by: GroupBy = GroupBy.month,
              from_: Annotated[str | None, Query(alias="from", pattern=MONTH, description="First month, YYYY-MM", examples=["2025-01"])] = None,
              to: Annotated[str | None, Query(pattern=MONTH, description="Last month, YYYY-MM (default: this month)", examples=["2025-12"])] = None,
              ) -> StatsReport:
    this_month = now().strftime("%Y-%m")
    to_month = to or this_month
    from_month = from_ or service.add_months(service.month_start(to_month), -11).strftime("%Y-%m")
    if from_month > to_month:
        raise invalid("query.from", f"`from` ({from_month}) is after `to` ({to_month}); swap them.")
    if (int(to_month[:4]) - int(from_month[:4])) * 12 + int(to_month[5:]) - int(from_month[5:]) >= 120:
        raise invalid("query.from", "At most 10 years per report: narrow `from`/`to`.")
    return service.report(session, group_by, from_month, to_month)
