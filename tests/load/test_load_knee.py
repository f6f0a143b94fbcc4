"""bench/load_knee.py with tiny settings against the real platform (registry, matching, gateway on loopback,
SQLite here; the real run uses PostgreSQL): the report has its shape and not one acknowledged write is lost.
No timing assertion: this only proves the tool and the read-back work end to end."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

# Only look for locust: importing it would monkey-patch this whole test process with gevent (locust runs as a
# subprocess of bench/load_knee.py).
if importlib.util.find_spec("locust") is None:
    pytest.skip("locust is in the dev and bench extras", allow_module_level=True)

from bench.load_knee import Options, markdown, run  # noqa: E402

pytestmark = pytest.mark.timeout(400)  # bounded: one 4 s step; the rest is start-up on a shared machine

STEP_KEYS = {"step", "users", "offered_tasks_per_s", "requests", "failures", "throughput_rps", "error_rate",
             "p50_ms", "p95_ms", "p99_ms", "endpoints", "failure_kinds", "cpu_cores", "knee"}


def test_tiny_load_run_loses_no_acknowledged_write(tmp_path: Path) -> None:
    opts = Options(database="sqlite", steps=[3], step_seconds=4, pacing=0.25, seed_technologies=4, seed_demands=2,
                   out_dir=tmp_path, sync_timeout=120, warm_up_searches=1)
    report = run(opts)

    (step,) = report["steps"]
    assert STEP_KEYS <= set(step), STEP_KEYS - set(step)
    assert step["users"] == 3 and step["requests"] > 0
    assert set(step["cpu_cores"]) == {"gateway", "registry", "matching", "postgres", "locust"}
    for name, figures in step["endpoints"].items():
        assert name.startswith(("GET /v1/", "POST /v1/")), name
        assert {"requests", "failures", "p50_ms", "p95_ms", "p99_ms"} <= set(figures)
    # the knee is either not reached or says why
    assert report["knee"] is None or report["knee"]["reason"]

    back = report["read_back"]
    assert sum(back["acknowledged"][k] for k in ("technology", "demand", "engagement", "shortlist", "bid")) > 0, back
    assert back["sync"]["caught_up"] and back["sync"]["indexed_seq"] >= back["sync"]["head_seq"]
    assert back["missing"] == {"registry": [], "index": [], "engagements": [], "shortlist": [], "bids": []}
    assert back["lost"] == 0
    text = markdown(report)
    assert "Lost acknowledged writes: 0" in text and "| endpoint |" in text
