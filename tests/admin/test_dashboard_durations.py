"""各环节办理用时 on the dashboard: from each task's opening to its completion (the audit trail), in
working hours, median and 90th percentile per step — never 0.0 for steps that took time."""

from __future__ import annotations

import re
from datetime import datetime

from processes.admin.dashboard import _quantile, working_hours
from processes.clock import CST
from tests.recognition.conftest import Recognition
from tests.support.pages import PageClient


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CST)


def test_working_hours_count_only_working_days():
    assert working_hours(at("2026-09-28T09:00"), at("2026-09-28T15:30")) == 6.5  # Monday
    assert working_hours(at("2026-11-13T17:00"), at("2026-11-16T09:00")) == 16.0  # Friday → Monday
    # National Day 2026: Thu 1 Oct – Wed 7 Oct off, Sat 10 Oct a working day
    assert working_hours(at("2026-09-30T12:00"), at("2026-10-08T12:00")) == 24.0
    assert working_hours(at("2026-10-09T12:00"), at("2026-10-10T12:00")) == 24.0  # Sat 10 Oct is worked
    assert working_hours(at("2026-09-28T09:00"), at("2026-09-28T09:00")) == 0.0


def test_p90_is_the_nearest_rank():
    assert _quantile([float(i) for i in range(1, 11)], 0.9) == 9.0
    assert _quantile([5.0], 0.9) == 5.0


def test_a_walked_application_shows_its_steps_durations(api, app):
    rec = Recognition(api)
    rec.deploy()
    rec.open_round()
    inst = rec.start()
    rec.upload_all(inst["business_key"])
    rec.set_clock("2026-09-28T15:00:00+08:00")  # the applicant fills in for 6 hours
    rec.submit()
    rec.set_clock("2026-09-30T11:00:00+08:00")  # the county: Mon 15:00 → Wed 11:00 = 44 working hours
    rec.recommend()
    rec.set_clock("2026-09-30T13:30:00+08:00")  # the reviewer: 2.5 hours
    rec.review()

    d = api.as_user("admin").get("/api/v1/admin/dashboard").get_json()
    steps = {s["step"]: s for s in d["steps"]}
    fill = next(s for name, s in steps.items() if "申报" in name or "申请" in name)
    assert fill["median_hours"] == 6.0 and fill["count"] == 1
    county = next(s for name, s in steps.items() if "县" in name)
    assert county["median_hours"] == 44.0 and county["p90_hours"] == 44.0
    review = next(s for name, s in steps.items() if "市" in name and "审" in name)
    assert review["median_hours"] == 2.5

    html = PageClient(app, "admin").get("/admin/dashboard").get_data(as_text=True)
    table = re.search(r'data-testid="steps".*?</table>', html, re.S).group(0)
    assert "6.0 小时" in table and "1.8 个工作日" in table and "2.5 小时" in table
    shown = re.findall(r'<td class="(?:median|p90)">([^<]*)</td>', table)
    assert shown and not [t for t in shown if t.startswith("0.0")], shown
