"""IP services and green finance through the gateway (in-process) with a real registry on a loopback port."""
from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from services.gateway.app import create_app
from services.gateway.auth import service as key_service
from services.gateway.auth.schemas import ApiKeyCreate
from services.gateway.settings import GatewaySettings
from shared.identifiers import patent_check_digit
from tests.gateway_workflow.test_end_to_end import DEMAND, TECHNOLOGIES
from tests.support.servers import TEST_SERVICE_TOKEN, free_port, running


def number(digits: str) -> str:
    """A valid CN application number for 12 digits (the check digit computed)."""
    return f"CN{digits}.{patent_check_digit(digits)}"


def bad_number(digits: str) -> str:
    """The same number with a wrong check digit."""
    good = patent_check_digit(digits)
    return f"CN{digits}.{'1' if good != '1' else '2'}"


def ok(resp: httpx.Response, status: int = 200):
    assert resp.status_code == status, f"{resp.request.method} {resp.request.url} → {resp.status_code}: {resp.text[:1500]}"
    return resp.json() if resp.content else None


def problem(resp: httpx.Response, status: int, field_name: str | None = None) -> dict:
    assert resp.status_code == status, f"expected {status}, got {resp.status_code}: {resp.text[:1000]}"
    assert resp.headers["content-type"].startswith("application/problem+json"), resp.headers["content-type"]
    body = resp.json()
    if field_name is not None:
        fields = [e["field"] for e in body.get("errors", [])] + [body.get("field") or ""]
        assert any(f == field_name or f.startswith(field_name + ".") for f in fields), (field_name, body)
    return body


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("registry")
    env = {"REGISTRY_DATA_DIR": str(tmp), "REGISTRY_SERVICE_TOKEN": TEST_SERVICE_TOKEN, "REGISTRY_DATABASE_URL": f"sqlite:///{tmp}/r.db"}
    with running("registry", "services.registry.app:create_app", env, tmp, port=free_port()) as svc:
        svc.env = env  # type: ignore[attr-defined]
        yield svc


@pytest.fixture(scope="module")
def gateway(registry, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    mp = pytest.MonkeyPatch()
    mp.setenv("GATEWAY_WORKFLOW_WORKERS", "false")  # no feed follower in these tests
    settings = GatewaySettings(data_dir=tmp_path_factory.mktemp("gw"), service_token=TEST_SERVICE_TOKEN, registry_url=registry.url,
                               matching_url="http://127.0.0.1:9", upstream_timeout=10)
    with TestClient(create_app(settings)) as client:
        yield client
    mp.undo()


def _key(gw: TestClient, admin: dict, role: str, org: str) -> dict:
    key = ok(gw.post("/v1/keys", headers=admin, json={"role": role, "org_id": org, "name": "测试"}), 201)["key"]
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture(scope="module")
def world(gateway: TestClient) -> dict:
    with Session(gateway.app.state.engine) as s:
        _, admin_key = key_service.create_key(s, ApiKeyCreate(role="admin", org_id="org_ops", name="管理员"), created_by=None)
        s.commit()
    admin = {"Authorization": f"Bearer {admin_key}"}
    orgs = {name: ok(gateway.post("/v1/organizations", headers=admin, json={"name": title, "type": kind, "region": region}), 201)["id"]
            for name, title, kind, region in [
                ("buyer", "宁波印染有限公司", "enterprise", "330200"), ("seller", "江南大学环境学院", "university", "320200"),
                ("broker", "宁波技术经纪服务中心", "intermediary", "330200"), ("other", "深圳某科技公司", "enterprise", "440300"),
                ("bank", "绿色银行杭州分行", "financial_institution", "330100")]}
    keys = {"admin": admin, **{name: _key(gateway, admin, "broker" if name == "broker" else "enterprise", org) for name, org in orgs.items()}}
    demand = ok(gateway.post("/v1/demands", headers=keys["buyer"], json=DEMAND), 201)
    techs = [ok(gateway.post("/v1/technologies", headers=keys["seller"],
                             json={k: v for k, v in t.items() if k != "external_ref"}), 201) for t in TECHNOLOGIES[:2]]
    return {"orgs": orgs, "keys": keys, "demand": demand, "techs": techs}


def introduce_and_accept(gw: TestClient, world: dict, tech_index: int) -> dict:
    """Broker introduction of the seller's technology to the buyer's demand, accepted: the deal."""
    k = world["keys"]
    eng = ok(gw.post("/v1/engagements", headers=k["broker"], json={"subject_entity": "demand", "subject_id": world["demand"]["id"]}), 201)
    entry = ok(gw.post(f"/v1/engagements/{eng['id']}/shortlist", headers=k["broker"],
                       json={"candidate_id": world["techs"][tech_index]["id"], "note": "备选"}), 201)
    intro = ok(gw.post(f"/v1/engagements/{eng['id']}/shortlist/{entry['id']}/introduction", headers=k["broker"], json={}), 201)
    return ok(gw.post(f"/v1/introductions/{intro['id']}/accept", headers=k["seller"], json={}), 201)
