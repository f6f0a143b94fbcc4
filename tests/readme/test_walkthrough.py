"""README's "Using it" walkthrough run against a platform started as `make run` starts it (the same launcher,
deploy/run_local.py, with its demo data and keys), on free loopback ports and a temporary data directory.

The commands are read from README.md itself and run with bash and curl as a reader would paste them; only the
gateway address (README: 127.0.0.1:8000) and the example values the README marks as such (`dem_...`, `<id>`, the
seq 376) are replaced by this run's. Every answer must be 2xx and match the documented `# -> ...` shape, so the
README cannot drift from what the API answers. Starting takes about 100 s on two shared cores (migrate, load 375
demo records, index them with m3e-small on the default torch encoder, as `make run` does).
"""
from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.readme import walkthrough
from tests.support.servers import REPO, free_port

pytestmark = pytest.mark.model
README = REPO / "README.md"
README_GATEWAY = "http://127.0.0.1:8000"
READY_LINE = "Press Ctrl-C to stop."
START_TIMEOUT_SECONDS = 420


@dataclass
class LocalPlatform:
    gateway_url: str
    workdir: Path  # the README's relative `var/demo_keys.json` resolves here


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPlatform]:
    workdir = tmp_path_factory.mktemp("make_run")
    ports = {name: free_port() for name in ("GATEWAY_PORT", "REGISTRY_PORT", "MATCHING_PORT")}
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "GREENTECH_DATA_DIR": str(workdir / "var"),
           **{name: str(port) for name, port in ports.items()}}
    out_path = workdir / "run_local.out"
    with open(out_path, "wb") as out:
        launcher = subprocess.Popen([sys.executable, "-m", "deploy.run_local"], cwd=REPO, env=env,
                                    stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while READY_LINE not in out_path.read_text(errors="replace"):
            if launcher.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"`make run` launcher did not come up:\n{out_path.read_text(errors='replace')[-4000:]}")
            time.sleep(0.5)
        yield LocalPlatform(f"http://127.0.0.1:{ports['GATEWAY_PORT']}", workdir)
    finally:
        launcher.terminate()  # run_local stops its three services on SIGTERM
        try:
            launcher.wait(timeout=60)
        except subprocess.TimeoutExpired:
            launcher.kill()


def _run(platform: LocalPlatform, preamble: str, command: str) -> tuple[int, object]:
    """One README command in bash, as pasted after the preamble; curl also prints the status code last."""
    preamble = preamble.replace(README_GATEWAY, platform.gateway_url)
    assert command.startswith("curl ")
    with_status = "curl -w " + shlex.quote("\n%{http_code}") + command.removeprefix("curl")
    done = subprocess.run(["bash", "-c", f"set -eu\n{preamble}\n{with_status}"], cwd=platform.workdir,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, f"{command}\n{done.stderr}"
    body, _, status = done.stdout.rpartition("\n")
    return int(status), json.loads(body)


def test_the_readme_walkthrough_is_read_as_expected() -> None:
    """Guards the reader itself: if the README's block changes shape, this says so instead of testing nothing."""
    wt = walkthrough.read(README)
    assert README_GATEWAY in wt.preamble and "demo_keys.json" in wt.preamble
    assert len(wt.steps) >= 4
    assert all(step.command.startswith("curl ") for step in wt.steps)
    assert any(step.documented for step in wt.steps)


def test_shape_check_reports_a_wrong_answer() -> None:
    documented = '{"id": "dem_...", "status": "published", "seq": 376, "screening": {...}, ...}'
    good = {"id": "dem_1", "status": "published", "seq": 9, "screening": {}, "title": "x"}
    assert walkthrough.shape_problems(documented, good) == []
    assert walkthrough.shape_problems(documented, good | {"status": "on_hold"})
    assert walkthrough.shape_problems(documented, good | {"id": "tec_1"})
    assert walkthrough.shape_problems(documented, {k: v for k, v in good.items() if k != "seq"})
    hits = "each hit: score, fit {matched, conflicts}"
    assert walkthrough.shape_problems(hits, {"items": [{"score": 1, "fit": {"matched": [], "conflicts": []}}]}) == []
    assert walkthrough.shape_problems(hits, {"items": [{"score": 1, "fit": {"matched": []}}]})
    assert walkthrough.shape_problems(hits, {"items": []})


def test_readme_walkthrough_answers_as_documented(platform: LocalPlatform) -> None:
    wt = walkthrough.read(README)
    learned: dict[str, str] = {}
    previous: object = None
    for number, step in enumerate(wt.steps, 1):
        command = walkthrough.fill_placeholders(step.command, learned, previous)
        status, answer = _run(platform, wt.preamble, command)
        assert 200 <= status < 300, f"step {number}: {command}\n-> {status} {answer}"
        for documented in step.documented:
            problems = walkthrough.shape_problems(documented, answer)
            assert not problems, f"step {number} answers unlike the README ({documented}):\n" + "\n".join(problems)
            learned |= walkthrough.learn_placeholders(documented, answer)
        previous = answer
    assert learned, "no example value of the README was matched to a real answer"
