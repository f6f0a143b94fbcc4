"""Technology evaluation through the gateway (in-process, manual clock) with a real registry and a real matching
service on loopback ports (matching follows the registry's feed, as in production)."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from services.gateway.auth.roles import Role
from services.gateway.trading_common.clock import ManualClock
from tests.gateway.conftest import auth, issue_key, make_gateway
from tests.gateway_trading.conftest import ok, problem, technology  # noqa: F401 - shared helpers
from tests.support.servers import TEST_SERVICE_TOKEN, free_port, running

START = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


@dataclass
class World:
    gw: TestClient
    clock: ManualClock
    keys: dict[str, str]
    orgs: dict[str, str]
    registry_url: str
    technologies: dict[str, dict] = field(default_factory=dict)

    def call(self, who: str, method: str, path: str, **kw: Any) -> httpx.Response:
        return self.gw.request(method, path, headers={**auth(self.keys[who]), **kw.pop("headers", {})}, **kw)


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    tmp = tmp_path_factory.mktemp("evaluation_services")
    registry_env = {"REGISTRY_DATA_DIR": str(tmp / "registry"), "REGISTRY_SERVICE_TOKEN": TEST_SERVICE_TOKEN,
                    "REGISTRY_DATABASE_URL": f"sqlite:///{tmp}/registry.db"}
    with running("registry", "services.registry.app:create_app", registry_env, tmp, port=free_port()) as registry:
        matching_env = {"MATCHING_DATA_DIR": str(tmp / "matching"), "MATCHING_SERVICE_TOKEN": TEST_SERVICE_TOKEN,
                        "MATCHING_REGISTRY_URL": registry.url, "MATCHING_POLL_INTERVAL": "0.2", "MATCHING_CATCH_UP_WAIT": "20"}
        with running("matching", "services.matching.app:create_app", matching_env, tmp, port=free_port(), timeout=300) as matching:
            yield registry.url, matching.url


@pytest.fixture(scope="module")
def world(services: tuple[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    registry_url, matching_url = services
    tmp = tmp_path_factory.mktemp("gateway_evaluation")
    with make_gateway(tmp, registry_url=registry_url, matching_url=matching_url, upstream_timeout=30.0) as gw:
        clock = ManualClock(START)
        gw.app.state.trading_clock = clock
        admin = issue_key(gw, Role.admin, "org_platform_ops", name="平台管理员")
        orgs = {}
        for name, label in (("S", "清华大学技术转移研究院"), ("B", "杭州绿源环保科技有限公司"), ("C", "苏州清流水处理有限公司")):
            orgs[name] = ok(gw.post("/v1/organizations", json={"name": label, "type": "enterprise"}, headers=auth(admin)), 201)["id"]
        keys = {"admin": admin, "broker": issue_key(gw, Role.broker, "org_broker"),
                "evaluator": issue_key(gw, Role.evaluator, "org_eval_cnis"),  # an independent evaluation body
                "evaluator_S": issue_key(gw, Role.evaluator, orgs["S"]),  # S's own evaluation department
                "evaluator_B": issue_key(gw, Role.evaluator, orgs["B"]),  # B will buy S's technology
                "evaluator_other": issue_key(gw, Role.evaluator, "org_eval_other"),  # never appointed to a challenge
                **{name: issue_key(gw, Role.enterprise, org) for name, org in orgs.items()}}
        world = World(gw, clock, keys, orgs, registry_url)
        for who, title in (("S", "空压机余热回收技术（高校成果）"), ("C", "芬顿氧化+生化组合印染废水处理技术")):
            world.technologies[who] = ok(world.call(who, "POST", "/v1/technologies", json=technology(title)), 201)
            assert world.technologies[who]["status"] == "published", world.technologies[who]
        yield world
