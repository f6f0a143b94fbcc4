"""Trading hall pages (issue #11): listings in notice, English and sealed auctions, registering and bidding
through console forms with an enterprise key; what the API hides stays hidden on the page."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from tests.gateway_console.conftest import browser, csrf_of, sign_in
from tests.gateway_workflow.test_end_to_end import TECHNOLOGIES, ok


def _in(days: int = 1) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


@pytest.fixture(scope="module")
def market(gateway: TestClient, world: dict) -> dict:
    """A listing in notice and two open auctions (English, sealed) of the seller's technologies."""
    seller = world["bearer"](world["keys"]["seller"])
    techs = world["techs"] + [ok(gateway.post("/v1/technologies", headers=seller, json={
        k: v for k, v in TECHNOLOGIES[2].items() if k != "external_ref"}), 201)]
    listing = ok(gateway.post("/v1/trading/listings", headers=seller, json={
        "technology_id": techs[0]["id"], "transfer_mode": "license", "price_cny": "1200000.00", "notice_days": 15,
        "description": "独占许可5年，<b>公示期内</b>接受异议"}), 201)
    ok(gateway.post(f"/v1/trading/listings/{listing['id']}/objections", headers=world["bearer"](world["keys"]["buyer"]),
                    json={"reasons": "专利权属存在争议，我单位为共同完成人"}), 201)
    terms = {"reserve_cny": "500000.00", "starting_cny": "400000.00", "increment_cny": "10000.00", "deposit_cny": "20000.00",
             "ends_at": _in(), "anti_snipe_minutes": 5}
    english = ok(gateway.post("/v1/auctions", headers=seller, json={**terms, "technology_id": techs[1]["id"]}), 201)
    sealed = ok(gateway.post("/v1/auctions", headers=seller, json={**terms, "kind": "sealed", "technology_id": techs[2]["id"]}), 201)
    return {"listing": listing, "english": english, "sealed": sealed}


@pytest.fixture(scope="module")
def buyer(gateway: TestClient, world: dict) -> TestClient:
    return sign_in(browser(gateway), world["keys"]["buyer"])


def test_hall_lists_notices_and_auctions(broker: TestClient, market: dict) -> None:
    hall = broker.get("/console/trading")
    assert hall.status_code == 200
    assert f"/console/trading/listings/{market['listing']['id']}" in hall.text and "¥1,200,000.00" in hall.text
    assert f"/console/auctions/{market['english']['id']}" in hall.text and "密封，截止后公布" in hall.text


def test_listing_page_shows_notice_and_objection_escaped(broker: TestClient, market: dict) -> None:
    page = broker.get(f"/console/trading/listings/{market['listing']['id']}")
    assert page.status_code == 200 and "公示中" in page.text and "许可" in page.text
    assert "&lt;b&gt;公示期内&lt;/b&gt;" in page.text and "<b>公示期内" not in page.text
    assert "专利权属存在争议" in page.text and "待处理" in page.text


def test_register_and_bid_in_an_english_auction(gateway: TestClient, buyer: TestClient, broker: TestClient,
                                                market: dict) -> None:
    url = f"/console/auctions/{market['english']['id']}"
    page = buyer.get(url)
    assert 'id="register-form"' in page.text and 'data-poll="5"' in page.text
    token = csrf_of(page.text)
    no_ref = buyer.post(f"{url}/bidders", data={"csrf_token": token, "deposit_reference": ""})
    assert no_ref.status_code == 422 and 'data-field="deposit_reference"' in no_ref.text
    registered = buyer.post(f"{url}/bidders", data={"csrf_token": token, "deposit_reference": "银行回单 0001"})
    assert registered.status_code == 200 and 'id="bid-form"' in registered.text

    low = buyer.post(f"{url}/bids", data={"csrf_token": token, "amount_cny": "100", "client_bid_id": "t-1"})
    assert low.status_code == 422 and 'data-field="amount_cny"' in low.text
    bid = buyer.post(f"{url}/bids", data={"csrf_token": token, "amount_cny": "410,000", "client_bid_id": "t-2"})
    assert bid.status_code == 200
    assert re.search(r'id="auction-price"><strong>¥410,000.00<', bid.text) and "浙江安居家具制造有限公司" in bid.text
    assert "¥420,000.00" in bid.text  # the next minimum
    watched = broker.get(url).text  # brokers follow, the API does not let them bid
    assert "¥410,000.00" in watched and 'id="bid-form"' not in watched and "仅限企业密钥" in watched


def test_bid_form_needs_the_session_token(buyer: TestClient, market: dict) -> None:
    url = f"/console/auctions/{market['english']['id']}"
    forged = buyer.post(f"{url}/bids", data={"csrf_token": "forged", "amount_cny": "900000"})
    assert forged.status_code == 403 and "CSRF" in forged.text
    assert "¥900,000.00" not in buyer.get(url).text


def test_sealed_bids_stay_hidden_until_the_end(gateway: TestClient, world: dict, buyer: TestClient, broker: TestClient,
                                               market: dict) -> None:
    url = f"/console/auctions/{market['sealed']['id']}"
    token = csrf_of(buyer.get(url).text)
    buyer.post(f"{url}/bidders", data={"csrf_token": token, "deposit_reference": "银行回单 0002"})
    mine = buyer.post(f"{url}/bids", data={"csrf_token": token, "amount_cny": "456789.12", "client_bid_id": "s-1"})
    assert mine.status_code == 200 and "¥456,789.12" in mine.text  # the bidder sees its own bid
    watched = broker.get(url).text
    assert "¥456,789.12" not in watched and "密封递价：截止前不公布" in watched
    assert 'id="auction-leader"' not in watched and "浙江安居家具制造有限公司" not in watched


def test_missing_records_get_the_same_not_found_page(buyer: TestClient, broker: TestClient) -> None:
    for client, url in [(buyer, "/console/auctions/auc_doesnotexist"), (broker, "/console/trading/listings/tls_nope")]:
        page = client.get(url)
        assert page.status_code == 404 and "无法完成操作" in page.text
