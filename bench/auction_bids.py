"""How many bids per second one auction sustains, and their latency, on SQLite and on PostgreSQL.

Starts a real registry and a real gateway (uvicorn, one worker, on loopback), creates one English auction and
registers BIDDERS bidders; then BIDDERS threads each send BIDS_PER_BIDDER bids as fast as they can, each bid one
increment above the highest amount any thread has sent so far (so bids race each other as in a hot auction:
most are accepted, those that lose the race get a 422). Every bid takes the auction row lock (BEGIN IMMEDIATE on
SQLite, SELECT … FOR UPDATE on PostgreSQL). Prints accepted bids per second and request latency p50/p95/max.

Run: .venv/bin/python bench/auction_bids.py [--database sqlite|postgres|both]
PostgreSQL: GREENTECH_TEST_PG_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test), own schema, dropped after.
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support.servers import TEST_SERVICE_TOKEN, running

BIDDERS = 8
BIDS_PER_BIDDER = 150
PG_URL = os.environ.get("GREENTECH_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _key(gw: httpx.Client, admin: str, role: str, org_id: str) -> str:
    resp = gw.post("/v1/keys", json={"role": role, "org_id": org_id, "name": f"bench {role}"}, headers={"Authorization": f"Bearer {admin}"})
    resp.raise_for_status()
    return resp.json()["key"]


def _admin_key(env: dict[str, str]) -> str:
    import subprocess

    out = subprocess.run([sys.executable, "-m", "services.gateway", "create-key", "--role", "admin", "--org-id", "org_platform_ops",
                          "--name", "bench"], env={**os.environ, **env, "PYTHONPATH": str(REPO)}, cwd=REPO,
                         capture_output=True, text=True, check=True)
    return out.stdout.strip().splitlines()[-1]


def run_once(database_url: str | None, tmp: Path, registry_url: str) -> dict[str, float]:
    env = {"GATEWAY_DATA_DIR": str(tmp), "GATEWAY_SERVICE_TOKEN": TEST_SERVICE_TOKEN, "GATEWAY_REGISTRY_URL": registry_url,
           "GATEWAY_MATCHING_URL": "http://127.0.0.1:9", "GATEWAY_RATE_LIMIT": "1000000/minute", "GATEWAY_WORKFLOW_WORKERS": "false"}
    if database_url:
        env["GATEWAY_DATABASE_URL"] = database_url
    admin = _admin_key(env)
    with running("gateway", "services.gateway.app:create_app", env, tmp) as gateway, gateway.client() as gw:
        org = gw.post("/v1/organizations", json={"name": "基准测试卖方", "type": "enterprise"}, headers={"Authorization": f"Bearer {admin}"})
        org.raise_for_status()
        seller = _key(gw, admin, "enterprise", org.json()["id"])
        tech = json.loads((REPO / "services/registry/demo/technologies.jsonl").read_text(encoding="utf-8").splitlines()[0])
        tech = {k: v for k, v in tech.items() if k not in ("owner_org_id", "external_ref", "owner_credit_code")}
        created = gw.post("/v1/technologies", json=tech, headers={"Authorization": f"Bearer {seller}"})
        created.raise_for_status()
        ends_at = (datetime.now(UTC) + timedelta(days=1)).isoformat()
        auction = gw.post("/v1/auctions", headers={"Authorization": f"Bearer {seller}"}, json={
            "technology_id": created.json()["id"], "reserve_cny": "1000.00", "starting_cny": "1000.00", "increment_cny": "1.00",
            "deposit_cny": "0", "ends_at": ends_at, "anti_snipe_minutes": 0})
        auction.raise_for_status()
        path = f"/v1/auctions/{auction.json()['id']}/bids"
        keys = [_key(gw, admin, "enterprise", f"org_bench_bidder_{i}") for i in range(BIDDERS)]
        for key in keys:
            gw.post(path.replace("/bids", "/bidders"), json={}, headers={"Authorization": f"Bearer {key}"}).raise_for_status()

        counter = itertools.count(1)
        lock = threading.Lock()

        def bidder(key: str) -> list[tuple[float, int]]:
            out = []
            with httpx.Client(base_url=gateway.url, timeout=60, headers={"Authorization": f"Bearer {key}"}) as client:
                for _ in range(BIDS_PER_BIDDER):
                    with lock:
                        amount = 1000 + next(counter)
                    start = time.perf_counter()
                    resp = client.post(path, json={"amount_cny": f"{amount}.00"})
                    out.append(((time.perf_counter() - start) * 1000, resp.status_code))
            return out

        start = time.perf_counter()
        with ThreadPoolExecutor(BIDDERS) as pool:
            results = [r for rs in pool.map(bidder, keys) for r in rs]
        wall = time.perf_counter() - start
        stored = gw.get(path, headers={"Authorization": f"Bearer {seller}"}).json()
    latencies = sorted(ms for ms, _ in results)
    accepted = sum(1 for _, status in results if status == 201)
    unexpected = {status for _, status in results} - {201, 422}
    assert not unexpected, f"unexpected statuses {unexpected}"
    assert accepted == len(stored), (accepted, len(stored))
    return {"requests": len(results), "accepted": accepted, "seconds": wall, "accepted_per_s": accepted / wall,
            "requests_per_s": len(results) / wall, "p50_ms": statistics.median(latencies),
            "p95_ms": statistics.quantiles(latencies, n=100, method="inclusive")[94], "max_ms": latencies[-1]}


def _pg_schema_url() -> tuple[str, str]:
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    import psycopg

    with psycopg.connect(PG_URL.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    return schema, f"{PG_URL}?options=-csearch_path%3D{schema}"


def _drop_schema(schema: str) -> None:
    import psycopg

    with psycopg.connect(PG_URL.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="both")
    args = parser.parse_args()
    rows = {}
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        reg_env = {"REGISTRY_DATA_DIR": str(tmp / "reg"), "REGISTRY_SERVICE_TOKEN": TEST_SERVICE_TOKEN}
        with running("registry", "services.registry.app:create_app", reg_env, tmp) as registry:
            if args.database in ("sqlite", "both"):
                (tmp / "gw_sqlite").mkdir()
                rows["SQLite (WAL)"] = run_once(None, tmp / "gw_sqlite", registry.url)
            if args.database in ("postgres", "both"):
                schema, url = _pg_schema_url()
                try:
                    (tmp / "gw_pg").mkdir()
                    rows["PostgreSQL"] = run_once(url, tmp / "gw_pg", registry.url)
                finally:
                    _drop_schema(schema)
    print(f"One English auction, {BIDDERS} bidder threads × {BIDS_PER_BIDDER} racing bids, gateway via uvicorn (1 worker) on loopback")
    print(f"Machine: {platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} CPU(s)")
    print("| database | bid requests | accepted | accepted bids/s | requests/s | p50 ms | p95 ms | max ms |")
    print("|---|---|---|---|---|---|---|---|")
    for name, r in rows.items():
        print(f"| {name} | {r['requests']} | {r['accepted']} | {r['accepted_per_s']:.0f} | {r['requests_per_s']:.0f} | "
              f"{r['p50_ms']:.1f} | {r['p95_ms']:.1f} | {r['max_ms']:.1f} |")


if __name__ == "__main__":
    main()
