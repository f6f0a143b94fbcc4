"""The change feed carries patents, infringement cases, finance products and financing needs: typed in the
OpenAPI (shared/feed_schemas.py), valid against it at runtime, and redacted for platforms (patents whole,
others' infringement cases and financing needs cut to id/version)."""
from __future__ import annotations

from fastapi.testclient import TestClient
from pydantic import TypeAdapter

from shared.feed_schemas import ChangeFeedPage
from tests.ipfinance.conftest import number, ok
from tests.ipfinance.test_infringements_end_to_end import (
    test_infringement_recorded_answered_appealed_and_kept as record_infringement_case,
)


def test_feed_pages_with_every_entity_validate_and_are_redacted(gateway: TestClient, world: dict) -> None:
    k, orgs = world["keys"], world["orgs"]
    ok(gateway.post("/v1/patents", headers=k["seller"], json={
        "application_number": number("202210000202"), "title": "一种印染废水臭氧催化氧化装置", "status": "granted",
        "filing_date": "2022-03-01", "grant_date": "2024-03-01", "applicants": [{"name": "江南大学环境学院", "org_id": orgs["seller"]}],
        "ipc_codes": ["C02F 1/78"]}), 201)
    if not any(e["entity"] == "infringement" for e in ok(gateway.get("/v1/changes", params={"limit": 1000}, headers=k["admin"]))["items"]):
        record_infringement_case(gateway, world)

    admin_page = ok(gateway.get("/v1/changes", params={"limit": 1000}, headers=k["admin"]))
    TypeAdapter(ChangeFeedPage).validate_python(admin_page)
    entities = {e["entity"] for e in admin_page["items"]}
    assert {"organization", "technology", "demand", "patent", "infringement"} <= entities

    key = ok(gateway.post("/v1/keys", headers=k["admin"], json={"role": "platform", "org_id": "org_feed_reader", "name": "同步",
                                                                 "source": "feedtest"}), 201)["key"]
    page = ok(gateway.get("/v1/changes", params={"limit": 1000}, headers={"Authorization": f"Bearer {key}"}))
    TypeAdapter(ChangeFeedPage).validate_python(page)
    for event in page["items"]:
        if event["entity"] == "infringement" and event["record"] is not None:
            assert set(event["record"]) == {"id", "version"}, event
        if event["entity"] == "patent" and event["record"] is not None:
            assert "application_number" in event["record"]
