"""An OpenAPI document a client generator can use, applied once to each app's generated document.

- every error is `application/problem+json` with ONE `Problem` schema (FastAPI's HTTPValidationError and
  ValidationError are replaced, not kept beside it), and each operation lists the statuses it can answer;
- headers: X-Request-ID on every response, X-Feed-Seq on registry writes, Retry-After where we send it,
  Idempotency-Key on POSTs that honour it, If-Match on PATCH;
- operation ids are route names (`create_demand`, `list_deals`), checked unique.
Routes opt in to write headers with `openapi_extra=registry_write()` / `NOT_INDEXED_YET`.
"""
from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

from shared.errors import PROBLEM_MEDIA_TYPE, Problem

# Statuses every business operation may answer with a problem (besides its own success codes).
GATEWAY_PROBLEMS = (400, 401, 403, 404, 409, 413, 422, 429, 502, 503, 504)
SERVICE_PROBLEMS = (400, 401, 404, 409, 413, 422)

DESCRIPTIONS = {
    400: "Malformed request: a cursor this API did not issue, a bad Idempotency-Key or a body that is not JSON",
    401: "Missing, wrong, expired or revoked credentials",
    403: "Your key's role or tenant may not do this (`required_roles` says which may)",
    404: "No such record, or one you may not see (answers exactly as if it did not exist)",
    405: "Method not allowed",
    409: "Conflict: stale `version`, a state that does not allow this, or a duplicate",
    413: "Body too large",
    422: "Invalid request: `errors[].field` names each field and says how to fix it",
    428: "Send the version you read (`version` in the body or If-Match)",
    429: "Rate limit of your key reached: retry after Retry-After seconds",
    502: "An upstream service failed",
    503: "An upstream service is unreachable or not ready: retry after Retry-After seconds",
    504: "An upstream service did not answer in time: retry after Retry-After seconds",
}
RETRY_AFTER_STATUSES = {429, 503, 504}

HEADERS: dict[str, dict[str, Any]] = {
    "X-Request-ID": {"description": "Request id (yours if you sent X-Request-ID, else generated); quote it in support requests",
                     "schema": {"type": "string"}},
    "X-Feed-Seq": {"description": "Change-feed position of this write: pass as `min_seq` to matching to read your write",
                   "schema": {"type": "integer"}},
    "Retry-After": {"description": "Seconds to wait before retrying", "schema": {"type": "integer"}},
}
PARAMETERS: dict[str, dict[str, Any]] = {
    "Idempotency-Key": {"name": "Idempotency-Key", "in": "header", "required": False,
                        "description": "Send the same key again (same body) to get the first answer again without a second write",
                        "schema": {"type": "string", "minLength": 1, "maxLength": 200}, "example": "5f0c7c1e-1d2a-4b8e-9f3a-2c6d7e8f9a0b"},
    "If-Match": {"name": "If-Match", "in": "header", "required": False,
                 "description": 'The version you read, e.g. `"3"` (instead of `version` in the body); stale → 409',
                 "schema": {"type": "string"}, "example": '"3"'},
}
REGISTRY_WRITE = "x-registry-write"
NOT_INDEXED = "x-not-indexed-yet"
NOT_INDEXED_YET = {NOT_INDEXED: True}
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def operation_id(route: APIRoute) -> str:
    """`generate_unique_id_function`: the route's name, which every route sets to a readable verb_noun."""
    return route.name


def registry_write(*, idempotent: bool = True) -> dict[str, Any]:
    """`openapi_extra` for a route that writes to the registry: X-Feed-Seq on success (+ Idempotency-Key on POST)."""
    return {REGISTRY_WRITE: {"idempotent": idempotent}}


def install(app: FastAPI, problem_statuses: tuple[int, ...]) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = FastAPI.openapi(app)  # caches it in app.openapi_schema; finished in place below
        finish(schema, problem_statuses)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def finish(doc: dict[str, Any], problem_statuses: tuple[int, ...]) -> None:
    components = doc.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(problem.pop("$defs", {}))
    schemas["Problem"] = problem
    components.setdefault("headers", {}).update(HEADERS)
    seen: dict[str, str] = {}
    for path, item in doc.get("paths", {}).items():
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            _finish_operation(method, op, problem_statuses)
            _lift_body_examples(op, schemas)
            op_id = op.get("operationId", "")
            if op_id in seen:
                raise RuntimeError(f"duplicate operationId {op_id!r}: {seen[op_id]} and {method.upper()} {path}")
            seen[op_id] = f"{method.upper()} {path}"
    _replace_refs(doc)


def _finish_operation(method: str, op: dict[str, Any], problem_statuses: tuple[int, ...]) -> None:
    responses: dict[str, Any] = op.setdefault("responses", {})
    ops_route = "ops" in op.get("tags", [])
    statuses = set() if ops_route else set(problem_statuses) | ({428} if method == "patch" else set())
    for status in sorted(statuses):
        responses.setdefault(str(status), {"description": DESCRIPTIONS.get(status, "Error")})
    write = op.pop(REGISTRY_WRITE, None)
    not_indexed = op.pop(NOT_INDEXED, False)
    for code, response in responses.items():
        headers = response.setdefault("headers", {})
        headers["X-Request-ID"] = {"$ref": "#/components/headers/X-Request-ID"}
        status = int(code) if code.isdigit() else 0
        if status >= 400 and not ops_route:
            examples = {k: v for k, v in (response.get("content") or {}).get(PROBLEM_MEDIA_TYPE, {}).items() if k != "schema"}
            response["content"] = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}, **examples}}
            if response.get("description") in (None, "", "Validation Error", "Successful Response"):
                response["description"] = DESCRIPTIONS.get(status, "Error")
        if status in RETRY_AFTER_STATUSES or (status == 409 and not_indexed):
            headers["Retry-After"] = {"$ref": "#/components/headers/Retry-After"}
        if write is not None and 200 <= status < 300:
            headers["X-Feed-Seq"] = {"$ref": "#/components/headers/X-Feed-Seq"}
    params: list[dict[str, Any]] = op.setdefault("parameters", [])
    names = {p.get("name", "").lower() for p in params}
    if write is not None and write.get("idempotent") and method == "post" and "idempotency-key" not in names:
        params.append(PARAMETERS["Idempotency-Key"])
    if method == "patch" and "if-match" not in names:
        params.append(PARAMETERS["If-Match"])
    if not params:
        op.pop("parameters")


def _lift_body_examples(op: dict[str, Any], schemas: dict[str, Any]) -> None:
    """Models that carry `examples` in their schema get them as named request examples too (Swagger UI
    "Try it out" and generators read those)."""
    for media in (op.get("requestBody") or {}).get("content", {}).values():
        if "examples" in media or "example" in media:
            continue
        schema = media.get("schema", {})
        # an optional body is `anyOf: [{$ref}, {type: null}]`: its model's examples still apply
        refs = [schema.get("$ref", "")] + [s.get("$ref", "") for s in schema.get("anyOf", [])]
        ref = next((r for r in refs if r), "")
        found = schemas.get(ref.rsplit("/", 1)[-1], {}).get("examples") if ref else None
        if found:
            media["examples"] = {f"example{i + 1}": {"value": value} for i, value in enumerate(found)}


def _replace_refs(node: Any) -> None:
    """Anything still pointing at FastAPI's validation error schemas now points at Problem."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if ref in ("#/components/schemas/HTTPValidationError", "#/components/schemas/ValidationError"):
            node["$ref"] = "#/components/schemas/Problem"
        for value in node.values():
            _replace_refs(value)
    elif isinstance(node, list):
        for value in node:
            _replace_refs(value)
