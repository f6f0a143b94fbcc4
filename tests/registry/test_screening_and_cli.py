"""Screening outcomes over the API, and the CLI importer / demo loader (SQLite, in-process CLI runner)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from services.registry.cli import app as cli
from services.registry.screening.rules import screen
from tests.registry.helpers import tech

SHARED_DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
FIXTURES = Path(__file__).parent / "fixtures"


def test_screening_holds_with_field_reasons(client):
    body = client.post("/v1/technologies", json=tech(trl=2, stage="industrialization")).json()
    assert body["status"] == "on_hold"
    assert [r["field"] for r in body["screening"]["reasons"] if r["severity"] == "fix"] == ["trl"]
    fixed = client.patch(f"/v1/technologies/{body['id']}", json={"version": 1, "trl": 8}).json()
    assert fixed["status"] == "published" and fixed["published_at"]


def test_screening_rejects_spam(client):
    body = client.post("/v1/technologies", json=tech(description="节能设备低价出售，加微信咨询，加微信咨询，代开发票")).json()
    assert body["status"] == "rejected"
    assert any(r["field"] == "description" and r["check"] == "text_quality" for r in body["screening"]["reasons"])


@pytest.mark.parametrize("change,field,check", [
    ({"title": "BEST GREEN TECHNOLOGY PRODUCT"}, "title", "text_quality"),
    ({"title": "新型家用按摩椅", "description": "一种新型的家用按摩椅，舒适耐用，价格实惠，适合老人使用的产品说明", "summary": None, "keywords": []}, "description", "green_relevance"),
    ({"benefit_figures": {"energy_saved_tce_per_year": 100, "co2_reduced_t_per_year": 90000}}, "benefit_figures.co2_reduced_t_per_year", "plausibility"),
    ({"price_min_cny": "50"}, "price_min_cny", "plausibility"),
    ({"summary": None, "description": "好技术"}, "description", "completeness"),
    # slogans only: no description of substance, no core process, no parameters
    ({"summary": "本产品节能效果显著，可广泛应用于各行各业，节能率高，欢迎来电洽谈合作。", "description": None,
      "core_process": None, "key_parameters": None}, "core_process", "completeness"),
    ({"title": "Wind Technology 10159", "summary": None,
      "description": "Advanced wind energy technology for sustainable power generation."}, "title", "text_quality"),
])
def test_screening_rules_name_the_field(change, field, check):
    outcome = screen("technology", {**tech(), **change})
    assert outcome.decision == "on_hold"
    assert any(r["field"] == field and r["check"] == check and r["severity"] == "fix" for r in outcome.reasons), outcome.reasons


def test_one_factual_sentence_is_published_with_advice():
    """A real listing that says what it is in one sentence is published; "say how it works" is advice, not a hold."""
    for title, sentence in (("剥离液再生装置", "该系统以高效率回收液晶屏幕生产过程中从废溶液中排除的溶剂。"),
                            ("EnergySail", "The patented EnergySail is a rigid sail and wind assisted propulsion device "
                                           "designed by Eco Marine Power.")):
        outcome = screen("technology", {**tech(title=title, summary=None, description=sentence), "core_process": None,
                                        "key_parameters": None})
        assert outcome.decision == "published", outcome.reasons
        assert [(r["field"], r["severity"]) for r in outcome.reasons] == [("core_process", "warn")]
    # the same sentence minus its substance is still held: shorter than one sentence, or a catalogue placeholder
    short = screen("technology", {**tech(summary=None, description="Wind turbine tower technology."), "core_process": None})
    assert short.decision == "on_hold" and any(r["field"] == "description" and r["severity"] == "fix" for r in short.reasons)


def test_complete_record_scores_full():
    assert screen("technology", tech()).score == 100


@pytest.fixture()
def cli_env(tmp_path, monkeypatch):
    monkeypatch.setenv("REGISTRY_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("REGISTRY_DATABASE_URL", raising=False)
    return CliRunner()


def _run(runner: CliRunner, *args: str) -> dict:
    result = runner.invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # stderr carries log lines once a service configured JSON logging in this process


def test_load_demo_fixture_is_idempotent(cli_env):
    first = _run(cli_env, "load-demo", "--directory", str(FIXTURES))
    techs = first["technologies.jsonl"]
    assert (techs["created"], techs["rejected"]) == (2, 1)
    assert "owner" in techs["rejected_items"][0]["errors"][0] or "organization" in techs["rejected_items"][0]["errors"][0]
    assert techs["statuses"] == {"published": 1, "on_hold": 1}
    again = _run(cli_env, "load-demo", "--directory", str(FIXTURES))
    assert again["technologies.jsonl"]["unchanged"] == 2 and again["technologies.jsonl"]["created"] == 0
    assert again["organizations_supply.jsonl"]["unchanged"] == 1


def test_import_csv_with_mapping(cli_env, tmp_path):
    path = tmp_path / "needs.csv"
    path.write_text("编号,名称,内容\nN1,印染废水深度处理回用,印染企业废水COD高、色度大，需要深度处理后回用于生产，降低新鲜水用量。\n"
                    "N2,短,太短\n", encoding="utf-8")
    report = _run(cli_env, "import", "demands", str(path), "--format", "csv", "--map", "external_id=编号,title=名称,description=内容",
                  "--source", "csvtest")
    assert (report["created"], report["rejected"]) == (1, 1)
    assert report["rejected_items"][0]["errors"][0].startswith("title")
    result = cli_env.invoke(cli, ["import", "demands", str(path), "--map", "title"])
    assert result.exit_code != 0 and "--map" in result.output


WIPO_WIND = SHARED_DATA / "raw" / "greenparknetwork-wipo-green-wind" / "complete-69-wipo-wind-technologies.json"


@pytest.mark.skipif(not (SHARED_DATA / "ccf_bdci2019_tech_requirements.jsonl").exists(),
                    reason="../shared/data (the workspace's real needs and supplies, not in the repo) is not present")
def test_import_real_needs_and_supplies(cli_env):
    needs = _run(cli_env, "import", "demands", str(SHARED_DATA / "ccf_bdci2019_tech_requirements.jsonl"), "--preset", "ccf2019")
    assert needs["created"] == 371 and needs["rejected"] == 0
    assert needs["statuses"]["published"] >= 360  # the few held ones have a description under 15 characters
    assert all(r.startswith("description: Describe the need") for item in needs["held_items"] for r in item["reasons"])
    assert sum(n for d, n in needs["suggested_domains"].items() if d != "none") >= 100  # needs carry no domain: suggested
    supplies = _run(cli_env, "import", "technologies", str(SHARED_DATA / "jcpage_japan_green_tech_supply.jsonl"), "--preset", "jcpage")
    assert supplies["created"] == 75 and supplies["statuses"]["published"] >= 72  # 风车 (2-character title) included
    held = {item["title"]: item["reasons"] for item in supplies["held_items"]}
    assert not any("green_relevance" in r or "Chinese" in r for title, reasons in held.items() for r in reasons
                   if "离心泵" in title or "润滑" in title or "风" in title)
    again = _run(cli_env, "import", "technologies", str(SHARED_DATA / "jcpage_japan_green_tech_supply.jsonl"), "--preset", "jcpage")
    assert again["unchanged"] == supplies["created"] and again["created"] == 0


@pytest.mark.skipif(not WIPO_WIND.exists(), reason="../shared/data/raw/greenparknetwork-wipo-green-wind (WIPO GREEN scrape) is not present")
def test_import_wipo_green_english_technologies(cli_env):
    report = _run(cli_env, "import", "technologies", str(WIPO_WIND), "--preset", "wipo-green-wind")
    assert report["created"] == 69 and report["rejected"] == 0
    reasons = [r for item in report["held_items"] for r in item["reasons"]]
    assert not any("Chinese" in r for r in reasons)  # English is not a fault
    held = {item["title"]: item["reasons"] for item in report["held_items"]}
    # the scrape's 32 placeholders ("Wind Technology 10159": "Advanced wind energy technology for sustainable power
    # generation.") are held for their title; a real name with one factual sentence is published with advice
    placeholders = [t for t in held if t.startswith("Wind Technology ")]
    assert len(placeholders) == 32 and all(any(r.startswith("title:") and "placeholder" in r for r in held[t])
                                           for t in placeholders)
    for title in ("EnergySail", "AVATAR™ Small Wind Turbine", "Typhoon-proof wind turbines", "Windmill aerator"):
        assert title not in held
    # what else holds an English record is what holds a Chinese one: a description that only restates the title
    assert {r.split(":")[0] for t, rs in held.items() if t not in placeholders for r in rs} <= {"description"}
    assert report["statuses"].get("published", 0) >= 30


def test_import_json_array_and_a_file_that_is_not_one(cli_env, tmp_path):
    good = tmp_path / "techs.json"
    good.write_text(json.dumps([{"id": "W1", "technologyNameEN": "Small wind turbine with passive pitch control",
                                 "description": "A 5 kW wind turbine for farms: blades change pitch with centrifugal force, so it "
                                                "starts at 2.5 m/s and sheds load in storms; about 8,000 kWh a year at 5 m/s.",
                                 "companyName": "Example Wind Ltd", "benefitsDescription": "N/A"}]), encoding="utf-8")
    report = _run(cli_env, "import", "technologies", str(good), "--preset", "wipo-green-wind")
    assert report["created"] == 1 and report["statuses"] == {"published": 1}
    bad = tmp_path / "not-array.json"
    bad.write_text('{"items": []}', encoding="utf-8")
    result = cli_env.invoke(cli, ["import", "technologies", str(bad), "--format", "json"])
    assert result.exit_code != 0 and "JSON array" in result.output
    result = cli_env.invoke(cli, ["import", "technologies", str(good), "--preset", "nope"])
    assert result.exit_code != 0 and "--preset" in result.output
