"""Demo data (development config only). Each step checks first, so a second run adds nothing.

On the first load into an empty database the demo clock is put on the **demo day**: the first working
day after the 15th of the current quarter's first month (the day after the platforms' quarterly
reports were due, Art. 19), 09:00 Beijing time, or that day of the previous quarter when it has not
come yet. The demo data is dated from that day, so the clock and the data agree: one report is one
working day overdue, the county summaries are due on the 25th, and the clock runs on from there.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time

from sqlalchemy import func, select

from handlers import supervision as sv
from processes.calendar.functions import current_calendar
from processes.clock import CST, MovableClock
from processes.models import ProcessInstance
from processes.recognition import demo as recognition_demo
from processes.recognition.models import PlatformRegister
from processes.runtime import Runtime
from processes.services.clock import set_clock
from processes.services.core import SYSTEM
from processes.supervision import demo as supervision_demo


def demo_day(now: datetime) -> datetime:
    """The first working day after the 15th of the quarter's first month, 09:00 CST, not after ``now``."""
    today = now.astimezone(CST).date()
    year, quarter = sv.quarter_of(today)
    for _ in range(2):
        day = date(year, 3 * quarter - 2, 16)
        while not current_calendar().is_working_day(day):
            day = date.fromordinal(day.toordinal() + 1)
        moment = datetime.combine(day, time(9), CST)
        if moment <= now:
            return moment
        year, quarter = sv.previous_quarter(year, quarter)
    return now


def _fresh(rt: Runtime) -> bool:
    uow = rt.uow()
    with uow:
        return not uow.s.scalar(select(func.count()).select_from(ProcessInstance)) and \
            not uow.s.scalar(select(func.count()).select_from(PlatformRegister))


def load_demo_data(rt: Runtime) -> Iterator[str]:
    if rt.settings.demo_clock and isinstance(rt.clock, MovableClock) and _fresh(rt):
        day = demo_day(rt.now())
        if day != rt.now():
            set_clock(rt.uow(), SYSTEM, day)
            yield f"demo clock: {day:%Y-%m-%d %H:%M} Beijing time (the day after the quarterly reports were due)"
    yield from recognition_demo.load_demo(rt)
    yield from supervision_demo.load_demo(rt)
