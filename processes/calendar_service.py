"""The working-day calendar in force, and the functions diagrams may call (DOMAIN.md §6).

The pure rules live in ``handlers.workdays``; this module holds the calendar currently loaded in
this process (built-in years from chinese-calendar, files under config/holidays/, and years
loaded by an admin into the database) and exposes ISO-string helpers for scripts and timers.
"""

from __future__ import annotations

import threading
from datetime import date, datetime
from pathlib import Path
from typing import Any

from handlers import workdays as wd

_lock = threading.Lock()
_calendar: wd.WorkingCalendar | None = None
CONFIG_HOLIDAYS = Path(__file__).resolve().parent.parent / "config" / "holidays"


def current_calendar() -> wd.WorkingCalendar:
    global _calendar
    if _calendar is None:
        with _lock:
            if _calendar is None:
                _calendar = wd.default_calendar(CONFIG_HOLIDAYS)
    return _calendar


def set_calendar(cal: wd.WorkingCalendar) -> None:
    global _calendar
    with _lock:
        _calendar = cal


def _d(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def add_working_days(start: Any, n: int) -> str:
    """The date n working days after ``start`` (start not counted), ISO."""
    return current_calendar().add_working_days(_d(start), int(n)).date.isoformat()


def is_working_day(day: Any) -> bool:
    return current_calendar().is_working_day(_d(day))


def end_of_working_day(start: Any, n: int) -> str:
    """Aware ISO instant at the end (23:59:59 CST) of the n-th working day counting ``start``.

    Art. 13: publicity runs 5 working days; ``end_of_working_day(publicity_start, 5)`` is its end.
    """
    deadline = current_calendar().end_of_nth_working_day(_d(start), int(n))
    assert deadline.at is not None
    return deadline.at.isoformat()


def deadline_info(start: Any, n: int) -> dict[str, Any]:
    d = current_calendar().end_of_nth_working_day(_d(start), int(n))
    return {"date": d.date.isoformat(), "at": d.at.isoformat() if d.at else None,
            "provisional": d.provisional, "unknown_years": list(d.unknown_years),
            "calendar_versions": {str(k): v for k, v in d.calendar_versions.items()}}


def calendar_helpers() -> dict[str, Any]:
    return {
        "add_working_days": add_working_days,
        "is_working_day": is_working_day,
        "end_of_working_day": end_of_working_day,
        "quarter_aggregate_due": lambda year, q: wd.quarter_aggregate_due(int(year), int(q)).isoformat(),
        "quarter_report_due": lambda year, q, day=15: wd.quarter_report_due(int(year), int(q),
                                                                             int(day)).isoformat(),
        "validity_end": lambda grant: wd.validity_end(_d(grant)).isoformat(),
        "expiry_year_start": lambda valid_to: wd.expiry_year_start(_d(valid_to)).isoformat(),
        "ban_until": lambda revoked: wd.ban_until(_d(revoked)).isoformat(),
    }
