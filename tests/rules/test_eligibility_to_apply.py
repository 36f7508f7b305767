"""May the unit apply at all? Art. 15 (one round a year), Art. 17 (expiry year), Art. 21 (ban)."""

from __future__ import annotations

from datetime import date

from handlers.credit_code import make_credit_code
from handlers.eligibility import eligibility_reasons

CODE = make_credit_code("9137150012345678")
ROUND = "2025"


def reasons(today=date(2025, 6, 1), applications=(), entries=(), code=CODE, current=None):
    return eligibility_reasons(code, ROUND, today, list(applications), list(entries),
                               current_business_key=current)


def rules(found):
    return [r["rule"] for r in found]


def test_a_unit_without_history_may_apply():
    assert reasons() == []


def test_a_wrong_check_digit_is_a_form_error_not_an_art15_eligibility_result():
    # refused at form entry (GB 32100-2015); eligibility judges only the Art. 15/17/21 bars
    found = reasons(code=CODE[:17] + ("0" if CODE[17] != "0" else "1"))
    assert rules(found) == []


def test_art15_another_open_application_in_the_same_round_is_refused():
    found = reasons(applications=[{"round_id": ROUND, "business_key": "LC-2025-0007"}])
    assert rules(found) == ["one_per_round"]
    assert "LC-2025-0007" in found[0]["message"] and found[0]["article"] == "第十五条"


def test_art15_the_application_being_checked_does_not_count_against_itself():
    apps = [{"round_id": ROUND, "business_key": "LC-2025-0007"}]
    assert reasons(applications=apps, current="LC-2025-0007") == []


def test_art15_an_open_application_in_another_round_does_not_block():
    assert reasons(applications=[{"round_id": "2024", "business_key": "LC-2024-0001"}]) == []


def test_art17_a_currently_recognised_platform_may_not_apply_before_its_expiry_year():
    entry = {"status": "recognised", "valid_to": "2026-05-10", "ban_until": None}
    found = reasons(today=date(2025, 12, 31), entries=[entry])
    assert rules(found) == ["recognised"]
    assert "2026-01-01" in found[0]["message"] and found[0]["article"] == "第十七条"


def test_art17_a_recognised_platform_may_reapply_in_the_year_its_recognition_expires():
    entry = {"status": "recognised", "valid_to": "2026-05-10", "ban_until": None}
    assert reasons(today=date(2026, 1, 1), entries=[entry]) == []
    assert reasons(today=date(2026, 5, 10), entries=[entry]) == []


def test_art17_an_expired_recognition_does_not_block():
    expired = {"status": "expired", "valid_to": "2024-05-10", "ban_until": None}
    lapsed = {"status": "recognised", "valid_to": "2025-05-10", "ban_until": None}
    assert reasons(today=date(2026, 3, 1), entries=[expired, lapsed]) == []


def test_art17_a_recognised_entry_with_an_unreadable_end_date_is_refused_for_review():
    found = reasons(entries=[{"status": "recognised", "valid_to": None, "ban_until": None}])
    assert rules(found) == ["recognised"]


def test_art21_a_revoked_platform_may_not_apply_within_three_years():
    entry = {"status": "revoked", "valid_to": "2026-05-10", "ban_until": "2027-03-01"}
    found = reasons(today=date(2027, 2, 28), entries=[entry])
    assert rules(found) == ["banned"]
    assert "2027-03-01" in found[0]["message"] and found[0]["article"] == "第二十一条"


def test_art21_the_ban_ends_on_ban_until():
    entry = {"status": "revoked", "valid_to": "2026-05-10", "ban_until": "2027-03-01"}
    assert reasons(today=date(2027, 3, 1), entries=[entry]) == []


def test_art20_revocation_without_a_ban_does_not_block():
    entry = {"status": "revoked", "valid_to": "2026-05-10", "ban_until": None}
    assert reasons(entries=[entry]) == []


def test_all_reasons_are_listed_together():
    found = reasons(
        today=date(2025, 6, 1),
        applications=[{"round_id": ROUND, "business_key": "LC-2025-0003"}],
        entries=[
            {"status": "recognised", "valid_to": "2027-01-05", "ban_until": None},
            {"status": "revoked", "valid_to": "2023-01-01", "ban_until": "2026-01-01"},
        ],
    )
    assert rules(found) == ["one_per_round", "recognised", "banned"]
