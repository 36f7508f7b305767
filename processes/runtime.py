"""The runtime container: settings, database, engine and clock, built once per process."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine as DbEngine
from sqlalchemy.orm import Session, sessionmaker

from processes import areas
from processes import clock as clockmod
from processes.calendar.functions import calendar_helpers
from processes.db import UnitOfWork, make_engine
from processes.engine.runtime import Engine
from processes.settings import Settings
from processes.storage import Storage, make_storage


@dataclass
class Runtime:
    settings: Settings
    db: DbEngine
    session_factory: sessionmaker[Session]
    engine: Engine
    clock: clockmod.Clock
    # users behind tokens and sessions: id → (column values, expiry on the monotonic clock)
    user_cache: dict[int, tuple[dict[str, Any], float]] = field(default_factory=dict)
    _storage: Storage | None = field(default=None, repr=False)

    def storage(self) -> Storage:
        """Where uploads and generated documents live (settings ``storage_backend``), made once."""
        if self._storage is None:
            self._storage = make_storage(self.settings)
        return self._storage

    def uow(self, readonly: bool = False, on_commit: Callable[[], None] | None = None) -> UnitOfWork:
        """A unit of work; ``readonly`` ones (lists, views, authentication) take no write lock."""
        return UnitOfWork(self.session_factory, self, readonly=readonly, on_commit=on_commit)

    def now(self) -> datetime:
        return self.clock.now()


def script_helpers() -> dict[str, Any]:
    """Functions available in diagram scripts, conditions and timer expressions. The calendar
    functions here note nothing; a unit of work that saves binds its own (``services.core.Loaded``)."""
    def now() -> str:
        return clockmod.now().isoformat()

    def today() -> str:
        return clockmod.now().astimezone(clockmod.CST).date().isoformat()

    def days_from_now(days: int) -> str:
        return (clockmod.now() + timedelta(days=days)).isoformat()

    helpers: dict[str, Any] = {"now": now, "today": today, "days_from_now": days_from_now,
                               "parse_date": lambda s: date.fromisoformat(str(s)[:10]).isoformat()}
    helpers.update(calendar_helpers())
    return helpers


def build_runtime(settings: Settings, db: DbEngine | None = None) -> Runtime:
    db = db or make_engine(settings.sqlalchemy_url)
    clock: clockmod.Clock = clockmod.MovableClock() if settings.demo_clock else clockmod.SystemClock()
    clockmod.set_current_clock(clock)
    clockmod.install_engine_clock()
    areas.install()
    engine = Engine(script_helpers(), timeout_s=settings.script_timeout_seconds)
    factory = sessionmaker(bind=db, expire_on_commit=False)
    return Runtime(settings=settings, db=db, session_factory=factory, engine=engine, clock=clock)


def utc(dt: datetime) -> datetime:
    return dt.astimezone(UTC)
