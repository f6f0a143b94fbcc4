"""Webhooks are only sent to public addresses (no SSRF into the platform's own network)."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from services.gateway.auth.roles import Role
from services.gateway.webhooks.targets import unsafe_reason
from tests.gateway.conftest import auth, issue_key

PUBLIC = "http://93.184.215.14/hook"  # an address literal: no DNS needed, no request made


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8001/v1/admin",        # loopback: the registry next door
    "http://localhost:6379/",                 # a name for loopback
    "http://10.0.0.5/", "http://172.16.3.4/", "http://192.168.1.1/",
    "http://169.254.169.254/latest/meta-data/",  # cloud metadata
    "http://100.64.0.1/",                     # carrier-grade NAT
    "http://0.0.0.0:8000/", "http://[::1]/", "http://[::ffff:127.0.0.1]/", "http://[fd00::1]/",
    "http://224.0.0.1/",
])
def test_private_and_special_addresses_are_refused(url: str) -> None:
    assert "not a public address" in unsafe_reason(url)


def test_public_address_is_allowed_and_unknown_host_is_named() -> None:
    assert unsafe_reason(PUBLIC) is None
    assert unsafe_reason("https://no-such-host.invalid/hook") == "host 'no-such-host.invalid' does not resolve"
    assert unsafe_reason("ftp://93.184.215.14/") == "must be an http(s) URL with a host"


def test_subscribing_a_private_url_is_a_422_naming_url_and_writes_nothing(gateway: TestClient) -> None:
    broker = issue_key(gateway, Role.broker, "org_b")
    resp = gateway.post("/v1/webhooks", headers=auth(broker),
                        json={"url": "http://169.254.169.254/latest/meta-data/", "event_types": ["deal.stage_changed"]})
    assert resp.status_code == 422 and resp.headers["content-type"].startswith("application/problem+json")
    problem = resp.json()
    assert problem["errors"][0]["field"] == "url" and "public" in problem["errors"][0]["message"]
    assert gateway.get("/v1/webhooks", headers=auth(broker)).json() == []
    ok = gateway.post("/v1/webhooks", headers=auth(broker), json={"url": PUBLIC, "event_types": ["deal.stage_changed"]})
    assert ok.status_code == 201, ok.text
    assert [s["url"] for s in gateway.get("/v1/webhooks", headers=auth(broker)).json()] == [PUBLIC]
