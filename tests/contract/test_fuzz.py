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


CAUSE = re.compile(r"^(\w+(?:\.\w+)*(?:Error|Exception|URL)): (.{0,160})", re.MULTILINE)


def logs_of(services: Services) -> dict[str, str]:
    return {s.name: s.log() for s in (services.registry, services.matching, services.gateway)}


def fuzz(name: str, base_url: str, headers: dict[str, str], out: Path, services: Services, *extra: str,
         phases: str = "examples,coverage,fuzzing") -> dict:
    before = {k: len(v) for k, v in logs_of(services).items()}
    report = out / f"{name}.json"
    cmd = [ST, "run", f"{base_url}/openapi.json", "--checks", CHECKS, "--max-examples", str(EXAMPLES_PER_OPERATION),
           "--seed", str(SEED), "--no-shrink", "--workers", "1", "--phases", phases,
           "--request-timeout", "60", "--report", "json", "--report-json-path", str(report), *extra]
    for header, value in headers.items():
        cmd += ["--header", f"{header}: {value}"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=RUN_TIMEOUT, cwd=out)  # its .schemathesis/ goes there
    assert report.exists(), f"schemathesis wrote no report:\n{proc.stdout[-4000:]}\n{proc.stderr[-2000:]}"
    result = json.loads(report.read_text())
    failures = {f["code"] + " " + f["title"]: (f["count"], f["operations"]) for f in result["failures"]}
    print(f"\n[{name}] operations tested {result['operations']['tested']}/{result['operations']['selected']}, "
          f"cases {result['test_cases']['generated']}, with failures {result['test_cases']['with_failures']}, "
          f"errors {len(result['errors'])}, {result['running_time']:.0f}s")
    for kind, (count, operations) in failures.items():
        print(f"  {kind}: {count} in {', '.join(operations)}")
    for service, log in logs_of(services).items():  # what the services logged as the cause of their 500s
        causes: dict[str, int] = {}
        for kind, message in CAUSE.findall(log[before[service]:]):
            causes[f"{kind}: {message}"] = causes.get(f"{kind}: {message}", 0) + 1
        for cause, count in sorted(causes.items(), key=lambda c: -c[1])[:10]:
            print(f"  {service} logged {count}x {cause}")
    if result["exit_code"] != 0:
        print(proc.stdout)
    return result


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
    assert_clean(fuzz("registry", services.registry.url, {"X-Service-Token": TEST_SERVICE_TOKEN}, tmp_path, services))


def test_matching_conforms_to_its_openapi(services: Services, tmp_path: Path) -> None:
    assert_clean(fuzz("matching", services.matching.url, {"X-Service-Token": TEST_SERVICE_TOKEN}, tmp_path, services))


def test_gateway_conforms_to_its_openapi_as_admin(services: Services, tmp_path: Path) -> None:
    result = fuzz("gateway-admin", services.gateway.url, {"Authorization": f"Bearer {services.admin_key}"}, tmp_path,
                  services)
    assert_clean(result)


def test_gateway_conforms_to_its_openapi_as_broker(services: Services, role_keys: dict[str, str], tmp_path: Path) -> None:
    result = fuzz("gateway-broker", services.gateway.url, {"Authorization": f"Bearer {role_keys['broker']}"}, tmp_path, services,
                  "--include-tag-regex", BROKER_TAGS, phases=ROLE_PHASES)
    assert_clean(result)


def test_gateway_conforms_to_its_openapi_as_enterprise(services: Services, role_keys: dict[str, str], tmp_path: Path) -> None:
    result = fuzz("gateway-enterprise", services.gateway.url, {"Authorization": f"Bearer {role_keys['enterprise']}"}, tmp_path, services,
                  "--include-tag-regex", ENTERPRISE_TAGS, phases=ROLE_PHASES)
    assert_clean(result)
