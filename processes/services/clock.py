"""Time travel for demos and tests (never in production): set or advance the shared clock.

Advancing fires what falls due in order: the clock stops at each due time, fires it, then goes on,
so a timer created by an earlier one is computed from the right "now". A move is stored with the
clock (target, timers fired so far) and worked off in batches: a request spends at most its budget
on it and returns the progress; the scheduler continues it at each poll (docs/performance.md).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import select

from processes.clock import CST, ClockError, MovableClock
from processes.db import UnitOfWork
from processes.errors import Forbidden, Invalid
from processes.messages import field_error, t
from processes.models import ClockState
from processes.reminders import run_reminders
from processes.services.core import Actor, record
from processes.services.timers import due_count, fire_due, next_due

_last_sync = [0.0]


def _not_movable() -> str:
    return t("只有启用演示时钟时才能调整时钟（生产环境从不启用）")
SYNC_INTERVAL_S = 1.0
MAX_YEARS_AWAY = 20  # the demo clock stays within this many years of the real date


def clock_sync_due() -> bool:
    """Whether ``sync_clock`` would read the database now (callers skip opening a unit of work)."""
    return time.monotonic() - _last_sync[0] >= SYNC_INTERVAL_S


def sync_clock(uow: UnitOfWork, force: bool = False) -> None:
    """Adopt the shared demo clock stored in the database (web workers and scheduler agree).

    At most once a second per process: a move made in this process applies at once anyway.
    """
    clock = uow.runtime.clock
    if not isinstance(clock, MovableClock):
        return
    mono = time.monotonic()
    if not force and mono - _last_sync[0] < SYNC_INTERVAL_S:
        return
    _last_sync[0] = mono
    with uow:
        row = uow.s.get(ClockState, 1)
        if row is not None:
            clock.set_state(row.frozen_at, timedelta(seconds=row.offset_seconds))


def _store(uow: UnitOfWork, actor: Actor, target: datetime, frozen: bool, audit: bool,
           move: tuple[datetime, bool] | None | bool = False, fired: int = 0, forward_only: bool = False) -> None:
    """Set the shared clock; ``move``: start a move (target, frozen), ``None``: end it, ``False``:
    leave it; ``fired`` is added to the move's count; ``forward_only`` never sets it back (two
    processes continuing one move)."""
    clock = uow.runtime.clock
    if not isinstance(clock, MovableClock):
        raise Forbidden(_not_movable(), code="clock_not_movable")
    with uow:
        real = datetime.now(UTC)
        row = uow.s.scalars(select(ClockState).where(ClockState.id == 1)).first()
        if row is None:
            row = ClockState(id=1, offset_seconds=0.0, updated_at=real, move_fired=0, move_frozen=False)
            uow.s.add(row)
        current = row.frozen_at if row.frozen_at is not None else real + timedelta(seconds=row.offset_seconds or 0)
        if forward_only and target <= current:
            target, frozen = current, row.frozen_at is not None
        before = clock.now()
        row.frozen_at = target if frozen else None
        row.offset_seconds = 0.0 if frozen else (target - real).total_seconds()
        row.updated_at = real
        if move is None:
            row.move_target, row.move_by = None, None
        elif move is not False:
            assert isinstance(move, tuple)
            row.move_target, row.move_frozen, row.move_fired, row.move_by = move[0], move[1], 0, actor.username
        row.move_fired = (row.move_fired or 0) + fired
        clock.set_state(row.frozen_at, timedelta(seconds=row.offset_seconds))
        if audit:
            record(uow, actor, "clock.set", data={"from": before.isoformat(), "to": target.isoformat()})
        uow.commit()


@dataclass
class Move:
    """A clock move as the request and the clock page see it."""

    now: datetime
    target: datetime | None  # None: no move in progress
    due_timers: int  # timers still to fire on the way (due before the target)
    fired: int  # instances woken by this move so far
    done: bool
    fired_now: int = 0  # instances woken by the call that returned this

    def as_dict(self) -> dict[str, Any]:
        return {"now": self.now.isoformat(), "target": self.target.isoformat() if self.target else None,
                "due_timers": self.due_timers, "fired": self.fired, "done": self.done, "movable": True}


def move_progress(uow: UnitOfWork) -> Move:
    """Where the clock is, and what the move in progress (if any) still has to fire."""
    clock = uow.runtime.clock
    with uow:
        row = uow.s.get(ClockState, 1)
        target = row.move_target if row is not None else None
        fired = (row.move_fired or 0) if row is not None else 0
    if target is None:
        return Move(clock.now(), None, 0, fired, True)
    return Move(clock.now(), target, due_count(uow, target), fired, False)


def _bounds() -> tuple[datetime, datetime]:
    real = datetime.now(UTC)
    return real - relativedelta(years=MAX_YEARS_AWAY), real + relativedelta(years=MAX_YEARS_AWAY)


def _out_of_range(field: str) -> Invalid:
    low, high = (f"{b.astimezone(CST):%Y-%m-%d}" for b in _bounds())
    return Invalid(t("演示时钟只能设在真实日期前后 {years} 年以内（{low} 至 {high}）", years=MAX_YEARS_AWAY,
                     low=low, high=high),
                   [field_error(field, "clock_out_of_range", "应在 {low} 至 {high} 之间", low=low, high=high)],
                   code="clock_out_of_range")


def check_target(target: datetime, field: str = "now") -> None:
    """A demo-clock move stays within MAX_YEARS_AWAY years of the real date (farther, dates overflow
    and every timer of the next decades would fire): refused before anything moves or commits."""
    low, high = _bounds()
    if not low <= target <= high:
        raise _out_of_range(field)


def request_move(uow: UnitOfWork, actor: Actor, target: datetime, frozen: bool | None = None,
                 budget_s: float | None = None, field: str = "now") -> Move:
    """Move the clock to ``target``, firing what falls due on the way in order.

    Forward: the clock stops one second past each due time (timers fire strictly after it), fires
    what is due, and goes on, so a timer created by an earlier one is computed from the right "now".
    The move is recorded first; this call then works on it for at most ``budget_s`` seconds (None:
    until it is done) and returns its progress. What is left is continued by the scheduler in
    batches (``continue_move``), so a request returns in bounded time however many timers are due.
    Back (demo/test only, e.g. to replay a dated case): nothing fires; the history keeps what
    happened and new work is dated by the new clock. Production refuses both (SystemClock).
    """
    if actor.role not in ("admin", "system"):
        raise Forbidden(t("只有系统管理员可以调整时钟"))
    if target.tzinfo is None:
        raise ClockError(t("请给出带时区的时间，如 2026-10-09T16:00:00+08:00"))
    clock = uow.runtime.clock
    if not isinstance(clock, MovableClock):
        raise Forbidden(_not_movable(), code="clock_not_movable")
    keep_frozen = clock.state[0] is not None if frozen is None else frozen
    target = target.astimezone(UTC)
    check_target(target, field)
    _store(uow, actor, clock.now(), clock.state[0] is not None, audit=False, move=(target, keep_frozen))
    return continue_move(uow, budget_s, actor)


def continue_move(uow: UnitOfWork, budget_s: float | None = None, actor: Actor | None = None) -> Move:
    """Work on the move in progress for at most ``budget_s`` seconds (None: to the end): fire what is
    due in batches, step the clock to the next due time, and at the target end the move (audited as
    ``clock.set`` by whoever asked for it) and run the reminders. Safe to run from two processes."""
    clock = uow.runtime.clock
    deadline = time.monotonic() + budget_s if budget_s is not None else None
    with uow:
        row = uow.s.get(ClockState, 1)
        target = row.move_target if row is not None else None
        keep_frozen = bool(row.move_frozen) if row is not None else False
        by = (row.move_by if row is not None else None) or "system"
    if target is None:
        return move_progress(uow)
    who = actor or Actor(None, by, "system")
    fired = 0

    def out_of_time() -> bool:
        return deadline is not None and time.monotonic() >= deadline

    def progress() -> Move:
        move = move_progress(uow)
        move.fired_now = fired
        return move

    for _ in range(1_000_000):  # each step moves the clock strictly forward: this ends
        batch = fire_due(uow, deadline=deadline)
        if batch.fired:
            fired += batch.fired
            _store(uow, who, clock.now(), True, audit=False, fired=batch.fired, forward_only=True)
        if batch.more or out_of_time():
            return progress()
        now = clock.now()
        if now >= target:
            break
        due = next_due(uow, not_before=now)
        if due is None or due >= target:
            break
        _store(uow, who, min(due + timedelta(seconds=1), target), True, audit=False, forward_only=True)
    _store(uow, who, target, keep_frozen, audit=True, move=None)
    fired += fire_due(uow, deadline=deadline).fired  # what fell due at the target (else: the next poll)
    run_reminders(uow)
    return progress()


def set_clock(uow: UnitOfWork, actor: Actor, target: datetime, frozen: bool | None = None,
              field: str = "now") -> datetime:
    """Move the clock to ``target`` and fire what fell due on the way, in order, before returning
    (services, tests, the CLI). Requests use ``request_move`` with a time budget instead."""
    request_move(uow, actor, target, frozen, budget_s=None, field=field)
    return uow.runtime.clock.now()


_DURATION = re.compile(r"^(-)?P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?"
                       r"(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$")


def parse_duration(text: str) -> relativedelta:
    """ISO-8601 duration → calendar-correct ``relativedelta`` (P1M from 31 Jan is 28/29 Feb, P3Y
    from 29 Feb 2028 is 28 Feb 2031). A leading ``-`` moves back (demo/test only)."""
    m = _DURATION.match(text.strip().upper())
    if m is None:
        raise Invalid(t("时长应为 ISO 8601 格式，如 P5D、PT2H、P1M、P3Y"),
                      [field_error("advance", "duration_invalid", "应为 ISO-8601 时长，如 P5D、PT2H、P1M、P3Y")],
                      code="duration_invalid")
    neg, y, mo, w, d, h, mi, sec = m.groups()
    try:
        rd = relativedelta(years=int(y or 0), months=int(mo or 0), weeks=int(w or 0), days=int(d or 0),
                           hours=int(h or 0), minutes=int(mi or 0), seconds=float(sec or 0))
    except (OverflowError, ValueError):
        raise _out_of_range("advance") from None
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
        raise _out_of_range("advance") from None


def advance_clock(uow: UnitOfWork, actor: Actor, delta: timedelta | relativedelta | str) -> datetime:
    """Advance by a ``timedelta``, a ``relativedelta`` or an ISO-8601 duration string."""
    return set_clock(uow, actor, shift(uow.runtime.clock.now(), delta), field="advance")


def request_advance(uow: UnitOfWork, actor: Actor, delta: timedelta | relativedelta | str,
                    budget_s: float | None = None) -> Move:
    """``advance_clock`` for requests: returns within ``budget_s`` with the move's progress."""
    return request_move(uow, actor, shift(uow.runtime.clock.now(), delta), budget_s=budget_s, field="advance")
