"""Console pages rendered from the real gateway API (registry on loopback, matching unreachable)."""
from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.gateway_console.conftest import csrf_of
from tests.gateway_workflow.test_end_to_end import DEMAND, ok


def test_demand_list_filters_and_field_messages(broker: TestClient, world: dict) -> None:
    page = broker.get("/console/demands", params={"domain": "pollution_control", "q": "VOCs"})
    assert page.status_code == 200 and DEMAND["title"] in page.text
    none = broker.get("/console/demands", params={"domain": "eco_agriculture"})
    assert DEMAND["title"] not in none.text and "没有符合条件的需求" in none.text
    bad = broker.get("/console/demands", params={"region": "12"})
    assert bad.status_code == 422
    assert re.search(r'class="field-error"[^>]*data-field="region"[^>]*>[^<]*6 digits', bad.text), bad.text[-2000:]


def test_demand_with_script_in_title_is_escaped(gateway: TestClient, broker: TestClient, world: dict) -> None:
    title = "<script>alert('x')</script>印染企业废水深度处理与中水回用提标改造技术需求"
    demand = ok(gateway.post("/v1/demands", headers=world["bearer"](world["keys"]["buyer"]),
                             json={**DEMAND, "title": title, "keywords": ["<b>废水</b>"]}), 201)
    assert demand["status"] == "published", demand
    for url in ("/console/demands", f"/console/demands/{demand['id']}"):
        html = broker.get(url).text
        assert "<script>alert" not in html and "<b>废水" not in html
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;印染企业" in html


def test_challenge_shows_award_and_deadline(gateway: TestClient, broker: TestClient, world: dict) -> None:
    body = {**DEMAND, "title": "钢铁烧结烟气超低排放揭榜挂帅", "kind": "challenge", "award_cny": "3000000.00", "deadline": "2031-06-30"}
    demand = ok(gateway.post("/v1/demands", headers=world["bearer"](world["keys"]["buyer"]), json=body), 201)
    html = broker.get(f"/console/demands/{demand['id']}").text
    assert "揭榜挂帅" in html and "¥3,000,000.00" in html and "2031-06-30" in html


def test_start_matching_opens_one_engagement_and_says_when_matching_is_down(broker: TestClient, world: dict) -> None:
    demand_id = world["demand"]["id"]
    page = broker.get(f"/console/demands/{demand_id}")
    assert "开始撮合" in page.text and "浙江安居家具制造有限公司" in page.text
    first = broker.post(f"/console/demands/{demand_id}/engagement", data={"csrf_token": csrf_of(page.text)},
                        follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"].startswith("/console/engagements/eng_")
    again = broker.post(f"/console/demands/{demand_id}/engagement", data={"csrf_token": csrf_of(page.text)},
                        follow_redirects=False)
    assert again.headers["location"] == first.headers["location"]
    assert "查看撮合" in broker.get(f"/console/demands/{demand_id}").text

    engagement = broker.get(first.headers["location"])
    assert engagement.status_code == 200
    assert "匹配服务暂时无法给出结果" in engagement.text and DEMAND["title"] in engagement.text


def test_unknown_records_are_a_readable_page(broker: TestClient) -> None:
    resp = broker.get("/console/demands/dem_does_not_exist")
    assert resp.status_code == 404 and "无法完成操作" in resp.text and "dem_does_not_exist" in resp.text
