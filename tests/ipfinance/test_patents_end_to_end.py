"""Patents end to end: imported through the registry CLI, shown on their technology with status, a lapsed and a
pledged patent flagged on a deal, legal events kept in order, green statistics, domain from IPC codes, bad input."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient

from tests.ipfinance.conftest import bad_number, introduce_and_accept, number, ok, problem

ROOT = Path(__file__).resolve().parents[2]


def _import(registry, path: Path, fmt: str = "jsonl") -> dict:
    env = {**os.environ, **registry.env, "HF_HUB_OFFLINE": "1"}
    out = subprocess.run([sys.executable, "-m", "services.registry", "import", "patents", str(path), "--format", fmt],
                         check=False, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout)


def test_patents_imported_shown_flagged_on_deal_and_counted(gateway: TestClient, world: dict, registry, tmp_path: Path) -> None:
    k, orgs, tech = world["keys"], world["orgs"], world["techs"][0]
    seller = {"name": "江南大学环境学院", "org_id": orgs["seller"]}
    lines = [
        {"application_number": number("201910000001"), "title": "一种印染废水芬顿氧化处理装置", "applicants": [seller],
         "status": "granted", "filing_date": "2019-05-01", "grant_date": "2021-02-01", "expiry_date": "2039-05-01",
         "ipc_codes": ["C02F 1/72", "C02F 9/00"], "technology_ids": [tech["id"]]},
        {"application_number": number("202010000002"), "title": "一种污泥脱水方法", "applicants": [seller],
         "status": "granted", "filing_date": "2020-06-01", "grant_date": "2022-01-10", "ipc_codes": ["C02F 11/12"],
         "technology_ids": [tech["id"]]},
        {"application_number": bad_number("202010000003"), "title": "坏号码", "applicants": [seller]},  # wrong check digit
    ]
    jsonl = tmp_path / "patents.jsonl"
    jsonl.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines), encoding="utf-8")
    report = _import(registry, jsonl)
    assert (report["created"], report["rejected"], report["green_patents"]) == (2, 1, 2), report
    assert "application_number" in report["rejected_items"][0]["errors"][0]
    # CSV with ;-separated lists, a foreign applicant without a region, and a wind patent (not linked)
    csv_file = tmp_path / "patents.csv"
    csv_file.write_text("application_number,title,applicants,applicant_org_ids,status,filing_date,ipc_codes\n"
                        f"{number('202110000004')},风机叶片,江南大学环境学院,{orgs['seller']},granted,2021-03-03,F03D 1/06;F03D 7/02\n"
                        f"{number('202210000005')},一种风电变桨装置,Vestas Wind Systems A/S,,pending,2022-04-04,F03D 7/02\n",
                        encoding="utf-8")
    assert _import(registry, csv_file, "csv")["created"] == 2
    assert _import(registry, jsonl)["unchanged"] == 2  # importing again changes nothing

    view = ok(gateway.get(f"/v1/technologies/{tech['id']}/patents", headers=k["buyer"]))
    assert {p["current_status"] for p in view["patents"]} == {"granted"} and view["flagged"] == []
    first, second = sorted(view["patents"], key=lambda p: p["application_number"])
    assert first["is_green"] and first["green"][0]["subdomain"] == "water_pollution" and first["region"] == "320200"

    # The seller records legal events; another enterprise may not; bad events name the field
    problem(gateway.post(f"/v1/patents/{first['id']}/events", headers=k["other"], json={"kind": "lapsed", "on": "2026-01-01"}), 403)
    problem(gateway.post(f"/v1/patents/{first['id']}/events", headers=k["seller"], json={"kind": "pledged", "on": "2026-01-01"}),
            422, "body.pledgee")
    problem(gateway.post(f"/v1/patents/{first['id']}/events", headers=k["seller"], json={"kind": "lapsed", "on": "2018-01-01"}),
            422, "body.on")
    problem(gateway.post(f"/v1/patents/{first['id']}/events", headers=k["seller"], json={"kind": "lapsed", "on": "2026-13-01"}),
            422, "body.on")
    ok(gateway.post(f"/v1/patents/{first['id']}/events", headers=k["seller"],
                    json={"kind": "lapsed", "on": "2026-03-01", "note": "未缴年费终止"}))
    pledged = ok(gateway.post(f"/v1/patents/{second['id']}/events", headers=k["seller"],
                              json={"kind": "pledged", "on": "2026-05-20", "pledgee": "绿色银行杭州分行", "reference": "Y2026320000123"}))
    assert pledged["pledged"] and pledged["flags"] == ["pledged"]
    problem(gateway.post(f"/v1/patents/{second['id']}/events", headers=k["seller"],
                         json={"kind": "pledged", "on": "2026-06-01", "pledgee": "另一家银行"}), 409)

    view = ok(gateway.get(f"/v1/technologies/{tech['id']}/patents", headers=k["buyer"]))
    assert {f["application_number"]: f["flags"] for f in view["flagged"]} == {first["application_number"]: ["lapsed"],
                                                                              second["application_number"]: ["pledged"]}
    # The broker sees the flags on the deal before going further; a stranger sees no such deal
    deal = introduce_and_accept(gateway, world, 0)
    flags = ok(gateway.get(f"/v1/deals/{deal['id']}/patent-flags", headers=k["broker"]))
    assert flags["has_flags"] and flags["technology_id"] == tech["id"]
    assert {f["current_status"] for f in flags["flagged"]} == {"lapsed", "granted"}
    assert problem(gateway.get(f"/v1/deals/{deal['id']}/patent-flags", headers=k["other"]), 404)["status"] == 404
    clean = introduce_and_accept(gateway, world, 1)  # the second technology has no patents: nothing to flag
    assert ok(gateway.get(f"/v1/deals/{clean['id']}/patent-flags", headers=k["broker"]))["has_flags"] is False

    # History: append-only, oldest first, restored after lapse
    ok(gateway.post(f"/v1/patents/{first['id']}/events", headers=k["admin"], json={"kind": "restored", "on": "2026-04-01"}))
    history = ok(gateway.get(f"/v1/patents/{first['id']}", headers=k["other"]))
    assert [e["kind"] for e in history["events"]] == ["lapsed", "restored"] and history["current_status"] == "granted"

    # Green statistics by domain and by region (foreign applicant → unknown), with per-year counts and growth
    by_domain = ok(gateway.get("/v1/patents/statistics", params={"group_by": "domain"}, headers=k["broker"]))
    rows = {r["key"]: r for r in by_domain["rows"]}
    assert rows["pollution_control"]["green_patents"] == 2 and rows["clean_energy"]["green_patents"] == 2
    assert rows["clean_energy"]["by_year"] == {"2021": 1, "2022": 1} and rows["clean_energy"]["growth"] == 0.0
    by_region = {r["key"]: r for r in ok(gateway.get("/v1/patents/statistics", params={"group_by": "region"}, headers=k["buyer"]))["rows"]}
    assert by_region["320000"]["green_patents"] == 3 and by_region["320000"]["name"] == "江苏省"
    assert by_region["unknown"]["green_patents"] == 1
    by_year = {r["key"]: r for r in ok(gateway.get("/v1/patents/statistics", params={"group_by": "year", "domain": "clean_energy"},
                                                   headers=k["buyer"]))["rows"]}
    assert by_year["2022"]["growth"] == 0.0 and by_year["2021"]["growth"] is None
    problem(gateway.get("/v1/patents/statistics", params={"from_year": 2023, "to_year": 2020}, headers=k["buyer"]), 422, "query.from_year")

    # Events reach the feed as `patent` records
    assert any(c["entity"] == "patent" for c in ok(gateway.get("/v1/changes", params={"after": 0, "limit": 500}, headers=k["admin"]))["items"])


def test_patent_validation_and_isolation(gateway: TestClient, world: dict) -> None:
    k, orgs = world["keys"], world["orgs"]
    base = {"application_number": number("202310000006"), "title": "一种烟气脱硝催化剂",
            "applicants": [{"name": "深圳某科技公司", "org_id": orgs["other"]}], "ipc_codes": ["B01D 53/86"]}
    for patch, field in [({"application_number": bad_number("202310000006")},
                          "body.application_number"),
                         ({"ipc_codes": ["B01D53"]}, "body.ipc_codes.0"), ({"ipc_codes": ["Z99Q 1/00"]}, "body.ipc_codes.0"),
                         ({"filing_date": "2023-02-30"}, "body.filing_date"),
                         ({"status": "granted", "filing_date": "2023-01-01", "grant_date": "2022-01-01"}, "body.grant_date"),
                         ({"technology_ids": ["tec_00000000000000000000"]}, "body.technology_ids.0")]:
        problem(gateway.post("/v1/patents", headers=k["other"], json={**base, **patch}), 422, field)
    problem(gateway.post("/v1/patents", headers=k["buyer"], json=base), 403)  # not among the applicants
    problem(gateway.post("/v1/patents", headers=k["other"], json={**base, "technology_ids": [world["techs"][0]["id"]]}),
            422, "body.technology_ids.0")  # someone else's technology
    problem(gateway.post("/v1/patents", headers=k["broker"], json=base), 403)
    assert ok(gateway.get("/v1/patents", params={"org_id": orgs["other"]}, headers=k["admin"]))["items"] == []  # nothing stored
    created = ok(gateway.post("/v1/patents", headers=k["other"], json=base), 201)
    assert created["flags"] == ["pending"] and created["region"] == "440300"
    problem(gateway.post("/v1/patents", headers=k["other"], json=base), 409)
    assert gateway.get("/v1/patents", params={"technology_id": "tec_00000000000000000000"}, headers=k["buyer"]).status_code == 404
    # a malformed id and a missing one answer the same
    missing, malformed = (gateway.get(f"/v1/patents/{pid}", headers=k["buyer"]) for pid in ("pat_00000000000000000000", "x';--"))
    assert missing.status_code == malformed.status_code == 404
    assert {k2: v for k2, v in missing.json().items() if k2 not in ("detail", "instance", "request_id")} == \
           {k2: v for k2, v in malformed.json().items() if k2 not in ("detail", "instance", "request_id")}


def test_green_ipc_table_browsed_and_domain_suggested(gateway: TestClient, world: dict) -> None:
    k = world["keys"]
    table = ok(gateway.get("/v1/ipc-green", headers=k["buyer"]))
    assert table["version"] and table["count"] >= 90
    water = ok(gateway.get("/v1/ipc-green", params={"q": "C02F"}, headers=k["buyer"]))
    assert {e["symbol"] for e in water["items"]} >= {"C02F", "C02F 1/44"}
    wind = ok(gateway.get("/v1/ipc-green", params={"domain": "clean_energy", "subdomain": "wind"}, headers=k["buyer"]))
    assert [e["symbol"] for e in wind["items"]] == ["F03D"]
    assert "biodiversity" in ok(gateway.get("/v1/ipc-green", params={"subdomain": "biodiversity"}, headers=k["buyer"]))["uncovered"]
    problem(gateway.get("/v1/ipc-green", params={"domain": "nope"}, headers=k["buyer"]), 422, "query.domain")
    s = ok(gateway.get("/v1/ipc-green/suggest", params=[("ipc", "F03D 7/02"), ("ipc", "G06F 17/00")], headers=k["buyer"]))
    assert s["suggestion"]["domain"] == "clean_energy" and s["suggestion"]["subdomain"] == "wind"
    assert [c["entry"] is not None for c in s["codes"]] == [True, False] and s["is_green"]
    problem(gateway.get("/v1/ipc-green/suggest", params={"ipc": "not-ipc"}, headers=k["buyer"]), 422, "query.ipc.0")
