"""Certificate numbers and the date rules of a recognition (Art. 14, 17, 21; docs/DOMAIN.md §6)."""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime

DEFAULT_CERTIFICATE_FORMAT = "LCSME-{year}-{seq:03d}"
VALIDITY_YEARS = 3  # Art. 17
BAN_YEARS = 3  # Art. 21

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_iso_date(value: object) -> date:
    """Read an ISO ``YYYY-MM-DD`` date (docs/DOMAIN.md §8: dates are ISO strings in task data).

    Raises ValueError for anything else.
    """
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(f"日期应为 YYYY-MM-DD 格式：{value!r}")


def add_years(day: date, years: int) -> date:
    """``day`` moved by whole calendar years; 29 February becomes 28 February in a common year.

    The date arithmetic behind Art. 7(一) (two years of operation), Art. 17 and Art. 21.
    """
    year = day.year + years
    if day.month == 2 and day.day == 29 and not calendar.isleap(year):
        return date(year, 2, 28)
    return day.replace(year=year)


def certificate_number(year: int, seq: int, fmt: str = DEFAULT_CERTIFICATE_FORMAT) -> str:
    """Art. 14: the number of the certificate granted, e.g. ``LCSME-2024-007``.

    ``fmt`` is configurable and may use ``{year}`` and ``{seq}``. Raises ValueError for a
    sequence below 1 or a format that does not fit.
    """
    if isinstance(year, bool) or not isinstance(year, int) or not 1000 <= year <= 9999:
        raise ValueError(f"证书年份无效：{year!r}")
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 1:
        raise ValueError(f"证书序号应为正整数：{seq!r}")
    try:
        return fmt.format(year=year, seq=seq)
    except (KeyError, IndexError, ValueError) as exc:
        raise ValueError(f"证书编号格式无效：{fmt!r}（{exc}）") from None


def validity_period(grant_date: date | str, years: int = VALIDITY_YEARS) -> tuple[date, date]:
    """Art. 17: a recognition is valid for 3 years from the grant date.

    Returns ``(valid_from, valid_to)`` = (grant date, grant date + 3 years); a grant on
    29 February ends on 28 February.
    """
    start = parse_iso_date(grant_date)
    return start, add_years(start, years)


def validity_expired(valid_to: date | str, today: date) -> bool:
    """Art. 17: ``valid_to`` (grant date + 3 years) is the validity's **last** day — the period
    starts the day after the grant (民法典 第二百零一条) and ends on the corresponding day
    (第二百零二条). Expired from the day after. The one definition the register page, the expiry
    job, the reporting duty and the reminders use."""
    return today > parse_iso_date(valid_to)


def ban_until(revocation_date: date | str, years: int = BAN_YEARS) -> date:
    """Art. 21: after a revocation for violations the unit may not apply for 3 years."""
    return add_years(parse_iso_date(revocation_date), years)


def reapply_allowed_from(valid_to: date | str) -> date:
    """Art. 17: a platform may apply again in the calendar year its recognition expires."""
    return date(parse_iso_date(valid_to).year, 1, 1)
