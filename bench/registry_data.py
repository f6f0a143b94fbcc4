"""Seeded generator of realistic Chinese green-technology listings for registry benchmarks.

Every record is composed from templates and per-subdomain vocabularies covering every domain and subdomain of
shared/taxonomy.py, and is validated by shared/schemas.py TechnologyCreate (external_ref source "bench").
The same seed and count always give the same records. About 5% declare a TRL that does not fit their stage
(screening puts those on hold, as it would for real submitters) and about 3% leave out the region, so status
and region filters see a realistic mix rather than one uniform value.
"""
from __future__ import annotations

import random
from collections.abc import Iterator
from decimal import Decimal

from shared import taxonomy
from shared.identifiers import patent_check_digit
from shared.schemas import ExternalRef, Stage, TechnologyCreate, TransferMode

DEFAULT_SEED = 20240601
SOURCE = "bench"

# subdomain -> (application objects 应用对象, technical means 技术手段)
VOCABULARY: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # 节能降碳
    "industrial_energy_saving": (("水泥回转窑", "玻璃熔窑", "电解铝槽", "陶瓷辊道窑", "工业锅炉"), ("富氧燃烧", "高效保温内衬", "燃烧优化控制", "蓄热式燃烧")),
    "waste_heat_recovery": (("烧结环冷机", "焦炉荒煤气", "空压机", "硅铁矿热炉", "化工反应釜"), ("余热发电", "热管换热", "有机朗肯循环", "压缩热回收")),
    "motor_system": (("循环水泵", "风机群", "空压站", "矿井提升机", "注塑机"), ("永磁同步电机", "高压变频调速", "能效诊断与系统匹配", "磁悬浮驱动")),
    "building_energy_saving": (("既有公共建筑", "医院", "数据中心机房", "商业综合体", "高校宿舍"), ("外墙外保温", "空气源热泵", "冷机群控", "间接蒸发冷却")),
    "energy_management": (("工业园区", "钢铁企业", "纺织印染厂", "城市供热管网", "连锁商超"), ("能源管控平台", "能效在线监测", "负荷预测与优化调度", "能耗数字孪生")),
    "efficient_lighting": (("城市道路", "隧道", "工厂车间", "地下车库", "体育场馆"), ("LED智能照明", "按需调光控制", "光导照明", "单灯远程监控")),
    # 污染治理
    "air_pollution": (("钢铁烧结烟气", "焦炉烟气", "家具喷涂废气", "垃圾焚烧烟气", "玻璃窑炉烟气"), ("中低温SCR脱硝", "活性炭吸附脱附", "湿式电除尘", "蓄热式热力焚烧(RTO)", "循环流化床半干法脱硫")),
    "water_pollution": (("印染废水", "焦化废水", "电镀废水", "垃圾渗滤液", "制药废水"), ("臭氧催化氧化", "膜生物反应器(MBR)", "高级氧化耦合生化", "电催化氧化", "厌氧氨氧化")),
    "soil_remediation": (("重金属污染农田", "焦化场地", "有机氯农药场地", "石油污染土壤", "铬渣堆场"), ("原位化学氧化", "热脱附", "钝化稳定化", "植物修复", "淋洗修复")),
    "solid_waste": (("危险废物", "生活垃圾焚烧飞灰", "市政污泥", "医疗废物", "工业废盐"), ("等离子体熔融", "高温热解", "水泥窑协同处置", "低温干化", "固化填埋预处理")),
    "noise_vibration": (("变电站", "城市轨道交通", "冷却塔", "工业风机房", "高架道路"), ("阻抗复合消声", "隔振浮置板", "有源降噪", "声屏障")),
    "environmental_monitoring": (("工业园区大气", "重点排污口", "流域水质", "土壤环境", "餐饮油烟"), ("激光光谱在线监测", "走航监测", "无人机遥感", "微型传感网络")),
    # 资源节约集约循环利用
    "industrial_solid_waste_utilization": (("钢渣", "赤泥", "粉煤灰", "煤矸石", "磷石膏"), ("制备胶凝材料", "提铁与尾渣建材化", "制备陶粒", "高值化综合利用")),
    "renewable_resources": (("废塑料", "废旧纺织品", "废玻璃", "报废汽车", "废旧光伏组件"), ("分选再生造粒", "化学解聚", "精细拆解", "高值再生")),
    "water_saving": (("火电厂循环冷却水", "煤化工高盐废水", "城市再生水", "矿井水", "钢铁浓盐水"), ("零排放分盐结晶", "中水回用", "反渗透浓水减量", "冷却塔节水消雾")),
    "material_saving": (("机械零部件", "铸造型砂", "包装材料", "建筑模板", "耐火材料"), ("再制造", "近净成形", "旧砂再生", "轻量化设计")),
    "battery_recycling": (("退役动力电池", "废旧锂电池黑粉", "废铅酸蓄电池", "储能电站电池", "电池生产废料"), ("梯次利用", "湿法冶金回收", "物理破碎分选", "直接修复再生")),
    # 清洁生产
    "process_reengineering": (("长流程炼钢", "合成氨", "水泥熟料", "电解铝", "炼化装置"), ("氢冶金短流程", "电炉短流程", "绿氢替代", "电气化改造")),
    "cleaner_process": (("印染前处理", "皮革鞣制", "电镀", "造纸制浆", "酿造"), ("无水染色", "无铬鞣制", "三价铬替代", "清洁制浆", "源头减量")),
    "hazardous_substitution": (("汽车涂装", "家具制造", "印刷包装", "电子清洗", "农药制剂"), ("水性涂料替代", "低VOCs油墨", "无毒溶剂替代", "粉末涂料替代")),
    "green_chemistry": (("精细化工", "医药中间体", "农药原药", "染料", "聚氨酯"), ("连续流微反应", "生物催化合成", "绿色溶剂", "原子经济性工艺")),
    "green_manufacturing": (("离散制造车间", "化工园区", "纺织工厂", "铸造企业", "食品工厂"), ("绿色工厂数字化管理", "工艺参数智能优化", "产品碳足迹管理", "能源物料平衡在线管控")),
    # 清洁能源
    "solar": (("工商业屋顶", "农光互补", "渔光互补", "建筑幕墙", "荒漠电站"), ("高效异质结光伏组件", "光伏建筑一体化", "跟踪支架", "智能运维清扫")),
    "wind": (("分散式风电场", "海上风电", "低风速地区", "高原山地", "老旧风场"), ("大兆瓦风机", "叶片智能监测", "以大代小改造", "风功率预测")),
    "hydrogen": (("可再生能源富集区", "化工园区", "加氢站", "重卡物流", "钢铁企业"), ("碱性电解水制氢", "PEM电解水制氢", "固态储氢", "燃料电池")),
    "biomass": (("农林废弃物", "餐厨垃圾", "畜禽粪污", "酒糟", "园林废弃物"), ("沼气工程", "生物质气化供热", "成型燃料", "厌氧发酵制生物天然气")),
    "geothermal": (("中深层地热", "浅层地热", "矿井回风", "城市污水", "油田伴生水"), ("地源热泵", "无干扰地热供热", "热泵梯级利用", "地热发电")),
    "energy_storage": (("新能源电站", "工业园区", "电网侧", "数据中心", "5G基站"), ("磷酸铁锂储能", "全钒液流电池", "压缩空气储能", "飞轮储能", "熔盐储热")),
    "smart_grid": (("工业园区", "海岛", "乡村", "港口", "高速公路服务区"), ("源网荷储一体化微电网", "虚拟电厂", "需求侧响应", "柔性直流配电")),
    "hydropower_ocean": (("小水电站", "潮汐能电站", "海岛", "引水渠道", "海上平台"), ("生态流量泄放", "增效扩容改造", "波浪能发电", "潮流能发电")),
    # 生态保护与修复
    "mine_restoration": (("废弃露天矿山", "煤矿塌陷区", "稀土尾矿库", "金属矿废石场", "采石场"), ("生态复绿", "边坡客土喷播", "土壤重构", "尾矿原位生态修复")),
    "water_ecology": (("城市黑臭水体", "富营养化湖泊", "河道", "入湖口湿地", "水源地"), ("沉水植物群落构建", "人工湿地", "底泥原位修复", "生态浮岛")),
    "desertification_control": (("沙化土地", "盐碱地", "黄土高原坡耕地", "石漠化山区", "干旱河谷"), ("草方格固沙", "盐碱地改良", "水土保持林草配置", "生物结皮")),
    "biodiversity": (("自然保护区", "城市绿地", "滨海湿地", "森林公园", "河口"), ("生境修复", "物种监测", "生态廊道构建", "红外相机与声学监测")),
    "carbon_sink": (("红树林", "人工林", "草原", "海草床", "农田土壤"), ("碳汇计量监测", "增汇经营", "蓝碳修复", "土壤有机碳提升")),
    # 城乡绿色基础设施
    "green_building": (("装配式住宅", "公共建筑", "农房", "学校", "工业厂房"), ("装配式建筑体系", "固废基绿色建材", "近零能耗建筑设计", "光储直柔")),
    "green_transport": (("城市公交", "港口码头", "物流园区", "高速公路服务区", "城市配送"), ("新能源汽车充电网络", "岸电系统", "换电站", "氢燃料电池重卡")),
    "sponge_city": (("老旧小区", "城市道路", "公园绿地", "工业园区", "校园"), ("透水铺装", "雨水花园", "雨水调蓄回用", "下凹式绿地")),
    "municipal_water": (("城镇污水处理厂", "供水管网", "排水管网", "二次供水", "污泥处理中心"), ("提标改造", "管网漏损监测", "智慧水务调度", "污泥厌氧消化")),
    "waste_sorting": (("城市社区", "垃圾转运站", "餐厨垃圾处理厂", "建筑垃圾消纳场", "县域环卫"), ("智能垃圾分类回收", "压缩转运", "建筑垃圾再生骨料", "餐厨垃圾生物处理")),
    "rural_environment": (("农村生活污水", "农村厕所", "农村生活垃圾", "乡镇污水站", "畜禽散养户"), ("一体化污水处理设备", "无害化卫生厕所", "分散式生态处理", "就地资源化")),
    # 生态农业
    "agricultural_waste": (("玉米秸秆", "水稻秸秆", "畜禽粪污", "果蔬尾菜", "食用菌废菌棒"), ("好氧堆肥制有机肥", "秸秆还田腐熟", "黑水虻转化", "秸秆饲料化")),
    "fertilizer_pesticide_reduction": (("设施蔬菜", "水稻", "果园", "茶园", "小麦"), ("测土配方施肥", "生物农药", "绿色防控", "缓控释肥")),
    "water_saving_irrigation": (("大田玉米", "棉花", "设施农业", "果园", "牧草"), ("滴灌水肥一体化", "智能喷灌", "膜下滴灌", "墒情监测灌溉")),
    "eco_breeding": (("生猪养殖场", "水产池塘", "奶牛场", "蛋鸡场", "稻田"), ("种养结合", "循环水养殖", "发酵床养殖", "稻渔综合种养")),
    "soil_improvement": (("酸化耕地", "盐渍化耕地", "黑土地", "连作障碍大棚", "中低产田"), ("土壤改良剂", "有机质提升", "保护性耕作", "微生物菌剂改良")),
    # 负碳及温室气体减排
    "ccus": (("燃煤电厂烟气", "水泥窑尾气", "煤化工尾气", "天然气处理厂", "钢铁高炉煤气"), ("化学吸收法碳捕集", "二氧化碳驱油封存", "二氧化碳矿化利用", "低能耗吸附捕集")),
    "non_co2_ghg": (("煤矿乏风", "污水处理厂", "己二酸装置", "电力设备", "油气田"), ("甲烷回收利用", "氧化亚氮催化分解", "六氟化硫替代与回收", "乏风瓦斯氧化")),
    "carbon_accounting": (("重点排放单位", "产品全生命周期", "工业园区", "城市", "供应链"), ("碳排放在线监测", "碳足迹核算", "碳排放核算平台", "温室气体清单编制")),
    "negative_emission": (("生物质电厂", "大气", "海洋", "矿山尾矿", "农田"), ("生物质能碳捕集(BECCS)", "直接空气捕集", "增强岩石风化", "生物炭还田")),
}

# domain -> (goal phrase for titles, benefit sentence, IPC codes seen on such patents)
DOMAIN_TRAITS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "energy_saving": ("节能改造", "综合节能率可达15%～30%，投资回收期2～4年。", ("F27D 17/00", "F24D 3/18", "H02P 27/06")),
    "pollution_control": ("污染治理", "排放稳定达标，运行费用较传统工艺降低20%以上。", ("B01D 53/86", "C02F 9/14", "B09C 1/08")),
    "resource_recycling": ("资源化利用", "变废为宝，资源综合利用率提高到90%以上，减少填埋占地。", ("C04B 18/04", "B09B 3/00", "H01M 10/54")),
    "clean_production": ("清洁生产", "从源头减少污染物产生量30%以上，降低原辅材料消耗。", ("C21B 13/00", "C09D 5/02", "B01J 19/00")),
    "clean_energy": ("清洁能源利用", "替代化石能源，年发电或供能效益显著，提高可再生能源消纳比例。", ("H02S 20/00", "C25B 1/04", "H02J 3/32")),
    "ecological_restoration": ("生态修复", "植被覆盖度提升到70%以上，水土流失明显减少，生态系统服务功能恢复。", ("A01G 17/00", "C02F 3/32", "E02D 17/20")),
    "green_infrastructure": ("绿色化建设", "降低建设和运行能耗，改善城乡人居环境，全生命周期成本更低。", ("E04B 1/76", "B60L 53/00", "E03F 1/00")),
    "eco_agriculture": ("绿色种养", "化肥农药减量20%以上，农产品品质提升，农业废弃物资源化利用。", ("C05F 17/00", "A01G 25/02", "A01K 61/00")),
    "carbon_reduction": ("减排降碳", "年减少二氧化碳或其他温室气体排放数万吨，可参与碳市场交易。", ("B01D 53/14", "B01D 53/62", "G06Q 50/26")),
}

# Real GB/T 2260 city-level codes across provinces (tech-transfer hubs weighted by repetition).
REGIONS = (
    "110100", "110100", "120100", "130100", "130200", "140100", "150100", "210100", "210200", "220100", "230100",
    "310100", "310100", "320100", "320200", "320500", "320500", "330100", "330100", "330200", "330300", "340100",
    "350100", "350200", "360100", "370100", "370200", "410100", "420100", "420100", "430100", "440100", "440300",
    "440300", "450100", "460100", "500100", "510100", "510100", "520100", "530100", "610100", "620100", "630100",
    "640100", "650100",
)
STAGE_TRL = {Stage.research: (1, 4), Stage.lab: (3, 5), Stage.pilot: (4, 7), Stage.demonstration: (6, 8), Stage.industrialization: (7, 9)}
STAGES = (Stage.research, Stage.lab, Stage.pilot, Stage.pilot, Stage.demonstration, Stage.demonstration,
          Stage.industrialization, Stage.industrialization, Stage.industrialization)
HOLDERS = ("某高校课题组", "某省环境科学研究院", "某节能环保装备企业", "某国家重点实验室", "某新材料科技公司", "某工程技术研究中心")
TITLE_TEMPLATES = ("{obj}{means}技术", "基于{means}的{obj}{goal}技术", "{obj}{means}{goal}成套装备", "{means}在{obj}{goal}中的应用")


def _patent(rng: random.Random, ipc: tuple[str, ...]) -> dict:
    digits = f"{rng.randint(2015, 2023)}{rng.choice('12')}{rng.randint(0, 9_999_999):07d}"
    return {"number": f"CN{digits}.{patent_check_digit(digits)}", "status": rng.choice(("granted", "granted", "pending")),
            "ipc_codes": [rng.choice(ipc)]}


def technology(rng: random.Random, index: int, batch_tag: str) -> TechnologyCreate:
    domain_code = rng.choice(list(taxonomy.DOMAINS))
    domain = taxonomy.DOMAINS[domain_code]
    sub_code = rng.choice(list(domain.subdomains))
    objects, means_list = VOCABULARY[sub_code]
    obj, means = rng.choice(objects), rng.choice(means_list)
    goal, benefit_line, ipc = DOMAIN_TRAITS[domain_code]
    terms = rng.sample(domain.keywords, k=min(3, len(domain.keywords)))
    stage = rng.choice(STAGES)
    low, high = STAGE_TRL[stage]
    trl = rng.randint(low, high) if rng.random() >= 0.05 else (9 if high < 9 else 2)  # ~5% misfit -> on_hold
    price_min = rng.randint(5, 500) * 10_000
    tce = rng.randint(200, 20_000)
    hours = rng.randint(3000, 8000)
    efficiency = rng.randint(60, 98)
    title = rng.choice(TITLE_TEMPLATES).format(obj=obj, means=means, goal=goal)
    return TechnologyCreate(
        title=title[:120],
        summary=f"面向{obj}，采用{means}，实现{domain.subdomains[sub_code]}领域的{'、'.join(terms)}。",
        description=(f"针对{obj}存在的能耗高、排放大或资源浪费等问题，{rng.choice(HOLDERS)}研发了{means}技术。"
                     f"该技术属于{domain.name}领域，核心指标效率达到{efficiency}%，年运行{hours}小时，"
                     f"已在{rng.randint(2, 60)}个项目中应用。{benefit_line}"),
        domain=domain_code,
        subdomain=sub_code,
        keywords=[means[:30], obj[:30], *terms],
        core_process=f"现场调研与诊断→{means}工艺设计→关键设备制造与安装→调试运行→在线监测与运维。",
        key_parameters=f"处理或服务规模可按需配置；关键效率≥{efficiency}%；连续稳定运行时间≥{hours}小时/年。",
        benefits=benefit_line,
        benefit_figures={"energy_saved_tce_per_year": tce, "co2_reduced_t_per_year": round(tce * rng.uniform(2.5, 2.8))},
        applicable_scope=f"适用于{'、'.join(rng.sample(objects, k=min(2, len(objects))))}等场景。",
        trl=trl,
        stage=stage,
        patents=[_patent(rng, ipc) for _ in range(rng.randint(0, 3))],
        transfer_modes=rng.sample(list(TransferMode), k=rng.randint(1, 3)),
        price_min_cny=Decimal(price_min),
        price_max_cny=Decimal(price_min * rng.randint(1, 5)),
        region=None if rng.random() < 0.03 else rng.choice(REGIONS),
        external_ref=ExternalRef(source=SOURCE, external_id=f"{batch_tag}-{index:07d}"),
    )


def technologies(count: int, *, seed: int = DEFAULT_SEED, batch_tag: str = "bench") -> Iterator[TechnologyCreate]:
    """`count` validated TechnologyCreate payloads; external_id is `<batch_tag>-<index>` (unique per tag)."""
    rng = random.Random(seed)
    for i in range(count):
        yield technology(rng, i, batch_tag)


def batches(items: list[TechnologyCreate], size: int) -> Iterator[list[TechnologyCreate]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
