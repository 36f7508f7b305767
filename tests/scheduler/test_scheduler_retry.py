"""Retrying while the database is unreachable, in-process (any test database): backoff, the
campaign for the lock, and jobs that fail during an outage. The real outage, with PostgreSQL and
scheduler processes, is in test_scheduler_outage.py."""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import exc

from processes import scheduler as sched
from processes.scheduler import Backoff, SchedulerBusy, campaign, is_database_unavailable
from tests.conftest import START
from tests.support.diagrams import TIMER as TIMER_BPMN
from tests.support.flows import deploy_file, fired_counts, start_timer


def _refused() -> exc.OperationalError:
    return exc.OperationalError("connect", {}, ConnectionRefusedError("connection refused"))


class _Result:
    def __init__(self, value: Any) -> None:
        self.value = value

    def scalar(self) -> Any:
        return self.value


class FakeConnection:
    def __init__(self, answers: list[Any]) -> None:
        self.answers = answers
        self.closed = False

    def execute(self, *_: Any, **__: Any) -> _Result:
        answer = self.answers.pop(0) if self.answers else True
        if isinstance(answer, BaseException):
            raise answer
        return _Result(answer)

    def commit(self) -> None:
        pass

    def invalidate(self) -> None:
        self.closed = True

    def close(self) -> None:
        self.closed = True


class FakeDb:
    """connect() fails ``failures`` times, then hands out connections answering ``answers``."""

    class dialect:  # noqa: N801 - mimics Engine.dialect.name
        name = "postgresql"

    def __init__(self, failures: int, answers: list[Any] | None = None) -> None:
        self.failures = failures
        self.answers = answers or [True]
        self.attempts = 0
        self.connections: list[FakeConnection] = []

    def connect(self) -> FakeConnection:
        self.attempts += 1
        if self.attempts <= self.failures:
            raise _refused()
        conn = FakeConnection(self.answers)
        self.connections.append(conn)
        return conn


class FakeRuntime:
    def __init__(self, db: FakeDb) -> None:
        self.db = db


def test_backoff_doubles_up_to_the_cap_and_resets() -> None:
    backoff = Backoff(initial=1.0, maximum=8.0)
    delays = [backoff.next_delay() for _ in range(6)]
    for delay, nominal in zip(delays, [1, 2, 4, 8, 8, 8], strict=True):
        assert 0.8 * nominal <= delay <= 1.2 * nominal
    assert backoff.reset() == 6 and backoff.failures == 0
    assert backoff.next_delay() <= 1.2


def test_which_errors_mean_the_database_is_unavailable() -> None:
    assert is_database_unavailable(_refused())
    assert is_database_unavailable(exc.InterfaceError("select", {}, Exception("connection already closed")))
    assert is_database_unavailable(ConnectionResetError())
    assert not is_database_unavailable(exc.ProgrammingError("select", {}, Exception("syntax error")))
    assert not is_database_unavailable(ValueError("bug"))


def test_campaign_retries_until_the_database_is_reachable_logging_each_attempt(caplog) -> None:
    db = FakeDb(failures=4)
    with caplog.at_level(logging.INFO, logger="scheduler"):
        conn = campaign(FakeRuntime(db), backoff=Backoff(0.001, 0.004), name="S")  # type: ignore[arg-type]
    assert conn is db.connections[-1] and db.attempts == 5
    lines = [r.getMessage() for r in caplog.records]
    assert [line.split(":")[1].strip() for line in lines if "unavailable" in line] == [
        f"database unavailable (attempt {i})" for i in range(1, 5)]
    assert all("connection refused" in line for line in lines if "unavailable" in line)
    assert any("database reachable again after 4 failed attempt(s)" in line for line in lines)
    assert any("scheduler lock acquired" in line for line in lines)
    assert not any(r.exc_info for r in caplog.records)  # one line per attempt, no tracebacks


def test_campaign_survives_the_database_going_away_while_waiting_for_the_lock() -> None:
    # standby: the lock is taken (False), then the connection breaks, then the lock is free
    db = FakeDb(failures=0, answers=[False, False, _refused(), True])
    conn = campaign(FakeRuntime(db), poll=0.001, backoff=Backoff(0.001, 0.004))  # type: ignore[arg-type]
    assert len(db.connections) == 2 and db.connections[0].closed and conn is db.connections[1]


def test_campaign_gives_up_only_when_stopped() -> None:
    stop = threading.Event()
    db = FakeDb(failures=10**9)
    threading.Timer(0.2, stop.set).start()
    started = time.monotonic()
    with pytest.raises(SchedulerBusy, match="stopped"):
        campaign(FakeRuntime(db), stop=stop, backoff=Backoff(0.01, 0.05))  # type: ignore[arg-type]
    assert time.monotonic() - started < 2 and db.attempts > 3


def test_campaign_does_not_hide_programming_errors() -> None:
    db = FakeDb(failures=0, answers=[exc.ProgrammingError("select", {}, Exception("no such function"))])
    with pytest.raises(exc.ProgrammingError):
        campaign(FakeRuntime(db), backoff=Backoff(0.001, 0.004))  # type: ignore[arg-type]


def test_a_poll_failing_during_an_outage_is_one_log_line_and_the_next_tick_fires(runtime, clock, caplog,
                                                                                  monkeypatch) -> None:
    deploy_file(runtime, TIMER_BPMN)
    iid = start_timer(runtime, START + timedelta(minutes=1))
    clock.set_state(START + timedelta(hours=1), timedelta(0))
    real_poll_batch = sched.poll_batch
    calls: list[int] = []

    def poll_batch_during_outage(rt: Any) -> tuple[int, bool]:
        calls.append(1)
        if len(calls) == 1:
            raise _refused()
        return real_poll_batch(rt)

    monkeypatch.setattr(sched, "poll_batch", poll_batch_during_outage)
    s = sched.Scheduler(runtime, poll_seconds=0.2, reminder_seconds=3600, name="S")
    with caplog.at_level(logging.INFO, logger="scheduler"):
        assert s.poll() == 0
        assert fired_counts(runtime, [iid]) == {iid: 0}
        assert s.poll() == 1
    assert fired_counts(runtime, [iid]) == {iid: 1}
    failed = [r for r in caplog.records if "timer poll failed" in r.getMessage()]
    assert len(failed) == 1 and "database unavailable" in failed[0].getMessage() and not failed[0].exc_info
