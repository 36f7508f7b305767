"""Scenario tests of the audit's supervision items (Art. 17, 19, 20, 21), through the JSON API and the
platforms page, each named after its article (docs/domain-changes.md)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from processes.recognition.models import PlatformRegister
from processes.supervision.models import CountyAggregate, QuarterlyReport, Revocation
from tests.supervision.conftest import FORM, Q4_EXTRAS, ok, task_of
from tests.support.pages import PageClient

CHECK = {"service_quality": "fair", "fees_compliant": True, "satisfaction_rate": 91.0, "entrusted_tasks_done": True}


def _entry(rt, register_id):  # type: ignore[no-untyped-def]
    uow = rt.uow()
    with uow:
        return uow.s.get(PlatformRegister, register_id)


# -- 9. Art. 21: any established violation bans; Art. 20 without a violation does not ---------------------

def test_art21_a_violation_found_by_a_county_inspection_revokes_with_the_three_year_ban(sup, api):
    e = sup.platform()
    inst = ok(api.as_user("county-dongchangfu").post("/api/v1/supervision/inspections",
                                                     json={"register_id": e.id}), 201)
    t = task_of(api, "county-dongchangfu", inst["business_key"], "insp_record")
    ok(api.complete(t["id"], **CHECK, findings="检查中发现伪造服务合同",
                    violation_details="伪造与12家企业的服务合同骗取补助", verdict="violation"))
    v = task_of(api, "reviewer", inst["business_key"], "insp_verify")
    ok(api.as_user("reviewer").complete(v["id"], verify_decision="confirm"))
    entry = _entry(sup.rt, e.id)
    assert entry.status == "revoked" and entry.ban_until == date(2029, 9, 28)  # revoked 2026-09-28 + 3 years
    assert "第二十一条" in entry.note and "伪造" in entry.note
    [rev] = ok(api.as_user("reviewer").get("/api/v1/supervision/revocation-requests"))
    assert (rev["article"], rev["source"], rev["status"]) == ("第二十一条", "inspection", "confirmed")


def test_art20_a_failed_inspection_without_a_violation_revokes_without_the_ban(sup, api):
    e = sup.platform()
    inst = ok(api.as_user("county-dongchangfu").post("/api/v1/supervision/inspections",
                                                     json={"register_id": e.id}), 201)
    t = task_of(api, "county-dongchangfu", inst["business_key"], "insp_record")
    ok(api.complete(t["id"], **CHECK, findings="满意度低于承诺", verdict="fail"))
    v = task_of(api, "reviewer", inst["business_key"], "insp_verify")
    ok(api.as_user("reviewer").complete(v["id"], verify_decision="confirm"))
    entry = _entry(sup.rt, e.id)
    assert entry.status == "revoked" and entry.ban_until is None and "第二十条" in entry.note


def test_art21_a_violation_established_on_a_complaint_revokes_with_the_ban_from_the_ui(sup, app):
    e = sup.platform()
    other = sup.platform(prefix="91371500MA3C0002", name="临清市企业服务平台", county="linqing", user="applicant2")
    page = PageClient(app, "reviewer")
    html = page.get("/supervision/platforms").get_data(as_text=True)
    assert f'data-testid="revoke-{e.id}"' in html and "投诉举报" in html
    r = page.post("/supervision/revocations", data={"register_id": e.id, "article": "第二十一条", "source": "complaint",
                                                    "reason": "经查实，虚报服务企业数量骗取奖补"})
    assert r.status_code == 302
    entry = _entry(sup.rt, e.id)
    assert entry.status == "revoked" and entry.ban_until == date(2029, 9, 28)
    uow = sup.rt.uow()
    with uow:
        rev = uow.s.scalars(select(Revocation)).one()
        assert (rev.article, rev.source, rev.decided_by) == ("第二十一条", "complaint", "reviewer")
    # a county officer has no revocation form
    assert 'data-testid="revoke-' not in PageClient(app, "county-linqing").get("/supervision/platforms").get_data(
        as_text=True)
    assert _entry(sup.rt, other.id).status == "recognised"


# -- 11. Art. 17, 19: the validity's last day, the last partial quarter, Q4 summaries ----------------------------

def test_art17_art19_the_last_partial_quarter_is_reported_and_the_q4_aggregate_carries_the_summaries(sup, api):
    e = sup.platform(granted="2023-12-20")  # valid to 2026-12-20: the validity's last day
    code = e.credit_code
    # 2026-12-20 is still within the validity: the register page and the expiry job agree
    assert sup.at("2026-12-20")["expired"] == []
    assert [x["status"] for x in api.get("/api/v1/register").get_json()] == ["recognised"]
    assert sup.at("2026-12-21")["expired"] == [e.id]
    assert [x["status"] for x in api.get("/api/v1/register").get_json()] == ["expired"]
    # the last, partial quarter (1 Oct – 20 Dec 2026) is still reported (Art. 19)
    out = sup.at("2027-01-01")
    assert out["started"] == [f"QR-{code}-2026Q4", "CA-dongchangfu-2026Q4"]
    t = task_of(api, "applicant1", f"QR-{code}-2026Q4", "qr_fill")
    ok(api.as_user("applicant1").complete(t["id"], **FORM, **Q4_EXTRAS))
    r = task_of(api, "county-dongchangfu", f"QR-{code}-2026Q4", "qr_review")
    ok(api.as_user("county-dongchangfu").complete(r["id"], review_decision="accept"))
    a = task_of(api, "county-dongchangfu", "CA-dongchangfu-2026Q4", "ca_submit")
    ok(api.as_user("county-dongchangfu").complete(a["id"], aggregate_remarks="第四季度汇总"))
    uow = sup.rt.uow()
    with uow:
        aggregate = uow.s.scalars(select(CountyAggregate).where(CountyAggregate.quarter == 4)).one()
        report = uow.s.scalars(select(QuarterlyReport).where(QuarterlyReport.quarter == 4)).one()
    assert report.status == "accepted"
    assert aggregate.summary["work_summaries"] == [{"credit_code": code, "unit_name": e.unit_name, **Q4_EXTRAS}]
    assert sup.at("2027-04-01")["started"] == []  # nothing after the last covered quarter
