"""Database outages under real scheduler processes (PostgreSQL only).

A leader and a standby run as ``flask --app app scheduler`` subprocesses, connected to the test
database through a TCP proxy (tests/scheduler/tcp_proxy.py) that the test cuts for 15 s: every
connection is dropped and new ones are refused, as in a database restart, but only for these two
processes - PostgreSQL itself, shared with other test runs, is never stopped. Before the fix both
processes exited with a traceback and most timers never fired.

Uses TEST_DATABASE_URL (PostgreSQL) like the other postgres tests, else SCHED_PG_URL.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO

import pytest
from sqlalchemy import Engine, text

from processes.db import make_engine
from processes.migrate import upgrade
from processes.runtime import Runtime, build_runtime
from processes.scheduler import ADVISORY_KEY
from processes.services.users import ensure_demo_users
from processes.settings import load_settings
from tests.conftest import ROOT, _clean, _reset_schema
from tests.scheduler.tcp_proxy import TcpProxy
from tests.support.diagrams import TIMER as TIMER_BPMN
from tests.support.flows import deploy_file, fired_counts, start_timer, states, wait_until

pytestmark = pytest.mark.postgres

OUTAGE_S = 15.0


@pytest.fixture(scope="module")
def own_db() -> Iterator[Engine | None]:
    url = None if os.environ.get("TEST_DATABASE_URL") else os.environ.get("SCHED_PG_URL")
    if url is None:
        yield None
        return
    engine = make_engine(url)
    _reset_schema(engine)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def pg(request: pytest.FixtureRequest, own_db: Engine | None, tmp_path: Path) -> Runtime:
    shared = os.environ.get("TEST_DATABASE_URL")
    if shared:
        if not shared.startswith("postgresql"):
            pytest.skip("TEST_DATABASE_URL is not PostgreSQL")
        rt: Runtime = request.getfixturevalue("runtime")
    elif own_db is None:
        pytest.skip("set SCHED_PG_URL (or TEST_DATABASE_URL) to run the PostgreSQL scheduler tests")
    else:
        _clean(own_db)
        settings = load_settings("test", instance_path=str(tmp_path / "instance"),
                                 database_url=own_db.url.render_as_string(hide_password=False))
        rt = build_runtime(settings, own_db)
        ensure_demo_users(rt.uow(), settings.config_dir)
    rt.clock.set_state(None, timedelta(0))  # real time, as in the scheduler processes
    return rt


@pytest.fixture
def proxy(pg: Runtime) -> Iterator[TcpProxy]:
    p = TcpProxy(pg.db.url.host or "127.0.0.1", pg.db.url.port or 5432).start()
    try:
        yield p
    finally:
        p.close()


class SchedulerProcess:
    """``flask --app app scheduler`` in a subprocess, talking to the database through the proxy."""

    def __init__(self, name: str, tmp_path: Path, rt: Runtime, proxy: TcpProxy) -> None:
        self.name = name
        instance = tmp_path / f"instance-{name}"
        instance.mkdir()
        url = rt.db.url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        (instance / "settings.toml").write_text(
            f'database_url = "{url}"\n'
            "scheduler_poll_seconds = 0.3\n"
            "reminder_poll_seconds = 3600\n"
            "scheduler_retry_initial_seconds = 0.2\n"
            "scheduler_retry_max_seconds = 1.0\n",
            encoding="utf-8",
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith("APP_")}
        env.update(APP_ENV="test", APP_INSTANCE_PATH=str(instance), PYTHONUNBUFFERED="1")
        self.log_path = tmp_path / f"scheduler-{name}.log"
        self._log: IO[bytes] = self.log_path.open("wb")
        self.proc = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "scheduler"], cwd=ROOT,
                                     env=env, stdout=self._log, stderr=subprocess.STDOUT)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> int | None:
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._log.close()
        return self.proc.returncode


def _lock_holders(rt: Runtime) -> int:
    with rt.db.connect() as conn:
        return int(conn.execute(text(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 0 AND objid = :k AND granted "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"),
            {"k": ADVISORY_KEY}).scalar_one())


def _fired(rt: Runtime, ids: list[int]) -> int:
    return sum(1 for n in fired_counts(rt, ids).values() if n)


def test_leader_and_standby_survive_an_outage_and_every_timer_fires_exactly_once(pg, proxy, tmp_path):
    deploy_file(pg, TIMER_BPMN)
    a = SchedulerProcess("A", tmp_path, pg, proxy)
    b: SchedulerProcess | None = None
    try:
        assert wait_until(lambda: "scheduler lock acquired" in a.log(), timeout=60), a.log()
        b = SchedulerProcess("B", tmp_path, pg, proxy)
        assert wait_until(lambda: "waiting to take over" in b.log(), timeout=60), b.log()  # type: ignore[union-attr]
        # 25 timers falling due over ~20 s: before, during and after the outage
        now = datetime.now(UTC)
        ids = [start_timer(pg, now + timedelta(seconds=2 + 0.8 * i)) for i in range(25)]
        assert wait_until(lambda: _fired(pg, ids) >= 3, timeout=30)

        proxy.cut()
        try:
            fired_before = _fired(pg, ids)
            cut_at = time.monotonic()
            while time.monotonic() - cut_at < OUTAGE_S:  # the outage itself; both must live through it
                assert a.alive() and b.alive(), a.log() + b.log()
                time.sleep(0.5)
            assert _fired(pg, ids) == fired_before  # nothing can fire while the database is away
            due_meanwhile = sum(1 for i in range(25) if now + timedelta(seconds=2 + 0.8 * i) < datetime.now(UTC))
            assert due_meanwhile > fired_before + 5  # timers really fell due during the outage
        finally:
            proxy.restore()

        assert wait_until(lambda: set(states(pg, ids).values()) == {"completed"}, timeout=90), \
            a.log()[-3000:] + b.log()[-3000:]
        counts = fired_counts(pg, ids)
        assert set(counts.values()) == {1}, counts
        assert a.alive() and b.alive()
        assert wait_until(lambda: _lock_holders(pg) == 1, timeout=30)  # one of them leads again
        logs = a.log() + b.log()
        assert "database unavailable (attempt" in logs
        assert "database reachable again" in logs
        assert "stepping down" in a.log()
        assert "Traceback" not in logs
        print(f"\n[outage] timers fired before the outage: {fired_before}/25, after it: 25/25 exactly once; "
              f"A alive: {a.alive()}, B alive: {b.alive()}; failed attempts logged: "
              f"A {a.log().count('database unavailable (attempt')}, B {b.log().count('database unavailable (attempt')}")
    finally:
        codes = [p.stop() for p in (a, b) if p is not None]
    assert codes == [0, 0]  # SIGTERM: a clean stop


def test_scheduler_started_while_the_database_is_unreachable_waits_for_it(pg, proxy, tmp_path):
    deploy_file(pg, TIMER_BPMN)
    proxy.cut()
    c = SchedulerProcess("C", tmp_path, pg, proxy)
    try:
        try:
            assert wait_until(lambda: c.log().count("database unavailable (attempt") >= 3, timeout=60), c.log()
            assert c.alive()
            iid = start_timer(pg, datetime.now(UTC) + timedelta(seconds=1))
        finally:
            proxy.restore()
        assert wait_until(lambda: states(pg, [iid])[iid] == "completed", timeout=60), c.log()
        assert fired_counts(pg, [iid]) == {iid: 1}
        assert c.alive()
        log = c.log()
        assert "database reachable again" in log and "scheduler lock acquired" in log
        assert "Traceback" not in log
    finally:
        code = c.stop()
    assert code == 0
