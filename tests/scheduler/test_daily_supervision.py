"""The scheduler runs the supervision jobs (rounds, expiry, quarterly reports) once per demo day."""

from __future__ import annotations

from datetime import timedelta

from processes.scheduler import Scheduler


def test_daily_job_runs_once_per_date_and_again_after_the_clock_moves(runtime):
    sched = Scheduler(runtime)
    first = sched.daily()
    assert first is not None and set(first) >= {"closed_rounds", "expired", "started", "chased"}
    assert sched.daily() is None  # same day: nothing
    frozen, offset = runtime.clock.state
    runtime.clock.set_state(frozen + timedelta(days=1), offset)
    assert sched.daily() is not None
