"""Green technology domain taxonomy.

Built from the domains named in China's green technology innovation policy (NDRC/MOST 2019 guidance and the
2023–2025 action plan): 节能环保, 清洁生产, 清洁能源, 生态保护与修复, 城乡绿色基础设施, 生态农业, with the
2023–2025 emphases (污染治理, 资源循环利用, 低碳零碳流程再造, 固碳增汇, 负碳及温室气体减排) as their own domains.
Codes are stable snake_case identifiers used in the API; Chinese names are for people and for text matching.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Domain:
    code: str
    name: str
    subdomains: dict[str, str] = field(default_factory=dict)  # code -> Chinese name
    keywords: tuple[str, ...] = ()  # green-relevance vocabulary used by screening and explanations


DOMAINS: dict[str, Domain] = {
    d.code: d
    for d in [
        Domain(
            "energy_saving", "节能降碳",
            {
                "industrial_energy_saving": "工业节能",
                "waste_heat_recovery": "余热余压利用",
                "motor_system": "电机系统节能",
                "building_energy_saving": "建筑节能",
                "energy_management": "能源管理与能效监测",
                "efficient_lighting": "高效照明",
            },
            ("节能", "能效", "余热", "余压", "降耗", "电耗", "热耗", "变频", "热泵", "保温", "标准煤", "能源管理"),
        ),
        Domain(
            "pollution_control", "污染治理",
            {
                "air_pollution": "大气污染防治",
                "water_pollution": "水污染防治",
                "soil_remediation": "土壤污染修复",
                "solid_waste": "固体废物处理处置",
                "noise_vibration": "噪声与振动控制",
                "environmental_monitoring": "环境监测",
            },
            ("脱硫", "脱硝", "除尘", "VOCs", "废气", "废水", "污水", "污泥", "危废", "固废", "土壤修复", "重金属",
             "超低排放", "达标排放", "臭气", "噪声", "监测"),
        ),
        Domain(
            "resource_recycling", "资源节约集约循环利用",
            {
                "industrial_solid_waste_utilization": "工业固废综合利用",
                "renewable_resources": "再生资源回收利用",
                "water_saving": "节水与非常规水资源利用",
                "material_saving": "节材与资源高效利用",
                "battery_recycling": "废旧电池回收利用",
            },
            ("综合利用", "回收", "再生", "循环利用", "资源化", "节水", "中水回用", "尾矿", "赤泥", "粉煤灰", "钢渣",
             "废旧", "拆解"),
        ),
        Domain(
            "clean_production", "清洁生产",
            {
                "process_reengineering": "低碳零碳工业流程再造",
                "cleaner_process": "清洁生产工艺",
                "hazardous_substitution": "有毒有害原料替代",
                "green_chemistry": "绿色化工",
                "green_manufacturing": "绿色制造与数字化",
            },
            ("清洁生产", "源头减量", "替代", "无毒", "低毒", "绿色工艺", "流程再造", "短流程", "电炉", "氢冶金",
             "绿色制造"),
        ),
        Domain(
            "clean_energy", "清洁能源",
            {
                "solar": "太阳能利用",
                "wind": "风能",
                "hydrogen": "氢能",
                "biomass": "生物质能",
                "geothermal": "地热能与热泵",
                "energy_storage": "储能",
                "smart_grid": "智能电网与微电网",
                "hydropower_ocean": "水能与海洋能",
            },
            ("光伏", "太阳能", "风电", "风机", "氢能", "制氢", "燃料电池", "生物质", "沼气", "地热", "储能", "电池",
             "微电网", "可再生能源", "清洁能源"),
        ),
        Domain(
            "ecological_restoration", "生态保护与修复",
            {
                "mine_restoration": "矿山生态修复",
                "water_ecology": "水生态修复",
                "desertification_control": "荒漠化与水土流失治理",
                "biodiversity": "生物多样性保护",
                "carbon_sink": "生态系统固碳增汇",
            },
            ("生态修复", "复绿", "植被", "湿地", "水土保持", "荒漠化", "盐碱地", "生物多样性", "碳汇", "黑臭水体"),
        ),
        Domain(
            "green_infrastructure", "城乡绿色基础设施",
            {
                "green_building": "绿色建筑与建材",
                "green_transport": "绿色交通",
                "sponge_city": "海绵城市",
                "municipal_water": "城镇供排水与污水处理",
                "waste_sorting": "垃圾分类与处理设施",
                "rural_environment": "农村人居环境",
            },
            ("绿色建筑", "装配式", "建材", "海绵城市", "雨水", "管网", "供水", "排水", "垃圾分类", "新能源汽车",
             "充电", "农村污水", "厕所"),
        ),
        Domain(
            "eco_agriculture", "生态农业",
            {
                "agricultural_waste": "农业废弃物资源化",
                "fertilizer_pesticide_reduction": "化肥农药减量",
                "water_saving_irrigation": "节水灌溉",
                "eco_breeding": "生态养殖",
                "soil_improvement": "耕地质量提升",
            },
            ("秸秆", "畜禽粪污", "有机肥", "生物农药", "减量", "滴灌", "喷灌", "水肥一体化", "生态养殖", "土壤改良",
             "农膜"),
        ),
        Domain(
            "carbon_reduction", "负碳及温室气体减排",
            {
                "ccus": "碳捕集利用与封存",
                "non_co2_ghg": "非二氧化碳温室气体减排",
                "carbon_accounting": "碳排放核算与监测",
                "negative_emission": "负碳技术",
            },
            ("碳捕集", "CCUS", "封存", "二氧化碳", "温室气体", "甲烷", "氧化亚氮", "六氟化硫", "碳排放", "碳足迹",
             "碳核算", "负碳", "减碳", "低碳", "零碳"),
        ),
    ]
}


def is_domain(code: str) -> bool:
    return code in DOMAINS


def is_subdomain(domain: str, subdomain: str) -> bool:
    return domain in DOMAINS and subdomain in DOMAINS[domain].subdomains


def domain_name(code: str) -> str:
    return DOMAINS[code].name if code in DOMAINS else code


def all_green_keywords() -> set[str]:
    words: set[str] = set()
    for d in DOMAINS.values():
        words.update(d.keywords)
        words.update(d.subdomains.values())
        words.add(d.name)
    return words


def as_tree() -> list[dict]:
    """The taxonomy as JSON for `GET /v1/taxonomy`."""
    return [
        {
            "code": d.code,
            "name": d.name,
            "subdomains": [{"code": c, "name": n} for c, n in d.subdomains.items()],
        }
        for d in DOMAINS.values()
    ]
