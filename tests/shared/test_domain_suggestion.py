"""The domain suggester: right domain from Chinese and English text and IPC codes, nothing when unsure."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from shared.domain_suggestion import CONFIDENCE_FLOOR, ipc_subdomain, suggest, suggest_for_record

DEMO = Path(__file__).resolve().parents[2] / "services" / "registry" / "demo"


@pytest.mark.parametrize("title,text,domain,subdomain", [
    ("风力发电机组变桨系统", "用于2MW风力发电机组的电动变桨系统", "clean_energy", "wind"),
    ("风车", "小型风力发电风车，为农场供电", "clean_energy", "wind"),
    ("Small wind turbine", "A small wind turbine which can power homes and farms in low wind regions.", "clean_energy", "wind"),
    ("印染废水深度处理回用", "印染废水COD高、色度大，经膜处理后回用于生产", "pollution_control", "water_pollution"),
    ("能源管理系统", "工厂能源管理系统EMS，实时能耗监测与能源优化", "energy_saving", "energy_management"),
    ("燃料电池用氢气纯度检测", "氢燃料电池汽车用氢气中杂质的纯度检测设备", "clean_energy", "hydrogen"),
    ("节能润滑油", "降低摩擦、节能耐磨的工业润滑油和润滑脂", "energy_saving", "motor_system"),
])
def test_suggests_the_domain_from_text(title, text, domain, subdomain):
    s = suggest(title=title, text=text)
    assert s is not None and (s.domain, s.subdomain) == (domain, subdomain), s
    assert CONFIDENCE_FLOOR <= s.confidence <= 1 and s.terms


def test_ipc_codes_count_as_evidence():
    assert ipc_subdomain("F03D 7/02") == ("clean_energy", "wind")
    assert ipc_subdomain("C02F 1/44") == ("pollution_control", "water_pollution")
    assert ipc_subdomain("B01D 53/62") == ("carbon_reduction", "ccus")  # longest prefix wins over B01D53
    assert ipc_subdomain("A61K 8/00") is None
    with_ipc = suggest_for_record({"title": "一种装置", "patents": [{"number": "CN1", "ipc_codes": ["F03D 7/02", "F03D 1/06"]}]})
    assert with_ipc is not None and with_ipc.domain == "clean_energy" and "F03D7/02" in with_ipc.terms


@pytest.mark.parametrize("title,text", [
    ("美白保湿面霜", "化妆品，补水保湿，淡化细纹，适合各种肤质"),
    ("Payroll software", "Payroll and HR software for small companies, automatic salary calculation and reports."),
    ("薪资管理系统", "企业工资核算、数据分析与自动控制报表"),  # only generic words: no suggestion
])
def test_no_suggestion_when_the_text_is_not_green(title, text):
    assert suggest(title=title, text=text) is None


def test_generic_words_alone_are_not_specific_evidence():
    plain = suggest(title="离心泵", text="离心泵，结构牢固，符合ISO2858标准，叶轮经过优化设计，适用于各类工况")
    efficient = suggest(title="离心泵", text="高效率离心泵，叶轮经过优化设计，运行效率提高，节约电能")
    assert efficient is not None and efficient.specific and efficient.domain == "energy_saving"
    assert plain is None or (not plain.specific and plain.confidence < efficient.confidence)


@pytest.mark.parametrize("name,minimum", [("technologies", 0.8), ("demands", 0.75)])
def test_accuracy_on_records_with_a_domain(name, minimum):
    """Demo records carry domains chosen by people; the suggestion must mostly agree, and be surer when right."""
    records = [r for line in (DEMO / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
               if line.strip() and (r := json.loads(line)).get("domain")]
    right, wrong = [], []
    for record in records:
        s = suggest_for_record({**record, "domain": None})
        if s is not None:
            (right if s.domain == record["domain"] else wrong).append(s.confidence)
    assert len(right) + len(wrong) >= 0.8 * len(records)
    assert len(right) / (len(right) + len(wrong)) >= minimum
    assert sum(right) / len(right) > sum(wrong) / len(wrong) + 0.1  # confidence separates right from wrong
