"""Broker web console (技术经纪人工作台) served by the gateway at /console: `router` for the pages,
`static_files` to mount at STATIC_PATH for the stylesheet and script."""
from __future__ import annotations

from pathlib import Path

from starlette.staticfiles import StaticFiles

from services.gateway.console.routes import router

STATIC_PATH = "/console/static"
static_files = StaticFiles(directory=Path(__file__).resolve().parent / "static")

__all__ = ["STATIC_PATH", "router", "static_files"]
