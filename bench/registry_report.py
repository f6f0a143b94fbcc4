"""Machine description, result file (JSON, merged across runs) and the markdown report for registry benchmarks."""
from __future__ import annotations

import json
import os
import platform
import statistics
from pathlib import Path
from typing import Any

START = "<!-- registry-bench:results:start -->"
END = "<!-- registry-bench:results:end -->"


def percentiles(values_ms: list[float]) -> dict[str, float]:
    q = statistics.quantiles(values_ms, n=100, method="inclusive")
    return {"p50": q[49], "p95": q[94], "p99": q[98]}


def machine() -> dict[str, Any]:
    cpu = "unknown"
    ram_gib = 0.0
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram_gib = int(line.split()[1]) / 1024 / 1024
                break
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu": cpu, "ram_gib": round(ram_gib, 1), "kernel": platform.release(),
            "python": platform.python_version()}


def merge(path: Path, run: dict[str, Any]) -> list[dict[str, Any]]:
    """Store `run` in the JSON list at `path`, replacing an earlier run of the same backend and size."""
    runs = json.loads(path.read_text(encoding="utf-8")) if path.exists() else []
    runs = [r for r in runs if (r["backend"], r["size"]) != (run["backend"], run["size"])] + [run]
    runs.sort(key=lambda r: (not r["backend"].startswith("sqlite"), r["size"], r["backend"]))
    path.write_text(json.dumps(runs, ensure_ascii=False, indent=1), encoding="utf-8")
    return runs


def _import_table(runs: list[dict[str, Any]]) -> list[str]:
    lines = ["| backend | records | via service layer | import rec/s | first 10% rec/s | last 10% rec/s | batch p50 s | batch p95 s | "
             "tail rec/s (into full table) | copied rows (s) | re-send (no-op) rec/s | published | on_hold |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in runs:
        i, n = r["import"], r["resend"]
        tail, fill = r.get("import_tail"), r.get("fill")
        tail_cell = f"{tail['rate']:.0f}" if tail else "-"
        fill_cell = f"{fill['rows']:,} ({fill['seconds']:.0f})" if fill else "-"
        lines.append(f"| {r['backend']} | {r['size']:,} | {r.get('service_records', r['size']):,} | {i['rate']:.0f} | "
                     f"{i['rate_first_decile']:.0f} | {i['rate_last_decile']:.0f} | {i['batch_p50_s']:.2f} | {i['batch_p95_s']:.2f} | "
                     f"{tail_cell} | {fill_cell} | {n['rate']:.0f} | {r['statuses'].get('published', 0):,} | "
                     f"{r['statuses'].get('on_hold', 0):,} |")
    return lines


def _http_table(runs: list[dict[str, Any]]) -> list[str]:
    lines = ["| backend | records | in-process rec/s | HTTP rec/s | in-process / HTTP |", "|---|---|---|---|---|"]
    for r in runs:
        h = r.get("http_import")
        if h:
            lines.append(f"| {r['backend']} | {h['size']:,} | {h['in_process_rate']:.0f} | {h['http_rate']:.0f} | "
                         f"{h['in_process_rate'] / h['http_rate']:.2f} |")
    return lines


def _latency_table(runs: list[dict[str, Any]]) -> list[str]:
    lines = ["| backend | records | case | request | p50 ms | p95 ms | p99 ms | rows on page |", "|---|---|---|---|---|---|---|---|"]
    for r in runs:
        for case in r["latency"]:
            lines.append(f"| {r['backend']} | {r['size']:,} | {case['case']} | `{case['request']}` | {case['p50']:.1f} | "
                         f"{case['p95']:.1f} | {case['p99']:.1f} | {case['rows']} |")
    return lines


def results_markdown(runs: list[dict[str, Any]]) -> str:
    lines = [START, "", "### Machine", ""]
    seen = set()
    for r in runs:
        m = r["machine"]
        key = json.dumps(m, sort_keys=True)
        if key not in seen:
            seen.add(key)
            lines.append(f"- {m['nproc']} CPUs (`nproc`), {m['cpu']}, {m['ram_gib']} GiB RAM, kernel `{m['kernel']}`, Python {m['python']}")
    lines += ["- Shared with other engineers' builds and test suites while measuring; 1-minute load average at the start "
              "of each run is in the last table.", "", "### Bulk import and idempotent re-send (in-process service layer)", "",
              *_import_table(runs), "", "### HTTP overhead of bulk import (`POST /v1/technologies/bulk-upsert`, fresh database each)", "",
              *_http_table(runs), "", "### List/filter latency through HTTP", "", *_latency_table(runs), "",
              "### Runs", "", "| backend | records | seed | batch | requests per case | load avg at start | finished (UTC) | command |",
              "|---|---|---|---|---|---|---|---|"]
    for r in runs:
        lines.append(f"| {r['backend']} | {r['size']:,} | {r['seed']} | {r['batch']} | {r['requests']} | {r['loadavg']:.2f} | "
                     f"{r['finished_at']} | `{r['command']}` |")
    lines += ["", END]
    return "\n".join(lines)


def write_doc(path: Path, runs: list[dict[str, Any]], header: str) -> None:
    """Replace the generated block of the report (or create the report); text outside the block is kept."""
    block = results_markdown(runs)
    if path.exists() and START in (text := path.read_text(encoding="utf-8")) and END in text:
        before, rest = text.split(START, 1)
        after = rest.split(END, 1)[1]
        path.write_text(before + block + after, encoding="utf-8")
    else:
        path.write_text(header + "\n" + block + "\n", encoding="utf-8")
