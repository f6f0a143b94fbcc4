"""Gateway test fixtures: the gateway in-process (TestClient), a real registry on a loopback port when needed."""
from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from services.gateway.app import create_app
from services.gateway.auth import service as key_service
from services.gateway.auth.roles import Role
from services.gateway.auth.schemas import ApiKeyCreate
from services.gateway.settings import GatewaySettings
from tests.support.servers import TEST_SERVICE_TOKEN, free_port, running

REGISTRY_FACTORY = "services.registry.app:create_app"
DEMO_TECHNOLOGIES = Path(__file__).resolve().parents[2] / "services/registry/demo/technologies.jsonl"


def demo_technology(title: str, **extra) -> dict:
    """The first demo technology as an enterprise would create it (no owner, platform ref or credit code), retitled."""
    base = json.loads(DEMO_TECHNOLOGIES.read_text(encoding="utf-8").splitlines()[0])
    for key in ("owner_org_id", "external_ref", "owner_credit_code"):
        base.pop(key, None)
    return {**base, "title": title, **extra}


def make_gateway(tmp: Path, **overrides) -> TestClient:
    settings = GatewaySettings(
        data_dir=tmp, service_token=TEST_SERVICE_TOKEN,
        **{"registry_url": "http://127.0.0.1:9", "matching_url": "http://127.0.0.1:9", "upstream_timeout": 3.0, **overrides},
    )
    return TestClient(create_app(settings))


def issue_key(client: TestClient, role: Role, org_id: str, *, source: str | None = None, name: str = "测试密钥") -> str:
    """Bootstrap a key straight into the gateway's DB (as the CLI does) and return it."""
    with Session(client.app.state.engine) as session:
        _row, key = key_service.create_key(session, ApiKeyCreate(role=role, org_id=org_id, name=name, source=source), created_by=None)
        session.commit()
    return key


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[TestClient]:
    with make_gateway(tmp_path) as client:
        yield client


@pytest.fixture
def admin_key(gateway: TestClient) -> str:
    return issue_key(gateway, Role.admin, "org_platform_ops", name="平台管理员")


def registry_available() -> str | None:
    try:
        import services.registry.app  # noqa: F401
    except ImportError as exc:
        return f"registry app not importable yet ({exc})"
    return None


@pytest.fixture(scope="module")
def registry_service(tmp_path_factory: pytest.TempPathFactory):
    reason = registry_available()
    if reason:
        pytest.skip(reason)
    tmp = tmp_path_factory.mktemp("registry")
    env = {"REGISTRY_DATA_DIR": str(tmp), "REGISTRY_SERVICE_TOKEN": TEST_SERVICE_TOKEN, "REGISTRY_DATABASE_URL": f"sqlite:///{tmp}/registry.db"}
    with running("registry", REGISTRY_FACTORY, env, tmp, port=free_port()) as svc:
        svc.env = env  # type: ignore[attr-defined]
        svc.tmp = tmp  # type: ignore[attr-defined]
        yield svc


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts TCP connections but never answers (a hung upstream)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(16)
        yield s.getsockname()[1]
