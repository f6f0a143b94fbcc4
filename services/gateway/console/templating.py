"""Jinja2 templates of the console (autoescaped) with the display filters."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from services.gateway.console import formatting
from services.gateway.console.session import ConsoleUser, csrf_token_of, remember_csrf

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=HERE / "templates")  # autoescape is on for .html
templates.env.filters.update(formatting.FILTERS)
templates.env.globals.update(formatting.GLOBALS)

# No inline script or style anywhere in the console, so the policy can forbid them.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def render(request: Request, name: str, user: ConsoleUser | None = None, *, status_code: int = 200,
           **context: Any) -> HTMLResponse:
    csrf = user.csrf_token if user else csrf_token_of(request)
    response = templates.TemplateResponse(
        request, name, {"user": user, "csrf_token": csrf, "errors": {}, "message": None, **context},
        status_code=status_code,
    )
    response.headers.update(SECURITY_HEADERS)
    remember_csrf(response, request, csrf)
    return response
