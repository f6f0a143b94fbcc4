"""One OpenAPI document for the whole platform, with auth schemes, shared record models and Chinese examples."""
from __future__ import annotations

import json

from services.gateway.app import WORKFLOW_PACKAGES
from shared.schemas import Entity


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


# --------------------------------------------------------------------------- a document a generator can use
import re  # noqa: E402

import pytest  # noqa: E402

from services.gateway.webhooks.schemas import EventType  # noqa: E402
from shared.errors import PROBLEM_MEDIA_TYPE, conflict  # noqa: E402

METHODS = ("get", "put", "post", "delete", "patch")
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """The three services' documents, built in-process (no server needed to generate them)."""
    from services.gateway.app import create_app as gateway_app
    from services.gateway.settings import GatewaySettings
    from services.matching.app import create_app as matching_app
    from services.matching.settings import MatchingSettings
    from services.registry.app import create_app as registry_app
    from services.registry.settings import RegistrySettings

    tmp = tmp_path_factory.mktemp("openapi")
    return {
        "gateway": gateway_app(GatewaySettings(data_dir=tmp / "g", registry_url="http://127.0.0.1:9",
                                               matching_url="http://127.0.0.1:9")).openapi(),
        "registry": registry_app(RegistrySettings(data_dir=tmp / "r", database_url=f"sqlite:///{tmp}/r.db")).openapi(),
        "matching": matching_app(MatchingSettings(data_dir=tmp / "m")).openapi(),
    }


def operations(doc: dict):
    for path, item in doc["paths"].items():
        for method in METHODS:
            if method in item:
                yield method, path, item[method]


@pytest.mark.parametrize("service", ["gateway", "registry", "matching"])
def test_one_problem_schema_for_every_error(documents: dict, service: str) -> None:
    doc = documents[service]
    schemas = doc["components"]["schemas"]
    assert "Problem" in schemas
    assert not {"HTTPValidationError", "ValidationError"} & set(schemas)
    assert "HTTPValidationError" not in json.dumps(doc)
    assert not [n for n in schemas if n.endswith(("-Input", "-Output"))]
    for method, path, op in operations(doc):
        for code, response in op["responses"].items():
            assert "X-Request-ID" in response.get("headers", {}), (method, path, code)
            if int(code) >= 400 and "ops" not in op.get("tags", []):
                assert response["content"] == {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}, (method, path, code)
        if not path.startswith("/v1/"):
            continue
        expected = {"401", "404", "409", "422"} | ({"403", "429", "502", "503", "504"} if service == "gateway" else set())
        assert expected <= set(op["responses"]), (method, path, expected - set(op["responses"]))
        if method == "patch":
            assert "428" in op["responses"]
            assert "if-match" in {p["name"].lower() for p in op.get("parameters", []) if p["in"] == "header"}, path
        for code in ("429", "503", "504"):
            if code in op["responses"]:
                assert "Retry-After" in op["responses"][code]["headers"]


@pytest.mark.parametrize("service", ["gateway", "registry", "matching"])
def test_operation_ids_are_readable_and_unique(documents: dict, service: str) -> None:
    ids = [op["operationId"] for _, _, op in operations(documents[service])]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z][a-z_]*[a-z]", i) and "_v1_" not in i for i in ids), ids
    if service == "gateway":
        assert {"create_demand", "list_deals", "get_technology", "bulk_upsert_technologies", "accept_introduction",
                "transition_deal", "list_commissions", "create_key", "search"} <= set(ids)


@pytest.mark.parametrize("service", ["gateway", "registry", "matching"])
def test_every_request_body_has_an_example(documents: dict, service: str) -> None:
    for method, path, op in operations(documents[service]):
        for media_type, media in op.get("requestBody", {}).get("content", {}).items():
            assert media.get("examples") or media.get("example"), (method, path, media_type)
    text = json.dumps(documents[service], ensure_ascii=False)
    assert len(CJK.findall(text)) > 200


def test_bulk_upserts_have_chinese_examples(documents: dict) -> None:
    for service in ("gateway", "registry"):
        for path in ("/v1/technologies/bulk-upsert", "/v1/demands/bulk-upsert"):
            media = documents[service]["paths"][path]["post"]["requestBody"]["content"]["application/json"]
            example = next(iter(media["examples"].values()))["value"]
            assert example["items"] and example["items"][0]["external_ref"], (service, path)
            assert CJK.search(json.dumps(example, ensure_ascii=False)), (service, path)


def test_write_headers_are_documented(documents: dict) -> None:
    for service in ("gateway", "registry"):
        paths = documents[service]["paths"]
        create = paths["/v1/demands"]["post"]
        assert "X-Feed-Seq" in create["responses"]["201"]["headers"]
        assert "Idempotency-Key" in {p["name"] for p in create["parameters"]}
        patch = paths["/v1/technologies/{record_id}"]["patch"]
        assert "X-Feed-Seq" in patch["responses"]["200"]["headers"]
    matching = documents["matching"]["paths"]["/v1/search"]["post"]["responses"]["409"]
    assert "Retry-After" in matching["headers"]


def test_responses_are_typed(documents: dict) -> None:
    doc = documents["gateway"]
    schemas = doc["components"]["schemas"]
    page = schemas["ChangeFeedPage"]["properties"]["items"]["items"]
    assert page["discriminator"]["propertyName"] == "entity"
    assert set(page["discriminator"]["mapping"]) == {e.value for e in Entity}  # every entity on the feed is typed
    taxonomy = doc["paths"]["/v1/taxonomy"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert taxonomy["items"]["$ref"].endswith("/TaxonomyDomain")
    assert schemas["MatchCandidates"]["properties"]["items"]["items"]["$ref"].endswith("/Hit")
    assert schemas["StatsRow"]["properties"]["yoy_growth"]["$ref"].endswith("/Growth")
    match = json.dumps(schemas["ShortlistCreate"]["properties"]["match"])
    assert "ShortlistMatch" in match and schemas["ShortlistMatch"]["additionalProperties"] is False
    export = doc["paths"]["/v1/demands/export"]["get"]["responses"]["200"]["content"]
    assert list(export) == ["application/x-ndjson"]


def test_webhooks_section_describes_every_event(documents: dict) -> None:
    webhooks = documents["gateway"]["webhooks"]
    assert set(webhooks) == {e.value for e in EventType}
    for name, item in webhooks.items():
        body = item["post"]["requestBody"]["content"]["application/json"]["schema"]
        schema = documents["gateway"]["components"]["schemas"][body["$ref"].rsplit("/", 1)[-1]]
        assert schema["properties"]["type"]["const"] == name
        assert "X-Greentech-Signature" in {p["name"] for p in item["post"]["parameters"]}


def test_problem_status_is_the_http_status() -> None:
    body = conflict("This introduction was already accepted.", status="accepted").to_body()
    assert body["status"] == 409 and body["state"] == "accepted"


def test_docs_pages_load_only_local_assets(gateway) -> None:
    for page in ("/docs", "/redoc"):
        html = gateway.get(page).text
        sources = re.findall(r'(?:src|href)="([^"]+)"', html)
        assert sources and all(s.startswith("/") for s in sources), sources
        for source in sources:
            assert gateway.get(source).status_code == 200, source


def test_schema_names_are_unique(documents: dict) -> None:
    """Two models with one class name become `module__path__Name` schemas, which client generators refuse."""
    for service, doc in documents.items():
        assert not [name for name in doc["components"]["schemas"] if "__" in name], service
