"""Two gateway builds against one registry, in one run: this checkout's and another source tree's (e.g.
`git archive <commit> | tar -x -C /tmp/base`). Requests go direct, through the base gateway and through this
gateway in turn, one of each per round, so all three see the same load on a shared machine; the figure to read is
the median paired difference against the direct call. Prints a markdown table.
Run: .venv/bin/python bench/gateway_ab.py --base-tree /tmp/base [--requests 300]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.gateway_latency import cpu_seconds  # noqa: E402
from tests.support.servers import TEST_SERVICE_TOKEN, free_port, running  # noqa: E402

WARMUP = 30


def start_gateway(tree: Path, env: dict[str, str], log: Path) -> tuple[subprocess.Popen, str, str]:
    """A gateway from source tree `tree` on a free port; returns (process, url, admin key)."""
    full = {**os.environ, "HF_HUB_OFFLINE": "1", **env, "PYTHONPATH": str(tree)}
    key = subprocess.run([sys.executable, "-m", "services.gateway", "create-key", "--role", "admin", "--org-id", "org_bench",
                          "--name", "bench"], env=full, cwd=tree, capture_output=True, text=True, check=True).stdout.strip()
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "--factory", "services.gateway.app:create_app", "--host", "127.0.0.1",
                             "--port", str(port), "--log-level", "warning"], cwd=tree, env=full,
                            stdout=open(log, "ab"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return proc, url, key.splitlines()[-1]
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"gateway from {tree} did not start; see {log}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-tree", type=Path, required=True)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    trees = {"base": args.base_tree.resolve(), "this": REPO}
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        reg_env = {"REGISTRY_DATA_DIR": str(tmp / "reg"), "REGISTRY_SERVICE_TOKEN": TEST_SERVICE_TOKEN}
        with running("registry", "services.registry.app:create_app", reg_env, tmp) as registry:
            gateways = {}
            try:
                for name, tree in trees.items():
                    env = {"GATEWAY_DATA_DIR": str(tmp / name), "GATEWAY_SERVICE_TOKEN": TEST_SERVICE_TOKEN,
                           "GATEWAY_REGISTRY_URL": registry.url, "GATEWAY_RATE_LIMIT": "1000000/minute",
                           "GATEWAY_WORKFLOW_WORKERS": "false", "GATEWAY_KEY_CACHE_SECONDS": "5"}
                    gateways[name] = start_gateway(tree, env, tmp / f"gateway-{name}.log")
                _proc, url, key = gateways["this"]
                rows = [json.loads(line) for line in (REPO / "services/registry/demo/technologies.jsonl")
                        .read_text(encoding="utf-8").splitlines()[:20]]
                ids = []
                with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=30) as gw:
                    for row in rows:
                        row = {k: v for k, v in row.items() if k not in ("owner_credit_code", "external_ref")}
                        ids.append(gw.post("/v1/technologies", json=row).raise_for_status().json()["id"])
                clients = {"direct": registry.client()} | {
                    name: httpx.Client(base_url=u, headers={"Authorization": f"Bearer {k}"}, timeout=30)
                    for name, (_p, u, k) in gateways.items()}
                lines = ["| case | direct p50 | base p50 | this p50 | base added (paired median) | this added (paired median) "
                         "| registry CPU | base CPU | this CPU |",
                         "|---|---|---|---|---|---|---|---|---|"]
                pids = {"registry": registry.process.pid} | {name: proc.pid for name, (proc, _u, _k) in gateways.items()}
                for label, path in (("get one", f"/v1/technologies/{ids[0]}"), ("list 20", "/v1/technologies?limit=20")):
                    times: dict[str, list[float]] = {name: [] for name in clients}
                    for i in range(WARMUP + args.requests):
                        if i == WARMUP:
                            cpu0 = {name: cpu_seconds(pid) for name, pid in pids.items()}
                        for name, client in clients.items():
                            start = time.perf_counter()
                            client.get(path).raise_for_status()
                            if i >= WARMUP:
                                times[name].append((time.perf_counter() - start) * 1000)
                    # CPU ms per request served: the registry serves direct + each gateway's call
                    cpu = {name: (cpu_seconds(pid) - cpu0[name]) * 1000 / (args.requests * (3 if name == "registry" else 1))
                           for name, pid in pids.items()}
                    added = {name: statistics.median(g - d for d, g in zip(times["direct"], times[name])) for name in trees}
                    lines.append(f"| {label} | {statistics.median(times['direct']):.2f} | {statistics.median(times['base']):.2f} | "
                                 f"{statistics.median(times['this']):.2f} | {added['base']:.2f} | {added['this']:.2f} | "
                                 f"{cpu['registry']:.2f} | {cpu['base']:.2f} | {cpu['this']:.2f} |")
                for client in clients.values():
                    client.close()
            finally:
                for proc, _u, _k in gateways.values():
                    proc.terminate()
                    proc.wait(timeout=20)
    load = os.getloadavg()
    print(f"{args.requests} rounds per case after {WARMUP} warm-up rounds; ms; base = {trees['base']}; CPU = CPU time per request "
          f"served by that process (/proc); load average at the end {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
