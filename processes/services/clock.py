"""Time travel for demos and tests (never in production): set or advance the shared clock.

Advancing fires what falls due in order: the clock stops at each due time, fires it, then goes on,
so a timer created by an earlier one is computed from the right "now".
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from processes.clock import ClockError, MovableClock
from processes.db import UnitOfWork
from processes.errors import Forbidden
from processes.models import ClockState
from processes.services.core import Actor, record
from processes.services.timers import fire_due, next_due


def sync_clock(uow: UnitOfWork) -> None:
    """Adopt the shared demo clock stored in the database (web workers and scheduler agree)."""
    clock = uow.runtime.clock
    if not isinstance(clock, MovableClock):
        return
    with uow:
        row = uow.s.get(ClockState, 1)
        if row is not None:
            clock.set_state(row.frozen_at, timedelta(seconds=row.offset_seconds))


def _store(uow: UnitOfWork, actor: Actor, target: datetime, frozen: bool, audit: bool) -> None:
    clock = uow.runtime.clock
    if not isinstance(clock, MovableClock):
        raise Forbidden("the clock can only be moved when the demo clock is enabled (never in production)")
    with uow:
        real = datetime.now(UTC)
        row = uow.s.scalars(select(ClockState).where(ClockState.id == 1)).first()
        if row is None:
            row = ClockState(id=1, offset_seconds=0.0, updated_at=real)
            uow.s.add(row)
        before = clock.now()
        row.frozen_at = target if frozen else None
        row.offset_seconds = 0.0 if frozen else (target - real).total_seconds()
        row.updated_at = real
        clock.set_state(row.frozen_at, timedelta(seconds=row.offset_seconds))
        if audit:
            record(uow, actor, "clock.set", data={"from": before.isoformat(), "to": target.isoformat()})
        uow.commit()


def set_clock(uow: UnitOfWork, actor: Actor, target: datetime, frozen: bool | None = None) -> datetime:
    """Move the clock to ``target`` (forward or, in demo/test, back) and fire what fell due."""
    if actor.role not in ("admin", "system"):
        raise Forbidden("only an administrator may move the clock")
    if target.tzinfo is None:
        raise ClockError("give the time with a time zone, e.g. 2026-10-09T16:00:00+08:00")
    clock = uow.runtime.clock
    if not isinstance(clock, MovableClock):
        raise Forbidden("the clock can only be moved when the demo clock is enabled (never in production)")
    keep_frozen = clock.state[0] is not None if frozen is None else frozen
    target = target.astimezone(UTC)
    # step through each due timer in order, so chained timers are computed from their own time
    fire_due(uow)
    for _ in range(100_000):
        due = next_due(uow)
        if due is None or due > target:
            break
        if due >= clock.now():
            # timers fire strictly after their time: stop one second past it
            _store(uow, actor, min(due + timedelta(seconds=1), target), True, audit=False)
        if fire_due(uow) == 0:
            break
    _store(uow, actor, target, keep_frozen, audit=True)
    fire_due(uow)
    return clock.now()


def advance_clock(uow: UnitOfWork, actor: Actor, delta: timedelta) -> datetime:
    return set_clock(uow, actor, uow.runtime.clock.now() + delta)
