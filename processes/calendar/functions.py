"""The working-day calendar in force and the functions diagrams may call.

The pure rules live in ``handlers.workdays``. The calendar in force is: the built-in years
(chinese-calendar), then files ``config/holidays/<year>.toml``, then the years an admin loaded into
the database (table ``holiday_year``, newest load of a year wins). Every process reads the database
rows through :func:`sync_calendar` (called when a workflow is loaded), so the web workers and the
scheduler agree.

The functions diagrams call (``add_working_days``, ``end_of_working_day`` …) are bound to a
:class:`ComputationLog` per unit of work: what they computed is written down there, and
``processes.calendar.deadlines`` turns it into deadline rows when the instance is saved.
"""

from __future__ import annotations

import threading
import time as _time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from handlers import workdays as wd
from processes.calendar.models import HolidayYear
from processes.clock import CST
from processes.db import UnitOfWork

CONFIG_HOLIDAYS = Path(__file__).resolve().parent.parent.parent / "config" / "holidays"
_END_OF_DAY = time(23, 59, 59)

_lock = threading.Lock()
_base: wd.WorkingCalendar | None = None  # built-in + config files
_calendar: wd.WorkingCalendar | None = None  # base + database years
_db_signature: tuple[tuple[int, int, str], ...] | None = None
_db_sources: dict[int, HolidayYearInfo] = {}
_pinned = False
_last_check = [float("-inf")]
SYNC_INTERVAL_S = 1.0


@dataclass(frozen=True)
class HolidayYearInfo:
    year: int
    version: str
    source: str
    loaded_by: str
    loaded_at: datetime


# -- the calendar in force -------------------------------------------------------------------------


def base_calendar() -> wd.WorkingCalendar:
    """Built-in years plus ``config/holidays/<year>.toml`` (cached; files are read once)."""
    global _base
    if _base is None:
        with _lock:
            if _base is None:
                _base = wd.default_calendar(CONFIG_HOLIDAYS)
    return _base


def current_calendar() -> wd.WorkingCalendar:
    """The calendar in force in this process (as of the last :func:`sync_calendar`)."""
    return _calendar if _calendar is not None else base_calendar()


def set_calendar(cal: wd.WorkingCalendar | None) -> None:
    """Pin the calendar in force (tests); ``None`` goes back to base + database years."""
    global _calendar, _db_signature, _pinned
    with _lock:
        _calendar = cal
        _db_signature = None
        _pinned = cal is not None
        _last_check[0] = float("-inf")


def reset() -> None:
    """Forget the cached database years (tests that clean tables call this)."""
    set_calendar(None)


def sync_calendar(uow: UnitOfWork, force: bool = False) -> wd.WorkingCalendar:
    """Adopt the years stored in the database if they changed (one small query, at most once a
    second per process unless ``force``; a load made in this process applies at once)."""
    global _calendar, _db_signature, _db_sources
    if _pinned:
        return current_calendar()
    mono = _time.monotonic()
    if not force and _calendar is not None and mono - _last_check[0] < SYNC_INTERVAL_S:
        return _calendar
    with uow:
        rows = uow.s.execute(select(HolidayYear.id, HolidayYear.year, HolidayYear.version)
                             .order_by(HolidayYear.id)).all()
        signature = tuple((r[0], r[1], r[2]) for r in rows)
        _last_check[0] = mono
        if signature == _db_signature and _calendar is not None:
            return _calendar
        latest: dict[int, int] = {}
        for rid, year, _v in signature:
            latest[year] = rid
        cal = base_calendar()
        sources: dict[int, HolidayYearInfo] = {}
        if latest:
            for row in uow.s.scalars(select(HolidayYear).where(HolidayYear.id.in_(latest.values()))):
                cal = cal.with_year(wd.parse_year_toml(row.toml, source=row.source or f"{row.year}.toml"))
                sources[row.year] = HolidayYearInfo(row.year, row.version, row.source, row.loaded_by, row.loaded_at)
    with _lock:
        _calendar, _db_signature, _db_sources = cal, signature, sources
    return cal


# -- what the functions computed ------------------------------------------------------------------


@dataclass(frozen=True)
class Computed:
    rule: str
    start: date
    n: int
    value: str
    deadline: wd.Deadline
    due_at: datetime = field(compare=False)


class ComputationLog:
    """What the calendar functions computed during one unit of work, by returned value and by
    instant, so that deadline tracking knows the rule, start and n behind a timer or a due date."""

    def __init__(self) -> None:
        self.by_value: dict[str, Computed] = {}
        self.by_instant: dict[datetime, Computed] = {}

    def note(self, c: Computed) -> None:
        self.by_value[c.value] = c
        self.by_instant[c.due_at] = c


def _d(value: Any) -> date:
    if isinstance(value, datetime):
        return (value.astimezone(CST) if value.tzinfo else value).date()
    if isinstance(value, date):
        return value
    s = str(value)
    if len(s) > 10:
        dt = datetime.fromisoformat(s)
        return (dt.astimezone(CST) if dt.tzinfo else dt).date()
    return date.fromisoformat(s)


def date_end_instant(d: date) -> datetime:
    """23:59:59 Beijing time of ``d`` as aware UTC (how a date-only due date is read)."""
    return datetime.combine(d, _END_OF_DAY, CST).astimezone(UTC)


def compute(rule: str, start: Any, n: int, cal: wd.WorkingCalendar | None = None) -> Computed:
    """Evaluate a working-day rule on ``cal`` (default: the calendar in force)."""
    cal = cal or current_calendar()
    s, k = _d(start), int(n)
    if rule == "add_working_days":
        dl = cal.add_working_days(s, k)
        return Computed(rule, s, k, dl.date.isoformat(), dl, date_end_instant(dl.date))
    if rule == "end_of_working_day":
        dl = cal.end_of_nth_working_day(s, k)
        assert dl.at is not None
        return Computed(rule, s, k, dl.at.isoformat(), dl, dl.at.astimezone(UTC))
    if rule == "end_of_added_working_days":  # end_of_day(add_working_days(start, n)): a timer on that day
        dl = cal.add_working_days(s, k)
        at = datetime.combine(dl.date, _END_OF_DAY, wd.CHINA_TZ)
        return Computed(rule, s, k, at.isoformat(), dl, at.astimezone(UTC))
    raise ValueError(f"unknown working-day rule {rule!r}")


def calendar_helpers(log: ComputationLog | None = None) -> dict[str, Callable[..., Any]]:
    """Names available in timer expressions, conditions, scripts and ``due`` properties. Deadline
    computations are written to ``log`` (one per unit of work; none for read-only evaluation)."""

    def noted(c: Computed) -> str:
        if log is not None:
            log.note(c)
        return c.value

    def noted_add_working_days(start: Any, n: int) -> str:
        """As a task's ``due`` the date means the end of that day (23:59:59 Beijing time)."""
        return noted(compute("add_working_days", start, n))

    def noted_end_of_working_day(start: Any, n: int) -> str:
        """Art. 13: publicity runs 5 working days; ``end_of_working_day(publicity_start, 5)``."""
        return noted(compute("end_of_working_day", start, n))

    def noted_end_of_day(day: Any) -> str:
        """Aware ISO instant 23:59:59 Beijing time of ``day`` (turns a date rule into a timer:
        ``end_of_day(add_working_days(x, 10))``; a bare date as ``timeDate`` would mean its midnight)."""
        inner = log.by_value.get(day) if log is not None and isinstance(day, str) else None
        if inner is not None and inner.rule == "add_working_days":
            return noted(compute("end_of_added_working_days", inner.start, inner.n))
        return end_of_day(day)

    return {
        "add_working_days": noted_add_working_days,
        "is_working_day": is_working_day,
        "end_of_working_day": noted_end_of_working_day,
        "end_of_nth_working_day": noted_end_of_working_day,
        "next_working_day": next_working_day,
        "working_days_between": working_days_between,
        "end_of_day": noted_end_of_day,
        "quarter_of": lambda day: list(wd.quarter_of(_d(day))),
        "quarter_aggregate_due": lambda year, q: wd.quarter_aggregate_due(int(year), int(q)).isoformat(),
        "quarter_report_due": lambda year, q, day=15: wd.quarter_report_due(int(year), int(q),
                                                                             int(day)).isoformat(),
        "validity_end": lambda grant: wd.validity_end(_d(grant)).isoformat(),
        "expiry_year_start": lambda valid_to: wd.expiry_year_start(_d(valid_to)).isoformat(),
        "ban_until": lambda revoked: wd.ban_until(_d(revoked)).isoformat(),
    }


def add_working_days(start: Any, n: int) -> str:
    """The date n working days after ``start`` (start not counted), ISO ``YYYY-MM-DD``."""
    return compute("add_working_days", start, n).value


def end_of_working_day(start: Any, n: int) -> str:
    """Aware ISO instant at the end (23:59:59 CST) of the n-th working day counting ``start``."""
    return compute("end_of_working_day", start, n).value


def end_of_day(day: Any) -> str:
    """Aware ISO instant 23:59:59 Beijing time of ``day``."""
    return datetime.combine(_d(day), _END_OF_DAY, wd.CHINA_TZ).isoformat()


def is_working_day(day: Any) -> bool:
    return current_calendar().is_working_day(_d(day))


def next_working_day(day: Any) -> str:
    """``day`` itself if it is a working day, else the next one (ISO date)."""
    return current_calendar().add_working_days(_d(day), 0).date.isoformat()


def working_days_between(a: Any, b: Any) -> int:
    """Working days d with a < d <= b (negative when b < a)."""
    return current_calendar().working_days_between(_d(a), _d(b))


def is_provisional(start: Any, n: int) -> bool:
    """True if the n-th working day from ``start`` reaches a year with no calendar loaded."""
    return compute("end_of_working_day", start, n).deadline.provisional


def deadline_info(start: Any, n: int, rule: str = "end_of_working_day") -> dict[str, Any]:
    c = compute(rule, start, n)
    d = c.deadline
    return {"rule": rule, "start": c.start.isoformat(), "n": c.n, "date": d.date.isoformat(),
            "at": d.at.isoformat() if d.at else None, "value": c.value, "due_at": c.due_at.isoformat(),
            "provisional": d.provisional, "unknown_years": list(d.unknown_years),
            "calendar_versions": {str(k): v for k, v in d.calendar_versions.items()}}


def unknown_years_ahead(today: date, days: int = 400) -> list[int]:
    """Years within ``days`` of ``today`` with no calendar loaded (the admin page warns about them)."""
    return list(current_calendar().unknown_years_between(today, today + timedelta(days=days)))
