"""Certificate number (Art. 14), validity (Art. 17) and the revocation ban (Art. 21)."""

from __future__ import annotations

from datetime import date

import pytest

from handlers.certificates import (
    add_years,
    ban_until,
    certificate_number,
    parse_iso_date,
    reapply_allowed_from,
    validity_period,
)


def test_art14_certificate_number_uses_the_default_format():
    assert certificate_number(2024, 7) == "LCSME-2024-007"
    assert certificate_number(2024, 1000) == "LCSME-2024-1000"


def test_art14_certificate_number_format_is_configurable():
    assert certificate_number(2025, 3, "聊中小示范〔{year}〕{seq}号") == "聊中小示范〔2025〕3号"


@pytest.mark.parametrize(("year", "seq", "fmt"), [(2024, 0, "LCSME-{year}-{seq:03d}"),
                                                  (24, 1, "LCSME-{year}-{seq:03d}"),
                                                  (2024, 1, "LCSME-{yr}-{seq}"),
                                                  (2024, 1, "LCSME-{year:q}")])
def test_art14_bad_sequence_year_or_format_is_a_configuration_error(year, seq, fmt):
    with pytest.raises(ValueError):
        certificate_number(year, seq, fmt)


def test_art17_recognition_is_valid_three_years_from_the_grant_date():
    assert validity_period(date(2024, 5, 10)) == (date(2024, 5, 10), date(2027, 5, 10))
    assert validity_period("2024-05-10") == (date(2024, 5, 10), date(2027, 5, 10))


def test_art17_grant_on_leap_day_expires_on_28_february():
    assert validity_period(date(2024, 2, 29)) == (date(2024, 2, 29), date(2027, 2, 28))


def test_art17_may_reapply_from_1_january_of_the_expiry_year():
    assert reapply_allowed_from(date(2027, 5, 10)) == date(2027, 1, 1)
    assert reapply_allowed_from("2027-12-31") == date(2027, 1, 1)


def test_art21_revocation_bans_applications_for_three_years():
    assert ban_until(date(2025, 6, 30)) == date(2028, 6, 30)
    assert ban_until("2024-02-29") == date(2027, 2, 28)


def test_add_years_goes_backwards_too():
    assert add_years(date(2024, 2, 29), -2) == date(2022, 2, 28)
    assert add_years(date(2024, 2, 29), 4) == date(2028, 2, 29)


@pytest.mark.parametrize("bad", ["2024/01/01", "20240101", "2024-02-30", "", None, 20240101])
def test_dates_must_be_iso(bad):
    with pytest.raises(ValueError):
        parse_iso_date(bad)
