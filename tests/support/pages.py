"""Clients that act as a person: ``PageClient`` (Flask's test client, logged in, sending the page's CSRF
token) and ``Session`` (a real Chromium page through Playwright, for browser tests)."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"


class PageClient:
    """A logged-in test client that sends the page's CSRF token with every form."""

    def __init__(self, app: Any, username: str) -> None:
        self.c = app.test_client()
        self.token = ""
        self.get("/login")
        r = self.post("/login", {"username": username, "password": "demo"})
        assert r.status_code == 302, r.text

    def get(self, url: str, **kw: Any) -> Any:
        r = self.c.get(url, **kw)
        m = r.mimetype == "text/html" and re.search(r'name="csrf_token" value="([^"]+)"', r.get_data(as_text=True))
        if m:
            self.token = m.group(1)
        return r

    def post(self, url: str, data: dict[str, Any] | None = None, **kw: Any) -> Any:
        body = dict(data or {})
        body.setdefault("csrf_token", self.token)
        return self.c.post(url, data=body, **kw)

    def post_json(self, url: str, body: dict[str, Any]) -> Any:
        return self.c.post(url, json=body, headers={"X-CSRFToken": self.token})


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


def shot(page: Any, name: str) -> Path:
    """A full-page screenshot of a Playwright page under test-artifacts/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def publish_screenshot(path: Path, name: str) -> None:
    """Copy a good screenshot into docs/ for the README — only when asked
    (``PUBLISH_SCREENSHOTS=1 make test``), so a test run leaves the working tree as it was."""
    if os.environ.get("PUBLISH_SCREENSHOTS") == "1":
        shutil.copyfile(path, ROOT / "docs" / name)
