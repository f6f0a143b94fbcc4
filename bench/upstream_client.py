"""CPU per upstream call of the gateway's service client: httpx vs the lean HTTP/1.1 pool (shared/http1.py) vs aiohttp.

A real registry (uvicorn on loopback) with 20 records; one client process alternates blocks of requests through
`ServiceClient` with httpx.AsyncClient (httpcore/anyio/h11), with Http1Pool, and with aiohttp (one
aiohttp.ClientSession on a TCPConnector keep-alive pool, same requests and an httpx.Response
handed back; bench/aiohttp_pool.py), plus bare aiohttp (session.get + read, no httpx.Response: the floor of that library), and reports
this process's CPU time per call (the registry's time is not counted), for GET one record and GET a page of 20.
Run: .venv/bin/python bench/upstream_client.py [--requests 500]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.aiohttp_pool import AioPool
from shared.http import ServiceClient
from tests.support.servers import TEST_SERVICE_TOKEN, running


async def measure(client: ServiceClient, path: str, params: dict | None, n: int) -> float:
    for _ in range(20):
        (await client.get(path, params=params, headers={"X-Actor": "admin:bench", "X-Actor-Org": "org_bench"}, request_id="r")).raise_for_status()
    cpu = time.process_time()
    for _ in range(n):
        resp = await client.get(path, params=params, headers={"X-Actor": "admin:bench", "X-Actor-Org": "org_bench"}, request_id="r")
        _ = resp.content
    return (time.process_time() - cpu) * 1000 / n


async def measure_bare(session, url: str, params: dict | None, n: int) -> float:
    headers = {"X-Actor": "admin:bench", "X-Actor-Org": "org_bench", "X-Request-ID": "r", "X-Service-Token": TEST_SERVICE_TOKEN}
    for _ in range(20):
        async with session.get(url, params=params, headers=headers) as resp:
            resp.raise_for_status()
            await resp.read()
    cpu = time.process_time()
    for _ in range(n):
        async with session.get(url, params=params, headers=headers) as resp:
            await resp.read()
    return (time.process_time() - cpu) * 1000 / n


async def run(url: str, ids: list[str], n: int) -> dict[str, dict[str, float]]:
    lean = ServiceClient(url, TEST_SERVICE_TOKEN)
    plain = ServiceClient(url, TEST_SERVICE_TOKEN)
    plain._fast = None  # the httpx path, as before shared/http1.py
    aio = ServiceClient(url, TEST_SERVICE_TOKEN)
    aio._fast = AioPool(url, {"X-Service-Token": TEST_SERVICE_TOKEN}, aio._client.timeout)
    import aiohttp
    bare = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=100, keepalive_timeout=5.0))
    bare_params = {"status": "published", "limit": "20"}
    cases = {"get one": (f"/v1/technologies/{ids[0]}", None), "list 20": ("/v1/technologies", {"status": "published", "limit": 20})}
    out: dict[str, dict[str, list[float]]] = {case: {"httpx": [], "lean": [], "aiohttp": [], "bare": []} for case in cases}
    for _round in range(3):  # alternate, so both see the same machine load
        for case, (path, params) in cases.items():
            out[case]["httpx"].append(await measure(plain, path, params, n // 3))
            out[case]["lean"].append(await measure(lean, path, params, n // 3))
            out[case]["aiohttp"].append(await measure(aio, path, params, n // 3))
            out[case]["bare"].append(await measure_bare(bare, url + path, bare_params if params else None, n // 3))
    await bare.close()
    await aio.aclose()
    await lean.aclose()
    await plain.aclose()
    return {case: {k: sorted(v)[1] for k, v in d.items()} for case, d in out.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=600)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        env = {"REGISTRY_DATA_DIR": str(tmp / "reg"), "REGISTRY_SERVICE_TOKEN": TEST_SERVICE_TOKEN}
        with running("registry", "services.registry.app:create_app", env, tmp) as registry:
            demo = [json.loads(line) for line in (REPO / "services/registry/demo/technologies.jsonl").read_text(encoding="utf-8").splitlines()[:20]]
            ids = []
            with registry.client() as c:
                for row in demo:
                    row = {k: v for k, v in row.items() if k not in ("owner_credit_code", "external_ref")}
                    resp = c.post("/v1/technologies", json=row, headers={"X-Actor": "admin:bench", "X-Actor-Org": "org_bench"})
                    resp.raise_for_status()
                    ids.append(resp.json()["id"])
            try:
                import uvloop
                result = uvloop.run(run(registry.url, ids, args.requests))
            except ImportError:
                result = asyncio.run(run(registry.url, ids, args.requests))
    print("| call | httpx.AsyncClient CPU/call | Http1Pool CPU/call | aiohttp (AioPool) CPU/call | bare aiohttp CPU/call | aiohttp / Http1Pool |")
    print("|---|---|---|---|---|---|")
    for case, r in result.items():
        print(f"| {case} | {r['httpx']:.3f} ms | {r['lean']:.3f} ms | {r['aiohttp']:.3f} ms | {r['bare']:.3f} ms | {r['aiohttp'] / r['lean']:.2f}x |")


if __name__ == "__main__":
    main()
