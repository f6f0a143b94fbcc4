"""/v1/technologies (supply): the shared listing routes with technology filters and Chinese examples."""
from services.registry.listings.endpoints import build_router
from services.registry.listings.filters import technology_filters
from services.registry.listings.kinds import TECHNOLOGY

CREATE_EXAMPLE = {
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

EXAMPLES = {
    "create": {"full": {"summary": "一项完整的技术成果", "value": CREATE_EXAMPLE}},
    "patch": {"price": {"summary": "修改报价（带版本号）", "value": {"version": 1, "price_min_cny": "1200000.00", "keywords": ["脱硫", "脱硝", "SCR"]}}},
    "bulk": {"sync": {"summary": "从外部平台同步", "value": {"items": [{**CREATE_EXAMPLE, "external_ref": {"source": "zjtm", "external_id": "T-2024-000183"}}]}}},
    "override": {"publish": {"summary": "人工复核后发布", "value": {"status": "published", "reason": "人工复核：指标已由第三方检测报告证实，准予发布"}}},
    "export_line": '{"id": "tec_01hx3k9q2m7a4b5c6d7e", "title": "钢铁烧结烟气脱硫脱硝一体化技术", "domain": "pollution_control", "status": "published", "version": 1}\n',
}

router = build_router(TECHNOLOGY, technology_filters, EXAMPLES)
