"""Chinese request examples for the OpenAPI documents (`openapi_examples` shape: name -> summary, value).

Shared because the gateway re-exposes the registry's and the matching service's bodies, and services never
import each other.
"""
from __future__ import annotations

from typing import Any

Examples = dict[str, dict[str, Any]]

TECHNOLOGY = {
    "title": "钢铁烧结烟气脱硫脱硝一体化技术",
    "summary": "烧结烟气循环流化床半干法脱硫与中低温SCR脱硝一体化，实现超低排放",
    "description": "针对钢铁烧结烟气二氧化硫、氮氧化物浓度波动大的特点，采用循环流化床半干法脱硫耦合中低温SCR脱硝工艺，"
                   "脱硫效率≥98%，脱硝效率≥85%，颗粒物排放≤10mg/m³，满足钢铁行业超低排放要求。",
    "domain": "pollution_control",
    "subdomain": "air_pollution",
    "keywords": ["脱硫", "脱硝", "超低排放"],
    "trl": 7,
    "stage": "demonstration",
    "transfer_modes": ["license", "technical_service"],
    "price_min_cny": "1500000.00",
    "price_max_cny": "3000000.00",
    "region": "330100",
    "patents": [{"number": "CN202010123456.2", "title": "一种烧结烟气脱硫脱硝一体化装置", "status": "granted", "ipc_codes": ["B01D 53/86"]}],
    "benefit_figures": {"energy_saved_tce_per_year": 1200, "co2_reduced_t_per_year": 3100},
}
DEMAND = {
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
CHALLENGE = {
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

LISTING_EXAMPLES: dict[str, dict[str, Any]] = {  # also the registry's (services/registry/*/endpoints.py)
    "technology": {
        "create": {"full": {"summary": "一项完整的技术成果", "value": TECHNOLOGY}},
        "patch": {"price": {"summary": "修改报价（带版本号）", "value": {"version": 1, "price_min_cny": "1200000.00", "keywords": ["脱硫", "脱硝", "SCR"]}}},
        "bulk": {"sync": {"summary": "从外部平台同步（按external_ref幂等）", "value": {"items": [
            {**TECHNOLOGY, "external_ref": {"source": "zjtm", "external_id": "T-2024-000183"}},
            {**TECHNOLOGY, "title": "污水厂污泥低温干化技术", "domain": "pollution_control", "subdomain": "solid_waste",
             "keywords": ["污泥", "干化"], "external_ref": {"source": "zjtm", "external_id": "T-2024-000184"}}]}}},
        "override": {"publish": {"summary": "人工复核后发布", "value": {"status": "published", "reason": "人工复核：指标已由第三方检测报告证实，准予发布"}}},
        "export_line": '{"id": "tec_01hx3k9q2m7a4b5c6d7e", "title": "钢铁烧结烟气脱硫脱硝一体化技术", "domain": "pollution_control", '
                       '"status": "published", "version": 1}\n',
    },
    "demand": {
        "create": {"need": {"summary": "企业技术需求", "value": DEMAND}, "challenge": {"summary": "揭榜挂帅", "value": CHALLENGE}},
        "patch": {"budget": {"summary": "调整预算（带版本号）", "value": {"version": 1, "budget_max_cny": "1000000.00"}}},
        "bulk": {"sync": {"summary": "从外部平台同步（按external_ref幂等）", "value": {"items": [
            {**DEMAND, "external_ref": {"source": "zjtm", "external_id": "D-2024-000077"}}]}}},
        "override": {"hold": {"summary": "人工复核退回修改", "value": {"status": "on_hold", "reason": "需求描述缺少现有工况数据，请补充风量和浓度"}}},
        "export_line": '{"id": "dem_01hx3k9q2m7a4b5c6d7e", "title": "家具喷涂车间低浓度大风量VOCs治理", "status": "published", "version": 1}\n',
    },
}

ORGANIZATION_CREATE: Examples = {"enterprise": {"summary": "一家环保企业", "value": {
    "name": "杭州绿源环保科技有限公司", "type": "enterprise", "credit_code": "91330100MA27XL0Q2T", "region": "330100",
    "contacts": [{"name": "王工", "phone": "0571-88886666", "email": "wang@example.cn", "role": "技术总监"}]}}}
ORGANIZATION_PATCH: Examples = {"rename": {"summary": "更名（带版本号）", "value": {"version": 1, "name": "杭州绿源环境科技股份有限公司"}}}

SEARCH: Examples = {
    "need": {"summary": "企业需求找技术", "value": {
        "query": "我们是家具厂，喷漆车间排出的有机废气风量大、浓度低，环保检查不达标，需要治理方案",
        "target": "technology", "k": 5, "filters": {"region": "330000", "transfer_modes": ["license", "assignment"]}}},
    "supply": {"summary": "技术找需求", "value": {"query": "烧结烟气脱硫脱硝一体化", "target": "demand", "k": 10}},
}
RECORD_QUERY: Examples = {"default": {"summary": "按预算筛选（读到自己刚写入的记录）", "value": {
    "k": 10, "filters": {"budget_max_cny": "2000000", "domain": "pollution_control"}, "min_seq": 1024}}}
SIMILAR: Examples = {
    "draft": {"summary": "发布前查重", "value": {"entity": "technology", "text": "钢铁烧结烟气循环流化床脱硫+SCR脱硝一体化", "k": 5}},
    "record": {"summary": "已入库记录查重", "value": {"entity": "demand", "id": "dem_01HZX3T6Q9", "k": 5}},
}
BATCH: Examples = {"two": {"summary": "两条需求", "value": {"queries": [
    {"query": "污水厂脱水后的泥饼太湿，外运处置费用高", "k": 3},
    {"query": "厂房屋顶闲置，想装光伏发电", "k": 3}]}}}


def body_examples(examples: Examples, media_type: str = "application/json") -> dict[str, Any]:
    """`openapi_extra` adding named examples to an operation's request body."""
    return {"requestBody": {"content": {media_type: {"examples": examples}}}}
