"""Browser tests: the real app on a free port (werkzeug, background thread) against the test
database, driven by Debian's Chromium through Playwright. Skipped when Chromium is missing."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


class Session:
    """One person in one browser context (own cookies)."""

    def __init__(self, browser: Any, base: str, width: int = 1280, height: int = 860) -> None:
        self.base = base
        self.context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
        self.context.set_default_timeout(10_000)
        self.page = self.context.new_page()

    def goto(self, path: str) -> Any:
        return self.page.goto(self.base + path)

    def login(self, username: str, password: str = "demo") -> Session:
        self.goto("/login")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", password)
        self.page.click("button[type=submit]")
        self.page.wait_for_url(self.base + "/")
        return self

    def shot(self, name: str, full_page: bool = True) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        return path

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def open_session(playwright_browser: Any, live_server: str) -> Iterator[Any]:
    sessions: list[Session] = []

    def make(username: str | None = None, **kw: Any) -> Session:
        s = Session(playwright_browser, live_server, **kw)
        sessions.append(s)
        return s.login(username) if username else s

    yield make
    for s in sessions:
        s.close()


def publish_screenshot(path: Path, name: str) -> None:
    """Copy a good screenshot into docs/ for the README — only when asked
    (``PUBLISH_SCREENSHOTS=1 make test``), so a test run leaves the working tree as it was."""
    if os.environ.get("PUBLISH_SCREENSHOTS") == "1":
        shutil.copyfile(path, ROOT / "docs" / name)
