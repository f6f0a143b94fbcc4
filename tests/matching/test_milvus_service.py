"""The matching service running on the Milvus backend (milvus-lite file under its data dir), fed by a real
registry over HTTP: match with read-your-writes and filters, withdraw, then restart after a hard kill (the
snapshot's id map is used if milvus-lite kept every row, else the service rebuilds from the feed) and match again."""
from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.matching.test_integration import SINTER, SLUDGE, VOCS_DEMAND, Platform
from tests.support.servers import TEST_SERVICE_TOKEN, free_port, running

pytest.importorskip("services.registry.app", reason="registry service not available")
pytest.importorskip("milvus_lite")


class MilvusPlatform(Platform):
    def env(self, crash_at: str | None = None) -> dict[str, str]:
        return {**super().env(crash_at), "MATCHING_VECTOR_BACKEND": "milvus",
                "MATCHING_MILVUS_URI": str(self.tmp / "milvus-lite.db"), "MATCHING_MILVUS_COLLECTION": "svc"}


@pytest.fixture(scope="module")
def platform(tmp_path_factory) -> Iterator[MilvusPlatform]:
    tmp = tmp_path_factory.mktemp("matching-milvus")
    env = {"REGISTRY_DATA_DIR": str(tmp / "registry"), "REGISTRY_SERVICE_TOKEN": TEST_SERVICE_TOKEN,
           "REGISTRY_DATABASE_URL": f"sqlite:///{tmp}/registry.db"}
    with running("registry", "services.registry.app:create_app", env, tmp, port=free_port()) as registry:
        p = MilvusPlatform(registry, tmp)
        try:
            yield p
        finally:
            if p.matching:
                p.matching.kill()


def _wait_indexed(matching, seq: int, timeout: float = 120) -> None:
    """The first feed page also loads the encoder's lazy parts: wait for it rather than tune catch_up_wait."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = matching.client().get("/v1/status").json()
        if status["indexed_seq"] >= seq:
            return
        time.sleep(0.5)
    raise AssertionError(f"not indexed after {timeout}s: {status}\n{matching.log()[-3000:]}")


def test_matching_service_on_milvus_over_http(platform: MilvusPlatform):
    p = platform
    matching = p.start_matching()
    sinter = p.create("technologies", SINTER)
    sludge = p.create("technologies", SLUDGE)
    demand = p.create("demands", VOCS_DEMAND)
    head = max(sinter["seq"], sludge["seq"], demand["seq"])

    _wait_indexed(matching, head)
    hits = p.search("钢厂烧结机烟气要脱硫脱硝，达到超低排放", head)
    assert hits[0]["id"] == sinter["id"], hits
    status = matching.client().get("/v1/status").json()
    assert status["counts"]["technology"]["dense"] == "milvus:flat", status
    # a scalar filter evaluated by Milvus: only the Jiangsu record is left
    hits = p.search("污泥干化 烟气脱硝", head, filters={"region": "320000"})
    assert [h["id"] for h in hits] == [sludge["id"]]
    for_demand = matching.client().post(f"/v1/demands/{demand['id']}/technologies", json={"k": 2}).json()
    assert {h["id"] for h in for_demand["items"]} <= {sinter["id"], sludge["id"]}

    resp = p.reg.post(f"/v1/technologies/{sinter['id']}/withdraw")
    assert resp.status_code == 200, resp.text
    gone = resp.json()["seq"]
    assert sinter["id"] not in [h["id"] for h in p.search("烧结烟气脱硫脱硝", gone, k=10)]

    matching.kill()  # SIGKILL: no clean shutdown of milvus-lite either
    matching = p.start_matching()
    _wait_indexed(matching, gone)
    hits = p.search("污水厂污泥含水率高，想干化减量", gone, k=3)
    assert hits[0]["id"] == sludge["id"] and sinter["id"] not in [h["id"] for h in hits]
