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
    assert len(api.as_user("applicant1").get("/api/v1/supervision/reports").get_json()) == 4
