"""Inputs the fuzzer turned into 500s, now refused as 422 problems naming the field (fixed in schemas/routes)."""
from __future__ import annotations

import pytest

from tests.contract.conftest import Services
from tests.gateway_workflow.test_end_to_end import problem


@pytest.mark.parametrize(("method", "path", "kwargs", "field"), [
    ("GET", "/v1/stats", {"params": {"to": "0000-09"}}, "query.to"),  # year 0: date arithmetic raised
    ("GET", "/v1/changes", {"params": {"after": str(10**20)}}, "query.after"),  # beyond a 64-bit seq
    ("POST", "/v1/search", {"content": b'{"query": "\\ud800 VOCs"}'}, "body.query"),  # a lone surrogate cannot be encoded
    ("POST", "/v1/batch", {"content": b'{"queries": [{"query": "\\udc00"}]}'}, "body.queries.0.query"),
])
def test_fuzzer_findings_are_422(services: Services, method: str, path: str, kwargs: dict, field: str) -> None:
    with services.client(services.admin_key) as admin:
        body = problem(admin.request(method, path, headers={"Content-Type": "application/json"}, **kwargs), 422)
    assert [e["field"] for e in body["errors"]] == [field]


def test_registry_feed_refuses_a_seq_beyond_64_bits(services: Services) -> None:
    with services.registry.client() as registry:
        body = problem(registry.get("/v1/changes", params={"after": str(10**20)}), 422)
    assert body["errors"][0]["field"] == "query.after"
