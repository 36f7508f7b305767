"""Unit tests for handlers.workdays (DOMAIN.md §6 time rules).

Every 2026 fact used below is first checked against the chinese_calendar data, so a test fails loudly
(rather than asserting a wrong date) if the package data ever differs from what is assumed here.
"""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta
from pathlib import Path

import chinese_calendar as cc
import pytest

from handlers.workdays import (
    BUILTIN_YEARS,
    CalendarFileError,
    WorkingCalendar,
    YearCalendar,
    ban_until,
    default_calendar,
    dump_year_toml,
    expiry_year_start,
    parse_year_toml,
    quarter_aggregate_due,
    quarter_of,
    quarter_report_due,
    validity_end,
    year_from_chinese_calendar,
)

D = date
REPO = Path(__file__).resolve().parents[2]

TOML_2027_NEW_YEAR_ONLY = """\
year = 2027
published = "2026-11-10"
workdays = []

[[holidays]]
name = "元旦"
dates = ["2027-01-01"]
"""


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    return default_calendar()


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(k) for k in range((end - start).days + 1)]


# --- facts from chinese_calendar that the tests rely on -------------------------------------


def test_chinese_calendar_2026_facts() -> None:
    # Mid-Autumn 2026 is 09-25..27 (Fri–Sun), separate from National Day 10-01..07.
    for d in _days(D(2026, 9, 25), D(2026, 9, 27)) + _days(D(2026, 10, 1), D(2026, 10, 7)):
        assert cc.is_holiday(d), d
    # Swapped working weekend days around them: Sun 09-20 and Sat 10-10.
    assert D(2026, 9, 20).weekday() == 6 and cc.is_workday(D(2026, 9, 20))
    assert D(2026, 10, 10).weekday() == 5 and cc.is_workday(D(2026, 10, 10))
    assert cc.is_workday(D(2026, 10, 8)) and cc.is_workday(D(2026, 10, 9))
    # Spring Festival 2026: 02-15..02-23 off, Saturdays 02-14 and 02-28 worked.
    for d in _days(D(2026, 2, 15), D(2026, 2, 23)):
        assert cc.is_holiday(d), d
    assert {d for d in cc.workdays if d.year == 2026 and d.month == 2} == {D(2026, 2, 14), D(2026, 2, 28)}
    assert D(2026, 2, 14).weekday() == 5 and D(2026, 2, 28).weekday() == 5
    with pytest.raises(NotImplementedError):
        cc.is_workday(D(2027, 1, 1))


def test_builtin_years_match_chinese_calendar(cal: WorkingCalendar) -> None:
    assert [y for y in BUILTIN_YEARS] == list(range(2004, 2027))
    assert all(cal.is_known(y) for y in BUILTIN_YEARS)
    assert not cal.is_known(2027) and not cal.is_known(2003)
    for y in (2015, 2020, 2026):
        for d in _days(D(y, 1, 1), D(y, 12, 31)):
            assert cal.is_working_day(d) == cc.is_workday(d), d


def test_year_from_chinese_calendar_2026() -> None:
    y = year_from_chinese_calendar(2026)
    assert y.source == "chinese-calendar 1.11.0"
    assert y.workdays == frozenset(
        {D(2026, 1, 4), D(2026, 2, 14), D(2026, 2, 28), D(2026, 5, 9), D(2026, 9, 20), D(2026, 10, 10)}
    )
    assert D(2026, 10, 1) in y.holidays and D(2026, 10, 3) in y.holidays  # weekend day inside a holiday
    assert dict(y.names)[D(2026, 2, 17)] == "春节"
    assert len(y.version) == 12 and y.version == year_from_chinese_calendar(2026).version
    with pytest.raises(ValueError, match="2027"):
        year_from_chinese_calendar(2027)


# --- 2026 National Day / Mid-Autumn ----------------------------------------------------------


def test_art13_publicity_from_monday_2026_09_28_does_not_count_the_start_day(cal: WorkingCalendar) -> None:
    # Art. 13 with 民法典 第二百零一条: the publication day is not counted; 1 = 09-29, 2 = 09-30,
    # 10-01..07 off, 3 = 10-08, 4 = 10-09, 5 = Sat 10-10 (a swapped working day).
    dl = cal.end_of_nth_working_day(D(2026, 9, 28), 5)
    assert dl.date == D(2026, 10, 10)
    assert dl.at is not None
    assert dl.at.isoformat() == "2026-10-10T23:59:59+08:00"
    assert dl.at.utcoffset() == timedelta(hours=8)
    assert (dl.at.hour, dl.at.minute, dl.at.second) == (23, 59, 59)
    assert dl.provisional is False and dl.unknown_years == ()
    assert dl.calendar_versions == {2026: cal.years[2026].version}


def test_publicity_counts_swapped_saturday_2026_10_10(cal: WorkingCalendar) -> None:
    # Published Wed 09-30 (not counted): 10-08, 10-09, Sat 10-10 (调休上班), Mon 10-12, Tue 10-13.
    dl = cal.end_of_nth_working_day(D(2026, 9, 30), 5)
    assert dl.date == D(2026, 10, 13)
    # Published on a holiday: day 1 is the next working day (10-08) → 10-08, 09, 10, 12, 13.
    assert cal.end_of_nth_working_day(D(2026, 10, 3), 5).date == D(2026, 10, 13)


def test_add_working_days_from_2026_09_28(cal: WorkingCalendar) -> None:
    # Start not counted: 09-29, 09-30, 10-08, 10-09, Sat 10-10 (调休上班).
    dl = cal.add_working_days(D(2026, 9, 28), 5)
    assert dl.date == D(2026, 10, 10)
    assert dl.at is None and not dl.provisional
    assert cal.add_working_days(D(2026, 9, 28), 3).date == D(2026, 10, 8)
    assert cal.add_working_days(D(2026, 9, 28), 6).date == D(2026, 10, 12)


def test_add_working_days_zero(cal: WorkingCalendar) -> None:
    assert cal.add_working_days(D(2026, 9, 28), 0).date == D(2026, 9, 28)  # working day: itself
    assert cal.add_working_days(D(2026, 10, 1), 0).date == D(2026, 10, 8)  # holiday: next working day
    assert cal.add_working_days(D(2026, 10, 10), 0).date == D(2026, 10, 10)  # swapped Saturday
    with pytest.raises(ValueError):
        cal.add_working_days(D(2026, 9, 28), -1)
    with pytest.raises(ValueError):
        cal.end_of_nth_working_day(D(2026, 9, 28), 0)


def test_mid_autumn_and_swapped_sunday_2026_09_20(cal: WorkingCalendar) -> None:
    assert cal.is_working_day(D(2026, 9, 20))  # Sunday, 调休上班
    assert not cal.is_working_day(D(2026, 9, 25))  # Friday, 中秋节
    # From Fri 09-18: Sun 09-20, Mon 21, 22, 23, 24, (25–27 off), Mon 28.
    assert cal.add_working_days(D(2026, 9, 18), 6).date == D(2026, 9, 28)


# --- 2026 Spring Festival --------------------------------------------------------------------


def test_spring_festival_2026(cal: WorkingCalendar) -> None:
    assert cal.is_working_day(D(2026, 2, 14))  # Saturday, 调休上班
    assert cal.is_working_day(D(2026, 2, 28))  # Saturday, 调休上班
    assert not any(cal.is_working_day(d) for d in _days(D(2026, 2, 15), D(2026, 2, 23)))
    # Publicity published Thu 02-12 (not counted): 02-13, Sat 02-14, (15–23 off), 02-24, 02-25, 02-26.
    dl = cal.end_of_nth_working_day(D(2026, 2, 12), 5)
    assert dl.date == D(2026, 2, 26)
    assert dl.at is not None and dl.at.isoformat() == "2026-02-26T23:59:59+08:00"
    # Published Wed 02-25: 26, 27, Sat 02-28, Mon 03-02, Tue 03-03.
    assert cal.end_of_nth_working_day(D(2026, 2, 25), 5).date == D(2026, 3, 3)
    # From Fri 02-13, start not counted: Sat 02-14, then 02-24.
    assert cal.add_working_days(D(2026, 2, 13), 2).date == D(2026, 2, 24)


# --- a year with no calendar loaded ----------------------------------------------------------


def test_publicity_into_unloaded_2027_is_provisional(cal: WorkingCalendar) -> None:
    assert D(2027, 1, 1).weekday() == 4  # Friday
    # 2027 unknown → its provisional calendar: statutory holidays (元旦 Fri 2027-01-01) and weekends
    # off. Published Mon 12-28 (not counted): 12-29, 30, 31, (Jan 1–3 off), Mon 01-04, Tue 01-05.
    dl = cal.end_of_nth_working_day(D(2026, 12, 28), 5)
    assert dl.date == D(2027, 1, 5)
    assert dl.provisional is True
    assert dl.unknown_years == (2027,)
    assert dl.calendar_versions == {2026: cal.years[2026].version}
    assert not cal.is_working_day(D(2027, 1, 1))  # New Year's Day, known from the statutory rule

    y2027 = parse_year_toml(TOML_2027_NEW_YEAR_ONLY, source="2027.toml")
    cal2 = cal.with_year(y2027)
    dl2 = cal2.end_of_nth_working_day(D(2026, 12, 28), 5)
    assert dl2.date == D(2027, 1, 5)  # the schedule confirms it
    assert dl2.at is not None and dl2.at.isoformat() == "2027-01-05T23:59:59+08:00"
    assert dl2.provisional is False and dl2.unknown_years == ()
    assert dl2.calendar_versions == {2026: cal.years[2026].version, 2027: y2027.version}
    # with_year returns a new calendar; the original is unchanged.
    assert not cal.is_known(2027) and cal2.is_known(2027)


def test_counting_within_a_known_year_is_not_provisional(cal: WorkingCalendar) -> None:
    # Ends 12-31 exactly: 2027 is never examined.
    dl = cal.end_of_nth_working_day(D(2026, 12, 28), 3)
    assert dl.date == D(2026, 12, 31) and not dl.provisional
    # Starting on 12-31 and not counting it: only 2027 is examined (provisionally: 元旦 is off).
    dl = cal.add_working_days(D(2026, 12, 31), 1)
    assert dl.date == D(2027, 1, 4) and dl.unknown_years == (2027,) and dl.calendar_versions == {}


def test_long_count_crosses_several_years(cal: WorkingCalendar) -> None:
    dl = cal.add_working_days(D(2025, 6, 1), 600)
    assert dl.unknown_years == (2027,) and set(dl.calendar_versions) == {2025, 2026}
    # Cross-check with a naive day-by-day count.
    d, n = D(2025, 6, 1), 0
    while n < 600:
        d += timedelta(1)
        n += cal.is_working_day(d)
    assert dl.date == d


def test_speed(cal: WorkingCalendar) -> None:
    cal.add_working_days(D(2024, 1, 1), 500)  # warm the caches
    t0 = time.perf_counter()
    for _ in range(200):
        cal.add_working_days(D(2024, 3, 1), 500)
    assert (time.perf_counter() - t0) / 200 < 0.002


# --- working_days_between --------------------------------------------------------------------


def test_working_days_between(cal: WorkingCalendar) -> None:
    assert cal.working_days_between(D(2026, 9, 28), D(2026, 10, 10)) == 5
    assert cal.working_days_between(D(2026, 9, 30), D(2026, 10, 7)) == 0
    assert cal.working_days_between(D(2026, 10, 9), D(2026, 10, 9)) == 0
    assert cal.working_days_between(D(2026, 10, 10), D(2026, 9, 28)) == -5
    for n in (1, 7, 40, 300):
        assert cal.working_days_between(D(2025, 12, 20), cal.add_working_days(D(2025, 12, 20), n).date) == n


# --- TOML files ------------------------------------------------------------------------------


def test_parse_ranges_and_lists() -> None:
    y = parse_year_toml(
        """
year = 2027
workdays = ["2027-02-06", 2027-02-20]

[[holidays]]
name = "元旦"
from = "2027-01-01"
to = "2027-01-03"

[[holidays]]
name = "春节"
dates = [2027-02-07, "2027-02-08"]
""",
        source="2027.toml",
    )
    assert y.year == 2027 and y.source == "2027.toml"
    assert y.holidays == {D(2027, 1, 1), D(2027, 1, 2), D(2027, 1, 3), D(2027, 2, 7), D(2027, 2, 8)}
    assert y.workdays == {D(2027, 2, 6), D(2027, 2, 20)}


def test_example_file_parses_and_is_not_loaded(tmp_path: Path) -> None:
    example = REPO / "config" / "holidays" / "2027.example.toml"
    text = example.read_text(encoding="utf-8")
    assert "EXAMPLE" in text and "NOT THE REAL" in text
    assert parse_year_toml(text, source=example.name).year == 2027
    (tmp_path / "2027.example.toml").write_text(text, encoding="utf-8")
    assert not default_calendar(tmp_path).is_known(2027)
    (tmp_path / "2027.toml").write_text(TOML_2027_NEW_YEAR_ONLY, encoding="utf-8")
    loaded = default_calendar(tmp_path)
    assert loaded.is_known(2027) and loaded.years[2027].source == "2027.toml"
    assert not loaded.is_working_day(D(2027, 1, 1))


def test_year_file_must_match_its_name(tmp_path: Path) -> None:
    (tmp_path / "2028.toml").write_text(TOML_2027_NEW_YEAR_ONLY, encoding="utf-8")
    with pytest.raises(CalendarFileError, match="2028.toml"):
        default_calendar(tmp_path)


def test_file_overrides_builtin_year(tmp_path: Path) -> None:
    y = year_from_chinese_calendar(2026)
    fixed = YearCalendar(2026, y.holidays | {D(2026, 12, 31)}, y.workdays, names=y.names)
    (tmp_path / "2026.toml").write_text(dump_year_toml(fixed), encoding="utf-8")
    c = default_calendar(tmp_path)
    assert not c.is_working_day(D(2026, 12, 31))
    assert c.years[2026].version == fixed.version != y.version


@pytest.mark.parametrize("year", [2007, 2015, 2023, 2026])
def test_round_trip_builtin(year: int) -> None:
    y = year_from_chinese_calendar(year)
    text = dump_year_toml(y)
    back = parse_year_toml(text, source=f"{year}.toml")
    assert back == y
    assert back.version == y.version
    assert back.holidays == y.holidays and back.workdays == y.workdays and back.names == y.names


def test_round_trip_with_published_and_gaps() -> None:
    y = parse_year_toml(
        """
year = 2027
published = "2026-11-10"
workdays = ["2027-02-06"]
[[holidays]]
name = "元旦"
dates = ["2027-01-01", "2027-12-31"]
[[holidays]]
name = "a \\"quoted\\" name"
dates = ["2027-05-03"]
""",
        source="x",
    )
    back = parse_year_toml(dump_year_toml(y), source="y")
    assert back == y and back.published == D(2026, 11, 10)


GOOD = {
    "head": 'year = 2027\nworkdays = ["2027-02-06"]\n',
    "holiday": '[[holidays]]\nname = "元旦"\ndates = ["2027-01-01"]\n',
}


@pytest.mark.parametrize(
    ("text", "expect", "line"),
    [
        ('workdays = []\n[[holidays]]\nname = "元旦"\ndates = ["2027-01-01"]\n', "missing key 'year'", None),
        ('year = "2027"\n' + GOOD["holiday"], "year", 1),
        (
            'year = 2027\n[[holidays]]\nname = "元旦"\ndates = ["2027-1-1"]\n',
            '"2027-1-1" is not a valid date',
            4,
        ),
        (
            'year = 2027\n[[holidays]]\nname = "元旦"\ndates = ["2027-02-30"]\n',
            "not a valid date",
            4,
        ),
        (
            'year = 2027\n[[holidays]]\nname = "元旦"\nfrom = "2026-12-31"\nto = "2027-01-02"\n',
            "2026-12-31 is not in year 2027",
            4,
        ),
        (
            'year = 2027\nworkdays = ["2028-01-08"]\n' + GOOD["holiday"],
            "2028-01-08 is not in year 2027",
            2,
        ),
        (
            'year = 2027\nworkdays = ["2027-02-03"]\n' + GOOD["holiday"],
            "2027-02-03 is a Wednesday, not a weekend day",
            2,
        ),
        (
            'year = 2027\nworkdays = ["2027-01-02"]\n'
            '[[holidays]]\nname = "元旦"\nfrom = "2027-01-01"\nto = "2027-01-03"\n',
            "2027-01-02 is also a holiday",
            2,
        ),
        ("year = 2027\nworkdays = []\n", "no [[holidays]] entries", None),
        (GOOD["head"] + 'holiday = "x"\n' + GOOD["holiday"], "unknown key 'holiday'", 3),
        (GOOD["head"] + '[[holidays]]\ndates = ["2027-01-01"]\n', "missing 'name'", None),
        (
            GOOD["head"] + '[[holidays]]\nname = "元旦"\nfrom = "2027-01-03"\nto = "2027-01-01"\n',
            "'from' 2027-01-03 is after 'to' 2027-01-01",
            5,
        ),
        (GOOD["head"] + '[[holidays]]\nname = "元旦"\nfrom = "2027-01-03"\n', "both 'from' and 'to'", None),
        (GOOD["head"] + '[[holidays]]\nname = "元旦"\n', "either 'dates", None),
        (GOOD["head"] + GOOD["holiday"] + GOOD["holiday"], "already listed under '元旦'", None),
        (GOOD["head"] + "[[holidays]\n", "not valid TOML", 3),
        ("year = 2027\npublished = 2026-11-10T09:00:00\n" + GOOD["holiday"], "date-time", None),
    ],
)
def test_parse_errors(text: str, expect: str, line: int | None) -> None:
    with pytest.raises(CalendarFileError) as info:
        parse_year_toml(text, source="2027.toml")
    err = info.value
    assert expect in str(err)
    assert "2027.toml" in str(err)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in err.message), "message has a Chinese part"
    if line is not None:
        assert err.line == line
        assert f"line {line}" in str(err)


def test_year_calendar_validates_itself() -> None:
    with pytest.raises(ValueError, match="not in year"):
        YearCalendar(2027, frozenset({D(2026, 1, 1)}), frozenset())
    with pytest.raises(ValueError, match="Saturday or Sunday"):
        YearCalendar(2027, frozenset(), frozenset({D(2027, 2, 3)}))
    with pytest.raises(ValueError, match="key 2026"):
        WorkingCalendar({2026: year_from_chinese_calendar(2025)})


# --- calendar-only rules (Art. 17, 19, 21) ---------------------------------------------------


def test_quarter_due_dates(cal: WorkingCalendar) -> None:
    assert [quarter_aggregate_due(2026, q) for q in (1, 2, 3, 4)] == [
        D(2026, 4, 25),
        D(2026, 7, 25),
        D(2026, 10, 25),
        D(2027, 1, 25),
    ]
    assert [quarter_report_due(2026, q) for q in (1, 2, 3, 4)] == [
        D(2026, 4, 15),
        D(2026, 7, 15),
        D(2026, 10, 15),
        D(2027, 1, 15),
    ]
    assert quarter_report_due(2026, 4, day=10) == D(2027, 1, 10)
    assert cal.quarter_aggregate_due(2026, 4) == D(2027, 1, 25)  # also reachable on the instance
    with pytest.raises(ValueError):
        quarter_aggregate_due(2026, 5)
    with pytest.raises(ValueError):
        quarter_report_due(2026, 1, day=26)


def test_quarter_of() -> None:
    assert quarter_of(D(2026, 1, 1)) == (2026, 1)
    assert quarter_of(D(2026, 3, 31)) == (2026, 1)
    assert quarter_of(D(2026, 4, 1)) == (2026, 2)
    assert quarter_of(D(2026, 9, 30)) == (2026, 3)
    assert quarter_of(D(2026, 12, 31)) == (2026, 4)


def test_validity_and_ban() -> None:
    assert validity_end(D(2024, 2, 29)) == D(2027, 2, 28)
    assert validity_end(D(2026, 6, 15)) == D(2029, 6, 15)
    assert expiry_year_start(D(2027, 2, 28)) == D(2027, 1, 1)
    assert expiry_year_start(validity_end(D(2024, 12, 31))) == D(2027, 1, 1)
    assert ban_until(D(2024, 2, 29)) == D(2027, 2, 28)
    assert ban_until(D(2026, 3, 10)) == D(2029, 3, 10)


def test_deadline_at_uses_given_timezone(cal: WorkingCalendar) -> None:
    from datetime import UTC

    dl = cal.end_of_nth_working_day(D(2026, 9, 28), 5, tz=UTC)
    assert dl.at == datetime(2026, 10, 10, 23, 59, 59, tzinfo=UTC)
