"""Fixtures of the administration tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.admin.helpers import Flaky
from tests.support.pages import Session


@pytest.fixture
def flaky() -> Iterator[type[Flaky]]:
    Flaky.broken = False
    yield Flaky
    Flaky.broken = False


# -- browser: the modeler needs the diagram bundle built by make setup --------------------------------
BUNDLE = Path(__file__).resolve().parents[2] / "app" / "static" / "dist" / "bpmn.js"


@pytest.fixture
def admin_page(playwright_browser: Any, live_server: str) -> Iterator[Any]:
    """``admin_page("owner")``: a logged-in page, wide enough for the modeler."""
    if not BUNDLE.exists():
        pytest.fail("the diagram bundle is not built: run make setup (npm install + esbuild)")
    sessions: list[Session] = []

    def make(username: str) -> Any:
        s = Session(playwright_browser, live_server, width=1400, height=1000)
        s.context.set_default_timeout(15_000)
        sessions.append(s)
        s.login(username)
        s.page.base = live_server
        return s.page

    yield make
    for s in sessions:
        s.close()
