"""API keys: shown once, hashed at rest, revoked and expired keys refused, admin-only management, CLI."""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlmodel import Session

from services.gateway.auth.models import ApiKey
from services.gateway.auth.roles import Role
from tests.gateway.conftest import auth, issue_key
from tests.support.servers import REPO


def _create(gateway, admin_key, **body):
    payload = {"role": "enterprise", "org_id": "org_a", "name": "杭州绿源环保 对接接口", **body}
    return gateway.post("/v1/keys", json=payload, headers=auth(admin_key))


def test_key_is_shown_once_and_only_its_hash_is_stored(gateway, admin_key):
    resp = _create(gateway, admin_key)
    assert resp.status_code == 201, resp.text
    created = resp.json()
    key = created["key"]
    assert key.startswith("gtk_") and created["prefix"] in key

    listed = gateway.get("/v1/keys", headers=auth(admin_key)).json()["items"]
    assert created["id"] in {k["id"] for k in listed}
    assert all("key" not in k for k in listed)
    assert key not in gateway.get("/v1/keys", headers=auth(admin_key)).text

    with Session(gateway.app.state.engine) as session:
        row = session.get(ApiKey, created["id"])
        assert row.key_hash == hashlib.sha256(key.encode()).hexdigest()
        dumped = " ".join(str(v) for v in session.execute(text("select * from api_key")).all())
    secret = key.split("_", 2)[2]  # gtk_<prefix>_<secret>; the secret itself may contain "_"
    assert key not in dumped and secret not in dumped

    assert gateway.get("/v1/taxonomy", headers={"X-API-Key": key}).status_code != 401


def test_missing_malformed_and_wrong_keys_get_401_problem(gateway, admin_key):
    for headers in ({}, {"Authorization": "Bearer nonsense"}, {"X-API-Key": admin_key[:-2] + "xx"}):
        resp = gateway.get("/v1/keys", headers=headers)
        assert resp.status_code == 401
        assert resp.headers["content-type"].startswith("application/problem+json")
        assert resp.json()["detail"]


def test_revoked_key_is_refused_at_once(gateway, admin_key):
    created = _create(gateway, admin_key, role="admin").json()
    assert gateway.get("/v1/keys", headers=auth(created["key"])).status_code == 200
    revoked = gateway.post(f"/v1/keys/{created['id']}/revoke", headers=auth(admin_key))
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    resp = gateway.get("/v1/keys", headers=auth(created["key"]))
    assert resp.status_code == 401 and "revoked" in resp.json()["detail"]


def test_expired_key_is_refused(gateway, admin_key):
    created = _create(gateway, admin_key, role="admin", expires_at=(datetime.now(UTC) + timedelta(days=1)).isoformat()).json()
    assert gateway.get("/v1/keys", headers=auth(created["key"])).status_code == 200
    with Session(gateway.app.state.engine) as session:  # time passes: move the expiry into the past
        row = session.get(ApiKey, created["id"])
        row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
        session.add(row)
        session.commit()
    resp = gateway.get("/v1/keys", headers=auth(created["key"]))
    assert resp.status_code == 401 and "expired" in resp.json()["detail"]


def test_past_expiry_and_platform_without_source_are_422_naming_the_field(gateway, admin_key):
    past = _create(gateway, admin_key, expires_at="2001-01-01T00:00:00Z")
    assert past.status_code == 422 and past.json()["errors"][0]["field"] == "body.expires_at"
    platform = _create(gateway, admin_key, role="platform")
    assert platform.status_code == 422 and platform.json()["errors"][0]["field"] == "body.source"
    unknown_role = _create(gateway, admin_key, role="superuser")
    assert unknown_role.status_code == 422 and unknown_role.json()["errors"][0]["field"] == "body.role"


def test_only_admins_manage_keys(gateway, admin_key):
    for role in (Role.broker, Role.enterprise, Role.evaluator):
        key = issue_key(gateway, role, "org_b")
        resp = gateway.post("/v1/keys", json={"role": "admin", "org_id": "org_b", "name": "提权尝试"}, headers=auth(key))
        assert resp.status_code == 403
        assert "admin" in resp.json()["detail"]


def test_key_pages_follow_the_cursor(gateway, admin_key):
    for i in range(3):
        issue_key(gateway, Role.broker, f"org_{i}")
    seen, cursor = [], None
    while True:
        page = gateway.get("/v1/keys", params={"limit": 2, **({"cursor": cursor} if cursor else {})}, headers=auth(admin_key)).json()
        seen += [k["id"] for k in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 4
    bad = gateway.get("/v1/keys", params={"cursor": "!!"}, headers=auth(admin_key))
    assert bad.status_code == 400


def test_cli_create_key_prints_a_working_key(tmp_path):
    env = {**os.environ, "GATEWAY_DATA_DIR": str(tmp_path), "PYTHONPATH": str(REPO)}
    out = subprocess.run([sys.executable, "-m", "services.gateway", "create-key", "--role", "admin", "--org-id", "org_ops",
                          "--name", "运维管理员"], env=env, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    key = out.stdout.strip()
    from tests.gateway.conftest import make_gateway

    with make_gateway(tmp_path) as gateway:
        resp = gateway.get("/v1/keys", headers=auth(key))
        assert resp.status_code == 200
        assert resp.json()["items"][0]["name"] == "运维管理员"
