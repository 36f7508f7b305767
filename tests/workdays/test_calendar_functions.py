"""The functions diagrams call, at the boundaries of DOMAIN.md §6 (no database)."""

from __future__ import annotations

from datetime import date

import pytest

from handlers import workdays as wd
from processes.calendar import functions as calfn
from processes.runtime import script_helpers
from tests.support.diagrams import CALENDAR_2027 as CAL_2027


@pytest.fixture
def base() -> wd.WorkingCalendar:
    cal = calfn.base_calendar()
    calfn.set_calendar(cal)
    return cal


def test_publicity_before_national_day_skips_the_holiday(base):
    # Art. 13, 民法典 第二百零一条: published Monday 28 Sep (not counted) → 29, 30 Sep, 8, 9 Oct and
    # Saturday 10 Oct (调休上班): ends 23:59:59 on 10 Oct
    assert calfn.end_of_working_day("2026-09-28", 5) == "2026-10-10T23:59:59+08:00"
    # published Wednesday 30 Sep: 8, 9 Oct, Saturday 10 Oct, Monday 12, Tuesday 13 Oct
    assert calfn.end_of_working_day("2026-09-30", 5) == "2026-10-13T23:59:59+08:00"
    assert calfn.add_working_days("2026-09-28", 5) == "2026-10-10"
    for day in range(1, 8):
        assert not calfn.is_working_day(date(2026, 10, day))
    assert calfn.is_working_day("2026-10-10")  # Saturday worked
    assert not calfn.is_working_day("2026-10-11")  # plain Sunday
    assert calfn.is_working_day("2026-09-20")  # the other swapped Sunday


def test_publicity_over_spring_festival_2026_counts_swapped_saturdays(base):
    assert calfn.is_working_day("2026-02-14") and calfn.is_working_day("2026-02-28")  # Saturdays worked
    assert not any(calfn.is_working_day(date(2026, 2, d)) for d in range(15, 24))
    # published Thu 12 Feb (not counted): Fri 13 (1), Sat 14 (2), Tue 24 (3), Wed 25 (4), Thu 26 (5)
    assert calfn.end_of_working_day("2026-02-12", 5) == "2026-02-26T23:59:59+08:00"
    # started on the holiday: day 1 is the next working day (Tue 24 Feb)
    assert calfn.end_of_working_day("2026-02-16", 5) == "2026-02-28T23:59:59+08:00"
    assert calfn.add_working_days("2026-02-13", 1) == "2026-02-14"


def test_publicity_into_unpublished_2027_is_provisional_until_loaded(base):
    info = calfn.deadline_info("2026-12-28", 5)
    # provisional 2027: 元旦 (Fri 1 Jan) is a statutory holiday → 29, 30, 31 Dec, Mon 4, Tue 5 Jan
    assert info["date"] == "2027-01-05" and info["provisional"] and info["unknown_years"] == [2027]
    assert set(info["calendar_versions"]) == {"2026"}
    assert calfn.is_provisional("2026-12-28", 5) and not calfn.is_provisional("2026-12-21", 5)
    calfn.set_calendar(base.with_year(wd.parse_year_toml(CAL_2027.read_text(encoding="utf-8"))))
    info = calfn.deadline_info("2026-12-28", 5)
    assert info["date"] == "2027-01-05" and not info["provisional"]
    assert set(info["calendar_versions"]) == {"2026", "2027"}
    assert calfn.end_of_working_day("2027-01-08", 1) == "2027-01-09T23:59:59+08:00"  # swapped Saturday


def test_zero_and_next_working_day(base):
    assert calfn.add_working_days("2026-10-01", 0) == "2026-10-08"
    assert calfn.add_working_days("2026-09-30", 0) == "2026-09-30"
    assert calfn.next_working_day("2026-10-03") == "2026-10-08"
    assert calfn.working_days_between("2026-09-30", "2026-10-09") == 2
    assert calfn.working_days_between("2026-10-09", "2026-09-30") == -2


def test_inputs_may_be_dates_datetimes_or_iso_strings(base):
    assert calfn.add_working_days(date(2026, 9, 28), 5) == "2026-10-10"
    # 2026-09-30T20:00Z is already 1 October in Beijing: the count starts from the Beijing date
    assert calfn.add_working_days("2026-09-30T20:00:00+00:00", 1) == "2026-10-08"
    assert calfn.end_of_day("2026-10-25") == "2026-10-25T23:59:59+08:00"


def test_quarter_validity_and_expiry_helpers_are_in_the_script_environment(base):
    h = script_helpers()
    assert h["quarter_aggregate_due"](2026, 1) == "2026-04-25"
    assert h["quarter_aggregate_due"](2026, 4) == "2027-01-25"  # Q4 → January of the next year
    assert h["quarter_report_due"](2026, 3) == "2026-10-15"
    assert h["quarter_of"]("2026-12-31") == [2026, 4]
    assert h["validity_end"]("2026-10-20") == "2029-10-20"
    assert h["validity_end"]("2028-02-29") == "2031-02-28"  # 29 Feb → 28 Feb
    assert h["expiry_year_start"]("2029-10-20") == "2029-01-01"
    assert h["ban_until"]("2026-11-30") == "2029-11-30"
    for name in ("add_working_days", "is_working_day", "end_of_working_day", "next_working_day",
                 "working_days_between", "end_of_day"):
        assert callable(h[name])


def test_unknown_rule_and_bad_n(base):
    with pytest.raises(ValueError):
        calfn.compute("calendar_days", "2026-01-01", 1)
    with pytest.raises(ValueError):
        calfn.end_of_working_day("2026-01-05", 0)


def test_end_of_day_of_added_working_days_is_a_tracked_rule(base):
    log = calfn.ComputationLog()
    h = calfn.calendar_helpers(log)
    value = h["end_of_day"](h["add_working_days"]("2026-12-28", 5))
    assert value == "2027-01-05T23:59:59+08:00"  # 元旦 2027 known provisionally
    noted = log.by_value[value]
    assert (noted.rule, noted.start.isoformat(), noted.n, noted.deadline.provisional) == (
        "end_of_added_working_days", "2026-12-28", 5, True)
    calfn.set_calendar(base.with_year(wd.parse_year_toml(CAL_2027.read_text(encoding="utf-8"))))
    assert calfn.compute("end_of_added_working_days", "2026-12-28", 5).value == "2027-01-05T23:59:59+08:00"
