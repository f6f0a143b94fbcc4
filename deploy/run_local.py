"""`make run`: the whole platform on the embedded default (SQLite + FAISS files under var/), demo data loaded.

Starts registry, matching and gateway as child processes on loopback ports, loads the demo records into the
registry, waits until matching has indexed them, creates demo API keys, prints where to look, and stops all
three on Ctrl-C (or SIGTERM).

Defaults: data in var/, ports 8000/8001/8002. GREENTECH_DATA_DIR, GATEWAY_PORT, REGISTRY_PORT and MATCHING_PORT
move it, e.g. to run a second copy beside the first (tests/readme/test_walkthrough.py does that).
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("GREENTECH_DATA_DIR", REPO / "var")).resolve()
HOST = "127.0.0.1"
PORTS = {"gateway": int(os.environ.get("GATEWAY_PORT", 8000)),
         "registry": int(os.environ.get("REGISTRY_PORT", 8001)),
         "matching": int(os.environ.get("MATCHING_PORT", 8002))}
TOKEN = os.environ.get("GREENTECH_SERVICE_TOKEN", "dev-internal-service-token")
KEYS_FILE = DATA / "demo_keys.json"


def url(service: str) -> str:
    return f"http://{HOST}:{PORTS[service]}"


def service_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false",
        "PYTHONPATH": str(REPO),
        "REGISTRY_DATA_DIR": str(DATA), "MATCHING_DATA_DIR": str(DATA / "matching"), "GATEWAY_DATA_DIR": str(DATA),
        "REGISTRY_SERVICE_TOKEN": TOKEN, "MATCHING_SERVICE_TOKEN": TOKEN, "GATEWAY_SERVICE_TOKEN": TOKEN,
        "MATCHING_REGISTRY_URL": url("registry"),
        "GATEWAY_REGISTRY_URL": url("registry"), "GATEWAY_MATCHING_URL": url("matching"),
        # A laptop demo: let webhooks reach a receiver on this machine (refused by default in deployments).
        "GATEWAY_WEBHOOK_ALLOW_PRIVATE_TARGETS": os.environ.get("GATEWAY_WEBHOOK_ALLOW_PRIVATE_TARGETS", "true"),
    })
    return env


def run_cli(*args: str) -> str:
    out = subprocess.run([sys.executable, *args], cwd=REPO, env=service_env(), capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"failed: {' '.join(args)}\n{out.stdout}\n{out.stderr}")
    return out.stdout


def start(service: str, procs: list[subprocess.Popen]) -> None:
    log = open(DATA / f"{service}.log", "ab")
    procs.append(subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", f"services.{service}.app:create_app",
         "--host", HOST, "--port", str(PORTS[service]), "--log-level", "warning"],
        cwd=REPO, env=service_env(), stdout=log, stderr=subprocess.STDOUT,
    ))
    wait_until(f"{service} /healthz", lambda: httpx.get(url(service) + "/healthz", timeout=2).status_code == 200, procs)


def wait_until(what: str, check, procs: list[subprocess.Popen], timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for p in procs:
            if p.poll() is not None:
                sys.exit(f"a service exited while waiting for {what}; see {DATA}/*.log")
        try:
            if check():
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    sys.exit(f"timed out waiting for {what}; see {DATA}/*.log")


def matching_caught_up() -> bool:
    head = httpx.get(url("registry") + "/v1/changes", params={"after": 0, "limit": 1},
                     headers={"X-Service-Token": TOKEN}, timeout=5).json()["head_seq"]
    status = httpx.get(url("matching") + "/v1/status", headers={"X-Service-Token": TOKEN}, timeout=5).json()
    return status["indexed_seq"] >= head


DEMO_DIR = REPO / "services" / "registry" / "demo"
# role -> (demo organization file, external id, key name, platform source)
DEMO_KEY_OWNERS = {
    "admin": ("organizations_platform.jsonl", "org-p-001", "平台管理员", None),
    "broker": ("organizations_platform.jsonl", "org-p-002", "技术经纪人 陈立", None),
    "enterprise": ("organizations_demand.jsonl", "org-d-001", "企业用户", None),
    "platform": ("organizations_platform.jsonl", "org-p-003", "长三角技术交易协作平台 同步", "yrd-platform"),
}


def demo_org_id(file: str, external_id: str) -> str:
    """Registry id of a demo organization, found by its credit code from the demo file."""
    for line in (DEMO_DIR / file).read_text().splitlines():
        org = json.loads(line)
        if org["external_ref"]["external_id"] == external_id:
            found = httpx.get(url("registry") + "/v1/organizations", params={"credit_code": org["credit_code"]},
                              headers={"X-Service-Token": TOKEN}, timeout=5).json()["items"]
            if found:
                return found[0]["id"]
    sys.exit(f"demo organization {external_id} not in the registry; did load-demo run?")


def demo_keys() -> dict[str, str]:
    """Reuse keys from an earlier run if the gateway still accepts them, else create fresh ones."""
    if KEYS_FILE.exists():
        keys = json.loads(KEYS_FILE.read_text())
        check = httpx.get(url("gateway") + "/v1/taxonomy", headers={"Authorization": f"Bearer {keys.get('admin', '')}"}, timeout=5)
        if check.status_code == 200 and set(keys) == set(DEMO_KEY_OWNERS):
            return keys
    keys = {}
    for role, (file, external_id, name, source) in DEMO_KEY_OWNERS.items():
        args = ["-m", "services.gateway", "create-key", "--role", role, "--org-id", demo_org_id(file, external_id), "--name", name]
        keys[role] = run_cli(*args, *(["--source", source] if source else [])).strip().splitlines()[-1]
    KEYS_FILE.write_text(json.dumps(keys, indent=2))
    KEYS_FILE.chmod(0o600)
    return keys


def banner(keys: dict[str, str]) -> str:
    g = url("gateway")
    return f"""
Green technology transfer matching platform is running (data in {DATA}).

  Gateway (public API)   {g}          OpenAPI docs: {g}/docs
  Broker console         {g}/console  (sign in with the broker key below)
  Registry (internal)    {url('registry')}   matching (internal) {url('matching')}

Demo API keys (also in {KEYS_FILE}):
""" + "\n".join(f"  {role:<11}{key}" for role, key in keys.items()) + f"""

Try:
  curl -s {g}/v1/technologies?domain=pollution_control -H 'Authorization: Bearer {keys.get('broker', '')}'
  curl -s -X POST {g}/v1/search -H 'Authorization: Bearer {keys.get('broker', '')}' -H 'Content-Type: application/json' \\
       -d '{{"query": "我们厂喷漆车间的有机废气浓度低风量大，想找治理办法", "target": "technology", "k": 5}}'
  curl -s -X POST {g}/v1/demands -H 'Authorization: Bearer {keys.get('enterprise', '')}' -H 'Content-Type: application/json' \\
       -d '{{"title": "印染废水深度处理回用", "description": "印染厂每天3000吨废水，想提标改造并回用60%以上"}}'

Press Ctrl-C to stop.
"""


def main() -> None:
    DATA.mkdir(parents=True, exist_ok=True)
    (DATA / "matching").mkdir(exist_ok=True)
    procs: list[subprocess.Popen] = []

    def stop(*_: object) -> None:
        for p in reversed(procs):
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
        sys.exit(0)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    print("migrating and loading demo data into the registry ...", flush=True)
    run_cli("-m", "services.registry", "migrate")
    for file, report in json.loads(run_cli("-m", "services.registry", "load-demo")).items():
        statuses = ", ".join(f"{n} {s}" for s, n in report.get("statuses", {}).items())
        print(f"  {file}: {report['created']} created, {report['updated']} updated, {report['unchanged']} unchanged"
              + (f" ({statuses})" if statuses else ""), flush=True)
    start("registry", procs)
    print("starting matching (loads the embedding model, indexes the demo data) ...", flush=True)
    start("matching", procs)
    wait_until("matching to index the demo data", matching_caught_up, procs)
    start("gateway", procs)
    print(banner(demo_keys()), flush=True)
    while all(p.poll() is None for p in procs):
        time.sleep(1)
    print(f"a service stopped; see {DATA}/*.log", file=sys.stderr)
    stop()


if __name__ == "__main__":
    main()
