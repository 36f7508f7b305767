"""Fixtures of the administration tests."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.admin.helpers import Flaky


@pytest.fixture
def flaky() -> Iterator[type[Flaky]]:
    Flaky.broken = False
    yield Flaky
    Flaky.broken = False


# -- browser (Debian's Chromium through Playwright; skipped when missing) ----------------------------
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
BUNDLE = Path(__file__).resolve().parents[2] / "app" / "static" / "dist" / "bpmn.js"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync"]


@pytest.fixture(scope="module")  # module: stopped before another module starts its own Playwright
def admin_browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    if not BUNDLE.exists():
        pytest.skip("the diagram bundle is not built (make setup: npm install + esbuild)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def admin_server(app: Any) -> Iterator[str]:
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture
def admin_page(admin_browser: Any, admin_server: str) -> Iterator[Any]:
    contexts: list[Any] = []

    def make(username: str) -> Any:
        ctx = admin_browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
        ctx.set_default_timeout(15_000)
        contexts.append(ctx)
        page = ctx.new_page()
        page.base = admin_server
        page.goto(admin_server + "/login")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", "demo")
        page.click("button[type=submit]")
        page.wait_for_url(admin_server + "/")
        return page

    yield make
    for ctx in contexts:
        ctx.close()


def shot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
