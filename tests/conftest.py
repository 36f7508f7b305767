"""Fixtures: a database per test session (SQLite, or PostgreSQL when TEST_DATABASE_URL is set),
clean tables per test, the app, an API client that logs in as the demo users, and the clock."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from processes.all_models import Base
from processes.calendar import functions as calfn
from processes.clock import CST
from processes.db import make_engine
from processes.migrate import upgrade
from processes.runtime import Runtime, build_runtime
from processes.services.core import SYSTEM
from processes.services.users import ensure_demo_users
from processes.settings import Settings, load_settings
from tests.support.pages import Session

ROOT = Path(__file__).resolve().parent.parent
START = datetime(2026, 9, 28, 9, 0, tzinfo=CST)  # a Monday before National Day 2026


def _reset_schema(db: Engine) -> None:
    with db.begin() as conn:
        if db.dialect.name == "postgresql":
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        else:
            Base.metadata.drop_all(conn)
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


@pytest.fixture(scope="session")
def db_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def db(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    _reset_schema(engine)
    upgrade(engine)  # the suite runs on the migrated schema, so migrations are tested too
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def demo_password_hash() -> str:
    from processes.services.users import hash_password

    return hash_password("demo")


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    return load_settings("test", instance_path=str(tmp_path / "instance"), database_url=db_url)


def _clean(db: Engine) -> None:
    with db.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def runtime(settings: Settings, db: Engine) -> Runtime:
    _clean(db)
    rt = build_runtime(settings, db)
    rt.clock.set_state(START, __import__("datetime").timedelta(0))  # type: ignore[attr-defined]
    ensure_demo_users(rt.uow(), settings.config_dir)
    return rt


@pytest.fixture
def clock(runtime: Runtime) -> Any:
    return runtime.clock


@pytest.fixture
def app(settings: Settings, runtime: Runtime):  # type: ignore[no-untyped-def]
    from app import create_app

    application = create_app(settings, runtime)
    application.config["WTF_CSRF_ENABLED"] = False if os.environ.get("NO_CSRF") else True
    return application


class Api:
    """A JSON API client speaking as one demo user at a time."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.tokens: dict[str, str] = {}
        self.user: str | None = None

    def as_user(self, username: str, password: str = "demo") -> Api:
        if username not in self.tokens:
            r = self.client.post("/api/v1/auth/token", json={"username": username, "password": password})
            assert r.status_code == 200, r.get_json()
            self.tokens[username] = r.get_json()["token"]
        self.user = username
        return self

    def _h(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[self.user]}"} if self.user else {}

    def get(self, url: str, **kw: Any) -> Any:
        return self.client.get(url, headers=self._h(), **kw)

    def post(self, url: str, json: Any = None, **kw: Any) -> Any:
        return self.client.post(url, json=json, headers=self._h(), **kw)

    def deploy(self, path: Path | str, name: str | None = None) -> Any:
        import io

        p = Path(path)
        data = {"file": (io.BytesIO(p.read_bytes()), name or p.name)}
        return self.client.post("/api/v1/process-definitions", data=data, headers=self._h(),
                                content_type="multipart/form-data")

    def tasks(self, **params: Any) -> list[dict[str, Any]]:
        r = self.get("/api/v1/tasks", query_string=params)
        assert r.status_code == 200, r.get_json()
        return r.get_json()

    def only_task(self, element_id: str | None = None) -> dict[str, Any]:
        tasks = [t for t in self.tasks() if element_id is None or t["element_id"] == element_id]
        assert len(tasks) == 1, tasks
        return tasks[0]

    def complete(self, task_id: str, **data: Any) -> Any:
        return self.post(f"/api/v1/tasks/{task_id}/complete", json={"data": data})

    def instance(self, iid: int) -> dict[str, Any]:
        r = self.get(f"/api/v1/process-instances/{iid}")
        assert r.status_code == 200, r.get_json()
        return r.get_json()


@pytest.fixture
def api(app: Any) -> Api:
    return Api(app.test_client())


@pytest.fixture
def rec(api: Any) -> Any:
    """The recognition procedure driven through the API (tests/recognition/conftest.py): diagrams
    deployed, the 2026 round open. Shared by every area that needs an application."""
    from tests.recognition.conftest import Recognition

    helper = Recognition(api)
    helper.deploy()
    helper.open_round()
    return helper


@pytest.fixture
def system() -> Any:
    return SYSTEM


@pytest.fixture(autouse=True)
def _real_clock_after_test() -> Iterator[None]:
    """The runtime fixture installs a frozen clock process-wide; put the real one back afterwards."""
    yield
    from processes.clock import SystemClock, set_current_clock

    set_current_clock(SystemClock())


# -- browser tests: one Playwright + Debian Chromium per session, the app on a free port -------------
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


@pytest.fixture(scope="session")
def playwright_browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright. A missing browser fails the browser tests (make test
    installs it as root; elsewhere: apt-get install chromium fonts-wqy-microhei) — never a silent skip."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is not installed: apt-get install chromium fonts-wqy-microhei (make test does "
                    "this when run as root)", pytrace=False)
    from playwright import sync_api
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def live_server(app: Any) -> Iterator[str]:
    """The app served by werkzeug in a background thread, against the test database."""
    import logging
    import threading

    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # not a line per request
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture
def open_session(playwright_browser: Any, live_server: str) -> Iterator[Any]:
    """``open_session("reviewer")``: a logged-in Chromium page of the live app (own cookies)."""
    sessions: list[Session] = []

    def make(username: str | None = None, **kw: Any) -> Session:
        s = Session(playwright_browser, live_server, **kw)
        sessions.append(s)
        return s.login(username) if username else s

    yield make
    for s in sessions:
        s.close()


@pytest.fixture(autouse=True)
def _fresh_calendar() -> Iterator[None]:
    """Tables are cleaned between tests: forget the holiday years cached in this process."""
    calfn.reset()
    yield
    calfn.reset()


# -- kinds of test: each test is marked unit, integration or browser by the fixtures it uses -----------
DATABASE_FIXTURES = {"db", "runtime", "app", "api", "clock", "live_server"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        if "playwright_browser" in used or "open_session" in used or any("browser" in f for f in used):
            item.add_marker(pytest.mark.browser)
        elif used & DATABASE_FIXTURES:
            item.add_marker(pytest.mark.integration)
        else:
            item.add_marker(pytest.mark.unit)
