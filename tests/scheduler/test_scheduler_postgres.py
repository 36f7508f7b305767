"""Two schedulers on PostgreSQL: one leads, the other waits and takes over; a timer never fires
twice, also when two overlap. Uses TEST_DATABASE_URL in CI, else SCHED_PG_URL (a database of
your own, e.g. postgresql+psycopg://postgres@127.0.0.1:5432/sched_test); skipped without both."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine, text

from processes.db import make_engine
from processes.migrate import upgrade
from processes.runtime import Runtime, build_runtime
from processes.scheduler import ADVISORY_KEY, poll_once
from processes.services.users import ensure_demo_users
from processes.settings import load_settings
from tests.conftest import START, _clean, _reset_schema
from tests.support.diagrams import TIMER
from tests.support.flows import Running, deploy_file, fired_counts, start_timer, states, wait_until

pytestmark = pytest.mark.postgres


def _own_url() -> str | None:
    if os.environ.get("TEST_DATABASE_URL"):
        return None
    return os.environ.get("SCHED_PG_URL")


@pytest.fixture(scope="module")
def sched_db() -> Iterator[Engine | None]:
    url = _own_url()
    if url is None:
        yield None
        return
    engine = make_engine(url)
    _reset_schema(engine)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def pg(request: pytest.FixtureRequest, sched_db: Engine | None, tmp_path) -> Runtime:  # type: ignore[no-untyped-def]
    shared = os.environ.get("TEST_DATABASE_URL")
    if shared:
        if not shared.startswith("postgresql"):
            pytest.skip("TEST_DATABASE_URL is not PostgreSQL")
        return request.getfixturevalue("runtime")
    if sched_db is None:
        pytest.skip("set SCHED_PG_URL (or TEST_DATABASE_URL in CI) to run the PostgreSQL scheduler tests")
    _clean(sched_db)
    settings = load_settings("test", instance_path=str(tmp_path / "instance"),
                             database_url=sched_db.url.render_as_string(hide_password=False))
    rt = build_runtime(settings, sched_db)
    rt.clock.set_state(START, timedelta(0))  # type: ignore[attr-defined]
    ensure_demo_users(rt.uow(), settings.config_dir)
    return rt


def _lock_holder(rt: Runtime) -> int | None:
    with rt.db.connect() as conn:
        return conn.execute(text("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = 0 "
                                 "AND objid = :k AND granted AND database = "
                                 "(SELECT oid FROM pg_database WHERE datname = current_database())"),
                            {"k": ADVISORY_KEY}).scalar()


def test_overlapping_schedulers_fire_each_timer_exactly_once(pg):
    deploy_file(pg, TIMER)
    ids = [start_timer(pg, START + timedelta(minutes=1 + i % 9)) for i in range(40)]
    pg.clock.set_state(START + timedelta(hours=1), timedelta(0))
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            for _ in range(3):
                poll_once(pg)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    assert set(fired_counts(pg, ids).values()) == {1}
    assert set(states(pg, ids).values()) == {"completed"}


def test_second_scheduler_waits_and_takes_over_without_firing_twice(pg):
    deploy_file(pg, TIMER)
    early = [start_timer(pg, START + timedelta(minutes=10 + i)) for i in range(5)]
    late = [start_timer(pg, START + timedelta(hours=2, minutes=i)) for i in range(5)]
    a = Running(pg, "A").start()
    assert wait_until(a.scheduler.leading.is_set)
    b = Running(pg, "B").start()
    try:
        pg.clock.set_state(START + timedelta(hours=1), timedelta(0))
        assert wait_until(lambda: set(states(pg, early).values()) == {"completed"})
        assert not b.scheduler.leading.is_set()  # B waits on the advisory lock
        a.stop()  # A dies: its connection closes and the lock goes with it
        assert wait_until(b.scheduler.leading.is_set, timeout=15)
        pg.clock.set_state(START + timedelta(hours=3), timedelta(0))
        assert wait_until(lambda: set(states(pg, late).values()) == {"completed"})
    finally:
        a.stop()
        b.stop()
    assert set(fired_counts(pg, early + late).values()) == {1}
    assert a.scheduler.fired == 5 and b.scheduler.fired == 5


def test_leader_whose_lock_connection_dies_steps_down(pg):
    a = Running(pg, "A").start()
    assert wait_until(a.scheduler.leading.is_set)
    b = Running(pg, "B").start()
    try:
        pid = _lock_holder(pg)
        assert pid is not None
        with pg.db.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        assert wait_until(b.scheduler.leading.is_set, timeout=15)
        assert a.scheduler.stepped_down == 1 and not a.scheduler.leading.is_set()
        assert _lock_holder(pg) not in (None, pid)
    finally:
        b.stop()
        a.stop()
    assert a.error is None and b.error is None
