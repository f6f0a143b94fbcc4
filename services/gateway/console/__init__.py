"""Broker web console (技术经纪人工作台) served by the gateway at /console: `router` for the pages,
`static_files` to mount at STATIC_PATH for the stylesheet and script."""
from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from starlette.staticfiles import StaticFiles

from services.gateway.console import campaign_pages, catalog_pages, challenge_pages, evaluation_pages, routes

# The broker desk and trading pages (routes), then the evaluation, catalog, challenge and needs collection pages of
# every signed-in role (issue #10). Each module's router carries the /console prefix itself, so route paths (and the metrics and
# access-log labels taken from them) are the full paths.
router = APIRouter()
for _module in (routes, evaluation_pages, catalog_pages, challenge_pages, campaign_pages):
    router.include_router(_module.router)

STATIC_PATH = "/console/static"
static_files = StaticFiles(directory=Path(__file__).resolve().parent / "static")

__all__ = ["STATIC_PATH", "router", "static_files"]
