"""deploy/observability: the alert rules and the Grafana dashboard parse, and every metric they name is exported
by some service's /metrics (in-process apps, after a few requests), so a renamed metric breaks this test rather
than silently emptying a panel or an alert."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from services.gateway.auth.roles import Role
from tests.gateway.conftest import auth, issue_key
from tests.observability.conftest import metric_names
from tests.support.servers import TEST_SERVICE_TOKEN

OBS = Path(__file__).resolve().parents[2] / "deploy" / "observability"
# Our metric namespaces; other identifiers in PromQL are functions, labels or keywords.
METRIC = re.compile(r"\b((?:http|greentech|matching|gateway)_[a-z0-9_]+)\b")
LABELS_NOT_METRICS = {"http_requests"}  # none today; a guard against matching a label value by accident


def alert_rules() -> list[dict]:
    doc = yaml.safe_load((OBS / "alerts.yaml").read_text())
    return [rule for group in doc["groups"] for rule in group["rules"]]


def dashboard_exprs() -> list[str]:
    dash = json.loads((OBS / "grafana-dashboard.json").read_text())
    return [t["expr"] for panel in dash["panels"] for t in panel["targets"]]


def referenced_metrics() -> set[str]:
    exprs = [r["expr"] for r in alert_rules()] + dashboard_exprs()
    return {m for e in exprs for m in METRIC.findall(re.sub(r'"[^"]*"', '""', e))} - LABELS_NOT_METRICS


def test_alert_rules_are_well_formed() -> None:
    names = set()
    for rule in alert_rules():
        assert {"alert", "expr", "labels", "annotations"} <= set(rule), rule
        assert re.fullmatch(r"[A-Z][A-Za-z]+", rule["alert"]) and rule["alert"] not in names
        assert rule["labels"]["severity"] in {"page", "ticket"} and rule["annotations"]["summary"]
        assert rule["expr"].count("(") == rule["expr"].count(")")
        names.add(rule["alert"])


def test_dashboard_is_grafana_json_with_unique_panels() -> None:
    dash = json.loads((OBS / "grafana-dashboard.json").read_text())
    ids = [p["id"] for p in dash["panels"]]
    assert len(ids) == len(set(ids)) and dash["uid"] and dash["schemaVersion"]
    assert all(p["targets"] and p["datasource"]["type"] == "prometheus" for p in dash["panels"])


@pytest.fixture(scope="module")
def exported(registry_client: TestClient, matching_client: TestClient, gateway_client: TestClient) -> set[str]:
    token = {"X-Service-Token": TEST_SERVICE_TOKEN}
    registry_client.get("/v1/technologies", headers=token)
    registry_client.get("/v1/changes", params={"after": 0}, headers=token)
    matching_client.post("/v1/search", json={"query": "污水处理", "target": "technology"}, headers=token)
    key = issue_key(gateway_client, Role.broker, "org_dash")
    gateway_client.get("/v1/technologies", headers=auth(key))  # upstream unreachable -> counted
    names: set[str] = set()
    for client in (registry_client, matching_client, gateway_client):
        names |= metric_names(client.get("/metrics").text)
    return names


def test_every_referenced_metric_is_exported(exported: set[str]) -> None:
    referenced = referenced_metrics()
    assert len(referenced) >= 10, referenced  # the regex found the metrics, not nothing
    missing = sorted(referenced - exported)
    assert not missing, f"named in deploy/observability but exported by no service: {missing}"
