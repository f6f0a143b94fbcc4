"""Keyword `q` latency before and after the bigram index (migration 0006), on SQLite and PostgreSQL.

For each backend: a fresh database (bench/registry_bulk.py's `fresh_target`), `--size` generated technologies
(bench/registry_data.py, seeded) of which `--service-records` go through the service layer (`bulk_upsert`: records,
screening, feed events and gram rows in one transaction per batch) and the rest are copies (bench/registry_fill.py,
grams copied too); 0 = every record through the service layer. Then planner statistics are refreshed as an import
does, and per case (first page, limit 20):
- **before**: `listings.repository.page` in-process with the bigram restriction switched off, i.e. the old query
  (`search_text LIKE '%term%'` walking `(updated_at, id)`), `--before-requests` timed calls;
- **after**: the same call with the index, `--requests` timed calls;
- **HTTP after**: `GET /v1/technologies?q=...&limit=20` against a real registry (uvicorn, one worker, loopback).
Each case first checks that before and after return the same ids. Prints a markdown table and writes JSON.

Run:  .venv/bin/python bench/registry_keyword.py --backend sqlite --backend postgres --size 100000
"""
from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench import registry_report as report  # noqa: E402
from bench.registry_bulk import fresh_target, import_in_process, postgres_unreachable  # noqa: E402
from bench.registry_data import DEFAULT_SEED, technologies  # noqa: E402
from bench.registry_fill import fill_copies  # noqa: E402
from services.registry.listings import repository, statistics  # noqa: E402
from services.registry.listings.kinds import TECHNOLOGY  # noqa: E402
from services.registry.listings.repository import ListingFilters  # noqa: E402
from tests.support.servers import running  # noqa: E402

PAGE = 20
WARMUP = 5
CASES = (  # (label, q, extra filters); frequencies are of the seeded generator at 100k
    ("2-char common (~2.3%)", "脱硫", {}),
    ("2-char rare (~0.2%)", "飞轮", {}),
    ("4-char (~0.3%)", "熔盐储热", {}),
    ("4-char very rare (~0.04%)", "赤泥提铁", {}),
    ("5-char rare (old bench case)", "潮流能发电", {}),
    ("two terms", "赤泥 提铁", {}),
    ("no match", "钚铀", {}),
    ("2-char common + status on_hold", "脱硫", {"status": ["on_hold"]}),
    ("1-char (old scan by design)", "硫", {}),
)


def _filters(q: str, extra: dict[str, Any]) -> ListingFilters:
    return ListingFilters(q=q, **extra)


def _page_ids(database: Any, f: ListingFilters) -> tuple[list[str], float]:
    start = time.perf_counter()
    with database.read() as session:
        rows = repository.page(session, TECHNOLOGY, f, after=None, limit=PAGE)
        ids = [r.id for r in rows[:PAGE]]
    return ids, (time.perf_counter() - start) * 1000


def _timed(database: Any, f: ListingFilters, requests: int) -> tuple[dict[str, float], list[str]]:
    for _ in range(WARMUP):
        ids, _ = _page_ids(database, f)
    times = [_page_ids(database, f)[1] for _ in range(requests)]
    return report.percentiles(times), ids


class _OldQuery:
    """Switch the bigram restriction and the PostgreSQL planner settings off: `page` then runs the pre-0006 query."""

    def __enter__(self) -> None:
        self.saved = repository._keyword_condition, repository._postgres_keyword_plan
        repository._keyword_condition = lambda *args, **kwargs: None
        repository._postgres_keyword_plan = lambda *args, **kwargs: None

    def __exit__(self, *exc: object) -> None:
        repository._keyword_condition, repository._postgres_keyword_plan = self.saved


def _plan(database: Any, q: str) -> str:
    with database.read() as session:
        condition = repository._keyword_condition(session, TECHNOLOGY, q)
    if condition is None:
        return "scan"
    return "none (a bigram occurs nowhere)" if str(condition).lower() == "false" else "bigram candidates"


def _http(client: Any, q: str, extra: dict[str, Any], requests: int) -> dict[str, float]:
    params = {"q": q, "limit": PAGE, **extra}
    for _ in range(WARMUP):
        client.get("/v1/technologies", params=params).raise_for_status()
    times = []
    for _ in range(requests):
        start = time.perf_counter()
        client.get("/v1/technologies", params=params).raise_for_status()
        times.append((time.perf_counter() - start) * 1000)
    return report.percentiles(times)


def run(backend: str, args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    loadavg = os.getloadavg()[0]
    head = min(args.size, args.service_records or args.size)
    print(f"[{backend}] generating {head:,} (seed {args.seed})", flush=True)
    items = list(technologies(head, seed=args.seed))
    with fresh_target(backend, tmp) as target:
        db = target.database
        print(f"[{backend}] importing {head:,} through the service layer", flush=True)
        imported = import_in_process(db, items, args.batch, "created")
        print(f"  {imported['rate']:.0f} rec/s ({imported['seconds']:.0f} s)", flush=True)
        fill = fill_copies(db, args.size) if args.size > head else None
        if fill:
            print(f"  copied {fill['rows']:,} rows in {fill['seconds']:.0f} s", flush=True)
        statistics.refresh(db, TECHNOLOGY)
        with db.read() as session:
            grams_rows = session.execute(repository.select(repository.func.count()).select_from(TECHNOLOGY.gram_model)).scalar_one()
        cases = []
        with running("registry", "services.registry.app:create_app", target.env, tmp) as svc, svc.client(timeout=120) as client:
            for label, q, extra in CASES:
                f = _filters(q, extra)
                with _OldQuery():
                    before, old_ids = _timed(db, f, args.before_requests)
                after, new_ids = _timed(db, f, args.requests)
                if new_ids != old_ids:
                    raise SystemExit(f"{label}: the index changed the result ({len(old_ids)} vs {len(new_ids)} rows)")
                http = _http(client, q, extra, args.requests)
                with db.read() as session:
                    total = repository.count(session, TECHNOLOGY, f)
                case = {"case": label, "q": q, "filters": extra, "plan": _plan(db, q), "matches": total, "rows": len(new_ids),
                        "before": before, "after": after, "http_after": http}
                cases.append(case)
                print(f"  {label:32s} {q:6s} {case['plan']:17s} matches {total:6d}  before p50/p95 {before['p50']:7.1f}/{before['p95']:7.1f}"
                      f"  after {after['p50']:6.1f}/{after['p95']:6.1f}  HTTP {http['p50']:6.1f}/{http['p95']:6.1f} ms", flush=True)
    return {"backend": backend, "size": args.size, "service_records": head, "gram_rows": grams_rows, "import": imported,
            "fill": fill, "cases": cases, "loadavg_start": loadavg, "loadavg_end": os.getloadavg()[0],
            "machine": report.machine(), "command": "python bench/registry_keyword.py " + shlex.join(sys.argv[1:]),
            "finished_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}


def markdown(runs: list[dict[str, Any]]) -> str:
    lines = ["| backend | records | case | `q` | plan | matches | before p50 / p95 ms | after p50 / p95 ms | HTTP after p50 / p95 ms |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in runs:
        for c in r["cases"]:
            extra = "".join(f" + {k}={','.join(v) if isinstance(v, list) else v}" for k, v in c["filters"].items())
            lines.append(f"| {r['backend']} | {r['size']:,} | {c['case']} | `{c['q']}`{extra} | {c['plan']} | {c['matches']:,} | "
                         f"{c['before']['p50']:.1f} / {c['before']['p95']:.1f} | {c['after']['p50']:.1f} / {c['after']['p95']:.1f} | "
                         f"{c['http_after']['p50']:.1f} / {c['http_after']['p95']:.1f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=("sqlite", "postgres"), action="append", help="repeatable; default both")
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--service-records", type=int, default=0, help="0: every record through the service layer; N: N, the rest copies")
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--requests", type=int, default=100, help="timed calls per case after the index (in-process and HTTP)")
    parser.add_argument("--before-requests", type=int, default=30, help="timed calls per case of the old query (slow on PostgreSQL)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--results", type=Path, default=Path(tempfile.gettempdir()) / "registry_keyword_results.json")
    args = parser.parse_args()
    backends = args.backend or ["sqlite", "postgres"]
    if "postgres" in backends and (reason := postgres_unreachable()):
        print(f"SKIPPED postgres: {reason}", flush=True)
        backends = [b for b in backends if b != "postgres"]
    runs = []
    with tempfile.TemporaryDirectory(prefix="regkw-") as tmp:
        for backend in backends:
            runs.append(run(backend, args, Path(tmp)))
            args.results.write_text(json.dumps(runs, ensure_ascii=False, indent=1), encoding="utf-8")
    print(markdown(runs))
    print(f"results: {args.results}")


if __name__ == "__main__":
    main()
