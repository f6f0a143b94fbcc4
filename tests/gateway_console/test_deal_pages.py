"""Shortlist → introduction → (owner accepts over the API) → deal stages, all through console forms."""
from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.gateway_console.conftest import csrf_of
from tests.gateway_workflow.test_end_to_end import ok


def test_shortlist_introduction_and_deal_stages(gateway: TestClient, broker: TestClient, world: dict) -> None:
    demand_id, tech = world["demand"]["id"], world["techs"][0]
    page = broker.get(f"/console/demands/{demand_id}")
    eng_url = broker.post(f"/console/demands/{demand_id}/engagement", data={"csrf_token": csrf_of(page.text)},
                          follow_redirects=False).headers["location"]
    token = csrf_of(broker.get(eng_url).text)

    added = broker.post(f"{eng_url}/shortlist", data={"csrf_token": token, "candidate_id": tech["id"], "note": "家具行业有案例",
                                                     "match": '{"score": 0.8, "strength": "strong"}'})
    assert added.status_code == 200 and tech["title"] in added.text and "家具行业有案例" in added.text
    assert f"/console/organizations/{world['orgs']['seller']}" in added.text  # owner links to its profile
    again = broker.post(f"{eng_url}/shortlist", data={"csrf_token": token, "candidate_id": tech["id"]})
    assert again.status_code == 409 and "already on this shortlist" in again.text

    entry_id = re.search(r'id="entry-(sle_[^"]+)"', added.text).group(1)
    asked = broker.post(f"{eng_url}/shortlist/{entry_id}/introduction", data={"csrf_token": token, "message": "希望洽谈技术许可"})
    assert "已申请，待对方答复" in asked.text

    seller = world["bearer"](world["keys"]["seller"])
    intro = ok(gateway.get("/v1/introductions?status=requested", headers=seller))["items"][0]
    deal = ok(gateway.post(f"/v1/introductions/{intro['id']}/accept", headers=seller, json={"text": "欢迎来访"}), 201)
    shown = broker.get(eng_url).text
    assert "已接受" in shown and f"/console/deals/{deal['id']}" in shown

    deal_url = f"/console/deals/{deal['id']}"
    assert deal["id"] in broker.get("/console/deals").text
    deal_page = broker.get(deal_url).text
    assert "意向" in deal_page and "苏州净气环保科技研究院" in deal_page  # who accepted, by organization name

    skip = broker.post(f"{deal_url}/transitions", data={"csrf_token": token, "to_stage": "signed", "version": "1"})
    assert skip.status_code == 409 and "cannot move a deal" in skip.text
    moved = broker.post(f"{deal_url}/transitions", data={"csrf_token": token, "to_stage": "negotiation", "note": "技术交流"})
    assert moved.status_code == 200 and re.search(r'id="deal-stage">洽谈<', moved.text)
    no_amount = broker.post(f"{deal_url}/transitions", data={"csrf_token": token, "to_stage": "signed"})
    assert no_amount.status_code == 422
    assert re.search(r'data-field="contract_amount_cny"', no_amount.text), no_amount.text[-3000:]
    signed = broker.post(f"{deal_url}/transitions", data={"csrf_token": token, "to_stage": "signed",
                                                          "contract_amount_cny": "1,234,567.89"})
    assert re.search(r'id="deal-stage">签约<', signed.text)
    assert "¥1,234,567.89" in signed.text and "¥57,037.04" in signed.text  # default rules, to the fen
    closed = broker.post(f"{deal_url}/transitions", data={"csrf_token": token, "to_stage": "closed"})
    assert re.search(r'id="deal-stage">成交<', closed.text) and "成交时计算" in closed.text
    assert closed.text.count("经纪人") >= 1 and "确认推进" not in closed.text  # finished deals offer no moves
