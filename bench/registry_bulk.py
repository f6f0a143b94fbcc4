"""Registry benchmarks: bulk import, idempotent re-send and list/filter latency on SQLite and PostgreSQL.

For each backend and size (default 10k and 100k technologies, seed 20240601, see bench/registry_data.py):
1. a fresh database (SQLite WAL file in a temp dir, or a fresh PostgreSQL schema dropped afterwards), migrated;
2. bulk import through the registry's own service layer, in-process: `listings.service.bulk_upsert` inside
   `uow.unit_of_work(database)`, one transaction per batch (default 500), screening inline as in the app;
3. the same batches re-sent (every item must come back `unchanged`, and the feed must not grow);
4. a real registry (uvicorn, one worker, on a loopback port) over that database, and a fixed number of sequential
   GET requests per list/filter case after warm-up; p50/p95/p99 in milliseconds;
   Every record goes through the service layer unless --service-records N (then the middle is copied, registry_fill.py).
5. once per backend (smallest size): bulk import of `--http-size` records in-process and through
   `POST /v1/technologies/bulk-upsert` (each into its own fresh database) to show the HTTP overhead ratio.
Results are merged into a JSON file and rendered into docs/bench_registry.md between generated markers.

Run:  .venv/bin/python bench/registry_bulk.py --backend sqlite --sizes 10000 100000
      .venv/bin/python bench/registry_bulk.py --backend postgres --sizes 10000 100000
"""
from __future__ import annotations

import argparse
import contextlib
import os
import shlex
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench import registry_report as report  # noqa: E402
from bench.registry_data import DEFAULT_SEED, batches, technologies  # noqa: E402
from bench.registry_fill import fill_copies  # noqa: E402
from services.registry import migrations  # noqa: E402
from services.registry.db import Database  # noqa: E402
from services.registry.feed import repository as feed  # noqa: E402
from services.registry.listings import repository as listings  # noqa: E402
from services.registry.listings import statistics  # noqa: E402
from services.registry.listings.kinds import TECHNOLOGY  # noqa: E402
from services.registry.listings.service import ListingPolicy, bulk_upsert  # noqa: E402
from services.registry.uow import unit_of_work  # noqa: E402
from shared.schemas import TechnologyCreate  # noqa: E402
from tests.support.servers import TEST_SERVICE_TOKEN, running  # noqa: E402

PG_URL = os.environ.get("GREENTECH_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
WARMUP = 20
PAGE = 20
DEEP_PAGE = 20
POLICY = ListingPolicy()  # the app's defaults: inline screening, one-year listings
LIST_CASES = (
    ("plain first page", {}),
    ("domain filter", {"domain": "pollution_control"}),
    ("region province prefix", {"region": "330000"}),
    ("status + trl_min", {"status": "published", "trl_min": 7}),
    ("keyword q (common)", {"q": "脱硫"}),
    ("keyword q (rare)", {"q": "潮流能发电"}),
)
DOC_HEADER = """# Registry benchmarks

Produced by `bench/registry_bulk.py` (generator: `bench/registry_data.py`). What is measured:

- **Bulk import**: generated technologies (all 9 domains and 45 subdomains of `shared/taxonomy.py`, seeded, valid
  `TechnologyCreate`, `external_ref.source = "bench"`) written through the registry's own service layer in-process:
  `listings.service.bulk_upsert` inside `uow.unit_of_work(database)`, one transaction per batch, with inline
  screening (基础甄别), a screening row and a change-feed event per record, exactly as the API does it.
  Records are generated before the clock starts. "first/last 10%" are the rates of the first and last tenth of
  the batches: how the rate changes as the table grows.
- **Every record through the service layer** (default). After the import, planner statistics are refreshed as
  `python -m services.registry import` does (`listings/statistics.py`: ANALYZE on PostgreSQL, sampled ANALYZE on
  SQLite). `--service-records N` brings back the old shortcut for slow machines: only N records plus a tail of
  `--tail` go through the service layer, the rows between are copies (`bench/registry_fill.py`).
- **Re-send (no-op)**: the same batches sent again; every item must come back `unchanged` and the feed must not
  grow (the script fails otherwise).
- **HTTP overhead**: the same number of records imported in-process and via `POST /v1/technologies/bulk-upsert`
  (one request per batch, no Idempotency-Key) against a real registry, each into its own fresh database.
- **Latency**: a real registry (`uvicorn --factory services.registry.app:create_app`, one worker, loopback port,
  client in the benchmark process on the same machine) over the imported database; per case, warm-up requests
  then sequential `GET /v1/technologies?...&limit=20`; "deep cursor" is page 20 reached by following `next_cursor`
  (that cursor is then requested repeatedly). SQLite: a WAL file in a temp dir (the embedded default);
  PostgreSQL: 127.0.0.1:5432, a fresh schema per run, dropped afterwards.
- **`+ANALYZE` rows** (`--analyze`): a full `ANALYZE` of the whole database after the import, on top of the refresh.
"""


@dataclass
class Target:
    backend: str
    database: Database
    env: dict[str, str]  # what a registry process needs to open the same database


def postgres_unreachable() -> str | None:
    try:
        with psycopg.connect(PG_URL.replace("postgresql+psycopg://", "postgresql://"), connect_timeout=3) as conn:
            conn.execute("select 1")
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means: skip with the reason
        return f"PostgreSQL not reachable at {PG_URL} ({type(exc).__name__}: {exc})"


@contextlib.contextmanager
def fresh_target(backend: str, tmp: Path) -> Iterator[Target]:
    env = {"REGISTRY_SERVICE_TOKEN": TEST_SERVICE_TOKEN, "REGISTRY_EXPIRE_SWEEP_SECONDS": "0"}
    if backend == "sqlite":
        data_dir = Path(tempfile.mkdtemp(prefix="reg-", dir=tmp))
        url = f"sqlite:///{data_dir / 'registry.db'}"
        database = Database(url)
        env |= {"REGISTRY_DATA_DIR": str(data_dir), "REGISTRY_DATABASE_URL": url}
        try:
            migrations.upgrade(database)
            yield Target(backend, database, env)
        finally:
            database.dispose()
        return
    schema = f"bench_reg_{uuid.uuid4().hex[:10]}"
    admin_dsn = PG_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    database = Database(PG_URL, schema=schema)
    env |= {"REGISTRY_DATA_DIR": str(tmp), "REGISTRY_DATABASE_URL": PG_URL, "REGISTRY_DATABASE_SCHEMA": schema}
    try:
        migrations.upgrade(database)
        yield Target(backend, database, env)
    finally:
        database.dispose()
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


# --------------------------------------------------------------------------- writes
def import_in_process(database: Database, items: list[TechnologyCreate], batch: int, expect: str) -> dict[str, Any]:
    """Send every batch through bulk_upsert; every outcome must be `expect`. Returns rates and batch times."""
    times: list[float] = []
    for chunk in batches(items, batch):
        start = time.perf_counter()
        with unit_of_work(database) as uow:
            outcomes = bulk_upsert(uow, TECHNOLOGY, chunk, POLICY)
        times.append(time.perf_counter() - start)
        wrong = [o for o in outcomes if o.outcome != expect]
        if wrong:
            raise SystemExit(f"expected every item {expect}, got {wrong[0]}")
    return _rates(times, len(items), batch)


def _rates(times: list[float], count: int, batch: int) -> dict[str, Any]:
    decile = max(1, len(times) // 10)
    first, last = times[:decile], times[-decile:]
    batch_pcts = report.percentiles(times) if len(times) >= 2 else {"p50": times[0], "p95": times[0]}
    return {"seconds": sum(times), "rate": count / sum(times),
            "rate_first_decile": min(count, decile * batch) / sum(first),
            "rate_last_decile": (count - (len(times) - decile) * batch) / sum(last),
            "batch_p50_s": batch_pcts["p50"], "batch_p95_s": batch_pcts["p95"]}


def import_over_http(client: httpx.Client, items: list[TechnologyCreate], batch: int) -> float:
    start = time.perf_counter()
    for chunk in batches(items, batch):
        body = {"items": [item.model_dump(mode="json", exclude_none=True) for item in chunk]}
        resp = client.post("/v1/technologies/bulk-upsert", json=body)
        if resp.status_code != 200 or resp.json()["created"] != len(chunk):
            raise SystemExit(f"bulk-upsert over HTTP failed: {resp.status_code} {resp.text[:500]}")
    return len(items) / (time.perf_counter() - start)


def http_overhead(backend: str, tmp: Path, size: int, batch: int, seed: int) -> dict[str, Any]:
    items = list(technologies(size, seed=seed, batch_tag="http"))
    with fresh_target(backend, tmp) as target:
        in_process = import_in_process(target.database, items, batch, "created")["rate"]
    with fresh_target(backend, tmp) as target, running("registry", "services.registry.app:create_app", target.env, tmp) as svc:
        with svc.client(timeout=300) as client:
            http_rate = import_over_http(client, items, batch)
    return {"size": size, "in_process_rate": in_process, "http_rate": http_rate}


# --------------------------------------------------------------------------- reads
def _timed_get(client: httpx.Client, params: dict[str, Any], requests: int) -> tuple[list[float], int]:
    rows = 0
    for _ in range(WARMUP):
        client.get("/v1/technologies", params=params).raise_for_status()
    times = []
    for _ in range(requests):
        start = time.perf_counter()
        resp = client.get("/v1/technologies", params=params)
        times.append((time.perf_counter() - start) * 1000)
        resp.raise_for_status()
        rows = len(resp.json()["items"])
    return times, rows


def _deep_cursor(client: httpx.Client) -> str:
    cursor = None
    for _ in range(DEEP_PAGE - 1):
        resp = client.get("/v1/technologies", params={"limit": PAGE, **({"cursor": cursor} if cursor else {})})
        resp.raise_for_status()
        cursor = resp.json()["next_cursor"]
        if cursor is None:
            raise SystemExit(f"fewer than {DEEP_PAGE} pages of {PAGE}: use a larger size")
    return cursor


def list_latency(client: httpx.Client, requests: int) -> list[dict[str, Any]]:
    cases = [(label, {**params, "limit": PAGE}) for label, params in LIST_CASES]
    cases.append((f"deep cursor (page {DEEP_PAGE})", {"limit": PAGE, "cursor": _deep_cursor(client)}))
    out = []
    for label, params in cases:
        times, rows = _timed_get(client, params, requests)
        shown = {k: ("<page 20 cursor>" if k == "cursor" else v) for k, v in params.items()}
        request = "?" + "&".join(f"{k}={v}" for k, v in shown.items())
        out.append({"case": label, "request": request, "rows": rows, **report.percentiles(times)})
        print(f"    {label:28s} p50 {out[-1]['p50']:7.1f}  p95 {out[-1]['p95']:7.1f}  p99 {out[-1]['p99']:7.1f} ms  ({rows} rows)", flush=True)
    return out


# --------------------------------------------------------------------------- one run
def run_one(backend: str, size: int, args: argparse.Namespace, tmp: Path, with_http: bool) -> dict[str, Any]:
    loadavg = os.getloadavg()[0]
    head_size = min(size, args.service_records or size)
    tail_size = min(args.tail, size - head_size)
    print(f"[{backend} {size:,}] generating (seed {args.seed})", flush=True)
    items = list(technologies(head_size + tail_size, seed=args.seed))
    fill, tail = None, None
    with fresh_target(backend, tmp) as target:
        print(f"[{backend} {size:,}] importing {head_size:,} in batches of {args.batch}", flush=True)
        imported = import_in_process(target.database, items[:head_size], args.batch, "created")
        if size > head_size:
            print(f"  import {imported['rate']:.0f} rec/s; filling to {size - tail_size:,} by copying rows", flush=True)
            fill = fill_copies(target.database, size - tail_size)
            if tail_size:
                print(f"  importing the last {tail_size:,} through the service layer", flush=True)
                tail = import_in_process(target.database, items[head_size:], args.batch, "created")
        started = time.perf_counter()  # what `python -m services.registry import` does after an import
        statistics.refresh(target.database, TECHNOLOGY)
        imported["stats_refresh_s"] = time.perf_counter() - started
        with target.database.read() as session:
            head = feed.head_seq(session)
            stored = listings.count(session, TECHNOLOGY)
            statuses = Counter({s: listings.count(session, TECHNOLOGY, listings.ListingFilters(status=[s]))
                                for s in ("published", "on_hold", "rejected", "submitted")})
        if stored != size:
            raise SystemExit(f"{stored} technologies stored, expected {size}")
        print(f"  import {imported['rate']:.0f} rec/s ({imported['seconds']:.0f} s), statistics refresh {imported['stats_refresh_s']:.2f} s; re-sending", flush=True)
        resent = import_in_process(target.database, items, args.batch, "unchanged")
        with target.database.read() as session:
            if feed.head_seq(session) != head:
                raise SystemExit("re-sending unchanged records appended feed events")
        if args.analyze:  # planner statistics, as autovacuum (PostgreSQL) or a maintenance job would eventually collect
            with target.database.engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")
        print(f"  re-send {resent['rate']:.0f} rec/s; list latency over HTTP ({args.requests} requests per case)", flush=True)
        with running("registry", "services.registry.app:create_app", target.env, tmp) as svc, svc.client(timeout=120) as client:
            latency = list_latency(client, args.requests)
    run = {"backend": backend + ("+ANALYZE" if args.analyze else ""), "size": size, "seed": args.seed, "batch": args.batch, "requests": args.requests,
           "machine": report.machine(), "loadavg": loadavg, "import": imported, "resend": resent,
           "service_records": head_size + tail_size, "fill": fill, "import_tail": tail,
           "statuses": {k: v for k, v in statuses.items() if v}, "latency": latency,
           "command": "python bench/registry_bulk.py " + shlex.join(sys.argv[1:]),
           "finished_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
    if with_http:
        print(f"[{backend}] HTTP overhead on {args.http_size:,} records", flush=True)
        run["http_import"] = http_overhead(backend, tmp, args.http_size, args.batch, args.seed)
        h = run["http_import"]
        print(f"  in-process {h['in_process_rate']:.0f} rec/s, HTTP {h['http_rate']:.0f} rec/s", flush=True)
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=("sqlite", "postgres"), action="append", help="repeatable; default both")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--batch", type=int, default=500, help="records per bulk-upsert transaction (API max 1000)")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per list case")
    parser.add_argument("--http-size", type=int, default=2000, help="records for the HTTP overhead comparison; 0 skips it")
    parser.add_argument("--service-records", type=int, default=0,
                        help="0 (default): every record goes through the service layer; N: only N (plus --tail), the rest are copies")
    parser.add_argument("--tail", type=int, default=5000, help="records imported through the service layer into the filled table")
    parser.add_argument("--analyze", action="store_true", help="run ANALYZE before the latency cases (reported as <backend>+ANALYZE)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--results", type=Path, default=Path(tempfile.gettempdir()) / "registry_bench_results.json",
                        help="JSON file runs are merged into (same backend+size replaced)")
    parser.add_argument("--doc", type=Path, default=REPO / "docs/bench_registry.md", help="report to (re)write; '-' to skip")
    args = parser.parse_args()
    if min(args.sizes) < DEEP_PAGE * PAGE + 1:
        parser.error(f"sizes must be above {DEEP_PAGE * PAGE} records (deep paging reads page {DEEP_PAGE})")
    backends = args.backend or ["sqlite", "postgres"]
    if "postgres" in backends and (reason := postgres_unreachable()):
        print(f"SKIPPED postgres: {reason}", flush=True)
        backends = [b for b in backends if b != "postgres"]
    runs: list[dict[str, Any]] = []
    for n, size in enumerate(sorted(args.sizes)):  # smallest size on every backend first: early results
        for backend in backends:
            with tempfile.TemporaryDirectory(prefix="registry-bench-") as tmp_dir:
                run = run_one(backend, size, args, Path(tmp_dir), with_http=(n == 0 and args.http_size > 0))
            runs = report.merge(args.results, run)
            if str(args.doc) != "-":  # after every run, so an interrupted series still leaves its results
                report.write_doc(args.doc, runs, DOC_HEADER)
    if runs:
        print(report.results_markdown(runs))


if __name__ == "__main__":
    main()
