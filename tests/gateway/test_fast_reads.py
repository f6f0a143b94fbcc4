"""The fast read path (services/gateway/public/fast_reads.py) answers exactly as FastAPI's routes do.

Two gateways on one database (same keys) against one real registry: one with the fast path (the default), one
with GATEWAY_FAST_READS=false. Every request below goes to both, from the owner's and from other tenants'
side, valid and invalid, and the answers must be the same: status, media type, body, the headers a client reads.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from services.gateway.auth.roles import Role
from services.gateway.metrics import FAST_READS
from services.gateway.public.fast_reads import FAST_ROUTES, FastReadTable
from tests.gateway.conftest import auth, demo_technology, issue_key, make_gateway

TAKEN: list[tuple[str, dict[str, str], tuple[float, float]]] = []  # (path, headers, (answered, handed over)) per request
COMPARED_HEADERS = ("content-type", "www-authenticate", "retry-after", "x-feed-seq", "etag")


@pytest.fixture(scope="module")
def pair(registry_service, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("gw")
    common = {"registry_url": registry_service.url, "upstream_timeout": 10.0}
    with make_gateway(tmp, **common) as fast, make_gateway(tmp, fast_reads=False, **common) as slow:
        admin = issue_key(fast, Role.admin, "org_ops")
        orgs = {name: fast.post("/v1/organizations", json={"name": label, "type": "enterprise"}, headers=auth(admin)).json()["id"]
                for name, label in (("A", "杭州绿源环保科技有限公司"), ("B", "苏州清流水处理有限公司"))}
        keys = {"admin": admin, "A": issue_key(fast, Role.enterprise, orgs["A"]), "B": issue_key(fast, Role.enterprise, orgs["B"]),
                "broker": issue_key(fast, Role.broker, "org_broker_x")}
        published = fast.post("/v1/technologies", json=demo_technology("膜生物反应器污水深度处理技术"), headers=auth(keys["B"])).json()
        held = fast.post("/v1/demands", json={"title": "废水处理", "description": "要处理"}, headers=auth(keys["B"])).json()
        need = fast.post("/v1/demands", json={"title": "印染废水深度处理回用", "region": "330600",
                                              "description": "我们是印染厂，每天3000吨废水，COD老是超标，想提标改造并回用60%以上"},
                         headers=auth(keys["A"])).json()
        assert published["status"] == "published" and held["status"] != "published" and need["status"] == "published"
        yield fast, slow, keys, orgs, {"tech": published["id"], "held": held["id"], "need": need["id"]}


def _fast_count(outcome: str) -> float:
    return sum(sample.value for metric in FAST_READS.collect() for sample in metric.samples
               if sample.name.endswith("_total") and sample.labels["outcome"] == outcome)


def _same(fast: TestClient, slow: TestClient, path: str, headers: dict[str, str]) -> tuple[int, object]:
    """Same answer from both; and the fast gateway answered it itself unless it had to hand it to FastAPI."""
    before = _fast_count("answered"), _fast_count("handed_over")
    a = fast.get(path, headers=headers)
    taken = (_fast_count("answered") - before[0], _fast_count("handed_over") - before[1])
    b = slow.get(path, headers=headers)
    TAKEN.append((path, headers, taken))
    assert (a.status_code, b.status_code) == (b.status_code, b.status_code), (path, a.text, b.text)
    for name in COMPARED_HEADERS:
        assert a.headers.get(name) == b.headers.get(name), (path, name)
    assert a.headers.get("x-request-id") and b.headers.get("x-request-id")
    body_a = a.json() if a.content else None
    assert body_a == (b.json() if b.content else None), (path, a.text, b.text)
    return a.status_code, body_a


def test_every_listed_route_is_answered_by_the_fast_path(pair) -> None:
    fast, _slow, _keys, _orgs, ids = pair
    table = FastReadTable(fast.app)
    assert sorted(p.route.name for p in table.by_group.values()) == sorted(FAST_ROUTES)
    for path in (f"/v1/technologies/{ids['tech']}", f"/v1/demands/{ids['need']}", "/v1/technologies", "/v1/demands"):
        assert table.plan(path) is not None, path
    # paths another route owns, or no route: FastAPI's
    for path in ("/v1/technologies/export", "/v1/demands/export", f"/v1/demands/{ids['need']}/technologies",
                 "/v1/technologies/", "/v1/organizations", "/healthz"):
        assert table.plan(path) is None, path


@pytest.mark.parametrize("who", ["admin", "A", "B", "broker"])
def test_reads_of_one_record_answer_the_same(pair, who: str) -> None:
    fast, slow, keys, _orgs, ids = pair
    h = auth(keys[who])
    status, body = _same(fast, slow, f"/v1/technologies/{ids['tech']}", h)
    assert status == 200 and body["id"] == ids["tech"] and TAKEN[-1][2] == (1, 0)  # answered by the fast path
    status, body = _same(fast, slow, f"/v1/demands/{ids['held']}", h)  # B's record on hold
    assert status == (200 if who in ("admin", "B") else 404)
    for path in ("/v1/technologies/tec_" + "0" * 20, "/v1/technologies/not-an-id", "/v1/demands/tec_mixed",
                 f"/v1/technologies/{ids['need']}", "/v1/technologies/%E5%BA%9F%E6%B0%B4"):
        status, body = _same(fast, slow, path, h)
        assert status == 404 and body["type"].endswith("not-found")
        assert TAKEN[-1][2] == (1, 0), path  # our own 404, on the fast path too


VALID = ["", "?limit=1", "?limit=100", "?domain=pollution_control&limit=5", "?q=%E5%BA%9F%E6%B0%B4", "?status=published",
         "?status=on_hold", "?stage=pilot&trl_min=3", "?updated_since=2020-01-01T00:00:00Z", "?region=330000&unknown=1"]
INVALID = ["?limit=0", "?limit=abc", "?trl_min=12", "?status=nonsense", "?q=" + "x" * 201, "?updated_since=yesterday"]
REPEATED = ["?limit=2&limit=3", "?domain=a&domain=pollution_control"]


@pytest.mark.parametrize("query", VALID + INVALID + REPEATED)
@pytest.mark.parametrize("who", ["admin", "B", "broker"])
def test_lists_answer_the_same(pair, query: str, who: str) -> None:
    """Valid lists are answered by the fast path; invalid and repeated parameters are handed to FastAPI (its 422,
    its reading of a repeated parameter) and still answer the same."""
    fast, slow, keys, orgs, _ids = pair
    for collection in ("/v1/technologies", "/v1/demands"):
        status, _ = _same(fast, slow, collection + query, auth(keys[who]))
        assert TAKEN[-1][2] == ((1, 0) if query in VALID else (0, 1)), query
        if query in INVALID:
            assert status == 422
        elif query != "?status=on_hold" or who == "admin":
            assert status == 200
    own = f"{'&' if query else '?'}owner_org_id={orgs['B']}"
    _same(fast, slow, "/v1/demands" + query + own, auth(keys[who]))


@pytest.mark.parametrize("headers", [
    {}, {"Authorization": "Bearer gtk_not_a_key"}, {"Authorization": "Basic abc"}, {"X-API-Key": "gtk_wrong"},
    {"Authorization": "Bearer "},
])
def test_missing_or_wrong_keys_answer_the_same(pair, headers: dict[str, str]) -> None:
    fast, slow, _keys, _orgs, ids = pair
    has_key = headers.get("X-API-Key") or headers.get("Authorization", "").startswith("Bearer gtk")
    for path in (f"/v1/technologies/{ids['tech']}", "/v1/technologies?limit=2", "/v1/technologies?limit=0"):
        status, _body = _same(fast, slow, path, headers)
        assert status in (401, 422)
        # a key to check: the fast path's 401 (same words); no key at all: FastAPI's
        assert TAKEN[-1][2] == ((1, 0) if has_key and "limit=0" not in path else (0, 1)), (path, headers)


def test_api_key_header_works_on_the_fast_path(pair) -> None:
    fast, slow, keys, _orgs, ids = pair
    status, _ = _same(fast, slow, f"/v1/technologies/{ids['tech']}", {"X-API-Key": keys["A"]})
    assert status == 200


def test_each_request_counts_once_against_the_rate_limit(registry_service, tmp_path: Path) -> None:
    """A fast-path request that is handed to FastAPI (invalid parameter) must not be counted twice."""
    statuses = {}
    for mode in (True, False):
        with make_gateway(tmp_path / str(mode), registry_url=registry_service.url, rate_limit="4/minute", fast_reads=mode) as gw:
            key = issue_key(gw, Role.admin, "org_ops")
            paths = ["/v1/technologies?limit=0", "/v1/technologies?limit=1", "/v1/technologies/tec_" + "0" * 20,
                     "/v1/demands", "/v1/demands", "/v1/technologies"]
            statuses[mode] = [gw.get(p, headers=auth(key)).status_code for p in paths]
            limited = gw.get("/v1/demands", headers=auth(key))
            assert limited.headers["content-type"].startswith("application/problem+json")
    assert statuses[True] == statuses[False] == [422, 200, 404, 200, 429, 429]


def test_metrics_and_request_ids_see_fast_path_requests(pair) -> None:
    fast, _slow, keys, _orgs, ids = pair
    resp = fast.get(f"/v1/technologies/{ids['tech']}", headers={**auth(keys["A"]), "X-Request-ID": "req-fast-1"})
    assert resp.status_code == 200 and resp.headers["x-request-id"] == "req-fast-1"
    metrics = fast.get("/metrics").text
    assert 'route="/v1/technologies/{record_id}"' in metrics and 'route="/v1/technologies"' in metrics


def test_a_route_it_cannot_mirror_leaves_reads_to_fastapi(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog) -> None:
    """If FastReadTable cannot be built (a listed route missing, or a FastAPI whose internals differ), the gateway
    still starts and answers through FastAPI: nothing is served by a path that does not mirror FastAPI's."""
    from services.gateway.public import fast_reads

    monkeypatch.setattr(fast_reads, "FAST_ROUTES", ("get_technology", "no_such_route"))
    monkeypatch.setattr(fast_reads.FastReadTable.__init__, "__defaults__", (fast_reads.FAST_ROUTES,))
    with caplog.at_level("WARNING"), make_gateway(tmp_path) as gw:
        assert not any(m.cls is fast_reads.FastReads for m in gw.app.user_middleware)
        key = issue_key(gw, Role.admin, "org_ops")
        assert gw.get("/v1/technologies?limit=0", headers=auth(key)).status_code == 422
    assert "fast reads off" in caplog.text and "no_such_route" in caplog.text
