"""Dashboard: Art. 19 quarterly report compliance per quarter (share filed on time)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from processes.supervision.models import QuarterlyReport


def _report(n: int, quarter: int, filed: bool, late: bool) -> QuarterlyReport:
    now = datetime(2026, 9, 28, tzinfo=UTC)
    return QuarterlyReport(register_id=n, credit_code=f"CODE{n:014d}", year=2026, quarter=quarter,
                           business_key=f"QR-{n}-2026Q{quarter}", status="accepted" if filed else "open",
                           due_date=date(2026, 4, 15), aggregate_due=date(2026, 4, 25),
                           submitted_at=now if filed else None, late=late, created_at=now, updated_at=now)


def test_compliance_is_the_share_filed_on_time_per_quarter(api, runtime):
    uow = runtime.uow()
    with uow:
        uow.s.add_all([_report(1, 1, True, False), _report(2, 1, True, True), _report(3, 1, False, False),
                       _report(4, 1, True, False), _report(5, 2, True, False)])
        uow.commit()
    d = api.as_user("admin").get("/api/v1/admin/dashboard").get_json()
    rows = {r["label"].split("（")[0]: r for r in d["compliance"]}
    assert rows["2026Q1"]["by_status"] == {"on_time": 2, "late": 1, "not_filed": 1}
    assert rows["2026Q1"]["pct"] == 50.0 and rows["2026Q2"]["pct"] == 100.0
