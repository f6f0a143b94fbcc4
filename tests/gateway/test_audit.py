"""The audit log: every gateway state change recorded, admin-only, filterable, paginated, append-only."""
from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from services.gateway.auth.roles import Role
from tests.gateway.conftest import auth, issue_key


def test_key_changes_are_audited_and_paginated(gateway, admin_key):
    ids = [gateway.post("/v1/keys", json={"role": "broker", "org_id": "org_b", "name": f"经纪人{i}"}, headers=auth(admin_key)).json()["id"]
           for i in range(3)]
    gateway.post(f"/v1/keys/{ids[0]}/revoke", headers=auth(admin_key))

    page = gateway.get("/v1/audit", params={"action": "key.create", "limit": 2}, headers=auth(admin_key)).json()
    assert [e["entity_id"] for e in page["items"]] == [ids[2], ids[1]]  # newest first
    rest = gateway.get("/v1/audit", params={"action": "key.create", "limit": 2, "cursor": page["next_cursor"]}, headers=auth(admin_key)).json()
    assert [e["entity_id"] for e in rest["items"]] == [ids[0]] and rest["next_cursor"] is None

    revoked = gateway.get("/v1/audit", params={"entity_id": ids[0]}, headers=auth(admin_key)).json()["items"]
    assert [e["action"] for e in revoked] == ["key.revoke", "key.create"]
    assert revoked[0]["actor_role"] == "admin" and revoked[0]["request_id"]
    assert gateway.get("/v1/audit", params={"since": "2999-01-01T00:00:00Z"}, headers=auth(admin_key)).json()["items"] == []


def test_audit_is_admin_only(gateway):
    for role in (Role.broker, Role.enterprise, Role.platform, Role.evaluator):
        key = issue_key(gateway, role, "org_x", source="zjtm" if role == Role.platform else None)
        assert gateway.get("/v1/audit", headers=auth(key)).status_code == 403


def test_database_refuses_to_change_or_delete_audit_events(gateway, admin_key):
    gateway.post("/v1/keys", json={"role": "broker", "org_id": "org_b", "name": "经纪人"}, headers=auth(admin_key))
    with Session(gateway.app.state.engine) as session:
        for stmt in ("update audit_event set action = 'x'", "delete from audit_event"):
            with pytest.raises(DBAPIError, match="append-only"):
                session.execute(text(stmt))
            session.rollback()
        assert session.execute(text("select count(*) from audit_event")).scalar() >= 1
