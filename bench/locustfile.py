"""Mixed traffic against the gateway for bench/load_knee.py (locust, loopback only).

Not run on its own: bench/load_knee.py starts the platform, seeds keys and records, writes them to the JSON file
named by LOAD_CONFIG and runs this file once per step (`locust --headless -u N ...`). Every acknowledged write
(a 2xx that carries an id) is appended as one JSON line to LOAD_ACKS, so the driver can read each one back from
the registry, the matching index and the gateway afterwards.

Each user paces itself to one task per LOAD_PACING seconds (constant_pacing), so the offered rate of a step is
about users / pacing tasks per second; a task is one request, except the broker's engagement + shortlist (two).
"""
from __future__ import annotations

import itertools
import json
import os
import random
from pathlib import Path
from typing import Any

from locust import constant_pacing, task
from locust.contrib.fasthttp import FastHttpUser

CONFIG: dict[str, Any] = json.loads(Path(os.environ["LOAD_CONFIG"]).read_text(encoding="utf-8"))
# Open for the whole locust run (closed when the process exits); line-buffered: one write per ack.
ACKS = open(os.environ["LOAD_ACKS"], "a", encoding="utf-8", buffering=1)  # noqa: SIM115
STEP = os.environ.get("LOAD_STEP", "0")
PACING = float(os.environ.get("LOAD_PACING", "1.0"))
_counter = itertools.count(1)

TECH_TITLES = ["烧结烟气循环流化床脱硫脱硝一体化技术", "喷涂车间VOCs沸石转轮吸附浓缩加RTO治理技术", "空压机余热回收制取生活热水技术",
               "钢渣微粉制备混凝土掺合料技术", "退役动力锂电池湿法冶金回收技术", "分布式光伏与储能一体化微电网技术",
               "畜禽粪污厌氧发酵沼气发电技术", "印染废水臭氧催化氧化深度处理回用技术"]
NEED_TEXTS = ["我们是家具厂，喷漆车间有机废气浓度低风量大，活性炭经常饱和，想找运行成本低的治理办法",
              "钢铁厂烧结机头烟气要做超低排放改造，场地紧张，需要脱硫脱硝除尘一体化方案",
              "印染厂每天3000吨废水，想提标改造并回用60%以上", "养殖场粪污处理压力大，希望做沼气发电和有机肥",
              "工厂空压机和锅炉能耗高，想做余热回收和节能改造", "园区屋顶想装光伏加储能，降低用电成本"]
KEYWORDS = ["脱硫", "VOCs", "余热", "光伏", "储能", "废水", "钢渣", "沼气", "污泥", "热泵"]


def ack(kind: str, record_id: str, **extra: Any) -> None:
    ACKS.write(json.dumps({"kind": kind, "id": record_id, "step": STEP, **extra}, ensure_ascii=False) + "\n")


def _uid() -> str:
    return f"s{STEP}-p{os.getpid()}-{next(_counter)}"


def technology_body(uid: str) -> dict[str, Any]:
    base = dict(random.choice(CONFIG["technology_templates"]))
    base["title"] = f"{base['title'][:80]}（负载测试 {uid}）"
    return base


def demand_body(uid: str) -> dict[str, Any]:
    base = dict(random.choice(CONFIG["demand_templates"]))
    base["title"] = f"{base['title'][:80]}（负载测试 {uid}）"
    return base


class PlatformUser(FastHttpUser):
    """One user does every role's work, picking the key per task (keys are seeded by bench/load_knee.py)."""

    wait_time = constant_pacing(PACING)
    network_timeout = 30.0
    connection_timeout = 10.0

    def _post(self, path: str, key: str, body: Any, name: str, expect: tuple[int, ...] = (200, 201)) -> dict | None:
        with self.client.post(path, json=body, headers={"Authorization": f"Bearer {key}"}, name=name,
                              catch_response=True) as resp:
            if resp.status_code in expect:
                resp.success()
                return resp.json()
            resp.failure(f"{resp.status_code}: {(resp.text or '')[:200]}")
            return None

    def _get(self, path: str, key: str, name: str, params: dict | None = None) -> None:
        with self.client.get(path, params=params, headers={"Authorization": f"Bearer {key}"}, name=name,
                             catch_response=True) as resp:
            if resp.status_code == 200:
                resp.success()
            else:
                resp.failure(f"{resp.status_code}: {(resp.text or '')[:200]}")

    # ---------------------------------------------------------------- record writes (registry through the gateway)
    @task(3)
    def create_technology(self) -> None:
        out = self._post("/v1/technologies", CONFIG["keys"]["seller"], technology_body(_uid()), "POST /v1/technologies", (201,))
        if out and out.get("id"):
            ack("technology", out["id"], status=out.get("status"))

    @task(2)
    def create_demand(self) -> None:
        out = self._post("/v1/demands", CONFIG["keys"]["buyer"], demand_body(_uid()), "POST /v1/demands", (201,))
        if out and out.get("id"):
            ack("demand", out["id"], status=out.get("status"))

    @task(1)
    def platform_bulk_upsert(self) -> None:
        uid = _uid()
        items = [{**technology_body(f"{uid}-{i}"), "owner_org_id": CONFIG["platform_org_id"],
                  "external_ref": {"source": CONFIG["platform_source"], "external_id": f"LOAD-{uid}-{i}"}} for i in range(5)]
        out = self._post("/v1/technologies/bulk-upsert", CONFIG["keys"]["platform"], {"items": items},
                         "POST /v1/technologies/bulk-upsert")
        for item in (out or {}).get("items", []):
            if item.get("id"):
                ack("technology", item["id"], status=item.get("status"), bulk=True)

    # ---------------------------------------------------------------- reads and searches
    @task(3)
    def keyword_search(self) -> None:
        self._get("/v1/technologies", CONFIG["keys"]["broker"], "GET /v1/technologies?q=",
                  {"q": random.choice(KEYWORDS), "limit": 20})

    @task(4)
    def semantic_search(self) -> None:
        self._post("/v1/search", CONFIG["keys"]["buyer"], {"query": random.choice(NEED_TEXTS), "target": "technology", "k": 10},
                   "POST /v1/search")

    @task(2)
    def read_technology(self) -> None:
        self._get(f"/v1/technologies/{random.choice(CONFIG['technology_ids'])}", CONFIG["keys"]["broker"],
                  "GET /v1/technologies/{id}")

    # ---------------------------------------------------------------- broker workspace (gateway)
    @task(1)
    def broker_engagement_and_shortlist(self) -> None:
        broker = CONFIG["keys"]["broker"]
        eng = self._post("/v1/engagements", broker, {"subject_entity": "demand", "subject_id": random.choice(CONFIG["demand_ids"]),
                                                     "note": "负载测试"}, "POST /v1/engagements", (201,))
        if not eng or not eng.get("id"):
            return
        ack("engagement", eng["id"])
        entry = self._post(f"/v1/engagements/{eng['id']}/shortlist", broker,
                           {"candidate_id": random.choice(CONFIG["technology_ids"]), "note": "负载测试候选"},
                           "POST /v1/engagements/{id}/shortlist", (201,))
        if entry and entry.get("id"):
            ack("shortlist", entry["id"], engagement_id=eng["id"])

    @task(1)
    def broker_matches(self) -> None:
        self._post(f"/v1/engagements/{CONFIG['engagement_id']}/matches", CONFIG["keys"]["broker"], {"k": 5},
                   "POST /v1/engagements/{id}/matches")

    # ---------------------------------------------------------------- trading: bids on one English auction
    @task(2)
    def bid(self) -> None:
        """Bids race each other as in a hot auction: each one is a fresh increment above the highest this
        process has sent, so one that arrives after a higher one is refused with 422 on body.amount_cny. That is
        the auction working, counted apart (`bid_outbid`), not an error."""
        auction = CONFIG["auction"]
        amount = auction["starting"] + next(_counter) + int(STEP) * 1_000_000
        key = random.choice(CONFIG["keys"]["bidders"])
        with self.client.post(f"/v1/auctions/{auction['id']}/bids", json={"amount_cny": f"{amount}.00"},
                              headers={"Authorization": f"Bearer {key}"}, name="POST /v1/auctions/{id}/bids",
                              catch_response=True) as resp:
            if resp.status_code in (200, 201):
                resp.success()
                ack("bid", resp.json()["id"], auction_id=auction["id"])
            elif resp.status_code == 422 and _outbid(resp.text):
                resp.success()
                ack("bid_outbid", "", auction_id=auction["id"])
            else:
                resp.failure(f"{resp.status_code}: {(resp.text or '')[:200]}")


def _outbid(text: str | None) -> bool:
    try:
        errors = json.loads(text or "{}").get("errors") or []
    except ValueError:
        return False
    return any(e.get("field") == "body.amount_cny" for e in errors)
