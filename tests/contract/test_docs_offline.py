"""/docs (Swagger UI) and /redoc open with no network: every asset comes from the service itself (the
fastapi-offline wheel), so the pages work on an intranet. Debian's Chromium via Playwright, every request that
is not to loopback refused and recorded; screenshots go where the console tests put theirs."""
from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.contract.conftest import Services
from tests.gateway_console.test_browser import CHROMIUM, CHROMIUM_ARGS, _browser_or_skip

LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
A_PATH = {"gateway": "/v1/deals", "registry": "/v1/technologies", "matching": "/v1/search"}


@pytest.mark.parametrize("service", ["gateway", "registry", "matching"])
def test_docs_open_without_network(services: Services, service: str, tmp_path: Path) -> None:
    sync_playwright = _browser_or_skip()
    shots = Path(os.environ.get("CONSOLE_SCREENSHOT_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    base = getattr(services, service).url
    outside: list[str] = []

    def only_loopback(route, request) -> None:  # type: ignore[no-untyped-def]
        if urlsplit(request.url).hostname in LOOPBACK or request.url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            outside.append(request.url)
            route.abort()

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
            context.route("**/*", only_loopback)
            page = context.new_page()
            page.set_default_timeout(60_000)

            page.goto(f"{base}/docs")
            page.locator(".opblock").first.wait_for()
            paths = set(page.locator(".opblock-summary-path").all_inner_texts())
            assert A_PATH[service] in {p.replace("\u200b", "") for p in paths}, paths
            assert page.locator(".opblock").count() >= 10
            page.screenshot(path=str(shots / f"docs-{service}.png"), full_page=False)

            page.goto(f"{base}/redoc")
            page.get_by_text(A_PATH[service]).first.wait_for(state="attached")
            page.screenshot(path=str(shots / f"redoc-{service}.png"), full_page=False)
        finally:
            browser.close()
    assert outside == [], f"the docs pages tried to load from outside: {outside}"
