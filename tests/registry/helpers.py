"""Payload builders and feed helpers for registry tests."""
from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient


def marker() -> str:
    """A unique Chinese-friendly token to find this test's records with `q`."""
    return "标记" + uuid.uuid4().hex[:8]


def tech(**over: Any) -> dict[str, Any]:
    body = {
        "title": "钢铁烧结烟气脱硫脱硝一体化技术",
        "summary": "烧结烟气循环流化床半干法脱硫与中低温SCR脱硝一体化，实现超低排放",
        "description": "针对钢铁烧结烟气二氧化硫、氮氧化物浓度波动大的特点，采用循环流化床半干法脱硫耦合中低温SCR脱硝工艺，"
                       "脱硫效率≥98%，脱硝效率≥85%，满足超低排放要求。",
        "domain": "pollution_control",
        "subdomain": "air_pollution",
        "keywords": ["脱硫", "脱硝"],
        "trl": 7,
        "stage": "demonstration",
        "transfer_modes": ["license"],
        "price_min_cny": "1500000.00",
        "price_max_cny": "3000000.00",
        "region": "330100",
    }
    body.update(over)
    return body


def demand(**over: Any) -> dict[str, Any]:
    body = {
        "title": "家具喷涂车间低浓度大风量VOCs治理",
        "description": "喷漆车间排出的有机废气风量大、浓度低，环保检查不达标，需要经济可行的VOCs废气治理方案。",
        "domain": "pollution_control",
        "region": "330500",
        "budget_min_cny": "300000.00",
        "budget_max_cny": "800000.00",
    }
    body.update(over)
    return body


def feed(client: TestClient, after: int = 0, page: int = 500) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    while True:
        body = client.get("/v1/changes", params={"after": after, "limit": page}).json()
        events.extend(body["items"])
        if not body["items"]:
            return events
        after = body["last_seq"]


def head(client: TestClient) -> int:
    return client.get("/v1/changes", params={"after": 0, "limit": 1}).json()["head_seq"]


def count(client: TestClient, path: str = "/v1/technologies", **params: Any) -> int:
    return len([line for line in client.get(f"{path}/export", params=params).text.splitlines() if line])
