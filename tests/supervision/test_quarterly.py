"""Art. 19 quarterly reporting and Art. 17 expiry on the simulated clock, through the JSON API."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from handlers.eligibility import eligibility_reasons
from processes.models import ProcessInstance
from processes.notifications.models import Notification
from processes.recognition.models import PlatformRegister
from processes.supervision.models import CountyAggregate, QuarterlyReport
from tests.supervision.conftest import FORM, Q4_EXTRAS, ok, task_of


def _quarters(start: tuple[int, int], count: int):  # type: ignore[no-untyped-def]
    y, q = start
    for _ in range(count):
        yield y, q
        y, q = (y + 1, 1) if q == 4 else (y, q + 1)


def _register_rows(rt, code):  # type: ignore[no-untyped-def]
    uow = rt.uow()
    with uow:
        return [{"status": e.status, "valid_to": e.valid_to.isoformat() if e.valid_to else None,
                 "ban_until": e.ban_until.isoformat() if e.ban_until else None}
                for e in uow.s.scalars(select(PlatformRegister).where(PlatformRegister.credit_code == code))]


def _notifications(rt, username_id=None, kind=None):  # type: ignore[no-untyped-def]
    uow = rt.uow()
    with uow:
        stmt = select(Notification)
        if kind:
            stmt = stmt.where(Notification.kind == kind)
        return [(n.user_id, n.kind, n.title) for n in uow.s.scalars(stmt.order_by(Notification.id))]


def test_twelve_quarters_on_time_q4_extras_aggregates_and_expiry(sup, api):
    e = sup.platform(granted="2026-09-28")
    code = e.credit_code
    for n, (y, q) in enumerate(_quarters((2026, 3), 12), start=1):
        # the first day of the following quarter: the scheduler starts the report and the aggregate
        ny, nq = (y + 1, 1) if q == 4 else (y, q + 1)
        out = sup.at(f"{ny}-{3 * (nq - 1) + 1:02d}-01")
        bk = f"QR-{code}-{y}Q{q}"
        assert bk in out["started"], (n, out)
        t = task_of(api, "applicant1", bk, "qr_fill")
        assert t["due_at"].startswith(f"{ny}-{3 * (nq - 1) + 1:02d}-1")  # the 15th (CST end of day)
        sup.at(f"{ny}-{3 * (nq - 1) + 1:02d}-10")
        if q == 4:
            # Art. 19: Q4 without the year's summary and next year's plan goes back to the platform
            ok(api.as_user("applicant1").complete(t["id"], **FORM))
            t = task_of(api, "applicant1", bk, "qr_fill")
            detail = api.as_user("admin").instance(t["instance_id"])
            assert {e["field"] for e in detail["variables"]["report_errors"]} == {"year_summary", "next_year_plan"}
            ok(api.as_user("applicant1").complete(t["id"], **FORM, **Q4_EXTRAS))
        else:
            ok(api.as_user("applicant1").complete(t["id"], **FORM))
        r = task_of(api, "county-dongchangfu", bk, "qr_review")
        ok(api.as_user("county-dongchangfu").complete(r["id"], review_decision="accept"))
        # the county aggregate, submitted on the 25th (Art. 19)
        sup.at(f"{ny}-{3 * (nq - 1) + 1:02d}-25")
        a = task_of(api, "county-dongchangfu", f"CA-dongchangfu-{y}Q{q}", "ca_submit")
        assert a["due_at"].startswith(f"{ny}-{3 * (nq - 1) + 1:02d}-25")
        ok(api.as_user("county-dongchangfu").complete(a["id"], aggregate_remarks="按期汇总"))

    uow = sup.rt.uow()
    with uow:
        reports = uow.s.scalars(select(QuarterlyReport).order_by(QuarterlyReport.year, QuarterlyReport.quarter)).all()
        aggregates = uow.s.scalars(select(CountyAggregate)).all()
        sizes = [len(i.workflow) for i in uow.s.scalars(select(ProcessInstance).where(
            ProcessInstance.process_key == "quarterly_report").order_by(ProcessInstance.id))]
    assert len(reports) == 12
    assert all(r.status == "accepted" and not r.late for r in reports)
    assert [r.figures.get("year_summary") is not None for r in reports] == [r.quarter == 4 for r in reports]
    assert len(aggregates) == 12 and all(a.status == "submitted" and not a.late for a in aggregates)
    assert aggregates[0].summary["totals"]["smes_served"] == 30
    assert aggregates[0].summary["accepted"] == 1 and aggregates[0].summary["missing"] == []
    # one short instance per quarter: the 12th is no bigger than the 1st (Q4 ones went round once more)
    assert len(sizes) == 12 and abs(sizes[-1] - sizes[0]) < 100, sizes

    # Art. 17: not before the expiry year ...
    assert [r["rule"] for r in eligibility_reasons(code, 99, date(2028, 12, 31), [], _register_rows(sup.rt, code))] \
        == ["recognised"]
    # ... then a reminder in the expiry year that re-application is open, and it is
    sup.at("2029-01-02")
    mine = [t for t in _notifications(sup.rt, kind="due_soon") if "到期" in t[2]]
    assert mine, _notifications(sup.rt)
    sup.at("2029-01-03")
    assert len([t for t in _notifications(sup.rt, kind="due_soon") if "到期" in t[2]]) == len(mine)  # once
    assert eligibility_reasons(code, 99, date(2029, 3, 1), [], _register_rows(sup.rt, code)) == []

    # Art. 17: 2029-09-28 is the validity's last day (register page and expiry job agree); expired the day
    # after, and the last partial quarter (1 Jul – 28 Sep 2029) is still reported (Art. 19)
    assert sup.at("2029-09-28")["expired"] == []
    out = sup.at("2029-09-29")
    assert out["expired"] == [e.id]
    assert _register_rows(sup.rt, code)[0]["status"] == "expired"
    out = sup.at("2029-10-01")
    assert out["started"] == [f"QR-{code}-2029Q3", "CA-dongchangfu-2029Q3"]
    assert sup.at("2030-01-01")["started"] == []


def test_late_report_chased_then_accepted_and_overdue_list(sup, api):
    e = sup.platform()
    sup.at("2026-10-01")
    bk = f"QR-{e.credit_code}-2026Q3"
    assert ok(api.as_user("county-dongchangfu").get("/api/v1/supervision/overdue"))["reports"] == []
    out = sup.at("2026-10-16")  # the 15th has passed
    assert out["chased"] >= 1
    overdue = ok(api.as_user("county-dongchangfu").get("/api/v1/supervision/overdue"))
    assert [r["business_key"] for r in overdue["reports"]] == [bk]
    assert overdue["reports"][0]["days_overdue"] == 1 and overdue["reports"][0]["chase_count"] == 1
    # the platform sees it too; another county does not
    assert [r["business_key"] for r in ok(api.as_user("applicant1").get("/api/v1/supervision/overdue"))["reports"]] \
        == [bk]
    assert ok(api.as_user("county-linqing").get("/api/v1/supervision/overdue"))["reports"] == []
    # the automatic 催报 is sent once a week, not on every run
    sup.at("2026-10-17")
    urged = [n for n in _notifications(sup.rt, kind="urged") if "催报" in n[2]]
    assert len(urged) == 1
    # the county chases by hand
    rid = overdue["reports"][0]["id"]
    assert api.as_user("county-linqing").post(f"/api/v1/supervision/reports/{rid}/chase", json={}).status_code == 404
    chased = ok(api.as_user("county-dongchangfu").post(f"/api/v1/supervision/reports/{rid}/chase",
                                                        json={"message": "请于本周内报送"}))
    assert chased["chase_count"] == 2
    assert len([n for n in _notifications(sup.rt, kind="urged") if "催报" in n[2]]) == 2
    # filed late, returned once for correction, then accepted
    t = task_of(api, "applicant1", bk, "qr_fill")
    ok(api.as_user("applicant1").complete(t["id"], **FORM))
    r = task_of(api, "county-dongchangfu", bk, "qr_review")
    ok(api.as_user("county-dongchangfu").complete(r["id"], review_decision="return", review_comment="培训人次有误"))
    [rep] = ok(api.as_user("county-dongchangfu").get("/api/v1/supervision/reports"))
    assert rep["status"] == "returned" and rep["late"] is True
    t = task_of(api, "applicant1", bk, "qr_fill")
    ok(api.as_user("applicant1").complete(t["id"], **{**FORM, "trainees": 80}))
    r = task_of(api, "county-dongchangfu", bk, "qr_review")
    ok(api.as_user("county-dongchangfu").complete(r["id"], review_decision="accept"))
    [rep] = ok(api.as_user("reviewer").get("/api/v1/supervision/reports"))
    assert rep["status"] == "accepted" and rep["late"] is True and rep["returns"] == 1
    assert rep["figures"]["trainees"] == 80
    overdue = ok(api.as_user("county-dongchangfu").get("/api/v1/supervision/overdue"))
    assert overdue["reports"] == [] and [r["business_key"] for r in overdue["late_reports"]] == [bk]


def test_platform_that_never_reports_is_flagged_and_late_aggregate_chased(sup, api):
    e = sup.platform()
    sup.platform(prefix="91371500MA3C0002", name="临清市企业服务平台", county="linqing", user="applicant2")
    sup.at("2026-10-01")
    sup.at("2026-10-25")
    assert not [n for n in _notifications(sup.rt, kind="overdue") if "未报送" in n[2]]
    sup.at("2026-10-26")  # past the county's deadline: still nothing from the platform
    uow = sup.rt.uow()
    with uow:
        r = uow.s.scalars(select(QuarterlyReport).where(QuarterlyReport.credit_code == e.credit_code)).one()
        assert r.flagged_missing
    flagged = [n for n in _notifications(sup.rt, kind="overdue") if "未报送" in n[2]]
    assert len(flagged) == 2  # one per platform, to its own county's officer
    overdue = ok(api.as_user("county-dongchangfu").get("/api/v1/supervision/overdue"))
    assert [a["business_key"] for a in overdue["aggregates"]] == ["CA-dongchangfu-2026Q3"]
    assert overdue["reports"][0]["flagged_missing"] is True
    all_overdue = ok(api.as_user("reviewer").get("/api/v1/supervision/overdue"))
    assert sorted(a["county"] for a in all_overdue["aggregates"]) == ["dongchangfu", "linqing"]
    # the aggregate submitted late lists the missing platform
    a = task_of(api, "county-dongchangfu", "CA-dongchangfu-2026Q3", "ca_submit")
    ok(api.as_user("county-dongchangfu").complete(a["id"], aggregate_remarks="一家平台未报送"))
    [agg] = [x for x in ok(api.as_user("reviewer").get("/api/v1/supervision/aggregates"))
             if x["county"] == "dongchangfu"]
    assert agg["late"] is True and agg["summary"]["missing"] == [e.credit_code]


def test_county_officers_see_only_their_county(sup, api):
    sup.platform()
    other = sup.platform(prefix="91371500MA3C0002", name="临清市企业服务平台", county="linqing", user="applicant2")
    sup.at("2026-10-01")
    mine = ok(api.as_user("county-linqing").get("/api/v1/supervision/reports"))
    assert [r["county"] for r in mine] == ["linqing"]
    assert [p["credit_code"] for p in ok(api.get("/api/v1/supervision/platforms"))] == [other.credit_code]
    assert {t["business_key"] for t in api.tasks(limit=500)} == {"CA-linqing-2026Q3"}
    assert [r["county"] for r in ok(api.as_user("applicant1").get("/api/v1/supervision/reports"))] == ["dongchangfu"]
    assert len(ok(api.as_user("reviewer").get("/api/v1/supervision/reports"))) == 2
    aggs = ok(api.as_user("county-dongchangfu").get("/api/v1/supervision/aggregates"))
    assert [a["county"] for a in aggs] == ["dongchangfu"]
