"""Added latency of the gateway over a direct registry call, measured in one run.

Starts a real registry and a real gateway (uvicorn processes on loopback), seeds a few records, then times a fixed
number of GET /v1/technologies/{id} and GET /v1/technologies?limit=20 calls directly against the registry and
through the gateway (auth, rate limit, permission checks, proxying). Writes docs/bench_gateway.md.
Run: .venv/bin/python bench/gateway_latency.py [--requests 300]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support.servers import TEST_SERVICE_TOKEN, running  # noqa: E402

WARMUP = 30


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc; clock ticks of 10 ms)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed_pair(direct: httpx.Client, via: httpx.Client, path: str, n: int, key: str,
               pids: dict[str, int]) -> tuple[list[float], list[float], dict[str, float]]:
    """Direct and gateway requests alternated one by one, so both see the same load on a shared machine.
    Also the CPU time each server process spent per request it served: unlike wall time, it hardly moves
    with the machine's load (the registry serves 2n requests, the gateway n)."""
    headers = {"Authorization": f"Bearer {key}"}
    for _ in range(WARMUP):
        direct.get(path).raise_for_status()
        via.get(path, headers=headers).raise_for_status()
    d, g = [], []
    cpu0 = {name: cpu_seconds(pid) for name, pid in pids.items()}
    for _ in range(n):
        for client, out, h in ((direct, d, {}), (via, g, headers)):
            start = time.perf_counter()
            client.get(path, headers=h).raise_for_status()
            out.append((time.perf_counter() - start) * 1000)
    served = {"registry": 2 * n, "gateway": n}
    cpu = {name: (cpu_seconds(pid) - cpu0[name]) * 1000 / served[name] for name, pid in pids.items()}
    return d, g, cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        reg_env = {"REGISTRY_DATA_DIR": str(tmp / "reg"), "REGISTRY_SERVICE_TOKEN": TEST_SERVICE_TOKEN}
        gw_env = {"GATEWAY_DATA_DIR": str(tmp / "gw"), "GATEWAY_SERVICE_TOKEN": TEST_SERVICE_TOKEN,
                  "GATEWAY_RATE_LIMIT": "1000000/minute", "GATEWAY_WORKFLOW_WORKERS": "false",
                  "GATEWAY_KEY_CACHE_SECONDS": os.environ.get("GATEWAY_KEY_CACHE_SECONDS", "5")}  # as deployed (deploy/k8s)
        with running("registry", "services.registry.app:create_app", reg_env, tmp) as registry:
            gw_env["GATEWAY_REGISTRY_URL"] = registry.url
            key = subprocess.run([sys.executable, "-m", "services.gateway", "create-key", "--role", "admin", "--org-id", "org_bench",
                                  "--name", "bench"], env={**os.environ, **gw_env}, cwd=REPO, capture_output=True, text=True, check=True).stdout.strip()
            with running("gateway", "services.gateway.app:create_app", gw_env, tmp) as gateway:
                demo = [json.loads(line) for line in (REPO / "services/registry/demo/technologies.jsonl").read_text(encoding="utf-8").splitlines()[:20]]
                ids = []
                with gateway.client() as gw:
                    for row in demo:
                        row = {k: v for k, v in row.items() if k not in ("owner_credit_code", "external_ref")}
                        resp = gw.post("/v1/technologies", json=row, headers={"Authorization": f"Bearer {key}"})
                        resp.raise_for_status()
                        ids.append(resp.json()["id"])
                results = {}
                with registry.client() as direct, gateway.client() as via:
                    for label, path in (("get one", f"/v1/technologies/{ids[0]}"), ("list 20", "/v1/technologies?limit=20")):
                        pids = {"registry": registry.process.pid, "gateway": gateway.process.pid}
                        d, g, cpu = timed_pair(direct, via, path, args.requests, key, pids)
                        results[label] = {
                            "direct_p50": percentile(d, 50), "direct_p95": percentile(d, 95),
                            "gateway_p50": percentile(g, 50), "gateway_p95": percentile(g, 95),
                            "paired_added_p50": statistics.median(b - a for a, b in zip(d, g)),
                            "registry_cpu": cpu["registry"], "gateway_cpu": cpu["gateway"],
                        }
    load = os.getloadavg()
    lines = [
        "# Gateway added latency", "",
        "`bench/gateway_latency.py`: a real registry and a real gateway (uvicorn, one worker each, SQLite WAL) on loopback;",
        f"{args.requests} sequential requests per case after {WARMUP} warm-up requests, direct and gateway alternated one by one;",
        "times in milliseconds, measured in one run; `paired added p50` is the median of (gateway - direct) over the pairs.",
        "Through the gateway each call also authenticates the key (DB lookup, or the key cache: GATEWAY_KEY_CACHE_SECONDS,",
        f"here {os.environ.get('GATEWAY_KEY_CACHE_SECONDS', '5')}), counts the rate limit (in-process) and",
        "checks the permission matrix (and for `get one` the published-only rule on the fetched record).", "",
        f"Machine: {platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} CPU(s) (shared with other work; "
        f"load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} at the end of the run).",
        "`registry CPU` and `gateway CPU`: CPU time (user + system, from /proc) each server process spent per request it",
        "served during the timed requests; the gateway's is the work it adds, whatever the machine's load does to wall time.", "",
        "| case | direct p50 | direct p95 | gateway p50 | gateway p95 | p50 ratio | p95 ratio | added p50 | paired added p50 | registry CPU | gateway CPU |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for label, r in results.items():
        lines.append(f"| {label} | {r['direct_p50']:.2f} | {r['direct_p95']:.2f} | {r['gateway_p50']:.2f} | {r['gateway_p95']:.2f} | "
                     f"{r['gateway_p50'] / r['direct_p50']:.2f} | {r['gateway_p95'] / r['direct_p95']:.2f} | {r['gateway_p50'] - r['direct_p50']:.2f} | "
                     f"{r['paired_added_p50']:.2f} | {r['registry_cpu']:.2f} | {r['gateway_cpu']:.2f} |")
    out = REPO / "docs/bench_gateway.md"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
