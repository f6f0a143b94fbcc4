"""推广目录 end to end: call → nominations (an unpublished technology refused) → expert review (scores out of range
refused, conflicts refused) → publication (entries frozen) → browse by domain, JSON and xlsx export read back →
withdrawal in an adjustment → adoption report; nominations confidential to their parties."""
from __future__ import annotations

from datetime import timedelta
from io import BytesIO

from openpyxl import load_workbook

from tests.gateway_evaluation.conftest import World, ok, problem, technology


def test_call_nominate_review_publish_export_adjust(world: World) -> None:
    now = world.clock()
    problem(world.call("admin", "POST", "/v1/catalog/calls", json={"name": "2026 第一批", "nominations_close_at": (now - timedelta(hours=1)).isoformat()}),
            422, "body.nominations_close_at")
    problem(world.call("S", "POST", "/v1/catalog/calls", json={"name": "2026 第一批", "nominations_close_at": (now + timedelta(days=30)).isoformat()}), 403)
    call = ok(world.call("admin", "POST", "/v1/catalog/calls",
                         json={"name": "2026 第一批", "description": "征集先进适用绿色技术", "nominations_close_at": (now + timedelta(days=30)).isoformat()}), 201)
    assert ok(world.call("C", "GET", f"/v1/catalog/calls/{call['id']}"))["status"] == "open"

    tech_s = world.technologies["S"]
    extra = ok(world.call("C", "POST", "/v1/technologies", json=technology("高盐废水分盐结晶零排放技术", domain="pollution_control",
                                                                               subdomain=None)), 201)
    draft = ok(world.call("C", "POST", "/v1/technologies", json=technology("印染废水回用技术（草稿）")), 201)
    ok(world.call("C", "POST", f"/v1/technologies/{draft['id']}/withdraw", headers={"If-Match": f'"{draft["version"]}"'}))

    path = f"/v1/catalog/calls/{call['id']}/nominations"
    problem(world.call("C", "POST", path, json={"technology_id": draft["id"], "reason": "草稿也想参评"}), 422, "body.technology_id")
    problem(world.call("S", "POST", path, json={"technology_id": draft["id"], "reason": "别人的草稿"}), 404)  # not visible to S
    problem(world.call("C", "POST", path, json={"technology_id": tech_s["id"], "reason": "替别人申报"}), 403)  # not C's
    n_s = ok(world.call("S", "POST", path, json={"technology_id": tech_s["id"], "reason": "已在12家工厂应用"}), 201)
    n_c = ok(world.call("broker", "POST", path, json={"technology_id": extra["id"], "reason": "经纪人推荐：零排放示范项目"}), 201)
    problem(world.call("S", "POST", path, json={"technology_id": tech_s["id"], "reason": "再报一次"}), 409)
    assert {n["technology_id"] for n in ok(world.call("admin", "GET", path))} == {tech_s["id"], extra["id"]}  # refusals stored nothing
    assert [n["id"] for n in ok(world.call("B", "GET", path))] == []  # not a party to either
    problem(world.call("B", "GET", f"/v1/catalog/nominations/{n_s['id']}"), 404)
    assert ok(world.call("C", "GET", f"/v1/catalog/nominations/{n_c['id']}"))["nominated_by_org_id"] == "org_broker"

    reviews = f"/v1/catalog/nominations/{n_s['id']}/reviews"
    problem(world.call("evaluator", "POST", reviews, json={"score": 101, "recommend": True, "comments": "很好"}), 422, "body.score")
    problem(world.call("evaluator", "POST", reviews, json={"score": -1, "recommend": True, "comments": "很好"}), 422, "body.score")
    assert ok(world.call("admin", "GET", f"/v1/catalog/nominations/{n_s['id']}"))["reviews"] == []  # nothing stored
    problem(world.call("evaluator_S", "POST", reviews, json={"score": 99, "recommend": True, "comments": "自家技术"}), 409)
    problem(world.call("S", "POST", reviews, json={"score": 99, "recommend": True, "comments": "自评"}), 403)
    ok(world.call("evaluator", "POST", reviews, json={"score": 86, "recommend": True, "comments": "工艺成熟，节能数据可信"}), 201)
    ok(world.call("evaluator", "POST", f"/v1/catalog/nominations/{n_c['id']}/reviews",
                  json={"score": 52, "recommend": False, "comments": "示范规模小，数据不足"}), 201)
    assert ok(world.call("S", "GET", f"/v1/catalog/nominations/{n_s['id']}"))["mean_score"] == 86.0

    edition = ok(world.call("admin", "POST", f"/v1/catalog/calls/{call['id']}/publish", json={"min_score": 60}), 201)
    assert [e["technology_id"] for e in edition["entries"]] == [tech_s["id"]]
    entry = edition["entries"][0]
    assert entry["core_process"] == tech_s["core_process"] and entry["key_parameters"] == tech_s["key_parameters"]
    assert entry["applicable_scope"] == tech_s["applicable_scope"] and entry["review_score"] == 86.0
    assert entry["energy_saved_tce_per_year"] == (tech_s.get("benefit_figures") or {}).get("energy_saved_tce_per_year")
    assert ok(world.call("S", "GET", f"/v1/catalog/nominations/{n_s['id']}"))["status"] == "accepted"
    problem(world.call("S", "POST", path, json={"technology_id": tech_s["id"], "reason": "晚了"}), 409)

    # frozen: editing the technology later does not change the entry
    current = ok(world.call("S", "GET", f"/v1/technologies/{tech_s['id']}"))
    ok(world.call("S", "PATCH", f"/v1/technologies/{tech_s['id']}", json={"version": current["version"], "core_process": "新工艺描述：改为两级换热"}))
    again = ok(world.call("B", "GET", f"/v1/catalog/editions/{edition['id']}"))
    assert again["entries"][0]["core_process"] == tech_s["core_process"]

    # browse by domain; export as JSON and xlsx
    assert ok(world.call("B", "GET", f"/v1/catalog/editions/{edition['id']}", params={"domain": "pollution_control"}))["entries"] == []
    assert len(ok(world.call("B", "GET", f"/v1/catalog/editions/{edition['id']}", params={"domain": entry["domain"]}))["entries"]) == 1
    assert edition["id"] in [e["id"] for e in ok(world.call("B", "GET", "/v1/catalog/editions"))]
    as_json = ok(world.call("B", "GET", f"/v1/catalog/editions/{edition['id']}/export", params={"format": "json"}))
    assert as_json["name"] == "2026 第一批" and as_json["entries"][0]["technology_id"] == tech_s["id"]
    resp = world.call("B", "GET", f"/v1/catalog/editions/{edition['id']}/export", params={"format": "xlsx"})
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(resp.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("序号", "技术名称", "所属领域") and len(rows) == 2
    assert rows[1][1] == tech_s["title"] and rows[1][4] == tech_s["core_process"] and rows[1][11] == "在目录"
    problem(world.call("B", "GET", "/v1/catalog/editions/cat_00000000000000000000"), 404)

    # adoption report, then withdrawal in a later adjustment
    report = ok(world.call("S", "POST", f"/v1/catalog/editions/{edition['id']}/adoption-reports",
                           json={"technology_id": tech_s["id"], "adopter": "宁波某机械厂", "summary": "投运一年节能1100吨标准煤",
                                 "energy_saved_tce_per_year": 1100}), 201)
    problem(world.call("S", "POST", f"/v1/catalog/editions/{edition['id']}/adoption-reports",
                       json={"technology_id": extra["id"], "adopter": "某厂", "summary": "不在目录"}), 422, "body.technology_id")
    assert [r["id"] for r in ok(world.call("B", "GET", f"/v1/catalog/editions/{edition['id']}/adoption-reports"))] == [report["id"]]
    problem(world.call("S", "POST", f"/v1/catalog/editions/{edition['id']}/adjustments",
                       json={"name": "2027 年动态调整", "withdrawals": [{"technology_id": tech_s["id"], "reason": "自己调出"}]}), 403)
    adjusted = ok(world.call("admin", "POST", f"/v1/catalog/editions/{edition['id']}/adjustments",
                             json={"name": "2027 年动态调整", "withdrawals": [{"technology_id": tech_s["id"], "reason": "已有更先进替代技术"}]}))
    withdrawn = adjusted["entries"][0]
    assert withdrawn["status"] == "withdrawn" and withdrawn["withdrawn_in"] == "2027 年动态调整"
    assert adjusted["adjustments"][0]["withdrawn"] == [tech_s["id"]] and adjusted["version"] == 2
    rows = list(load_workbook(BytesIO(world.call("B", "GET", f"/v1/catalog/editions/{edition['id']}/export").content)).active.iter_rows(values_only=True))
    assert rows[1][11] == "已调出" and "已有更先进替代技术" in rows[1][12]

    actions = [e["action"] for e in ok(world.call("admin", "GET", "/v1/audit", params={"limit": 200}))["items"]]
    for action in ("catalog_call.open", "catalog.nominate", "catalog.review", "catalog.publish", "catalog.adjust", "catalog.adoption_report"):
        assert action in actions, action
