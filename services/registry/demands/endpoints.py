"""/v1/demands (needs and 揭榜挂帅 challenges): the shared listing routes with demand filters and Chinese examples."""
from services.registry.listings.endpoints import build_router
from services.registry.listings.filters import demand_filters
from services.registry.listings.kinds import DEMAND

CREATE_EXAMPLE = {
    "title": "家具喷涂车间低浓度大风量VOCs治理",
    "description": "我们是家具厂，喷漆车间排出的有机废气风量大、浓度低，环保检查不达标，需要经济可行的VOCs治理方案。",
    "domain": "pollution_control",
    "subdomain": "air_pollution",
    "keywords": ["VOCs", "废气", "喷涂"],
    "expected_indicators": "VOCs去除率≥90%，排放浓度≤50mg/m³",
    "budget_min_cny": "300000.00",
    "budget_max_cny": "800000.00",
    "cooperation_modes": ["technical_service"],
    "region": "330500",
}
CHALLENGE_EXAMPLE = {
    "title": "钢渣高值化综合利用技术揭榜挂帅",
    "description": "面向钢渣大宗固废，征集可将钢渣用于建材或土壤改良的资源化综合利用技术，年处理能力不低于10万吨。",
    "domain": "resource_recycling",
    "kind": "challenge",
    "award_cny": "2000000.00",
    "deadline": "2030-12-31",
    "expected_indicators": "钢渣综合利用率≥90%，产品满足国家建材标准",
    "ip_terms": "成果知识产权归揭榜方所有，发榜方享有优先实施许可",
    "region": "320500",
}

EXAMPLES = {
    "create": {"need": {"summary": "企业技术需求", "value": CREATE_EXAMPLE},
               "challenge": {"summary": "揭榜挂帅", "value": CHALLENGE_EXAMPLE}},
    "patch": {"budget": {"summary": "调整预算（带版本号）", "value": {"version": 1, "budget_max_cny": "1000000.00"}}},
    "bulk": {"sync": {"summary": "从外部平台同步", "value": {"items": [{**CREATE_EXAMPLE, "external_ref": {"source": "zjtm", "external_id": "D-2024-000077"}}]}}},
    "override": {"hold": {"summary": "人工复核退回修改", "value": {"status": "on_hold", "reason": "需求描述缺少现有工况数据，请补充风量和浓度"}}},
    "export_line": '{"id": "dem_01hx3k9q2m7a4b5c6d7e", "title": "家具喷涂车间低浓度大风量VOCs治理", "status": "published", "version": 1}\n',
}

router = build_router(DEMAND, demand_filters, EXAMPLES)
