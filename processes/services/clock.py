"""Time travel for demos and tests (never in production): set or advance the shared clock.

Advancing fires what falls due in order: the clock stops at each due time, fires it, then goes on,
so a timer created by an earlier one is computed from the right "now".
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from dateutil.relativedelta import relativedelta
from sqlalchemy import select

from processes.clock import CST, ClockError, MovableClock
from processes.db import UnitOfWork
from processes.errors import Forbidden, Invalid
from processes.models import ClockState
from processes.reminders import run_reminders
from processes.services.core import Actor, record
from processes.services.timers import fire_due, next_due

_last_sync = [0.0]
SYNC_INTERVAL_S = 1.0
MAX_YEARS_AWAY = 20  # the demo clock stays within this many years of the real date


def sync_clock(uow: UnitOfWork, force: bool = False) -> None:
    """Adopt the shared demo clock stored in the database (web workers and scheduler agree).

    At most once a second per process: a move made in this process applies at once anyway.
    """
    clock = uow.runtime.clock
    if not isinstance(clock, MovableClock):
        return
    import time as _time

    mono = _time.monotonic()
    if not force and mono - _last_sync[0] < SYNC_INTERVAL_S:
        return
    _last_sync[0] = mono
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


def check_target(target: datetime, field: str = "now") -> None:
    """A demo-clock move stays within MAX_YEARS_AWAY years of the real date (farther, dates overflow
    and every timer of the next decades would fire): refused before anything moves or commits."""
    real = datetime.now(UTC)
    try:
        low, high = real - relativedelta(years=MAX_YEARS_AWAY), real + relativedelta(years=MAX_YEARS_AWAY)
    except (OverflowError, ValueError):  # pragma: no cover - the real date is not near year 1 or 9999
        return
    if not low <= target <= high:
        raise Invalid(f"the demo clock moves at most {MAX_YEARS_AWAY} years from the real date",
                      [{"field": field, "code": "clock_out_of_range",
                        "message": f"应在 {low.astimezone(CST):%Y-%m-%d} 至 {high.astimezone(CST):%Y-%m-%d} 之间"
                                   f"（真实日期前后 {MAX_YEARS_AWAY} 年以内）"}])


def set_clock(uow: UnitOfWork, actor: Actor, target: datetime, frozen: bool | None = None,
              field: str = "now") -> datetime:
    """Move the clock to ``target`` and fire what fell due on the way, in order.

    Forward: the clock stops one second past each due time (timers fire strictly after it), fires
    what is due, and goes on, so a timer created by an earlier one is computed from the right "now".
    Back (demo/test only, e.g. to replay a dated case): nothing fires; the history keeps what
    happened and new work is dated by the new clock. Production refuses both (SystemClock).
    """
    if actor.role not in ("admin", "system"):
        raise Forbidden("only an administrator may move the clock")
    if target.tzinfo is None:
        raise ClockError("give the time with a time zone, e.g. 2026-10-09T16:00:00+08:00")
    clock = uow.runtime.clock
    if not isinstance(clock, MovableClock):
        raise Forbidden("the clock can only be moved when the demo clock is enabled (never in production)")
    keep_frozen = clock.state[0] is not None if frozen is None else frozen
    target = target.astimezone(UTC)
    check_target(target, field)
    fire_due(uow)
    for _ in range(1_000_000):  # each step moves the clock strictly forward: this ends
        now = clock.now()
        if now >= target:
            break
        due = next_due(uow, not_before=now)
        if due is None or due >= target:
            break
        _store(uow, actor, min(due + timedelta(seconds=1), target), True, audit=False)
        fire_due(uow)
    _store(uow, actor, target, keep_frozen, audit=True)
    fire_due(uow)

    run_reminders(uow)
    return clock.now()


_DURATION = re.compile(r"^(-)?P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?"
                       r"(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$")


def parse_duration(text: str) -> relativedelta:
    """ISO-8601 duration → calendar-correct ``relativedelta`` (P1M from 31 Jan is 28/29 Feb, P3Y
    from 29 Feb 2028 is 28 Feb 2031). A leading ``-`` moves back (demo/test only)."""
    m = _DURATION.match(text.strip().upper())
    if m is None:
        raise Invalid("give a duration such as P5D, PT2H, P1M or P3Y (ISO 8601)",
                      [{"field": "advance", "message": "应为 ISO-8601 时长，如 P5D、PT2H、P1M、P3Y"}])
    neg, y, mo, w, d, h, mi, sec = m.groups()
    rd = relativedelta(years=int(y or 0), months=int(mo or 0), weeks=int(w or 0), days=int(d or 0),
                       hours=int(h or 0), minutes=int(mi or 0), seconds=float(sec or 0))
    return -rd if neg else rd


def shift(at: datetime, delta: timedelta | relativedelta | str) -> datetime:
    """``at`` moved by ``delta``; years/months count on the Beijing calendar."""
    if isinstance(delta, str):
        delta = parse_duration(delta)
    try:
        if isinstance(delta, timedelta):
            return at + delta
        return (at.astimezone(CST) + delta).astimezone(UTC)
    except (OverflowError, ValueError):  # beyond year 9999 (or before year 1)
        raise Invalid(f"the demo clock moves at most {MAX_YEARS_AWAY} years from the real date",
                      [{"field": "advance", "code": "clock_out_of_range",
                        "message": f"时长过大（真实日期前后 {MAX_YEARS_AWAY} 年以内）"}]) from None


def advance_clock(uow: UnitOfWork, actor: Actor, delta: timedelta | relativedelta | str) -> datetime:
    """Advance by a ``timedelta``, a ``relativedelta`` or an ISO-8601 duration string."""
    return set_clock(uow, actor, shift(uow.runtime.clock.now(), delta), field="advance")
