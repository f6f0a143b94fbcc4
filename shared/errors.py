"""RFC 9457 problem+json errors, and handlers that turn every failure into one.

Every 4xx names the field and says how to fix it; unexpected failures become a 500 problem (logged),
never an HTML page or a bare string.
"""
from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_BASE = "https://greentech.example.org/problems/"


class FieldError(BaseModel):
    field: str = Field(description="Dotted path of the offending field, e.g. `body.patents.0.number`")
    message: str = Field(description="What is wrong and how to fix it")
    type: str = Field("invalid", description="Machine-readable error kind")


class Problem(BaseModel):
    """RFC 9457 problem details, the body of every error. Extension members (e.g. `current_version`,
    `required_roles`, `indexed_seq`, `retry_after`, `upstream`) may follow, so extra members are allowed."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [{
        "type": PROBLEM_BASE + "validation-error", "title": "Invalid request", "status": 422,
        "detail": "1 field(s) failed validation: body.title. Fix them and send the request again.",
        "instance": "/v1/demands",
        "errors": [{"field": "body.title", "message": "String should have at least 4 characters", "type": "string_too_short"}]}]})
    type: str = Field(PROBLEM_BASE + "about-blank", description="URI naming the kind of problem")
    title: str = Field(description="Short summary of the kind of problem")
    status: int = Field(description="The HTTP status code, always the same as the response's")
    detail: str | None = Field(None, description="What went wrong here and how to fix it")
    instance: str | None = Field(None, description="Path of the request")
    errors: list[FieldError] = Field(default_factory=list, description="One entry per invalid field")
    state: str | None = Field(None, description="Current state of the resource when it caused the problem, e.g. `accepted`")


class ProblemError(Exception):
    """Raise from services and routes; rendered as application/problem+json."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str | None = None,
        *,
        kind: str | None = None,
        errors: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail
        self.kind = kind or title.lower().replace(" ", "-")
        self.errors = errors or []
        self.headers = headers or {}
        self.extra = extra or {}

    def to_body(self, instance: str | None = None) -> dict[str, Any]:
        body = Problem(
            type=PROBLEM_BASE + self.kind,
            title=self.title,
            status=self.status,
            detail=self.detail,
            instance=instance,
            errors=self.errors,
        ).model_dump(exclude_none=True)
        extra = dict(self.extra)
        if "status" in extra and extra["status"] != self.status:
            # `status` is the HTTP status (RFC 9457); a domain state passed as status= goes to `state`.
            extra.setdefault("state", str(extra.pop("status")))
        body.update(extra)
        return body


def not_found(entity: str, id_: str) -> ProblemError:
    return ProblemError(404, "Not found", f"No {entity} with id {id_!r}.", kind="not-found")


def conflict(detail: str, **extra: Any) -> ProblemError:
    return ProblemError(409, "Conflict", detail, kind="conflict", extra=extra)


def invalid(field: str, message: str, *, status: int = 422, type_: str = "invalid") -> ProblemError:
    """A single-field validation failure raised from domain code (same shape as request validation)."""
    return ProblemError(
        status,
        "Invalid request",
        f"{field}: {message}",
        kind="validation-error",
        errors=[FieldError(field=field, message=message, type=type_)],
    )


def problem_response(problem: ProblemError, request: Request | None = None) -> JSONResponse:
    headers = dict(problem.headers)
    rid = getattr(getattr(request, "state", None), "request_id", None) if request else None
    if rid:
        headers.setdefault("X-Request-ID", rid)
    return JSONResponse(
        problem.to_body(str(request.url.path) if request else None),
        status_code=problem.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


_FRIENDLY = {
    "missing": "This field is required.",
    "extra_forbidden": "Unknown field: remove it (see the OpenAPI schema for the accepted fields).",
    "string_too_long": "Too long: shorten it to the limit given.",
    "json_invalid": "The body is not valid JSON.",
}


def _loc_to_path(loc: tuple[Any, ...] | list[Any]) -> str:
    return ".".join(str(p) for p in loc)


def validation_problem(exc: RequestValidationError) -> ProblemError:
    errors = []
    for err in exc.errors():
        msg = err.get("msg", "invalid value")
        hint = _FRIENDLY.get(err.get("type", ""))
        if hint and hint not in msg:
            msg = f"{msg}. {hint}"
        errors.append(FieldError(field=_loc_to_path(err.get("loc", ())), message=msg, type=err.get("type", "invalid")))
    fields = ", ".join(e.field for e in errors[:5])
    return ProblemError(
        422,
        "Invalid request",
        f"{len(errors)} field(s) failed validation: {fields}. Fix them and send the request again.",
        kind="validation-error",
        errors=errors,
    )


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> JSONResponse:
        return problem_response(exc, request)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return problem_response(validation_problem(exc), request)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        titles = {404: "Not found", 405: "Method not allowed", 401: "Unauthorized", 403: "Forbidden"}
        prob = ProblemError(
            exc.status_code,
            titles.get(exc.status_code, "HTTP error"),
            str(exc.detail) if exc.detail else None,
            headers=dict(exc.headers or {}),
        )
        return problem_response(prob, request)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(
            ProblemError(500, "Internal error", "An unexpected error occurred; it has been logged.", kind="internal"),
            request,
        )


# Routes need not list their error responses: shared.openapi documents every problem status per app.
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    422: {"description": "Validation failed", "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}},
}
