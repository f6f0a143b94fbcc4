"""Suggest a green-technology domain and subdomain for a record that carries none, from its text and IPC codes.

Pure and fast (substring tests over a hand-written lexicon, no model): the registry runs it on every write and
on imports of 100k records, and the matching service uses the stored result for structured fit and filters.

    from shared.domain_suggestion import suggest
    s = suggest(title="风力发电机组变桨系统", text="……", ipc_codes=["F03D 7/02"])
    s.domain, s.subdomain, s.confidence, s.terms      # clean_energy, wind, 0.9, ['风力发电', 'F03D']

The lexicon is bilingual (Chinese + English), one entry per subdomain, written from public knowledge of the
field (the policy catalogues' vocabulary, IPC titles, the Y02 tagging scheme's headings); it is NOT fitted on
the project's demo records. Terms are weighted by specificity (longer Chinese terms, multi-word English terms
weigh more) and hits in the title count double. The confidence is the winning domain's share of all evidence,
damped when there is little evidence; below CONFIDENCE_FLOOR there is no suggestion at all. Measured accuracy:
`python -m shared.domain_suggestion` (see docs/screening.md).
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from shared import ipc_green, taxonomy
from shared.text import normalize

CONFIDENCE_FLOOR = 0.3  # below this the evidence is too thin or too split to say anything
SUBDOMAIN_FLOOR = 0.5  # share of the domain's evidence the best subdomain needs to be named
EVIDENCE_SCALE = 3.0  # damping: 1 weak hit ≈ 0.28, 2 strong hits ≈ 0.75 of the share
TITLE_WEIGHT = 2.0
IPC_WEIGHT = 3.0

# (domain, subdomain) -> terms. Chinese terms match as substrings; English terms (ASCII) match at a word start
# (so "turbine" also finds "turbines"), and those of 3 letters or fewer only as whole words.
LEXICON: dict[tuple[str, str], tuple[str, ...]] = {
    # ------------------------------------------------------------------ 节能降碳
    ("energy_saving", "industrial_energy_saving"): (
        "节能", "节电", "节能改造", "降耗", "能耗", "电耗", "热耗", "煤耗", "标准煤", "能效", "高效节能", "工业节能",
        "窑炉", "工业炉", "加热炉", "锅炉", "燃烧器", "燃烧控制", "蓄热式", "保温", "隔热", "干燥", "烘干", "蒸汽",
        "疏水阀", "换热器", "换热", "空压机", "压缩空气", "蒸发浓缩", "mvr", "热泵干燥", "节能照明",
        "energy saving", "energy-saving", "energy efficiency", "energy efficient", "boiler", "furnace", "heat exchanger",
        "insulation", "steam trap", "compressed air",
    ),
    ("energy_saving", "waste_heat_recovery"): (
        "余热", "余压", "废热", "余热回收", "余热发电", "余热利用", "烟气余热", "低温余热", "有机朗肯", "orc",
        "冲渣水", "热回收", "trt", "干熄焦",
        "waste heat", "heat recovery", "organic rankine", "exhaust heat",
    ),
    ("energy_saving", "motor_system"): (
        "电机", "永磁电机", "变频", "变频器", "水泵", "离心泵", "泵", "风机节能", "鼓风机", "压缩机", "磁悬浮",
        "润滑油", "润滑脂", "液压油", "导轨油", "防锈油", "润滑", "传动", "减速机",
        "motor", "pump", "variable frequency", "variable speed drive", "inverter drive", "lubricant", "lubricating",
        "hydraulic oil", "grease", "compressor",
    ),
    ("energy_saving", "building_energy_saving"): (
        "建筑节能", "空调", "暖通", "新风", "新风换气", "全热交换", "地源热泵", "空气源热泵", "热泵", "冷水机组",
        "中央空调", "楼宇自动化", "楼宇", "外墙保温", "节能门窗", "调湿", "被动房", "供暖", "制冷",
        "hvac", "air conditioning", "heat pump", "ventilation", "building automation", "chiller", "passive house",
    ),
    ("energy_saving", "energy_management"): (
        "能源管理", "能源管理系统", "ems", "能效监测", "能耗监测", "能源监测", "能源优化", "能源数据", "用能",
        "合同能源管理", "能源审计", "需量", "负荷管理", "能源物联网", "iot", "数据分析", "智能控制", "自动控制",
        "energy management", "energy monitoring", "energy audit", "energy data", "demand response", "smart meter",
    ),
    ("energy_saving", "efficient_lighting"): (
        "led", "照明", "节能灯", "半导体照明", "智能照明", "防爆照明", "路灯", "灯具",
        "lighting", "lamp", "luminaire",
    ),
    # ------------------------------------------------------------------ 污染治理
    ("pollution_control", "air_pollution"): (
        "脱硫", "脱硝", "除尘", "除尘器", "布袋除尘", "电除尘", "超低排放", "烟气", "废气", "尾气", "vocs", "voc",
        "挥发性有机物", "有机废气", "催化燃烧", "rto", "rco", "活性炭吸附", "粉尘", "颗粒物", "pm2.5", "臭气", "恶臭",
        "异味", "油烟", "氮氧化物", "二氧化硫", "scr", "sncr", "空气净化", "臭氧", "杀菌", "消毒", "大气污染",
        "flue gas", "desulfurization", "desulphurization", "denitrification", "dust collector", "particulate",
        "air pollution", "air purification", "exhaust gas", "emission control", "volatile organic", "scrubber",
        "odor", "odour",
    ),
    ("pollution_control", "water_pollution"): (
        "废水", "污水", "污水处理", "废水处理", "水处理", "cod", "氨氮", "总磷", "脱氮", "除磷", "印染废水", "渗滤液",
        "高盐废水", "零排放", "膜处理", "反渗透", "超滤", "膜技术", "膜生物反应器", "mbr", "曝气", "生化处理",
        "厌氧", "好氧", "絮凝", "沉淀", "芬顿", "高级氧化", "电镀废水", "含油废水", "水质", "黑臭", "水中泵",
        "污泥", "水体污染",
        "wastewater", "waste water", "sewage", "effluent", "water treatment", "aeration", "membrane", "reverse osmosis",
        "ultrafiltration", "sludge", "zero liquid discharge", "water pollution",
    ),
    ("pollution_control", "soil_remediation"): (
        "土壤修复", "土壤污染", "污染土壤", "污染场地", "场地修复", "地下水修复", "重金属污染", "淋洗", "固化稳定化",
        "热脱附", "土壤", "重金属",
        "soil remediation", "contaminated soil", "contaminated land", "groundwater remediation", "brownfield",
    ),
    ("pollution_control", "solid_waste"): (
        "固废", "固体废物", "危废", "危险废物", "垃圾焚烧", "焚烧", "填埋", "医疗废物", "飞灰", "污泥处置", "无害化",
        "垃圾处理", "废物处理", "炉排炉", "热解", "生活垃圾",
        "solid waste", "hazardous waste", "incineration", "waste-to-energy", "waste to energy", "landfill",
        "municipal waste",
    ),
    ("pollution_control", "noise_vibration"): (
        "噪声", "噪音", "降噪", "减振", "隔声", "消声", "振动控制",
        "noise", "vibration", "acoustic",
    ),
    ("pollution_control", "environmental_monitoring"): (
        "监测", "在线监测", "环境监测", "检测", "分析仪", "传感器", "检测设备", "测试", "浓度测定", "水质监测",
        "大气监测", "粉尘监测", "排放监测", "监管平台", "纯度检测", "化学物质管理",
        "monitoring", "sensor", "analyzer", "analyser", "detection", "measurement", "testing", "purity",
    ),
    # ------------------------------------------------------------------ 资源节约集约循环利用
    ("resource_recycling", "industrial_solid_waste_utilization"): (
        "综合利用", "尾矿", "赤泥", "粉煤灰", "钢渣", "矿渣", "煤矸石", "磷石膏", "脱硫石膏", "工业固废", "冶炼渣",
        "资源化", "建材化",
        "fly ash", "slag", "tailings", "by-product",
    ),
    ("resource_recycling", "renewable_resources"): (
        "回收", "再生", "回收利用", "再生资源", "废旧", "拆解", "废塑料", "废钢", "废纸", "废橡胶", "废轮胎",
        "溶剂回收", "酸回收", "回收再利用", "再制造", "循环利用", "循环经济",
        "recycling", "recycled", "recovery", "reuse", "remanufactur", "circular economy", "upcycl",
    ),
    ("resource_recycling", "water_saving"): (
        "节水", "中水", "中水回用", "回用", "海水淡化", "雨水收集", "再生水", "储水", "水资源", "循环水", "冷却水",
        "water saving", "water reuse", "desalination", "rainwater", "water recycling", "water conservation",
    ),
    ("resource_recycling", "material_saving"): (
        "节材", "轻量化", "减量化", "长寿命", "高效利用", "省料", "数码印刷", "无版印刷",
        "lightweight", "material efficiency", "material saving",
    ),
    ("resource_recycling", "battery_recycling"): (
        "废旧电池", "电池回收", "动力电池回收", "梯次利用", "退役电池", "黑粉", "湿法回收锂",
        "battery recycling", "second-life batter", "spent batter",
    ),
    # ------------------------------------------------------------------ 清洁生产
    ("clean_production", "process_reengineering"): (
        "流程再造", "短流程", "电炉", "电弧炉", "氢冶金", "氢还原", "低碳冶金", "电气化改造", "工艺再造", "零碳工艺",
        "electric arc furnace", "hydrogen reduction", "green steel", "electrification",
    ),
    ("clean_production", "cleaner_process"): (
        "清洁生产", "源头减量", "少废", "无废", "绿色工艺", "清洁工艺", "工艺优化", "蒸馏", "精馏", "分离提纯",
        "萃取", "节能减排",
        "cleaner production", "clean production", "distillation", "process optimization", "process optimisation",
    ),
    ("clean_production", "hazardous_substitution"): (
        "替代", "无毒", "低毒", "无铬", "无氰", "无铅", "无卤", "水性涂料", "水性漆", "低voc", "有毒有害",
        "substitut", "non-toxic", "solvent-free", "water-based", "lead-free",
    ),
    ("clean_production", "green_chemistry"): (
        "绿色化工", "催化剂", "生物基", "可降解", "生物降解", "绿色合成", "酶法", "生物技术", "发酵",
        "biodegradable", "bio-based", "biobased", "green chemistry", "catalyst", "enzym", "biotechnolog",
    ),
    ("clean_production", "green_manufacturing"): (
        "绿色制造", "数字化", "智能制造", "绿色工厂", "工业互联网", "数字孪生",
        "green manufacturing", "digital twin", "smart manufacturing",
    ),
    # ------------------------------------------------------------------ 清洁能源
    ("clean_energy", "solar"): (
        "光伏", "太阳能", "光热", "太阳电池", "光伏组件", "光伏发电", "集热器", "钙钛矿", "异质结", "逆变器",
        "solar", "photovoltaic", "pv", "perovskite",
    ),
    ("clean_energy", "wind"): (
        "风电", "风力发电", "风力", "风能", "风机", "风车", "风电机组", "叶片", "海上风电", "风帆", "能源帆",
        "wind", "turbine", "rotor blade", "offshore wind", "windmill", "sail",
    ),
    ("clean_energy", "hydrogen"): (
        "氢能", "氢气", "制氢", "储氢", "加氢", "燃料电池", "电解水", "电解槽", "氢燃料", "绿氢", "氢燃气轮机",
        "hydrogen", "fuel cell", "electrolys", "electrolyz", "electrolyser",
    ),
    ("clean_energy", "biomass"): (
        "生物质", "沼气", "生物燃料", "生物柴油", "燃料乙醇", "厌氧发酵", "生物天然气", "甲烷利用", "成型燃料",
        "biomass", "biogas", "biofuel", "biodiesel", "bioethanol", "anaerobic digestion",
    ),
    ("clean_energy", "geothermal"): (
        "地热", "地源热泵", "浅层地热", "干热岩",
        "geothermal", "ground source",
    ),
    ("clean_energy", "energy_storage"): (
        "储能", "电池", "锂电池", "锂离子电池", "钠硫电池", "钠离子电池", "液流电池", "蓄电池", "电池测试",
        "压缩空气储能", "飞轮储能", "储热", "电池共享", "换电",
        "energy storage", "battery", "batteries", "lithium", "flywheel", "storage system",
    ),
    ("clean_energy", "smart_grid"): (
        "智能电网", "微电网", "虚拟电厂", "配电网", "电网", "并网", "源网荷储", "分布式能源", "综合能源",
        "smart grid", "microgrid", "micro-grid", "virtual power plant", "grid", "off-grid", "off grid",
        "distributed energy",
    ),
    ("clean_energy", "hydropower_ocean"): (
        "水电", "水力发电", "小水电", "潮汐", "波浪能", "海洋能", "抽水蓄能",
        "hydropower", "hydroelectric", "tidal", "wave energy", "ocean energy",
    ),
    # ------------------------------------------------------------------ 生态保护与修复
    ("ecological_restoration", "mine_restoration"): (
        "矿山修复", "矿山生态", "废弃矿山", "复垦", "复绿", "采煤沉陷", "排土场",
        "mine rehabilitation", "mine reclamation", "land reclamation",
    ),
    ("ecological_restoration", "water_ecology"): (
        "水生态", "湿地", "河道治理", "河湖", "黑臭水体", "生态浮岛", "水体修复", "富营养化", "蓝藻", "岸线",
        "wetland", "river restoration", "eutrophication", "algae bloom",
    ),
    ("ecological_restoration", "desertification_control"): (
        "荒漠化", "防沙", "治沙", "水土流失", "水土保持", "盐碱地", "石漠化", "植被恢复",
        "desertification", "erosion control", "revegetation",
    ),
    ("ecological_restoration", "biodiversity"): (
        "生物多样性", "物种保护", "栖息地", "珍稀", "野生动植物",
        "biodiversity", "habitat", "species",
    ),
    ("ecological_restoration", "carbon_sink"): (
        "碳汇", "固碳", "增汇", "造林", "森林", "蓝碳", "草原",
        "carbon sink", "afforestation", "reforestation", "forest",
    ),
    # ------------------------------------------------------------------ 城乡绿色基础设施
    ("green_infrastructure", "green_building"): (
        "绿色建筑", "装配式", "建材", "绿色建材", "墙体材料", "保温材料", "建筑材料", "混凝土", "绿色创新",
        "城市规划", "低能耗建筑",
        "green building", "building material", "prefabricated", "concrete", "construction material",
    ),
    ("green_infrastructure", "green_transport"): (
        "绿色交通", "新能源汽车", "电动汽车", "充电桩", "充电", "电动车", "公交", "物流", "运输", "船舶", "港口岸电",
        "移动机械", "电动化",
        "electric vehicle", "ev charging", "charging", "transport", "logistics", "vessel", "ship", "propulsion",
    ),
    ("green_infrastructure", "sponge_city"): (
        "海绵城市", "雨水", "透水", "雨洪", "调蓄",
        "sponge city", "stormwater", "permeable",
    ),
    ("green_infrastructure", "municipal_water"): (
        "供水", "排水", "管网", "给水", "自来水", "水务", "管道", "漏损", "城镇污水", "污水厂",
        "water supply", "drainage", "pipeline", "pipe network", "water utility",
    ),
    ("green_infrastructure", "waste_sorting"): (
        "垃圾分类", "垃圾转运", "厨余", "餐厨垃圾", "垃圾收运",
        "waste sorting", "waste collection", "food waste",
    ),
    ("green_infrastructure", "rural_environment"): (
        "农村污水", "农村", "厕所", "生物厕所", "改厕", "人居环境", "乡村",
        "rural", "toilet", "sanitation",
    ),
    # ------------------------------------------------------------------ 生态农业
    ("eco_agriculture", "agricultural_waste"): (
        "秸秆", "畜禽粪污", "粪污", "粪便", "农业废弃物", "尾菜", "农膜回收", "沼渣", "沼液",
        "straw", "manure", "crop residue", "agricultural waste",
    ),
    ("eco_agriculture", "fertilizer_pesticide_reduction"): (
        "有机肥", "生物肥", "化肥减量", "农药减量", "生物农药", "绿色防控", "缓释肥", "测土配方", "肥料", "农药",
        "organic fertili", "biofertili", "biopesticide", "fertilizer", "fertiliser", "pesticide", "compost",
    ),
    ("eco_agriculture", "water_saving_irrigation"): (
        "节水灌溉", "滴灌", "喷灌", "水肥一体化", "灌溉",
        "irrigation", "drip",
    ),
    ("eco_agriculture", "eco_breeding"): (
        "生态养殖", "养殖", "水产", "稻渔", "种养结合", "饲料", "畜禽",
        "aquaculture", "livestock", "fish farming", "poultry",
    ),
    ("eco_agriculture", "soil_improvement"): (
        "土壤改良", "耕地", "土壤调理", "酸化土壤", "地力提升", "农田", "种植", "农业机械", "农业",
        "soil improvement", "soil health", "farmland", "agricultur", "crop",
    ),
    # ------------------------------------------------------------------ 负碳及温室气体减排
    ("carbon_reduction", "ccus"): (
        "碳捕集", "ccus", "ccs", "二氧化碳捕集", "二氧化碳利用", "封存", "co2捕集", "二氧化碳", "co2",
        "carbon capture", "co2 capture", "carbon storage", "sequestration",
    ),
    ("carbon_reduction", "non_co2_ghg"): (
        "甲烷", "氧化亚氮", "六氟化硫", "sf6", "含氟气体", "氢氟碳化物", "制冷剂替代", "温室气体",
        "methane", "nitrous oxide", "greenhouse gas", "hfc", "refrigerant",
    ),
    ("carbon_reduction", "carbon_accounting"): (
        "碳排放", "碳核算", "碳足迹", "碳盘查", "碳管理", "碳监测", "碳资产", "碳交易", "碳中和", "碳达峰", "净零",
        "零碳", "低碳", "减碳", "降碳",
        "carbon footprint", "carbon accounting", "carbon emission", "net zero", "net-zero", "carbon neutral",
        "low carbon", "low-carbon", "decarboni",
    ),
    ("carbon_reduction", "negative_emission"): (
        "负碳", "生物炭", "直接空气捕集", "矿化固碳",
        "negative emission", "direct air capture", "biochar",
    ),
}

# Generic words: they help choose among domains once a record is green, but alone do not show that it is green
# (a pump, a sensor, a battery, a boiler is not a green technology by itself). They also weigh half.
CONTEXT_TERMS = frozenset({
    "acoustic", "aeration", "agricultur", "analyser", "analyzer", "batteries", "battery", "biotechnolog", "boiler",
    "catalyst", "ccs", "charging", "chiller", "co2", "cod", "compressor", "concrete", "crop", "detection",
    "digital twin", "distillation", "drainage", "drip", "ems", "enzym", "forest", "furnace", "grease", "grid",
    "habitat", "heat exchanger", "hydraulic oil", "insulation", "iot", "irrigation", "lamp", "led", "lighting",
    "lithium", "livestock", "logistics", "lubricant", "lubricating", "luminaire", "measurement", "membrane",
    "monitoring", "motor", "mvr", "noise", "orc", "permeable", "pipeline", "poultry", "process optimisation",
    "process optimization", "propulsion", "pump", "purity", "pv", "rainwater", "rco", "rotor blade", "rto", "rural",
    "sail", "scr", "sensor", "ship", "sludge", "smart manufacturing", "sncr", "species", "storage system",
    "substitut", "testing", "toilet", "transport", "trt", "turbine", "ventilation", "vessel", "vibration",
    "water supply", "乡村", "传动", "传感器", "供暖", "供水", "保温", "储水", "催化剂", "充电", "公交", "养殖", "再生", "农业", "农村", "农田", "冷却水",
    "减速机", "分析仪", "分离提纯", "制冷", "加热炉", "压缩机", "厌氧", "厕所", "发酵", "叶片", "回收", "回用", "土壤", "城市规划", "填埋", "好氧", "岸线",
    "工业互联网", "工业炉", "工艺优化", "干燥", "建材", "建筑材料", "异味", "循环水", "换热", "换热器", "排水", "数字化", "数据分析", "数码印刷", "无版印刷", "智能制造",
    "智能控制", "替代", "杀菌", "栖息地", "检测", "检测设备", "森林", "楼宇", "水中泵", "水务", "水泵", "水质", "水资源", "沉淀", "油烟", "泵", "测试", "消毒",
    "润滑", "混凝土", "湿地", "溶剂回收", "灯具", "烘干", "热解", "焚烧", "照明", "燃烧器", "物流", "珍稀", "生物技术", "电动车", "电机", "电池", "电网", "畜禽",
    "监测", "磁悬浮", "离心泵", "种植", "移动机械", "空调", "窑炉", "管道", "粉尘", "精馏", "絮凝", "给水", "绿色创新", "自动控制", "自来水", "臭氧", "船舶",
    "草原", "萃取", "蒸汽", "蒸馏", "调蓄", "路灯", "运输", "透水", "造林", "重金属", "锅炉", "长寿命", "隔热", "雨水", "颗粒物", "风机", "饲料", "高效利用",
    "鼓风机",
})

# Equipment is green when the text says it is efficient (高效率的双吸离心泵, 节能润滑油): an efficiency word next to
# generic equipment of these energy-saving subdomains counts as specific evidence.
EFFICIENCY_TERMS = ("高效", "效率", "节能", "节电", "省电", "低能耗", "降低能耗", "efficien", "energy saving", "saves energy",
                    "less energy", "lower energy")
EQUIPMENT_SUBDOMAINS = {"motor_system", "industrial_energy_saving", "efficient_lighting", "building_energy_saving"}

# IPC prefixes (no spaces, upper case) -> (domain, subdomain), read from the green IPC reference table
# (shared/data/ipc_green.json via shared.ipc_green): one source for suggestion, green flags and statistics.
IPC_PREFIXES: dict[str, tuple[str, str]] = ipc_green.prefixes()


@dataclass(frozen=True)
class DomainSuggestion:
    domain: str
    subdomain: str | None
    confidence: float  # 0..1, rounded to 2 decimals
    terms: tuple[str, ...] = ()  # the evidence, strongest first (at most 8)
    specific: bool = True  # evidence includes a green term or IPC code, not only generic words (CONTEXT_TERMS)

    def as_dict(self) -> dict[str, Any]:
        return {"domain": self.domain, "subdomain": self.subdomain, "confidence": self.confidence, "terms": list(self.terms)}


_ASCII = re.compile(r"^[\x00-\x7f]+$")
_NON_WORD = re.compile(r"[^0-9a-z\u3400-\u9fff.+-]+")


def _weight(term: str) -> float:
    if _ASCII.match(term):
        weight = 1.5 if " " in term or "-" in term else 1.0
    else:
        weight = {1: 0.5, 2: 1.0, 3: 1.5}.get(len(term), 2.0)
    return weight / 2 if term in CONTEXT_TERMS else weight


@cache
def _entries() -> tuple[tuple[str, str, str, float, bool], ...]:
    """(domain, subdomain, term as matched, weight, ascii) for the lexicon plus the taxonomy's own words."""
    seen: set[tuple[str, str]] = set()
    out = []
    vocab: dict[tuple[str, str], list[str]] = {key: list(terms) for key, terms in LEXICON.items()}
    for code, domain in taxonomy.DOMAINS.items():
        for sub, name in domain.subdomains.items():
            vocab.setdefault((code, sub), []).append(name)
    for (domain, sub), terms in vocab.items():
        for term in terms:
            norm = normalize(term)
            if (norm, sub) in seen:
                continue
            seen.add((norm, sub))
            out.append((domain, sub, norm, _weight(norm), bool(_ASCII.match(norm))))
    return tuple(out)


@cache
def _by_first_char() -> dict[str, tuple[tuple[str, str, str, float, bool], ...]]:
    """Entries grouped by their first character: a text is only tested for terms that can start in it."""
    groups: dict[str, list[tuple[str, str, str, float, bool]]] = {}
    for entry in _entries():
        groups.setdefault(entry[2][0], []).append(entry)
    return {c: tuple(entries) for c, entries in groups.items()}


def _hits(text: str) -> list[tuple[str, str, str, float]]:
    """Lexicon entries present in normalised text. A term inside a longer matched term of the same subdomain
    (风电 inside 风电机组) is not counted twice."""
    if not text:
        return []
    padded = " " + _NON_WORD.sub(" ", text) + " "
    groups = _by_first_char()
    found = []
    for char in set(text) & groups.keys():
        for domain, sub, term, weight, ascii_ in groups[char]:
            if ascii_:
                needle = f" {term} " if len(term) <= 3 else f" {term}"
                if needle not in padded:
                    continue
            elif term not in text:
                continue
            found.append((domain, sub, term, weight))
    found.sort()  # set order varies between runs: keep results (and ties) deterministic
    longest: dict[str, list[str]] = {}
    for domain, sub, term, weight in found:
        longest.setdefault(sub, []).append(term)
    return [h for h in found if not any(h[2] != other and h[2] in other for other in longest[h[1]])]


def ipc_subdomain(code: str) -> tuple[str, str] | None:
    entry = ipc_green.lookup(code)
    return (entry.domain, entry.subdomain) if entry else None


def suggest(*, title: str | None = None, text: str | None = None, ipc_codes: Iterable[str] = ()) -> DomainSuggestion | None:
    """Best (domain, subdomain) for the text and IPC codes, or None when the evidence is below the floor."""
    return _suggest(title or "", text or "", tuple(str(c) for c in ipc_codes))


@lru_cache(maxsize=512)  # one write asks twice (stored suggestion, screening); same text -> same answer
def _suggest(title: str, text: str, ipc_codes: tuple[str, ...]) -> DomainSuggestion | None:
    title, text = normalize(title), normalize(text)
    scores: dict[tuple[str, str], float] = {}
    evidence: dict[tuple[str, str], float] = {}  # (domain, term) -> strongest weight seen
    for weight_factor, part in ((TITLE_WEIGHT, title), (1.0, text)):
        for domain, sub, term, weight in _hits(part):
            w = weight * weight_factor
            scores[(domain, sub)] = scores.get((domain, sub), 0.0) + w
            evidence[(domain, term)] = max(evidence.get((domain, term), 0.0), w)
    for code in ipc_codes:
        found = ipc_subdomain(str(code))
        if found:
            scores[found] = scores.get(found, 0.0) + IPC_WEIGHT
            evidence[(found[0], str(code).replace(" ", "").upper())] = IPC_WEIGHT
    if not scores:
        return None
    by_domain: dict[str, float] = {}
    for (domain, _), score in scores.items():
        by_domain[domain] = by_domain.get(domain, 0.0) + score
    best = max(by_domain, key=lambda d: by_domain[d])
    share = by_domain[best] / sum(by_domain.values())
    ranked = [t for (d, t), _ in sorted(evidence.items(), key=lambda kv: -kv[1]) if d == best]
    specific = any(t not in CONTEXT_TERMS for t in ranked)
    if not specific and best == "energy_saving" and any(s in EQUIPMENT_SUBDOMAINS for d, s in scores if d == best):
        efficiency = next((t for t in EFFICIENCY_TERMS if t in title or t in text), None)
        if efficiency:
            specific, ranked = True, [*ranked, efficiency]
    confidence = share * (1 - math.exp(-by_domain[best] / EVIDENCE_SCALE))
    if not specific:  # only generic words (a pump, a sensor): the record may not be a green technology at all
        confidence /= 2
    confidence = round(confidence, 2)
    if confidence < CONFIDENCE_FLOOR:
        return None
    subs = {s: v for (d, s), v in scores.items() if d == best}
    top_sub = max(subs, key=lambda s: subs[s])
    subdomain = top_sub if subs[top_sub] / by_domain[best] >= SUBDOMAIN_FLOOR else None
    return DomainSuggestion(best, subdomain, confidence, tuple(ranked[:8]), specific)


# Fields that describe a record, in the order they are read; the title is weighted separately.
TEXT_FIELDS = ("summary", "description", "keywords", "core_process", "key_parameters", "benefits", "applicable_scope",
               "expected_indicators")


def suggest_for_record(record: Mapping[str, Any]) -> DomainSuggestion | None:
    """`suggest` over a record dict (Create/Public shape): title, free-text fields and its patents' IPC codes."""
    parts: list[str] = []
    for name in TEXT_FIELDS:
        value = record.get(name)
        if isinstance(value, list):
            parts.extend(str(v) for v in value)
        elif value:
            parts.append(str(value))
    ipc = [c for p in record.get("patents") or [] if isinstance(p, Mapping) for c in p.get("ipc_codes") or []]
    return suggest(title=record.get("title"), text="\n".join(parts), ipc_codes=ipc)
