"""docs/DOMAIN.md §6: the statutory holidays of 全国年节及纪念日放假办法 are known before the State
Council publishes a year's schedule; an unpublished year is counted on them (provisionally)."""

from __future__ import annotations

from datetime import date

import chinese_calendar as cc
import pytest

from handlers.workdays import WorkingCalendar, default_calendar, provisional_year, statutory_holidays


@pytest.mark.parametrize("year", [2025, 2026])
def test_statutory_days_are_days_off_in_the_published_schedules(year: int) -> None:
    # 13 days since the 2024 revision: 元旦 1, 春节 4 (除夕–初三), 清明 1, 劳动节 2, 端午 1, 中秋 1, 国庆 3
    days = statutory_holidays(year)
    assert len(days) == 13
    official = {d for d in cc.holidays if d.year == year}
    assert set(days) <= official


def test_statutory_holidays_of_2027_from_lunar_dates_and_the_solar_term() -> None:
    days = statutory_holidays(2027)
    assert days[date(2027, 1, 1)] == "元旦"
    assert [d for d, n in days.items() if n == "春节"] == [date(2027, 2, 5), date(2027, 2, 6), date(2027, 2, 7),
                                                          date(2027, 2, 8)]  # 除夕 2027-02-05, 初一 02-06
    assert days[date(2027, 4, 5)] == "清明节"
    assert days[date(2027, 6, 9)] == "端午节" and days[date(2027, 9, 15)] == "中秋节"
    assert {date(2027, 5, 1), date(2027, 5, 2), date(2027, 10, 1), date(2027, 10, 3)} <= set(days)


def test_an_unpublished_year_is_counted_on_its_statutory_holidays_not_mon_to_fri() -> None:
    cal = WorkingCalendar()  # nothing loaded: every year provisional
    assert not cal.is_working_day(date(2027, 1, 1))  # Friday, 元旦
    assert not cal.is_working_day(date(2027, 2, 8))  # Monday, 初三
    assert cal.is_working_day(date(2027, 2, 9))
    assert provisional_year(2027).workdays == frozenset()  # swapped weekends stay unknown
    # Today's case: publicity started Mon 2026-12-28 (not counted) → 12-29, 30, 31, Jan 4, Jan 5.
    dl = default_calendar().end_of_nth_working_day(date(2026, 12, 28), 5)
    assert (dl.date, dl.provisional, dl.unknown_years) == (date(2027, 1, 5), True, (2027,))
