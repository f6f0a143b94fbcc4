"""Console tests: the gateway in-process (TestClient) against a real registry on a loopback port; the browser
test (test_browser.py) starts registry, matching and gateway for real and drives Debian's Chromium."""
from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from services.gateway.app import create_app
from services.gateway.auth import service as key_service
from services.gateway.auth.schemas import ApiKeyCreate
from services.gateway.settings import GatewaySettings
from tests.gateway_workflow.test_end_to_end import DEMAND, TECHNOLOGIES, ok
from tests.support.servers import TEST_SERVICE_TOKEN, free_port, running

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "page has no CSRF token field"
    return match.group(1)


def browser(gateway: TestClient) -> TestClient:
    """Another browser (own cookie jar) on the same running app. It shares the app's event loop: the gateway's
    upstream HTTP clients are bound to the loop the app started on."""
    client = TestClient(gateway.app)
    client.portal = gateway.portal
    return client


def sign_in(client: TestClient, key: str) -> TestClient:
    """Sign in through the login form, as a browser does; the client keeps the cookies."""
    token = csrf_of(client.get("/console/login").text)
    resp = client.post("/console/login", data={"key": key, "csrf_token": token, "next": "/console/demands"},
                       follow_redirects=False)
    assert resp.status_code == 303, resp.text[:500]
    return client


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("registry")
    env = {"REGISTRY_DATA_DIR": str(tmp), "REGISTRY_SERVICE_TOKEN": TEST_SERVICE_TOKEN,
           "REGISTRY_DATABASE_URL": f"sqlite:///{tmp}/r.db"}
    with running("registry", "services.registry.app:create_app", env, tmp, port=free_port()) as svc:
        yield svc


@pytest.fixture(scope="module")
def gateway(registry, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """Matching is pointed at a closed port: pages must say so instead of failing."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GATEWAY_WORKFLOW_WORKERS", "false")
        settings = GatewaySettings(data_dir=tmp_path_factory.mktemp("gateway"), service_token=TEST_SERVICE_TOKEN,
                                   registry_url=registry.url, matching_url="http://127.0.0.1:9", upstream_timeout=10)
        with TestClient(create_app(settings)) as client:
            yield client


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture(scope="module")
def world(gateway: TestClient) -> dict:
    """Organizations, keys of every role, a published demand and two technologies, created over the API."""
    with Session(gateway.app.state.engine) as s:
        _, admin_key = key_service.create_key(s, ApiKeyCreate(role="admin", org_id="org_ops", name="平台管理员"), created_by=None)
        s.commit()
    admin = _bearer(admin_key)
    orgs = {name: ok(gateway.post("/v1/organizations", headers=admin, json={"name": title, "type": kind}), 201)["id"]
            for name, title, kind in [("buyer", "浙江安居家具制造有限公司", "enterprise"),
                                      ("seller", "苏州净气环保科技研究院", "research_institute"),
                                      ("broker", "杭州绿桥技术转移服务中心", "intermediary")]}

    def key(role: str, org: str, name: str) -> str:
        return ok(gateway.post("/v1/keys", headers=admin, json={"role": role, "org_id": org, "name": name}), 201)["key"]

    keys = {"admin": admin_key, "buyer": key("enterprise", orgs["buyer"], "家具厂对接"),
            "seller": key("enterprise", orgs["seller"], "研究院技术转移办"), "broker": key("broker", orgs["broker"], "经纪人王工")}
    demand = ok(gateway.post("/v1/demands", headers=_bearer(keys["buyer"]), json=DEMAND), 201)
    techs = [ok(gateway.post("/v1/technologies", headers=_bearer(keys["seller"]),
                             json={k: v for k, v in t.items() if k != "external_ref"}), 201) for t in TECHNOLOGIES[:2]]
    return {"orgs": orgs, "keys": keys, "demand": demand, "techs": techs, "bearer": _bearer}


@pytest.fixture(scope="module")
def broker(gateway: TestClient, world: dict) -> TestClient:
    """A browser-like client signed in as the broker (its own cookie jar, same app)."""
    return sign_in(browser(gateway), world["keys"]["broker"])
