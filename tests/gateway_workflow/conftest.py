"""Registry, matching and gateway started for real on loopback ports (subprocess uvicorn), talked to over HTTP."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.support.servers import REPO, TEST_SERVICE_TOKEN, RunningService, free_port, running, start_service

# The rules the end-to-end test checks figures against (marginal tiers, a minimum and a cap).
TEST_RULES = {
    "mode": "marginal",
    "tiers": [
        {"up_to_cny": "1000000.00", "rate": "0.05"},
        {"up_to_cny": "5000000.00", "rate": "0.03"},
        {"up_to_cny": None, "rate": "0.01"},
    ],
    "minimum_cny": "5000.00",
    "cap_cny": "500000.00",
}


def _importable(module: str) -> str | None:
    try:
        __import__(module)
    except ImportError as exc:
        return f"{module} not importable yet ({exc})"
    return None


@dataclass
class Platform:
    registry: RunningService
    matching: RunningService
    gateway: RunningService
    gateway_env: dict[str, str]
    tmp: Path
    admin_key: str

    def client(self, key: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return httpx.Client(base_url=self.gateway.url, headers=headers, timeout=60)

    def restart_gateway(self) -> None:
        self.gateway.kill()
        self.gateway = start_service("gateway", "services.gateway.app:create_app", self.gateway_env, self.tmp, port=free_port())


def cli_create_key(env: dict[str, str], role: str, org_id: str, name: str) -> str:
    """A key made with the gateway's own CLI, as an operator bootstraps the first admin."""
    out = subprocess.run(
        [sys.executable, "-m", "services.gateway", "create-key", "--role", role, "--org-id", org_id, "--name", name],
        cwd=REPO, env={**os.environ, **env, "PYTHONPATH": str(REPO)}, capture_output=True, text=True, check=True,
    )
    return out.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    for module in ("services.registry.app", "services.matching.app"):
        reason = _importable(module)
        if reason:
            pytest.skip(reason)
    tmp = tmp_path_factory.mktemp("platform")
    registry_env = {"REGISTRY_DATA_DIR": str(tmp / "registry"), "REGISTRY_SERVICE_TOKEN": TEST_SERVICE_TOKEN,
                    "REGISTRY_DATABASE_URL": f"sqlite:///{tmp}/registry.db"}
    with running("registry", "services.registry.app:create_app", registry_env, tmp, port=free_port()) as registry:
        matching_env = {"MATCHING_DATA_DIR": str(tmp / "matching"), "MATCHING_SERVICE_TOKEN": TEST_SERVICE_TOKEN,
                        "MATCHING_REGISTRY_URL": registry.url, "MATCHING_POLL_INTERVAL": "0.2",
                        "MATCHING_CATCH_UP_WAIT": "10"}
        with running("matching", "services.matching.app:create_app", matching_env, tmp, port=free_port(), timeout=300) as matching:
            gateway_env = {
                "GATEWAY_DATA_DIR": str(tmp / "gateway"), "GATEWAY_DATABASE_URL": f"sqlite:///{tmp}/gateway.db",
                "GATEWAY_SERVICE_TOKEN": TEST_SERVICE_TOKEN, "GATEWAY_REGISTRY_URL": registry.url,
                "GATEWAY_MATCHING_URL": matching.url, "GATEWAY_UPSTREAM_TIMEOUT": "30",
                "GATEWAY_COMMISSION_RULES": json.dumps(TEST_RULES), "GATEWAY_FEED_POLL_SECONDS": "0.2",
                "GATEWAY_WEBHOOK_POLL_SECONDS": "0.1", "GATEWAY_WEBHOOK_ALLOW_PRIVATE_TARGETS": "true", "GATEWAY_WEBHOOK_BACKOFF_SECONDS": "0.2",
            }
            admin_key = cli_create_key(gateway_env, "admin", "org_platform_ops", "平台管理员")
            gateway = start_service("gateway", "services.gateway.app:create_app", gateway_env, tmp, port=free_port())
            plat = Platform(registry, matching, gateway, gateway_env, tmp, admin_key)
            try:
                yield plat
            finally:
                plat.gateway.kill()
