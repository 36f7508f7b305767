"""Fixtures of the administration tests."""

from __future__ import annotations

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
BUNDLE = Path(__file__).resolve().parents[2] / "app" / "static" / "dist" / "bpmn.js"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@pytest.fixture
def admin_browser(playwright_browser: Any) -> Any:
    if not BUNDLE.exists():
        pytest.skip("the diagram bundle is not built (make setup: npm install + esbuild)")
    return playwright_browser


@pytest.fixture
def admin_server(live_server: str) -> str:
    return live_server


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
