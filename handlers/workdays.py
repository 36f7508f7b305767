"""China's official working-day calendar (statutory holidays + swapped working weekends, 调休).

Pure module: standard library + ``chinese_calendar`` + ``tomllib`` only (no flask, sqlalchemy or
SpiffWorkflow). See docs/DOMAIN.md §6 (time rules):

- Working days follow the State Council's yearly holiday schedule, including 调休 (weekend days that
  are working days). The schedule for a year is published late in the year before, so a year can be
  loaded or corrected from ``config/holidays/<year>.toml``. For a year with no calendar loaded the
  code counts a provisional calendar — the statutory holidays of 全国年节及纪念日放假办法 (元旦, 春节
  除夕–初三, 清明, 劳动节 1–2 May, 端午, 中秋, 国庆 1–3 Oct; lunar and solar-term dates computed by
  ``lunar_python``) and weekends as rest days — and says so: every :class:`Deadline` carries
  ``provisional`` and ``unknown_years`` so it can be marked wherever it is shown; only the swapped
  working weekends (调休) and compensatory days stay unknown.
- Periods in days (民法典 第二百零一条): the day a period starts is not counted; counting starts the
  next day. Publicity (Art. 13, 公示 5 个工作日): :meth:`WorkingCalendar.end_of_nth_working_day`.
- Quarterly reports (Art. 19): county aggregate due the 25th of the month after the quarter
  (:func:`quarter_aggregate_due`); the platform's own deadline to its county is set per county,
  default the 15th (:func:`quarter_report_due`).
- Validity (Art. 17): grant date + 3 years (:func:`validity_end`); re-application allowed from
  1 January of the expiry year (:func:`expiry_year_start`).
- Ban (Art. 21 revocations only): revocation date + 3 years (:func:`ban_until`).

Data model: a :class:`YearCalendar` stores, for one year, *all* statutory days off (法定节假日,
including the weekend days that fall inside a holiday period) and the swapped working weekend
days (调休上班). A day is a working day iff it is a swapped working day, or it is Mon–Fri and not a
statutory day off.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from functools import cached_property, lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

__all__ = [
    "BUILTIN_YEARS",
    "CHINA_TZ",
    "CalendarFileError",
    "Deadline",
    "WorkingCalendar",
    "YearCalendar",
    "ban_until",
    "default_calendar",
    "dump_year_toml",
    "expiry_year_start",
    "load_year_file",
    "parse_year_toml",
    "provisional_year",
    "quarter_aggregate_due",
    "quarter_of",
    "quarter_report_due",
    "statutory_holidays",
    "validity_end",
    "year_from_chinese_calendar",
]

#: Years for which the installed ``chinese_calendar`` package has official data.
BUILTIN_YEARS = range(2004, 2027)

try:  # China has used UTC+8 without DST since 1991; the fixed offset is an exact fallback.
    from zoneinfo import ZoneInfo

    CHINA_TZ: tzinfo = ZoneInfo("Asia/Shanghai")
except Exception:  # pragma: no cover - tzdata missing on the host
    CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")

_END_OF_DAY = time(23, 59, 59)
_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_WEEKDAY_NAMES_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")

#: chinese_calendar's English holiday names → the official Chinese names used in TOML files.
_ZH_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


# --------------------------------------------------------------------------------------------
# One year
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class YearCalendar:
    """The official holiday schedule of one year (docs/DOMAIN.md §6).

    ``holidays``: every statutory day off (法定节假日), weekend days inside a holiday period included.
    ``workdays``: weekend days that are working days (调休上班).
    ``names``: optional ``(date, holiday name)`` pairs, kept only to write the file back.
    ``source``: where the data came from (``"chinese-calendar 1.11.0"`` or a file name).
    ``version``: a short hash of the dates (not of names/source), recorded by each
    :class:`Deadline` so that one can tell which calendar computed it.

    Equality compares the data (year, dates, names), not ``source`` or ``published``.
    """

    year: int
    holidays: frozenset[date]
    workdays: frozenset[date]
    source: str = field(default="", compare=False)
    published: date | None = field(default=None, compare=False)
    names: tuple[tuple[date, str], ...] = ()
    version: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        object.__setattr__(self, "workdays", frozenset(self.workdays))
        object.__setattr__(self, "names", tuple(sorted(self.names)))
        for label, days in (("holidays", self.holidays), ("workdays", self.workdays)):
            wrong = sorted(d for d in days if d.year != self.year)
            if wrong:
                raise ValueError(f"{label}: {wrong[0].isoformat()} is not in year {self.year}")
        not_weekend = sorted(d for d in self.workdays if d.weekday() < 5)
        if not_weekend:
            raise ValueError(f"workdays: {not_weekend[0].isoformat()} is not a Saturday or Sunday")
        both = sorted(self.holidays & self.workdays)
        if both:
            raise ValueError(f"{both[0].isoformat()} is both a holiday and a workday")
        payload = "{}|H:{}|W:{}".format(
            self.year,
            ",".join(d.isoformat() for d in sorted(self.holidays)),
            ",".join(d.isoformat() for d in sorted(self.workdays)),
        )
        object.__setattr__(self, "version", hashlib.sha256(payload.encode()).hexdigest()[:12])

    def is_working_day(self, d: date) -> bool:
        """True if ``d`` (which must be in this year) is a working day."""
        if d in self.workdays:
            return True
        return d.weekday() < 5 and d not in self.holidays

    @cached_property
    def working_ordinals(self) -> tuple[int, ...]:
        """Sorted ``date.toordinal()`` of every working day of the year (cached)."""
        return tuple(
            o
            for o in range(date(self.year, 1, 1).toordinal(), date(self.year, 12, 31).toordinal() + 1)
            if self.is_working_day(date.fromordinal(o))
        )


def year_from_chinese_calendar(year: int) -> YearCalendar:
    """Seed a :class:`YearCalendar` from the ``chinese_calendar`` package (2004–2026)."""
    import chinese_calendar as cc

    if year not in BUILTIN_YEARS:
        raise ValueError(
            f"chinese_calendar has no data for {year} (built-in years: "
            f"{BUILTIN_YEARS.start}–{BUILTIN_YEARS.stop - 1}); load config/holidays/{year}.toml"
        )
    holidays = {d: n for d, n in cc.holidays.items() if d.year == year}
    workdays = frozenset(d for d in cc.workdays if d.year == year)
    version = getattr(cc, "__version__", "?")
    return YearCalendar(
        year=year,
        holidays=frozenset(holidays),
        workdays=workdays,
        source=f"chinese-calendar {version}",
        names=tuple((d, _ZH_NAMES.get(n, n)) for d, n in holidays.items()),
    )


# --------------------------------------------------------------------------------------------
# TOML files (config/holidays/<year>.toml)
# --------------------------------------------------------------------------------------------


class CalendarFileError(ValueError):
    """A holiday file that cannot be used; ``line`` is the 1-based line when known."""

    def __init__(self, message: str, line: int | None = None, source: str | None = None) -> None:
        self.message = message
        self.line = line
        self.source = source
        where = source or "holiday file"
        if line is not None:
            where += f", line {line}"
        super().__init__(f"{where}: {message}")


_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TOP_KEYS = {"year", "published", "note", "holidays", "workdays"}
_HOLIDAY_KEYS = {"name", "dates", "from", "to"}


class _Parser:
    def __init__(self, text: str, source: str) -> None:
        self.text = text
        self.source = source
        self.lines = text.splitlines()

    def line_of(self, *needles: str) -> int | None:
        """First line containing every needle (a best effort: tomllib gives no positions)."""
        for i, line in enumerate(self.lines, start=1):
            if all(n in line for n in needles):
                return i
        return None

    def fail(self, message: str, *needles: str, line: int | None = None) -> CalendarFileError:
        if line is None and needles:
            line = self.line_of(*needles)
        return CalendarFileError(message, line=line, source=self.source)

    def to_date(self, value: Any, key: str, year: int | None) -> date:
        if isinstance(value, datetime):
            raise self.fail(
                f"{key}: {value} is a date-time; write a plain date YYYY-MM-DD "
                f"/ 请只写日期（YYYY-MM-DD），不要带时间",
                str(value)[:10],
            )
        if isinstance(value, date):
            d = value
            needle = d.isoformat()
        elif isinstance(value, str):
            needle = value
            try:
                if not _DATE_RE.match(value):
                    raise ValueError(value)
                d = date.fromisoformat(value)
            except ValueError:
                raise self.fail(
                    f'{key}: "{value}" is not a valid date, expected YYYY-MM-DD '
                    f"/ 日期格式错误，应为 YYYY-MM-DD",
                    f'"{value}"',
                ) from None
        else:
            raise self.fail(
                f'{key}: {value!r} is not a date, expected "YYYY-MM-DD" / 不是日期，应为 "YYYY-MM-DD"',
                key,
            )
        if year is not None and d.year != year:
            raise self.fail(
                f"{key}: {d.isoformat()} is not in year {year} / 日期 {d.isoformat()} 不在 {year} 年内",
                needle,
            )
        return d


def parse_year_toml(text: str, source: str = "<string>") -> YearCalendar:
    """Parse one year's schedule (format: ``config/holidays/README.md``).

    Raises :class:`CalendarFileError` (English + Chinese message, key and line when known) for:
    invalid TOML, missing/invalid ``year``, unknown keys, bad date syntax, a date outside the
    year, ``from`` after ``to``, a holiday listed twice, a workday that is not a Saturday/Sunday,
    a date that is both a holiday and a workday, or a file with no holidays at all.
    """
    p = _Parser(text, source)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise p.fail(f"not valid TOML ({exc}) / TOML 语法错误", line=int(m.group(1)) if m else None) from None

    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise p.fail(
            f"unknown key '{unknown[0]}' (allowed: {', '.join(sorted(_TOP_KEYS))}) / 未知字段 '{unknown[0]}'",
            unknown[0],
        )
    if "year" not in data:
        raise p.fail("missing key 'year' (e.g. year = 2027) / 缺少 year 字段（例如 year = 2027）")
    year = data["year"]
    if not isinstance(year, int) or isinstance(year, bool) or not 1949 <= year <= 2200:
        raise p.fail(f"year: {year!r} is not a year such as 2027 / year 必须是年份，例如 2027", "year")

    published = None
    if "published" in data:
        published = p.to_date(data["published"], "published", None)

    raw_holidays = data.get("holidays", [])
    if not isinstance(raw_holidays, list) or not all(isinstance(h, dict) for h in raw_holidays):
        raise p.fail(
            "holidays: write each holiday as a [[holidays]] table / 每个节日应写成 [[holidays]] 表",
            "holidays",
        )
    if not raw_holidays:
        raise p.fail(
            f"no [[holidays]] entries: a year's schedule always has statutory holidays "
            f"/ 未列出任何法定节假日（{year} 年）",
            "year",
        )
    holidays: dict[date, str] = {}
    for i, entry in enumerate(raw_holidays, start=1):
        where = f"holidays #{i}"
        bad = sorted(set(entry) - _HOLIDAY_KEYS)
        if bad:
            raise p.fail(
                f"{where}: unknown key '{bad[0]}' (allowed: dates, from, name, to) / 未知字段 '{bad[0]}'",
                bad[0],
            )
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip():
            raise p.fail(
                f"{where}: missing 'name' (e.g. name = \"春节\") / 缺少节日名称 name", "[[holidays]]"
            )
        where = f"holidays '{name}'"
        has_dates = "dates" in entry
        has_range = "from" in entry or "to" in entry
        if has_dates == has_range:
            raise p.fail(
                f"{where}: give either 'dates = [...]' or 'from = ...' and 'to = ...' "
                f"/ 请只填写 dates 或 from/to 其中之一",
                name,
            )
        days: list[date]
        if has_dates:
            raw = entry["dates"]
            if not isinstance(raw, list) or not raw:
                raise p.fail(f"{where}: 'dates' must be a non-empty list / dates 必须是非空列表", "dates")
            days = [p.to_date(v, f"{where} dates", year) for v in raw]
        else:
            if "from" not in entry or "to" not in entry:
                raise p.fail(f"{where}: both 'from' and 'to' are required / from 和 to 必须同时填写", name)
            start = p.to_date(entry["from"], f"{where} from", year)
            end = p.to_date(entry["to"], f"{where} to", year)
            if end < start:
                raise p.fail(
                    f"{where}: 'from' {start} is after 'to' {end} / 起始日期晚于结束日期",
                    start.isoformat(),
                )
            days = [start + timedelta(k) for k in range((end - start).days + 1)]
        for d in days:
            if d in holidays:
                raise p.fail(
                    f"{where}: {d} is already listed under '{holidays[d]}' / 日期 {d} 重复",
                    d.isoformat(),
                )
            holidays[d] = name

    raw_workdays = data.get("workdays", [])
    if not isinstance(raw_workdays, list):
        raise p.fail("workdays: must be a list of dates / workdays 必须是日期列表", "workdays")
    workdays: set[date] = set()
    for v in raw_workdays:
        d = p.to_date(v, "workdays", year)
        if d.weekday() < 5:
            raise p.fail(
                f"workdays: {d} is a {_WEEKDAY_NAMES[d.weekday()]}, not a weekend day; a swapped "
                f"working day must be a Saturday or Sunday "
                f"/ {d} 是{_WEEKDAY_NAMES_ZH[d.weekday()]}，调休上班日必须是周六或周日",
                d.isoformat(),
            )
        if d in holidays:
            raise p.fail(
                f"workdays: {d} is also a holiday ('{holidays[d]}') / {d} 同时被列为节假日和调休上班日",
                d.isoformat(),
            )
        workdays.add(d)

    return YearCalendar(
        year=year,
        holidays=frozenset(holidays),
        workdays=frozenset(workdays),
        source=source,
        published=published,
        names=tuple(holidays.items()),
    )


def load_year_file(path: Path) -> YearCalendar:
    """Read ``<year>.toml``; the year inside must match the file name."""
    cal = parse_year_toml(path.read_text(encoding="utf-8"), source=path.name)
    if path.stem.isdigit() and int(path.stem) != cal.year:
        raise CalendarFileError(
            f"file is named {path.name} but says year = {cal.year} / 文件名与 year 不一致",
            source=path.name,
        )
    return cal


def _toml_str(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def _date_list(days: Iterable[date]) -> str:
    return "[" + ", ".join(_toml_str(d.isoformat()) for d in sorted(days)) + "]"


def dump_year_toml(cal: YearCalendar) -> str:
    """Write ``cal`` in the ``config/holidays/<year>.toml`` format (inverse of parse)."""
    names = dict(cal.names)
    groups: dict[str, list[date]] = {}
    for d in sorted(cal.holidays):
        groups.setdefault(names.get(d, "节假日"), []).append(d)
    out = [
        f"# Official holiday schedule {cal.year} / {cal.year} 年节假日安排",
        f"# source: {cal.source or '-'}; version: {cal.version}",
        f"year = {cal.year}",
    ]
    if cal.published is not None:
        out.append(f"published = {_toml_str(cal.published.isoformat())}")
    out.append(f"workdays = {_date_list(cal.workdays)}  # 调休上班")
    for name, days in groups.items():
        out += ["", "[[holidays]]", f"name = {_toml_str(name)}"]
        if len(days) > 1 and (days[-1] - days[0]).days == len(days) - 1:
            out += [f'from = "{days[0].isoformat()}"', f'to = "{days[-1].isoformat()}"']
        else:
            out.append(f"dates = {_date_list(days)}")
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------------------------
# Calendar-only date rules (Art. 17, 19, 21)
# --------------------------------------------------------------------------------------------


def quarter_of(d: date) -> tuple[int, int]:
    """``(year, quarter)`` of ``d``, quarter 1–4."""
    return d.year, (d.month - 1) // 3 + 1


def _month_after_quarter(year: int, quarter: int) -> tuple[int, int]:
    if quarter not in (1, 2, 3, 4):
        raise ValueError(f"quarter must be 1–4, got {quarter!r}")
    return (year + 1, 1) if quarter == 4 else (year, quarter * 3 + 1)


def quarter_aggregate_due(year: int, quarter: int) -> date:
    """Art. 19: the county's aggregate is due the 25th of the month after the quarter.

    Q1 → Apr 25, Q2 → Jul 25, Q3 → Oct 25, Q4 → Jan 25 of the next year. A calendar date (the
    article does not move it off holidays).
    """
    y, m = _month_after_quarter(year, quarter)
    return date(y, m, 25)


def quarter_report_due(year: int, quarter: int, day: int = 15) -> date:
    """The platform's own deadline to its county: ``day`` of the month after the quarter.

    Each county sets ``day`` (docs/DOMAIN.md §6, default 15). It must be 1–25: later than the
    county's own Art. 19 deadline (the 25th) would make no sense.
    """
    if not 1 <= day <= 25:
        raise ValueError(f"report day must be 1–25 (the county's own deadline is the 25th), got {day}")
    y, m = _month_after_quarter(year, quarter)
    return date(y, m, day)


def _plus_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February → 28 February in a non-leap year
        return d.replace(year=d.year + years, day=28)


def validity_end(grant_date: date) -> date:
    """Art. 17: recognition is valid for 3 years from the grant date (29 Feb → 28 Feb)."""
    return _plus_years(grant_date, 3)


def expiry_year_start(valid_to: date) -> date:
    """Art. 17: a platform may apply again from 1 January of the year its recognition expires."""
    return date(valid_to.year, 1, 1)


def ban_until(revocation_date: date) -> date:
    """Art. 21: after a revocation the unit may not apply for 3 years (29 Feb → 28 Feb)."""
    return _plus_years(revocation_date, 3)


# --------------------------------------------------------------------------------------------
# The working calendar
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deadline:
    """A computed deadline and the calendar facts behind it.

    ``provisional`` is True when counting touched a year with no calendar loaded (those days were
    counted on the provisional calendar: statutory holidays and weekends off, docs/DOMAIN.md §6);
    ``unknown_years`` lists those years. ``calendar_versions``
    maps each loaded year that was used to its :attr:`YearCalendar.version`.
    """

    date: date
    at: datetime | None = None
    provisional: bool = False
    unknown_years: tuple[int, ...] = ()
    calendar_versions: dict[int, str] = field(default_factory=dict)


#: The rule of 全国年节及纪念日放假办法 the provisional calendar follows (2024 revision, in force 2025).
STATUTORY_RULE = "全国年节及纪念日放假办法（2024年修订）"


@lru_cache(maxsize=256)
def statutory_holidays(year: int) -> dict[date, str]:
    """The statutory days off of ``year`` under 全国年节及纪念日放假办法 (docs/DOMAIN.md §6): 元旦 1 Jan;
    春节 除夕 and 正月初一–初三; 清明 (the solar term's day); 劳动节 1–2 May; 端午 (五月初五); 中秋
    (八月十五); 国庆 1–3 Oct. The lunar dates and the solar term come from ``lunar_python``.

    These days are known before the State Council publishes the year's schedule; the schedule adds
    the bridging days and the swapped working weekends (调休), which no rule predicts.
    """
    from lunar_python import Lunar

    def solar(lunar: Any) -> date:
        s = lunar.getSolar()
        return date(s.getYear(), s.getMonth(), s.getDay())

    days: dict[date, str] = {date(year, 1, 1): "元旦"}
    # 春节 of lunar year ``year`` begins in Jan/Feb of ``year``; 除夕 is the day before 初一
    first = solar(Lunar.fromYmd(year, 1, 1))
    for k in range(-1, 3):
        days[first + timedelta(days=k)] = "春节"
    qm = Lunar.fromYmd(year, 3, 1).getJieQiTable()["清明"]
    days[date(qm.getYear(), qm.getMonth(), qm.getDay())] = "清明节"
    days[date(year, 5, 1)] = days[date(year, 5, 2)] = "劳动节"
    days[solar(Lunar.fromYmd(year, 5, 5))] = "端午节"
    days[solar(Lunar.fromYmd(year, 8, 15))] = "中秋节"
    for d in (1, 2, 3):
        days.setdefault(date(year, 10, d), "国庆节")
    return {d: n for d, n in sorted(days.items()) if d.year == year}


@lru_cache(maxsize=256)
def provisional_year(year: int) -> YearCalendar:
    """The provisional calendar of a year whose schedule is not loaded: statutory holidays and weekends
    off, no swapped working days (docs/DOMAIN.md §6). Deadlines counted on it are ``provisional``."""
    names = statutory_holidays(year)
    return YearCalendar(year=year, holidays=frozenset(names), workdays=frozenset(),
                        source=f"provisional: {STATUTORY_RULE}", names=tuple(names.items()))


class WorkingCalendar:
    """Pure, immutable working-day arithmetic over the loaded :class:`YearCalendar` s.

    A year that is not loaded is counted on its provisional calendar (:func:`provisional_year`:
    statutory holidays and weekends off), and every :class:`Deadline` that touched such a year is
    marked ``provisional`` (docs/DOMAIN.md §6).
    """

    __slots__ = ("_years",)

    def __init__(self, years: Mapping[int, YearCalendar] | None = None) -> None:
        checked: dict[int, YearCalendar] = {}
        for y, cal in (years or {}).items():
            if y != cal.year:
                raise ValueError(f"key {y} holds the calendar of {cal.year}")
            checked[y] = cal
        self._years: Mapping[int, YearCalendar] = MappingProxyType(checked)

    def __repr__(self) -> str:
        ys = sorted(self._years)
        span = f"{ys[0]}–{ys[-1]}" if ys else "none"
        return f"<WorkingCalendar years {span} ({len(ys)})>"

    @property
    def years(self) -> Mapping[int, YearCalendar]:
        """The loaded years (read-only)."""
        return self._years

    def is_known(self, year: int) -> bool:
        """True if an official schedule is loaded for ``year``."""
        return year in self._years

    def with_year(self, cal: YearCalendar) -> WorkingCalendar:
        """A new calendar with ``cal.year`` added or replaced (this one is unchanged)."""
        return WorkingCalendar({**self._years, cal.year: cal})

    def is_working_day(self, d: date) -> bool:
        """True if ``d`` is a working day; for a year not loaded: its provisional calendar."""
        return self._year(d.year).is_working_day(d)

    def _year(self, year: int) -> YearCalendar:
        cal = self._years.get(year)
        return cal if cal is not None else provisional_year(year)

    def _ordinals(self, year: int) -> tuple[int, ...]:
        return self._year(year).working_ordinals

    def _deadline(self, d: date, touched: Iterable[int], at: datetime | None = None) -> Deadline:
        ys = sorted(set(touched))
        unknown = tuple(y for y in ys if y not in self._years)
        return Deadline(
            date=d,
            at=at,
            provisional=bool(unknown),
            unknown_years=unknown,
            calendar_versions={y: self._years[y].version for y in ys if y in self._years},
        )

    def _nth_after(self, start: date, n: int) -> tuple[date, list[int]]:
        """The n-th (n ≥ 1) working day strictly after ``start``, and the years examined."""
        s = start.toordinal()
        year = start.year
        touched: list[int] = []
        if start != date(year, 12, 31):
            touched.append(year)
        lst = self._ordinals(year)
        i = bisect_right(lst, s)
        remaining = n
        while True:
            avail = len(lst) - i
            if remaining <= avail:
                return date.fromordinal(lst[i + remaining - 1]), touched
            remaining -= avail
            year += 1
            if year > 9999:
                raise OverflowError("working-day count runs past year 9999")
            touched.append(year)
            lst = self._ordinals(year)
            i = 0

    def add_working_days(self, start: date, n: int) -> Deadline:
        """The date ``n`` working days after ``start`` (``start`` itself is not counted).

        ``n = 0`` returns ``start`` if it is a working day, else the next working day (a 0-day
        period still has to land on a day the office is open). ``Deadline.at`` is None.
        """
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        if n == 0:
            if self.is_working_day(start):
                return self._deadline(start, [start.year])
            d, touched = self._nth_after(start, 1)
            return self._deadline(d, [start.year, *touched])
        d, touched = self._nth_after(start, n)
        return self._deadline(d, touched)

    def end_of_nth_working_day(self, start: date, n: int, tz: tzinfo | None = None) -> Deadline:
        """End (23:59:59 local) of the n-th working day of a period that begins on ``start``.

        Art. 13 publicity (公示 5 个工作日, docs/DOMAIN.md §6): the day the period starts (the notice
        is published) is not counted (民法典 第二百零一条); day 1 is the first working day after it.
        Published Monday 2026-09-28, the period runs 09-29, 09-30, 10-08, 10-09 and Saturday 10-10
        (a swapped working day). It ends at 23:59:59 of day ``n`` in ``tz`` (default
        Asia/Shanghai); ``Deadline.at`` is that aware datetime, and the period is over once
        ``now > at``.
        """
        if n < 1:
            raise ValueError(f"n must be >= 1, got {n}")
        d, touched = self._nth_after(start, n)
        at = datetime.combine(d, _END_OF_DAY, tzinfo=tz or CHINA_TZ)
        return self._deadline(d, touched, at=at)

    def working_days_between(self, a: date, b: date) -> int:
        """Working days ``d`` with ``a < d <= b`` (e.g. "overdue by N working days": a = due
        date, b = today). Antisymmetric: negative when ``b < a``. Unloaded years count on their
        provisional calendar.
        """
        if b < a:
            return -self.working_days_between(b, a)
        ao, bo = a.toordinal(), b.toordinal()
        total = 0
        for y in range(a.year, b.year + 1):
            lst = self._ordinals(y)
            total += bisect_right(lst, bo) - bisect_right(lst, ao)
        return total

    def unknown_years_between(self, a: date, b: date) -> tuple[int, ...]:
        """Years in ``[a, b]`` with no calendar loaded (to flag a count as provisional)."""
        lo, hi = min(a, b), max(a, b)
        return tuple(y for y in range(lo.year, hi.year + 1) if y not in self._years)

    # The calendar-only rules, also reachable from an instance for convenience.
    quarter_of = staticmethod(quarter_of)
    quarter_aggregate_due = staticmethod(quarter_aggregate_due)
    quarter_report_due = staticmethod(quarter_report_due)
    validity_end = staticmethod(validity_end)
    expiry_year_start = staticmethod(expiry_year_start)
    ban_until = staticmethod(ban_until)


@lru_cache(maxsize=1)
def _builtin_years() -> dict[int, YearCalendar]:
    return {y: year_from_chinese_calendar(y) for y in BUILTIN_YEARS}


_YEAR_FILE_RE = re.compile(r"^\d{4}\.toml$")


def default_calendar(extra_dir: Path | None = None) -> WorkingCalendar:
    """Built-in years (chinese_calendar, 2004–2026) plus every ``<year>.toml`` in ``extra_dir``.

    A file replaces the built-in data of its year (an admin correction). Other names such as
    ``2027.example.toml`` are ignored. A broken file raises :class:`CalendarFileError` rather than
    being skipped, so a bad schedule is never used silently.
    """
    years = dict(_builtin_years())
    if extra_dir is not None and extra_dir.is_dir():
        for path in sorted(extra_dir.iterdir()):
            if path.is_file() and _YEAR_FILE_RE.match(path.name):
                cal = load_year_file(path)
                years[cal.year] = cal
    return WorkingCalendar(years)
