"""Schemathesis (v4, its CLI as a subprocess) against the three real services: every response must be
documented (status, content type, headers) and match its schema, and nothing may answer 5xx that the
document does not list. Bounded: fixed seed, 25 cases per operation, no shrinking, one worker, a time cap.

Each run prints its figures (operations, cases, failures by kind) and, on failure, schemathesis' own report
with a curl line per failure to reproduce it.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.contract.conftest import Services
from tests.support.servers import TEST_SERVICE_TOKEN

ST = str(Path(sys.executable).with_name("st"))
CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,"
          "response_schema_conformance,response_headers_conformance")
SEED = 42
EXAMPLES_PER_OPERATION = 25
RUN_TIMEOUT = 480  # seconds per run; a run that needs longer is a failure, not a hang

# The admin run covers every operation with every phase; the role runs re-check the operations each role
# uses (their answers differ: 403s, own-tenant filtering) without the boundary-value coverage phase.
ROLE_PHASES = "examples,fuzzing"
BROKER_TAGS = "^(brokers|introductions|deals|commissions|matching|stats)$"
ENTERPRISE_TAGS = "^(technologies|demands|organizations|introductions|deals|interests|webhooks|catalog)$"


def fuzz(name: str, base_url: str, headers: dict[str, str], out: Path, *extra: str,
         phases: str = "examples,coverage,fuzzing") -> dict:
    report = out / f"{name}.json"
    cmd = [ST, "run", f"{base_url}/openapi.json", "--checks", CHECKS, "--max-examples", str(EXAMPLES_PER_OPERATION),
           "--seed", str(SEED), "--no-shrink", "--workers", "1", "--phases", phases,
           "--request-timeout", "60", "--report", "json", "--report-json-path", str(report), *extra]
    for header, value in headers.items():
        cmd += ["--header", f"{header}: {value}"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=RUN_TIMEOUT)
    assert report.exists(), f"schemathesis wrote no report:\n{proc.stdout[-4000:]}\n{proc.stderr[-2000:]}"
    result = json.loads(report.read_text())
    failures = {f["code"] + " " + f["title"]: (f["count"], f["operations"]) for f in result["failures"]}
    print(f"\n[{name}] operations tested {result['operations']['tested']}/{result['operations']['selected']}, "
          f"cases {result['test_cases']['generated']}, with failures {result['test_cases']['with_failures']}, "
          f"errors {len(result['errors'])}, {result['running_time']:.0f}s")
    for kind, (count, operations) in failures.items():
        print(f"  {kind}: {count} in {', '.join(operations)}")
    if result["exit_code"] != 0:
        print(proc.stdout[-12000:])
    return result


# Known gateway bug, fixed in gateway logic by the lead (not in this branch's files): a record id with a control
# character (e.g. /v1/technologies/%03) is put into the upstream URL unquoted and httpx refuses it -> 500.
KNOWN_GATEWAY_BUG = "httpx.InvalidURL"
KNOWN_REASON = "known gateway bug: path ids with control characters reach httpx unquoted (InvalidURL -> 500)"


def xfail_if_only_known_bug(result: dict, services: Services) -> None:
    """xfail (not pass) when the only failures are 5xx whose every logged cause, in all three services' logs
    (a registry 500 reaches the gateway's client as a 502), is the known bug; anything else still fails, and
    once the bug is fixed the test passes again by itself."""
    kinds = {f["code"] for f in result["failures"]}
    logs = services.gateway.log() + services.registry.log() + services.matching.log()
    causes = set(re.findall(r"^(\w+(?:\.\w+)*(?:Error|Exception|URL)): ", logs, flags=re.MULTILINE))
    if result["failures"] and not result["errors"] and kinds <= {"ST101", "ST103"} and causes == {KNOWN_GATEWAY_BUG}:
        pytest.xfail(KNOWN_REASON)


def assert_clean(result: dict) -> None:
    assert result["operations"]["tested"] > 0
    assert not result["errors"], result["errors"]
    assert not result["failures"], [(f["title"], f["operations"]) for f in result["failures"]]
    assert result["exit_code"] == 0


@pytest.fixture(scope="module")
def role_keys(services: Services) -> dict[str, str]:
    """A broker and an enterprise key (organizations registered first), made over the API by the admin."""
    admin = services.client(services.admin_key)
    keys = {}
    for role, name, kind in (("broker", "杭州绿桥技术转移服务中心", "intermediary"), ("enterprise", "浙江安居家具制造有限公司", "enterprise")):
        org = admin.post("/v1/organizations", json={"name": name, "type": kind})
        assert org.status_code == 201, org.text
        key = admin.post("/v1/keys", json={"role": role, "org_id": org.json()["id"], "name": f"模糊测试{role}"})
        assert key.status_code == 201, key.text
        keys[role] = key.json()["key"]
    return keys


def test_registry_conforms_to_its_openapi(services: Services, tmp_path: Path) -> None:
    assert_clean(fuzz("registry", services.registry.url, {"X-Service-Token": TEST_SERVICE_TOKEN}, tmp_path))


def test_matching_conforms_to_its_openapi(services: Services, tmp_path: Path) -> None:
    assert_clean(fuzz("matching", services.matching.url, {"X-Service-Token": TEST_SERVICE_TOKEN}, tmp_path))


def test_gateway_conforms_to_its_openapi_as_admin(services: Services, tmp_path: Path) -> None:
    result = fuzz("gateway-admin", services.gateway.url, {"Authorization": f"Bearer {services.admin_key}"}, tmp_path)
    xfail_if_only_known_bug(result, services)
    assert_clean(result)


def test_gateway_conforms_to_its_openapi_as_broker(services: Services, role_keys: dict[str, str], tmp_path: Path) -> None:
    result = fuzz("gateway-broker", services.gateway.url, {"Authorization": f"Bearer {role_keys['broker']}"}, tmp_path,
                  "--include-tag-regex", BROKER_TAGS, phases=ROLE_PHASES)
    xfail_if_only_known_bug(result, services)
    assert_clean(result)


def test_gateway_conforms_to_its_openapi_as_enterprise(services: Services, role_keys: dict[str, str], tmp_path: Path) -> None:
    result = fuzz("gateway-enterprise", services.gateway.url, {"Authorization": f"Bearer {role_keys['enterprise']}"}, tmp_path,
                  "--include-tag-regex", ENTERPRISE_TAGS, phases=ROLE_PHASES)
    xfail_if_only_known_bug(result, services)
    assert_clean(result)
