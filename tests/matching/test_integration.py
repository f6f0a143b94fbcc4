"""Issue #3 end to end: registry and matching running for real on loopback ports, talking HTTP.

Create records in the registry, query matching with min_seq (read your writes), update and withdraw, crash
matching between applying changes and saving its snapshot (and again between writing a snapshot and switching
to it), restart: nothing lost, nothing applied twice. Then a full rebuild gives the same answers.
"""
from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.matching import snapshot
from services.matching.faults import AFTER_APPLY, BEFORE_SNAPSHOT_COMMIT
from tests.support.servers import TEST_SERVICE_TOKEN, RunningService, free_port, running, start_service

pytest.importorskip("services.registry.app", reason="registry service not available")

SINTER = {
    "title": "钢铁烧结烟气循环流化床脱硫与SCR脱硝一体化技术",
    "summary": "烧结烟气半干法脱硫耦合中低温SCR脱硝，改造后满足钢铁行业超低排放要求",
    "description": "针对钢铁烧结机头烟气二氧化硫、氮氧化物浓度波动大的特点，采用循环流化床半干法脱硫耦合中低温SCR脱硝，"
                   "脱硫效率≥98%，脱硝效率≥85%，颗粒物低于10mg/m³。",
    "domain": "pollution_control", "subdomain": "air_pollution", "keywords": ["脱硫", "脱硝", "超低排放"],
    "trl": 8, "stage": "industrialization", "transfer_modes": ["license"], "price_min_cny": "1500000.00",
    "region": "330100",
}
SLUDGE = {
    "title": "污水处理厂污泥低温带式干化技术",
    "summary": "利用热泵低温余热将脱水污泥含水率从80%降到30%以下，大幅减少污泥外运处置量",
    "description": "低温带式干化机配合热泵除湿，干化温度低于80℃，无粉尘爆炸风险，臭气集中收集处理。",
    "domain": "pollution_control", "subdomain": "solid_waste", "keywords": ["污泥干化", "热泵"],
    "trl": 8, "stage": "industrialization", "transfer_modes": ["assignment", "license"], "price_min_cny": "600000.00",
    "region": "320500",
}
VOCS_UPDATE = {
    "title": "家具喷涂VOCs沸石转轮吸附浓缩+RTO蓄热燃烧治理技术",
    "summary": "沸石转轮把大风量低浓度有机废气浓缩十倍以上，再进RTO焚烧，VOCs去除率≥95%",
    "description": "适用于家具、汽车零部件喷涂车间低浓度大风量有机废气治理，运行成本低，满足地方排放标准。",
    "keywords": ["VOCs", "沸石转轮", "RTO"],
}
VOCS_DEMAND = {
    "title": "家具厂喷漆车间有机废气治理",
    "description": "我们是家具厂，喷漆车间排出的有机废气风量大、浓度低，环保检查不达标，需要经济可行的治理方案。",
    "domain": "pollution_control", "region": "320500", "budget_max_cny": "1000000.00",
    "cooperation_modes": ["assignment"],
}
AIR_COMPRESSOR = {
    "title": "空压站群控与管网泄漏检测节能改造技术",
    "summary": "空压机群控按用气量自动加卸载，超声波检测管网泄漏，综合节电20%以上",
    "description": "适用于二十四小时运行的工厂空压站，改造后降低空压机电耗和管道漏气损失。",
    "core_process": "按用气量预测自动加卸载各台空压机，超声波巡检定位管网漏点并闭环修复",
    "key_parameters": "综合节电率≥20%，压力波动≤0.02MPa",
    "domain": "energy_saving", "subdomain": "industrial_energy_saving", "keywords": ["空压机", "节电"],
    "trl": 9, "stage": "industrialization", "transfer_modes": ["technical_service"], "region": "330200",
}


class Platform:
    def __init__(self, registry: RunningService, tmp: Path) -> None:
        self.registry = registry
        self.reg = registry.client()
        self.tmp = tmp
        self.data_dir = tmp / "matching-data"
        self.matching: RunningService | None = None
        self.port = free_port()

    def env(self, crash_at: str | None = None) -> dict[str, str]:
        env = {"MATCHING_DATA_DIR": str(self.data_dir), "MATCHING_SERVICE_TOKEN": TEST_SERVICE_TOKEN,
               "MATCHING_REGISTRY_URL": self.registry.url, "MATCHING_POLL_INTERVAL": "0.2",
               "MATCHING_SNAPSHOT_MIN_INTERVAL": "0", "MATCHING_CATCH_UP_WAIT": "20"}  # bounded wait: encoding is slow on a loaded machine
        if crash_at:
            env["MATCHING_TEST_CRASH_POINT"] = crash_at
        return env

    def start_matching(self) -> RunningService:
        self.matching = start_service("matching", "services.matching.app:create_app", self.env(), self.tmp,
                                      port=self.port, timeout=300)
        return self.matching

    def run_until_crash(self, crash_at: str) -> None:
        """Start matching with a crash point; it must die there (exit 97) once it has synced something."""
        try:
            svc = start_service("matching", "services.matching.app:create_app", self.env(crash_at), self.tmp,
                                port=self.port, timeout=300)
        except RuntimeError as exc:  # died before /healthz answered
            assert "exited with 97" in str(exc), str(exc)[-3000:]
            return
        assert svc.process.wait(timeout=120) == 97, svc.log()[-3000:]

    def create(self, kind: str, body: dict) -> dict:
        resp = self.reg.post(f"/v1/{kind}", json=body)
        assert resp.status_code == 201, resp.text
        record = resp.json()
        assert record["status"] == "published", record
        return record

    def patch(self, kind: str, record: dict, changes: dict) -> dict:
        resp = self.reg.patch(f"/v1/{kind}/{record['id']}", json={"version": record["version"], **changes})
        assert resp.status_code == 200, resp.text
        return resp.json()

    def search(self, query: str, min_seq: int, **kw) -> list[dict]:
        resp = self.matching.client().post("/v1/search", json={"query": query, "min_seq": min_seq, **kw})
        assert resp.status_code == 200, resp.text
        return resp.json()["items"]


@pytest.fixture(scope="module")
def platform(tmp_path_factory) -> Iterator[Platform]:
    tmp = tmp_path_factory.mktemp("matching-int")
    env = {"REGISTRY_DATA_DIR": str(tmp / "registry"), "REGISTRY_SERVICE_TOKEN": TEST_SERVICE_TOKEN,
           "REGISTRY_DATABASE_URL": f"sqlite:///{tmp}/registry.db"}
    with running("registry", "services.registry.app:create_app", env, tmp, port=free_port()) as registry:
        p = Platform(registry, tmp)
        try:
            yield p
        finally:
            if p.matching:
                p.matching.kill()


def test_read_your_writes_update_withdraw_crash_and_rebuild(platform: Platform):
    p = platform
    matching = p.start_matching()
    sinter = p.create("technologies", SINTER)
    sludge = p.create("technologies", SLUDGE)
    demand = p.create("demands", VOCS_DEMAND)

    # 1. read your write: min_seq makes matching catch up before answering
    hits = p.search("钢厂烧结机烟气要脱硫脱硝，达到超低排放", sinter["seq"] if sinter["seq"] > demand["seq"] else demand["seq"])
    assert hits[0]["id"] == sinter["id"] and hits[0]["strength"] in {"strong", "possible"}
    ahead = matching.client().post("/v1/search", json={"query": "脱硝", "min_seq": demand["seq"] + 1000})
    assert ahead.status_code == 409 and ahead.json()["indexed_seq"] >= demand["seq"] and "retry-after" in ahead.headers

    # 2. an update changes what matches
    sludge = p.patch("technologies", sludge, VOCS_UPDATE)
    hits = p.search("喷漆车间有机废气浓度低风量大", sludge["seq"], k=2)
    assert hits[0]["id"] == sludge["id"] and "沸石转轮" in hits[0]["title"]
    for_demand = matching.client().post(f"/v1/demands/{demand['id']}/technologies", json={"k": 2, "min_seq": sludge["seq"]}).json()
    assert for_demand["items"][0]["id"] == sludge["id"]
    assert any(m.startswith("transfer_modes:") for m in for_demand["items"][0]["fit"]["matched"])

    # 3. a withdrawal takes the record out
    resp = p.reg.post(f"/v1/technologies/{sinter['id']}/withdraw")
    assert resp.status_code == 200, resp.text
    gone = resp.json()["seq"]
    assert sinter["id"] not in [h["id"] for h in p.search("烧结烟气脱硫脱硝", gone, k=10)]

    # 4. crash after applying changes, before the snapshot with the cursor is saved
    saved = _wait_snapshot_at(p.data_dir, gone)
    matching.kill()  # SIGKILL
    sludge = p.patch("technologies", sludge, {"keywords": ["VOCs", "沸石转轮", "RTO", "喷涂废气"]})
    compressor = p.create("technologies", AIR_COMPRESSOR)
    p.run_until_crash(AFTER_APPLY)
    assert _snapshot_cursor(p.data_dir) == saved  # the crashed run saved nothing
    matching = p.start_matching()
    hits = p.search("车间空压机二十四小时开着，电费高，管道漏气", compressor["seq"], k=3)
    assert hits[0]["id"] == compressor["id"]
    _assert_consistent_with_registry(p, matching)

    # 5. crash after writing a snapshot but before switching to it
    saved = _wait_snapshot_at(p.data_dir, compressor["seq"])
    matching.kill()
    compressor = p.patch("technologies", compressor, {"title": "空压站群控、余热回收与管网泄漏检测节能改造技术"})
    p.run_until_crash(BEFORE_SNAPSHOT_COMMIT)
    assert _snapshot_cursor(p.data_dir) == saved  # written but never switched to
    matching = p.start_matching()
    hits = p.search("空压机余热回收", compressor["seq"], k=1)
    assert hits[0]["id"] == compressor["id"] and "余热回收" in hits[0]["title"]
    _assert_consistent_with_registry(p, matching)

    # 6. full rebuild from the feed gives the same answers
    before = p.search("喷漆车间有机废气治理", compressor["seq"], k=3)
    assert matching.client().post("/v1/admin/rebuild").status_code == 202
    deadline = time.monotonic() + 120
    while matching.client().get("/v1/status").json()["rebuilding"] and time.monotonic() < deadline:
        time.sleep(0.2)
    after = p.search("喷漆车间有机废气治理", compressor["seq"], k=3)
    assert [h["id"] for h in after] == [h["id"] for h in before]
    _assert_consistent_with_registry(p, matching)


def test_cli_rebuild_writes_a_snapshot_matching_the_registry(platform: Platform, tmp_path, monkeypatch, encoder):
    """`python -m services.matching rebuild` (run in-process here: the model is already loaded)."""
    from typer.testing import CliRunner

    from services.matching.__main__ import cli
    from services.matching.indexer import MatchIndex

    monkeypatch.setenv("MATCHING_SERVICE_TOKEN", TEST_SERVICE_TOKEN)
    out = CliRunner().invoke(cli, ["rebuild", "--registry-url", platform.registry.url, "--data-dir", str(tmp_path)])
    assert out.exit_code == 0, out.output
    head = platform.reg.get("/v1/changes", params={"after": 0, "limit": 1}).json()["head_seq"]
    index = MatchIndex(encoder)
    assert snapshot.load(index, tmp_path) and index.cursor == head
    published = platform.reg.get("/v1/technologies", params={"status": "published", "limit": 200}).json()["items"]
    assert set(index["technology"].docs) == {r["id"] for r in published}


def _snapshot_cursor(data_dir: Path) -> int | None:
    path = snapshot.current_path(data_dir)
    return None if path is None else json.loads((path / "meta.json").read_text())["cursor"]


def _wait_snapshot_at(data_dir: Path, seq: int, timeout: float = 30) -> int:
    deadline = time.monotonic() + timeout
    while (_snapshot_cursor(data_dir) or 0) < seq:
        assert time.monotonic() < deadline, f"no snapshot at seq {seq}"
        time.sleep(0.1)
    return _snapshot_cursor(data_dir)


def _assert_consistent_with_registry(p: Platform, matching: RunningService) -> None:
    """Every published registry record is indexed exactly once, at its current version, and nothing else is."""
    status = matching.client().get("/v1/status").json()
    for kind, entity in (("technologies", "technology"), ("demands", "demand")):
        listed = p.reg.get(f"/v1/{kind}", params={"status": "published", "limit": 200}).json()["items"]
        assert status["counts"][entity]["indexed"] == len(listed), status
        for record in listed:
            similar = matching.client().post("/v1/similar", json={"entity": entity, "text": record["title"], "k": 50}).json()
            ids = [h["id"] for h in similar["items"]]
            assert ids.count(record["id"]) == 1
    head = p.reg.get("/v1/changes", params={"after": 0, "limit": 1}).json()["head_seq"]
    assert status["indexed_seq"] <= head
