"""The HTTP API in-process (feed sync off; the index is filled through the same apply path the feed uses)."""
from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from services.matching.app import create_app
from services.matching.settings import MatchingSettings
from tests.matching.events import event

TOKEN = "api-test-token"
PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def client(tmp_path_factory, encoder):
    settings = MatchingSettings(data_dir=tmp_path_factory.mktemp("matching"), service_token=TOKEN, sync_enabled=False,
                                catch_up_wait=0.2)
    app = create_app(settings)
    with TestClient(app, headers={"X-Service-Token": TOKEN}) as c:
        app.state.matching.holder.index.apply([
            event(1, "T1", 1, title="钢铁烧结烟气脱硫脱硝一体化技术", domain="pollution_control", region="330100", trl=8,
                  transfer_modes=["license"], price_min_cny="1500000.00"),
            event(2, "T2", 1, title="家具喷涂VOCs沸石转轮吸附浓缩+RTO治理技术", domain="pollution_control", region="320500",
                  trl=7, transfer_modes=["assignment"], price_min_cny="800000.00"),
            event(3, "T3", 1, title="工商业屋顶分布式光伏发电系统", domain="clean_energy", region="440300", trl=9),
            event(4, "T4", 1, title="钢铁烧结烟气脱硫脱硝一体化技术（改进型）", domain="pollution_control", trl=6),
            event(5, "D1", 1, entity="demand", title="喷漆车间低浓度大风量有机废气治理", domain="pollution_control",
                  region="320500", budget_max_cny="1000000.00", cooperation_modes=["assignment"]),
        ], last_seq=5)
        yield c


def _problem(resp, status: int, field: str | None = None) -> dict:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith(PROBLEM)
    body = resp.json()
    if field:
        assert field in [e["field"] for e in body["errors"]], body
    return body


def test_search_hit_shape(client):
    resp = client.post("/v1/search", json={"query": "我们是家具厂，喷漆车间有机废气浓度低风量大", "k": 2})
    assert resp.status_code == 200
    body = resp.json()
    assert body["indexed_seq"] == 5
    hit = body["items"][0]
    assert hit["id"] == "T2"
    assert set(hit) == {"id", "entity", "title", "domain", "region", "score", "strength", "components", "shared_terms", "fit"}
    assert set(hit["components"]) == {"dense", "lexical", "structured", "dense_z", "terms"}
    assert 0 <= hit["score"] <= 1
    assert hit["strength"] in {"strong", "possible", "weak"} and set(hit["fit"]) == {"matched", "conflicts"}


def test_demand_to_technologies_uses_the_demand_for_fit(client):
    resp = client.post("/v1/demands/D1/technologies", json={"k": 3})
    hit = resp.json()["items"][0]
    assert hit["id"] == "T2"
    assert any(m.startswith("price:") for m in hit["fit"]["matched"])
    assert any(m.startswith("transfer_modes:") for m in hit["fit"]["matched"])
    assert client.post("/v1/technologies/T2/demands", json={}).json()["items"][0]["id"] == "D1"


def test_records_batch_answers_as_the_record_route_for_each_id(client):
    """The feed follower's one call per page: per id the same hits as /v1/technologies/{id}/demands; an id that is not
    indexed is `found: false` instead of failing the batch."""
    resp = client.post("/v1/records/batch", json={"source": "technology", "ids": ["T2", "nope", "T3"], "k": 3, "min_seq": 5})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["indexed_seq"] == 5
    assert [(r["id"], r["found"]) for r in body["results"]] == [("T2", True), ("nope", False), ("T3", True)]
    for result in body["results"]:
        if result["found"]:
            single = client.post(f"/v1/technologies/{result['id']}/demands", json={"k": 3}).json()["items"]
            assert result["items"] == single
    assert body["results"][1]["items"] == []
    demands = client.post("/v1/records/batch", json={"source": "demand", "ids": ["D1"], "k": 2}).json()["results"]
    assert demands[0]["items"] == client.post("/v1/demands/D1/technologies", json={"k": 2}).json()["items"]


def test_records_batch_bad_input_names_the_field(client):
    _problem(client.post("/v1/records/batch", json={"source": "technology", "ids": []}), 422, "body.ids")
    _problem(client.post("/v1/records/batch", json={"source": "technology", "ids": ["T1", ""]}), 422, "body.ids.1")
    _problem(client.post("/v1/records/batch", json={"source": "patent", "ids": ["T1"]}), 422, "body.source")
    lone = client.post("/v1/records/batch", content=b'{"source": "technology", "ids": ["T1", "\\ud800"]}',
                       headers={"Content-Type": "application/json"})
    _problem(lone, 422, "body.ids.1")  # echoing it back in the answer would not encode
    _problem(client.post("/v1/records/batch", json={"source": "technology", "ids": ["T1"], "filters": {"trl_min": 5}}),
             422, "body.filters.trl_min")
    _problem(client.post("/v1/records/batch", json={"source": "technology", "ids": ["T1"], "min_seq": 99}), 409)


def test_filters(client):
    body = {"query": "烟气脱硫脱硝", "k": 10, "filters": {"region": "330000", "trl_min": 7}}
    assert [h["id"] for h in client.post("/v1/search", json=body).json()["items"]] == ["T1"]
    body = {"query": "有机废气治理", "target": "demand", "filters": {"price_max_cny": "2000000"}}
    assert client.post("/v1/search", json=body).json()["items"] == []


def test_similar_finds_near_duplicate_and_leaves_itself_out(client):
    items = client.post("/v1/similar", json={"entity": "technology", "id": "T1", "k": 2}).json()["items"]
    assert items[0]["id"] == "T4" and "T1" not in [h["id"] for h in items]
    items = client.post("/v1/similar", json={"entity": "technology", "text": "屋顶光伏发电系统", "k": 1}).json()["items"]
    assert items[0]["id"] == "T3"


def test_batch(client):
    resp = client.post("/v1/batch", json={"queries": [{"query": "屋顶光伏", "k": 1}, {"query": "烧结脱硝", "k": 1}]})
    assert [r["items"][0]["id"] for r in resp.json()["results"]] == ["T3", "T1"]


def test_status(client, encoder):
    body = client.get("/v1/status").json()
    assert body["indexed_seq"] == 5 and body["model"] == encoder.name
    assert body["counts"]["technology"]["indexed"] == 4 and body["counts"]["demand"]["indexed"] == 1


@pytest.mark.parametrize("payload, field", [
    ({"query": "   "}, "body.query"),
    ({"query": "脱" * 2001}, "body.query"),
    ({"query": "脱硝", "k": 101}, "body.k"),
    ({"query": "脱硝", "k": 0}, "body.k"),
    ({"query": "脱硝", "target": "organization"}, "body.target"),
    ({"query": "脱硝", "filters": {"domain": "space_mining"}}, "body.filters.domain"),
    ({"query": "脱硝", "filters": {"region": "990000"}}, "body.filters.region"),
    ({"query": "脱硝", "filters": {"stage": "mass_market"}}, "body.filters.stage"),
    ({"query": "脱硝", "filters": {"transfer_modes": ["gift"]}}, "body.filters.transfer_modes.0"),
    ({"query": "脱硝", "filters": {"colour": "green"}}, "body.filters.colour"),
    ({"query": "脱硝", "filters": {"price_max_cny": "100"}}, "body.filters.price_max_cny"),
    ({"query": "脱硝", "target": "demand", "filters": {"trl_min": 5}}, "body.filters.trl_min"),
    ({"query": "脱硝", "min_seq": -1}, "body.min_seq"),
])
def test_bad_search_input_is_a_problem_naming_the_field(client, payload, field):
    _problem(client.post("/v1/search", json=payload), 422, field)


def test_query_length_counts_after_normalisation(client):
    assert client.post("/v1/search", json={"query": "脱" * 2000 + " " * 5000}).status_code == 200


def test_huge_body_is_refused_before_parsing(client):
    body = json.dumps({"query": "脱" * 3_500_000}, ensure_ascii=False).encode()  # about 10 MB of UTF-8
    _problem(client.post("/v1/search", content=body, headers={"content-type": "application/json"}), 413)

    def chunks():
        for _ in range(100):
            yield b"x" * 100_000

    _problem(client.post("/v1/search", content=chunks(), headers={"content-type": "application/json"}), 413)


def test_batch_validation_names_the_query(client):
    _problem(client.post("/v1/batch", json={"queries": []}), 422, "body.queries")
    resp = client.post("/v1/batch", json={"queries": [{"query": "脱硝"}, {"query": "脱硝", "target": "demand", "filters": {"stage": "pilot"}}]})
    _problem(resp, 422, "body.queries.1.filters.stage")


def test_similar_needs_exactly_one_of_id_or_text(client):
    _problem(client.post("/v1/similar", json={"entity": "technology"}), 422)
    _problem(client.post("/v1/similar", json={"entity": "technology", "id": "T1", "text": "光伏"}), 422)


def test_unknown_record_is_404(client):
    _problem(client.post("/v1/demands/nope/technologies", json={}), 404)
    _problem(client.post("/v1/similar", json={"entity": "demand", "id": "nope"}), 404)


def test_min_seq_ahead_is_409_with_retry_after(client):
    resp = client.post("/v1/search", json={"query": "脱硝", "min_seq": 99})
    body = _problem(resp, 409)
    assert body["type"].endswith("/not-indexed-yet") and body["indexed_seq"] == 5 and body["min_seq"] == 99
    assert int(resp.headers["retry-after"]) >= 1
    assert client.post("/v1/search", json={"query": "脱硝", "min_seq": 5}).status_code == 200


def test_service_token_required(client):
    _problem(client.post("/v1/search", json={"query": "脱硝"}, headers={"X-Service-Token": "wrong"}), 401)
    anonymous = TestClient(client.app)  # no default token header
    _problem(anonymous.post("/v1/search", json={"query": "脱硝"}), 401)
    _problem(anonymous.get("/v1/status"), 401)
    assert anonymous.get("/healthz").status_code == 200


def test_rebuild_without_sync_is_a_clear_conflict(client):
    _problem(client.post("/v1/admin/rebuild"), 409)


def test_openapi_documents_routes_with_chinese_examples(client):
    spec = client.get("/openapi.json").json()
    for path in ("/v1/search", "/v1/demands/{id}/technologies", "/v1/technologies/{id}/demands", "/v1/similar",
                 "/v1/batch", "/v1/records/batch", "/v1/status", "/v1/admin/rebuild"):
        assert path in spec["paths"], path
    examples = json.dumps(spec["paths"]["/v1/search"]["post"]["requestBody"], ensure_ascii=False)
    assert "喷漆车间" in examples
    assert "409" in spec["paths"]["/v1/search"]["post"]["responses"]
