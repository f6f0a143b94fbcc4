"""Matching by record id never serves the text of an unpublished record unless the caller (the gateway, which
checked who may read it) asks for it: unknown and unpublished ids answer the same 404."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from services.matching.app import create_app
from services.matching.settings import MatchingSettings
from tests.matching.events import event

TOKEN = "unpublished-test-token"


@pytest.fixture(scope="module")
def client(tmp_path_factory, encoder):
    settings = MatchingSettings(data_dir=tmp_path_factory.mktemp("matching"), service_token=TOKEN, sync_enabled=False)
    app = create_app(settings)
    with TestClient(app, headers={"X-Service-Token": TOKEN}) as c:
        app.state.matching.holder.index.apply([
            event(1, "T1", 1, title="家具喷涂VOCs沸石转轮吸附浓缩+RTO治理技术", domain="pollution_control"),
            event(2, "D1", 1, entity="demand", status="on_hold", title="印染厂废水COD超标想提标改造回用", domain="pollution_control"),
            event(3, "T9", 1, status="withdrawn", title="秘密的未公开技术：电镀废水零排放"),
        ], last_seq=3)
        yield c


def _same_404(a, b) -> None:
    assert a.status_code == b.status_code == 404
    strip = lambda body: {k: v for k, v in body.items() if k not in ("detail", "instance")}  # noqa: E731 - they name the id asked
    assert strip(a.json()) == strip(b.json())


@pytest.mark.parametrize("path,missing", [
    ("/v1/demands/D1/technologies", "/v1/demands/D404/technologies"),
    ("/v1/technologies/T9/demands", "/v1/technologies/T404/demands"),
])
def test_unpublished_record_is_404_like_a_missing_one(client, path, missing):
    _same_404(client.post(path, json={"k": 3}), client.post(missing, json={"k": 3}))


def test_similar_by_unpublished_id_is_404(client):
    _same_404(client.post("/v1/similar", json={"entity": "technology", "id": "T9"}),
              client.post("/v1/similar", json={"entity": "technology", "id": "T404"}))


def test_owner_route_serves_its_own_draft_when_asked(client):
    resp = client.post("/v1/demands/D1/technologies", params={"include_unpublished": "true"}, json={"k": 3})
    assert resp.status_code == 200, resp.text
    assert [h["id"] for h in resp.json()["items"]] == ["T1"]  # the withdrawn T9 is never a hit
    assert client.post("/v1/technologies/T1/demands", json={"k": 3}).json()["items"] == []  # nor the on_hold D1
