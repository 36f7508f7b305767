"""Demo data: recognised platforms mid-supervision, idempotent."""

from __future__ import annotations

from sqlalchemy import func, select

from processes.supervision.demo import load_demo
from processes.supervision.models import CountyAggregate, QuarterlyReport


def test_demo_data_is_mid_supervision_and_idempotent(sup, api):
    lines = list(load_demo(sup.rt))
    assert "3 recognised platforms" in lines[0], lines
    uow = sup.rt.uow()
    with uow:
        statuses = dict(uow.s.execute(select(QuarterlyReport.status, func.count()).group_by(
            QuarterlyReport.status)).all())
        aggregates = uow.s.scalar(select(func.count()).select_from(CountyAggregate))
    assert statuses["accepted"] >= 6 and statuses.get("open") == 1 and statuses.get("submitted") == 1, statuses
    assert aggregates and aggregates >= 3
    assert list(load_demo(sup.rt)) == ["supervision: demo platforms present (unchanged)"]
    assert [t["element_id"] for t in api.as_user("county-linqing").tasks()
            if t["process_key"] == "quarterly_report"] == ["qr_review"]
    assert len(api.as_user("platform1").get("/api/v1/supervision/reports").get_json()) == 4
    # applicant1 is the newcomer: no platform, no report, nothing waiting
    assert api.as_user("applicant1").get("/api/v1/supervision/reports").get_json() == []
    assert api.as_user("applicant1").tasks() == []


def test_first_demo_load_puts_the_clock_where_the_data_agrees(sup, api):
    from datetime import datetime

    from processes.clock import CST
    from processes.demo import load_demo_data

    lines = list(load_demo_data(sup.rt))
    # the fixture's clock says Monday 2026-09-28: the demo day is Thursday 2026-07-16, the day after
    # the Q2 reports were due
    assert lines[0].startswith("demo clock: 2026-07-16 09:00"), lines
    assert sup.rt.now() == datetime(2026, 7, 16, 9, 0, tzinfo=CST)
    overdue = api.as_user("county-dongchangfu").get("/api/v1/supervision/overdue").get_json()
    reports = overdue["reports"] if isinstance(overdue, dict) else overdue
    assert [(r["quarter_key"], r["days_overdue"]) for r in reports] == [("2026Q2", 1)]
    assert api.as_user("applicant1").tasks() == []  # the first user tried starts clean
    assert not [line for line in load_demo_data(sup.rt) if line.startswith("demo clock")]  # once only
