"""JSON log lines carry the request id (the X-Request-ID the gateway forwards), the service, route, status and
latency; stdlib logging calls made while a request runs come out as the same JSON with the same request id."""
from __future__ import annotations

import json
import logging

import pytest
from fastapi.testclient import TestClient

from tests.support.servers import TEST_SERVICE_TOKEN


def json_lines(text: str) -> list[dict]:
    out = []
    for line in text.splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            continue
    return out


def test_request_line_has_request_id_service_route_status_latency(registry_client: TestClient,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    resp = registry_client.get("/v1/technologies", headers={"X-Service-Token": TEST_SERVICE_TOKEN, "X-Request-ID": "rid-abc-123"})
    assert resp.status_code == 200 and resp.headers["X-Request-ID"] == "rid-abc-123"
    lines = [line for line in json_lines(capsys.readouterr().err) if line.get("event") == "request"]
    assert lines, "no request line logged"
    line = lines[-1]
    assert line["request_id"] == "rid-abc-123" and line["service"] == "registry"
    assert line["route"] == "/v1/technologies" and line["status"] == 200 and line["method"] == "GET"
    assert isinstance(line["latency_ms"], float) and line["level"] == "info" and line["timestamp"].endswith("Z")


def test_stdlib_logging_inside_a_request_carries_its_request_id(gateway_client: TestClient,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    """The gateway's upstream failure path logs nothing itself, so log from a dependency-free route hook."""
    from fastapi import APIRouter

    router = APIRouter()

    @router.get("/test-log")
    def _log() -> dict[str, str]:
        logging.getLogger("services.gateway.test").warning("注意: %s", "something")
        return {"ok": "yes"}

    gateway_client.app.include_router(router)
    capsys.readouterr()
    gateway_client.get("/test-log", headers={"X-Request-ID": "rid-stdlib-9"})
    lines = json_lines(capsys.readouterr().err)
    stdlib = next(line for line in lines if line.get("logger") == "services.gateway.test")
    assert stdlib["event"] == "注意: something" and stdlib["level"] == "warning"
    assert stdlib["request_id"] == "rid-stdlib-9" and stdlib["service"] == "gateway"
    request = next(line for line in lines if line.get("event") == "request")
    assert request["request_id"] == "rid-stdlib-9" and request["route"] == "/test-log"


def test_request_id_is_generated_when_absent(registry_client: TestClient, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    resp = registry_client.get("/v1/technologies", headers={"X-Service-Token": TEST_SERVICE_TOKEN})
    line = [x for x in json_lines(capsys.readouterr().err) if x.get("event") == "request"][-1]
    assert line["request_id"] == resp.headers["X-Request-ID"] and len(line["request_id"]) == 32


def test_probe_requests_are_not_logged_at_info(registry_client: TestClient, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    for path in ("/healthz", "/metrics"):
        registry_client.get(path)
    assert not [x for x in json_lines(capsys.readouterr().err) if x.get("event") == "request"]
