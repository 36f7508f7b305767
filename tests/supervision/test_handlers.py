"""The pure supervision rules (handlers/supervision.py)."""

from __future__ import annotations

from datetime import date

import pytest

from handlers import supervision as sv


def test_quarter_keys_and_reporting_quarter():
    assert sv.quarter_key(2026, 4) == "2026Q4"
    assert sv.parse_quarter_key("2026q3") == (2026, 3)
    with pytest.raises(ValueError):
        sv.parse_quarter_key("2026Q5")
    assert sv.reporting_quarter(date(2027, 1, 1)) == (2026, 4)
    assert sv.reporting_quarter(date(2026, 10, 15)) == (2026, 3)
    assert sv.quarter_end(2026, 4) == date(2026, 12, 31) and sv.quarter_start(2026, 4) == date(2026, 10, 1)
    assert sv.report_business_key("X", 2026, 4) == "QR-X-2026Q4"


def test_art19_who_must_report_the_last_partial_quarter_included():
    # granted during the quarter: reports on it
    assert sv.must_report("2026-09-28", "2029-09-28", "recognised", 2026, 3, date(2026, 10, 1))
    assert not sv.must_report("2026-10-02", "2029-10-02", "recognised", 2026, 3, date(2026, 10, 1))
    assert sv.must_report("2026-09-28", "2029-09-28", "recognised", 2029, 2, date(2029, 7, 1))
    # Art. 17/19: valid until 2029-09-28, expired when 2029Q3 is reported on — still reported
    assert sv.must_report("2026-09-28", "2029-09-28", "expired", 2029, 3, date(2029, 10, 1))
    assert not sv.must_report("2026-09-28", "2029-09-28", "expired", 2029, 4, date(2030, 1, 1))
    assert not sv.must_report("2026-09-28", "2029-09-28", "revoked", 2027, 1, date(2027, 4, 1))


def test_report_validation_q4_needs_summary_and_plan():
    good = {"smes_served": 3, "activities": 1, "trainees": 0, "financing_yi": 0, "fees_wan": 1.5,
            "low_fee_share": 10, "satisfaction_rate": 90}
    assert sv.validate_report(good, 3) == []
    assert {e["field"] for e in sv.validate_report(good, 4)} == {"year_summary", "next_year_plan"}
    assert sv.validate_report({**good, "year_summary": "总结", "next_year_plan": "计划"}, 4) == []
    bad = {**good, "smes_served": -1, "activities": 1.5, "satisfaction_rate": 101}
    bad.pop("fees_wan")
    assert {e["field"] for e in sv.validate_report(bad, 1)} == {"smes_served", "activities", "satisfaction_rate",
                                                                 "fees_wan"}


def test_aggregate():
    rows = [
        {"credit_code": "A", "status": "accepted", "late": False,
         "figures": {"smes_served": 10, "activities": 2, "trainees": 5, "financing_yi": 0.5, "fees_wan": 3,
                     "low_fee_share": 20, "satisfaction_rate": 90}},
        {"credit_code": "B", "status": "accepted", "late": True,
         "figures": {"smes_served": 5, "activities": 1, "trainees": 0, "financing_yi": 0, "fees_wan": 1,
                     "low_fee_share": 10, "satisfaction_rate": 100}},
        {"credit_code": "C", "status": "open", "late": False, "figures": {}},
        {"credit_code": "D", "status": "submitted", "late": False, "figures": {"smes_served": 99}},
    ]
    agg = sv.aggregate_reports(rows)
    assert agg["platforms"] == 4 and agg["accepted"] == 2
    assert agg["totals"]["smes_served"] == 15 and agg["totals"]["financing_yi"] == 0.5
    assert agg["averages"] == {"low_fee_share": 15.0, "satisfaction_rate": 95.0}
    assert agg["missing"] == ["C"] and agg["pending"] == ["D"] and agg["late"] == ["B"]


def test_spot_check_draw_is_reproducible_from_the_seed():
    pool = [f"C{i:02d}" for i in range(20)]
    first = sv.draw_spot_check(pool, 5, "seed-1")
    assert first == sv.draw_spot_check(list(reversed(pool)), 5, "seed-1")
    assert len(set(first)) == 5 and set(first) <= set(pool)
    assert sv.draw_spot_check(pool[:3], 10, "s") == sorted(pool[:3])
    with pytest.raises(ValueError):
        sv.draw_spot_check(pool, 0, "s")


def test_inspection_outcome_and_revocation_data():
    assert sv.inspection_outcome({"verdict": "pass"})["revocation_requested"] is False
    out = sv.inspection_outcome({"verdict": "fail", "findings": "收费超标"})
    assert out == {"revocation_requested": True, "revocation_article": "第二十条", "revocation_reason": "收费超标"}
    assert sv.inspection_outcome({"verdict": "violation", "kind": "spot_check"})["revocation_article"] == "第二十一条"
    assert sv.revocation_data("第二十条", "不合格", "2027-03-01")["ban_until"] is None
    assert sv.revocation_data("第二十一条", "违规", "2028-02-29")["ban_until"] == "2031-02-28"
    with pytest.raises(ValueError):
        sv.revocation_data("第二十一条", " ", "2027-01-01")


def test_expiry_reminder_window():
    assert not sv.expiry_reminder_due("2029-09-28", "recognised", date(2028, 12, 31))
    assert sv.expiry_reminder_due("2029-09-28", "recognised", date(2029, 1, 1))
    assert sv.expiry_reminder_due("2029-09-28", "recognised", date(2029, 9, 28))  # the last valid day
    assert not sv.expiry_reminder_due("2029-09-28", "recognised", date(2029, 9, 29))
    assert not sv.expiry_reminder_due("2029-09-28", "revoked", date(2029, 3, 1))
