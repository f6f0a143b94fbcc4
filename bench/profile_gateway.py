"""Where the gateway spends a proxied read: pyinstrument over N sequential GET /v1/technologies/{id} and
GET /v1/technologies?limit=20 sent in-process (httpx ASGITransport, no client socket) to a gateway whose registry
is a real uvicorn process on loopback. Prints the profile as text (the registry's own time shows as waiting).
Run: .venv/bin/python bench/profile_gateway.py [--requests 300] [--key-cache 5]
     .venv/bin/python bench/profile_gateway.py --cprofile  # CPU time only (cProfile on process_time): on a loaded
     machine a wall-clock sampler also charges the time the process waited to be scheduled to whatever ran next
"""
from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from pyinstrument import Profiler

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support.servers import TEST_SERVICE_TOKEN, running  # noqa: E402


async def drive(app, key: str, paths: list[str], n: int) -> None:  # type: ignore[no-untyped-def]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gw", headers={"Authorization": f"Bearer {key}"}) as c:
        for _ in range(n):
            for path in paths:
                (await c.get(path)).raise_for_status()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--key-cache", type=float, default=5.0)
    parser.add_argument("--show-all", action="store_true", help="library frames too")
    parser.add_argument("--async-mode", default="disabled", choices=["enabled", "disabled"],
                        help="disabled: samples show where the gateway spends CPU (waiting shows as select)")
    parser.add_argument("--cprofile", action="store_true", help="cProfile with a CPU clock instead of pyinstrument")
    parser.add_argument("--case", default="both", choices=["both", "get", "list"], help="which proxied read to profile")
    parser.add_argument("--sort", default="cumulative", help="cProfile sort key (cumulative, tottime)")
    parser.add_argument("--lines", type=int, default=80, help="cProfile rows printed")
    parser.add_argument("--callers", default="", help="cProfile: also print who calls functions matching this regex")
    parser.add_argument("--dump", default="", help="cProfile: also save the stats to this file (pstats format)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        reg_env = {"REGISTRY_DATA_DIR": str(tmp / "reg"), "REGISTRY_SERVICE_TOKEN": TEST_SERVICE_TOKEN}
        with running("registry", "services.registry.app:create_app", reg_env, tmp) as registry:
            os.environ.update({"GATEWAY_DATA_DIR": str(tmp / "gw"), "GATEWAY_SERVICE_TOKEN": TEST_SERVICE_TOKEN,
                               "GATEWAY_RATE_LIMIT": "1000000/minute", "GATEWAY_WORKFLOW_WORKERS": "false",
                               "GATEWAY_REGISTRY_URL": registry.url, "GATEWAY_KEY_CACHE_SECONDS": str(args.key_cache)})
            key = subprocess.run([sys.executable, "-m", "services.gateway", "create-key", "--role", "admin", "--org-id", "org_bench",
                                  "--name", "bench"], cwd=REPO, capture_output=True, text=True, check=True).stdout.strip()
            from services.gateway.app import create_app

            app = create_app()
            row = json.loads((REPO / "services/registry/demo/technologies.jsonl").read_text(encoding="utf-8").splitlines()[0])
            row = {k: v for k, v in row.items() if k not in ("owner_credit_code", "external_ref")}

            paths_holder: list[str] = []

            async def run() -> Profiler:
                # One event loop throughout: the gateway's upstream connection pool belongs to it.
                async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as c:
                    resp = await c.post("/v1/technologies", json=row, headers={"Authorization": f"Bearer {key}"})
                    resp.raise_for_status()
                for _ in range(19):  # 20 records, so the list case returns a full page of 20
                    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as c:
                        (await c.post("/v1/technologies", json=row, headers={"Authorization": f"Bearer {key}"})).raise_for_status()
                paths = {"get": [f"/v1/technologies/{resp.json()['id']}"], "list": ["/v1/technologies?limit=20"]}
                paths_holder[:] = paths["get"] + paths["list"] if args.case == "both" else paths[args.case]
                await drive(app, key, paths_holder, 20)  # warm-up
                if args.cprofile:
                    profiler = cProfile.Profile(time.process_time)
                    cpu = time.process_time()
                    profiler.enable()
                    await drive(app, key, paths_holder, args.requests)
                    profiler.disable()
                    print(f"CPU per request, profiler included: {(time.process_time() - cpu) * 1000 / (len(paths_holder) * args.requests):.2f} ms")
                    return profiler
                profiler = Profiler(async_mode=args.async_mode, interval=0.0005)
                with profiler:
                    await drive(app, key, paths_holder, args.requests)
                return profiler

            profiler = asyncio.run(run())
            if args.cprofile:
                stats = pstats.Stats(profiler).sort_stats(args.sort)
                stats.print_stats(args.lines)
                if args.callers:
                    stats.print_callers(args.callers)
                if args.dump:
                    stats.dump_stats(args.dump)
            else:
                print(profiler.output_text(unicode=False, color=False, show_all=args.show_all))


if __name__ == "__main__":
    main()
