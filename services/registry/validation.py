"""Name the field for cross-field schema checks: pydantic reports model-level errors at `body` (or
`body.items.<i>`), so we extend the path with the field the message is about."""
from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from shared.errors import ProblemError, problem_response, validation_problem

FIELD_BY_MESSAGE = (
    ("unknown domain", "domain"),
    ("unknown subdomain", "subdomain"),
    ("subdomain needs domain", "subdomain"),
    ("price_min_cny must not exceed", "price_min_cny"),
    ("budget_min_cny must not exceed", "budget_min_cny"),
    ("needs award_cny and deadline", "award_cny"),
)


def _is_model_level(path: str) -> bool:
    parts = path.split(".")
    return parts == ["body"] or (len(parts) == 3 and parts[1] == "items" and parts[2].isdigit())


def named_problem(exc: RequestValidationError) -> ProblemError:
    """The 422 problem for a validation failure, with model-level errors moved onto the field they are about."""
    problem = validation_problem(exc)
    for error in problem.errors:
        if _is_model_level(error.field):
            for needle, field in FIELD_BY_MESSAGE:
                if needle in error.message:
                    error.field = f"{error.field}.{field}"
                    break
    fields = ", ".join(e.field for e in problem.errors[:5])
    problem.detail = f"{len(problem.errors)} field(s) failed validation: {fields}. Fix them and send the request again."
    return problem


def item_problem(exc: ValidationError, path: tuple[str | int, ...]) -> ProblemError:
    """The same problem for one bulk item validated on its own (path like ("body", "items", 3))."""
    return named_problem(RequestValidationError([{**e, "loc": (*path, *e["loc"])} for e in exc.errors()]))


def install(app: FastAPI) -> None:
    async def handler(request: Request, exc: RequestValidationError) -> JSONResponse:
        return problem_response(named_problem(exc), request)

    app.add_exception_handler(RequestValidationError, handler)
