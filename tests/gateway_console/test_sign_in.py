"""Signing in and out of the console: cookie attributes, role check, CSRF, redirects."""
from __future__ import annotations

from fastapi.testclient import TestClient

from tests.gateway_console.conftest import browser, csrf_of, sign_in
from tests.gateway_workflow.test_end_to_end import ok


def test_signed_out_pages_redirect_to_sign_in(gateway: TestClient) -> None:
    client = browser(gateway)
    resp = client.get("/console/deals", follow_redirects=False)
    assert resp.status_code == 303
    assert resp.headers["location"] == "/console/login?next=/console/deals"
    page = client.get("/console/login?next=//evil.example/x")
    assert page.status_code == 200 and "API 密钥" in page.text
    assert 'value="/console/demands"' in page.text  # a foreign `next` is not followed after sign-in
    assert client.get("/console/static/console.css").status_code == 200


def test_sign_in_keeps_the_key_in_a_strict_httponly_cookie_and_sign_out_clears_it(gateway: TestClient, world: dict) -> None:
    client = sign_in(browser(gateway), world["keys"]["broker"])
    page = client.get("/console/demands")
    assert page.status_code == 200 and "经纪人王工" in page.text and "技术经纪人" in page.text
    assert world["keys"]["broker"] not in page.text  # the key is never put into a page
    assert "script-src 'self'" in page.headers["content-security-policy"]

    fresh = browser(gateway)
    token = csrf_of(fresh.get("/console/login").text)
    resp = fresh.post("/console/login", data={"key": world["keys"]["broker"], "csrf_token": token}, follow_redirects=False)
    cookie = next(c for c in resp.headers.get_list("set-cookie") if c.startswith("gt_console_key="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/console" in cookie

    out = client.post("/console/logout", data={"csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert out.status_code == 303
    assert client.get("/console/demands", follow_redirects=False).status_code == 303


def test_other_roles_and_bad_keys_get_a_clear_message(gateway: TestClient, world: dict) -> None:
    client = browser(gateway)
    token = csrf_of(client.get("/console/login").text)
    admin = world["bearer"](world["keys"]["admin"])
    platform_key = ok(gateway.post("/v1/keys", headers=admin, json={"role": "platform", "org_id": world["orgs"]["broker"],
                                                                   "name": "对接平台", "source": "zjtm"}), 201)["key"]
    refused = client.post("/console/login", data={"key": platform_key, "csrf_token": token})
    assert refused.status_code == 403  # evaluators sign in since issue #10 (test_evaluation_pages.py); platforms use the API
    assert "仅供技术经纪人、平台管理员、企业、技术评价机构和执法/司法机关使用" in refused.text and "第三方交易平台" in refused.text
    assert "gt_console_key" not in refused.headers.get("set-cookie", "")
    wrong = client.post("/console/login", data={"key": "gtk_not_a_real_key_at_all", "csrf_token": token})
    assert wrong.status_code == 403 and "密钥无法使用" in wrong.text
    empty = client.post("/console/login", data={"key": " ", "csrf_token": token})
    assert empty.status_code == 422 and "请输入 API 密钥" in empty.text


def test_enterprise_keys_only_reach_the_trading_pages(gateway: TestClient, world: dict) -> None:
    client = sign_in(browser(gateway), world["keys"]["buyer"])  # asked for /console/demands, lands in the hall
    assert client.get("/console/login", follow_redirects=False).headers["location"] == "/console/trading"
    hall = client.get("/console/trading")
    assert hall.status_code == 200 and "挂牌与拍卖" in hall.text and 'href="/console/demands"' not in hall.text
    demands = client.get("/console/demands")
    assert demands.status_code == 403 and "企业密钥可使用交易大厅" in demands.text and "融资与侵权记录页面" in demands.text


def test_admin_may_sign_in(gateway: TestClient, world: dict) -> None:
    client = sign_in(browser(gateway), world["keys"]["admin"])
    assert "平台管理员" in client.get("/console/demands").text


def test_forms_without_the_session_token_are_refused(gateway: TestClient, world: dict, broker: TestClient) -> None:
    client = browser(gateway)
    assert client.post("/console/login", data={"key": world["keys"]["broker"]}).status_code == 403
    forged = broker.post(f"/console/demands/{world['demand']['id']}/engagement", data={"csrf_token": "forged"})
    assert forged.status_code == 403 and "CSRF" in forged.text
    assert broker.get("/console/engagements").text.count("/console/engagements/eng_") == 0
