"""The one clock the engine, the timers, the calendar and the services read.

Production uses :class:`SystemClock`, which refuses to move. Demo and test use
:class:`MovableClock`, whose offset (or frozen instant) lives in the database so that the web
workers and the scheduler process agree on "now".

SpiffWorkflow 3.2 reads ``datetime.now`` itself in its timer module; :func:`install_engine_clock`
replaces that module's ``datetime`` with a subclass whose ``now()`` reads the current clock.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol

from processes.messages import t

SHANGHAI_OFFSET = timedelta(hours=8)


class ClockError(Exception):
    """The clock may not be moved here (production, or the config disables it)."""


class Clock(Protocol):
    movable: bool

    def now(self) -> datetime: ...


class SystemClock:
    movable = False

    def now(self) -> datetime:
        return datetime.now(UTC)

    def set_state(self, frozen_at: datetime | None, offset: timedelta) -> None:
        raise ClockError(t("该配置下不能调整时钟（未启用演示时钟 demo_clock）"))


class MovableClock:
    """Real time plus an offset, or a frozen instant. Thread-safe."""

    movable = True

    def __init__(self, frozen_at: datetime | None = None, offset: timedelta = timedelta(0)) -> None:
        self._lock = threading.Lock()
        self._frozen_at = frozen_at
        self._offset = offset

    def now(self) -> datetime:
        with self._lock:
            if self._frozen_at is not None:
                return self._frozen_at
            return datetime.now(UTC) + self._offset

    def set_state(self, frozen_at: datetime | None, offset: timedelta) -> None:
        with self._lock:
            self._frozen_at = frozen_at.astimezone(UTC) if frozen_at else None
            self._offset = offset

    @property
    def state(self) -> tuple[datetime | None, timedelta]:
        with self._lock:
            return self._frozen_at, self._offset


_current: Clock = SystemClock()


def current_clock() -> Clock:
    return _current


def set_current_clock(clock: Clock) -> None:
    global _current
    _current = clock


def now() -> datetime:
    return _current.now()


def local_today() -> datetime:
    """Now in China Standard Time (UTC+8): dates in this procedure are Beijing dates."""
    return now().astimezone(CST)


from datetime import timezone as _tz  # noqa: E402

CST = _tz(SHANGHAI_OFFSET, "CST")


class _EngineDatetime(datetime):
    @classmethod
    def now(cls, tz=None):  # type: ignore[override]
        value = _current.now()
        return value.astimezone(tz) if tz else value.astimezone(CST).replace(tzinfo=None)


def install_engine_clock() -> None:
    """Make SpiffWorkflow's timer module read our clock (it has no hook of its own)."""
    from SpiffWorkflow.bpmn.specs.event_definitions import timer

    timer.datetime = _EngineDatetime  # type: ignore[misc]
