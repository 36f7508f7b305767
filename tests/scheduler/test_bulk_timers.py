"""Timers in bulk (docs/performance.md): a clock move with 500 due timers returns within its budget
with the move's progress, the scheduler fires the rest in batches (each instance its own
transaction), and every timer fires once, in order; a backlog is worked off a batch per poll."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import func, select

from processes import scheduler as scheduler_mod
from processes.models import AuditEntry, ClockState
from processes.services import clock as clock_svc
from processes.services.core import SYSTEM
from processes.services.instances import start_instance
from tests.conftest import START
from tests.support.diagrams import TIMER
from tests.support.flows import Running, deploy_file, fired_counts, states, wait_until
from tests.support.pages import PageClient

N = 500


def _start_timers(runtime, n: int, spread: int = 20) -> list[int]:
    """``n`` waiting timers due at ``spread`` different times within the next day."""
    deploy_file(runtime, TIMER)
    return [start_instance(runtime.uow(), SYSTEM, "timer_only", None,
                           {"due_time": (START + timedelta(hours=1 + i % spread)).isoformat()}).id for i in range(n)]


def test_a_clock_move_with_500_due_timers_returns_at_once_and_the_scheduler_fires_them_all(app, api, runtime):
    ids = _start_timers(runtime, N)
    runtime.settings = replace(runtime.settings, clock_request_budget_seconds=0.3)
    api.as_user("admin")
    target = START + timedelta(days=2)
    t0 = time.monotonic()
    r = api.post("/api/v1/clock", json={"now": target.isoformat()})
    elapsed = time.monotonic() - t0
    assert r.status_code == 200, r.get_json()
    # the request's work is bounded by its budget, not by the number of timers (asserted with margin)
    assert elapsed < 2.0, elapsed
    move = r.get_json()
    assert move["done"] is False and datetime.fromisoformat(move["target"]) == target
    assert 0 < move["due_timers"] <= N and move["fired"] < N
    assert move["due_timers"] + move["fired"] == N  # each instance has one timer
    # the progress view
    assert api.get("/api/v1/clock/move").get_json()["due_timers"] == move["due_timers"]
    page = PageClient(app, "admin").get("/admin/clock")
    assert page.status_code == 200 and 'data-testid="clock-move"' in page.get_data(as_text=True)
    # one sentence with the counters in it (not escaped, not built from fragments)
    assert f'途中还有 <strong data-testid="clock-move-due">{move["due_timers"]}</strong> 个定时器待触发' in \
        page.get_data(as_text=True)

    running = Running(runtime, "bulk", poll=0.2).start()
    try:
        assert wait_until(lambda: api.get("/api/v1/clock/move").get_json()["done"], timeout=240, step=0.25)
    finally:
        running.stop()
    assert set(fired_counts(runtime, ids).values()) == {1}  # every timer fired, once
    assert set(states(runtime, ids).values()) == {"completed"}
    assert runtime.clock.now() == target
    with runtime.uow() as uow:
        row = uow.s.get(ClockState, 1)
        assert row.move_target is None and row.move_fired >= N - move["fired"]
        fired_at = dict(uow.s.execute(select(AuditEntry.instance_id, AuditEntry.at)
                                      .where(AuditEntry.action == "timer.fired")).all())
        assert uow.s.scalar(select(func.count()).select_from(AuditEntry)
                            .where(AuditEntry.action == "clock.set")) == 1
    for i, iid in enumerate(ids):  # in order: each stop one second past its due time
        assert fired_at[iid] == START + timedelta(hours=1 + i % 20, seconds=1)
    assert 'data-testid="clock-move"' not in PageClient(app, "admin").get("/admin/clock").get_data(as_text=True)


def test_a_backlog_fires_a_batch_per_poll(runtime, monkeypatch):
    ids = _start_timers(runtime, 25, spread=1)
    runtime.clock.set_state(START + timedelta(days=1), timedelta(0))  # the scheduler was down for a day
    monkeypatch.setattr(scheduler_mod, "BATCH_SIZE", 10)
    assert scheduler_mod.poll_batch(runtime) == (10, True)
    assert sum(fired_counts(runtime, ids).values()) == 10
    assert scheduler_mod.poll_batch(runtime) == (10, True)
    assert scheduler_mod.poll_batch(runtime)[0] == 5
    assert scheduler_mod.poll_batch(runtime) == (0, False)
    assert set(fired_counts(runtime, ids).values()) == {1}


def test_set_clock_still_finishes_the_move_before_it_returns(runtime):
    ids = _start_timers(runtime, 30, spread=3)
    clock_svc.set_clock(runtime.uow(), SYSTEM, START + timedelta(days=1))
    assert set(states(runtime, ids).values()) == {"completed"}
    assert clock_svc.move_progress(runtime.uow()).done
