"""Who runs deals that come from public trading rather than from a broker introduction.

Decision (docs/trading.md): the platform operator's organization is the deal's `broker_org_id`, so the existing
stage transitions (admin or that organization) and commission rules apply unchanged; brokers who helped can be
added with PUT /v1/deals/{id}/brokers. Set `GATEWAY_OPERATOR_ORG_ID` (default `org_platform_ops`).
"""
from __future__ import annotations

import os

DEFAULT_OPERATOR_ORG_ID = "org_platform_ops"


def operator_org_id() -> str:
    return os.environ.get("GATEWAY_OPERATOR_ORG_ID", DEFAULT_OPERATOR_ORG_ID)
