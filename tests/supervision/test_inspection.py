"""Art. 20 county inspections, Art. 21 spot checks, revocation and the 3-year ban, Art. 15 rounds."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from handlers.eligibility import eligibility_reasons
from handlers.supervision import draw_spot_check
from processes.models import AuditEntry
from processes.recognition.models import PlatformRegister, RecognitionRound
from processes.supervision.models import Inspection, QuarterlyReport, Revocation
from tests.supervision.conftest import ok, task_of

CHECK = {"service_quality": "poor", "fees_compliant": False, "satisfaction_rate": 62.0,
         "entrusted_tasks_done": False}


def _entry(rt, register_id):  # type: ignore[no-untyped-def]
    uow = rt.uow()
    with uow:
        return uow.s.get(PlatformRegister, register_id)


def _rows(rt, code):  # type: ignore[no-untyped-def]
    e = None
    uow = rt.uow()
    with uow:
        e = uow.s.scalars(select(PlatformRegister).where(PlatformRegister.credit_code == code)).one()
        return [{"status": e.status, "valid_to": e.valid_to.isoformat() if e.valid_to else None,
                 "ban_until": e.ban_until.isoformat() if e.ban_until else None}]


def test_failed_county_inspection_leads_to_revocation_after_verification(sup, api):
    e = sup.platform()
    sup.at("2026-10-01")  # a quarterly report is open: revocation ends it
    # another county may not inspect this platform
    r = api.as_user("county-linqing").post("/api/v1/supervision/inspections", json={"register_id": e.id})
    assert r.status_code == 404
    inst = ok(api.as_user("county-dongchangfu").post("/api/v1/supervision/inspections",
                                                     json={"register_id": e.id}), 201)
    t = task_of(api, "county-dongchangfu", inst["business_key"], "insp_record")
    ok(api.complete(t["id"], **CHECK, findings="服务收费超出公示标准", verdict="fail"))
    # the municipal reviewer verifies; rejecting needs reasons
    v = task_of(api, "reviewer", inst["business_key"], "insp_verify")
    ok(api.as_user("reviewer").complete(v["id"], verify_decision="reject"))
    v = task_of(api, "reviewer", inst["business_key"], "insp_verify")
    ok(api.as_user("reviewer").complete(v["id"], verify_decision="reject", verify_reasons="收费问题已整改，不予撤销"))
    assert _entry(sup.rt, e.id).status == "recognised"
    [insp] = ok(api.as_user("county-dongchangfu").get("/api/v1/supervision/inspections"))
    assert insp["status"] == "revocation_rejected" and insp["verdict"] == "fail"
    uow = sup.rt.uow()
    with uow:
        rev = uow.s.scalars(select(Revocation)).one()
        assert (rev.status, rev.decision_reasons, rev.article) == ("rejected", "收费问题已整改，不予撤销", "第二十条")

    # a second inspection fails again; this time the bureau confirms
    inst = ok(api.as_user("county-dongchangfu").post("/api/v1/supervision/inspections",
                                                     json={"register_id": e.id}), 201)
    t = task_of(api, "county-dongchangfu", inst["business_key"], "insp_record")
    ok(api.complete(t["id"], **CHECK, findings="满意度仅 62%，未完成委托任务", verdict="fail"))
    v = task_of(api, "reviewer", inst["business_key"], "insp_verify")
    ok(api.as_user("reviewer").complete(v["id"], verify_decision="confirm"))
    entry = _entry(sup.rt, e.id)
    assert entry.status == "revoked" and entry.ban_until is None  # Art. 20: no ban
    assert "第二十条" in entry.note and "满意度" in entry.note
    # the platform's open supervision work ended, and the result is published
    uow = sup.rt.uow()
    with uow:
        assert uow.s.scalars(select(QuarterlyReport.status)).all() == ["cancelled"]
    assert [t for t in api.as_user("applicant1").tasks() if t["process_key"] == "quarterly_report"] == []
    public = ok(api.client.get("/api/v1/supervision/revocations"))
    assert [(p["credit_code"], p["article"], p["status"]) for p in public] == [(e.credit_code, "第二十条",
                                                                               "confirmed")]
    requests = ok(api.as_user("county-dongchangfu").get("/api/v1/supervision/revocation-requests"))
    assert [(x["status"], x["decided_by"]) for x in requests] == [("confirmed", "reviewer"), ("rejected", "reviewer")]
    # the person who decided is recorded on the revocation and in the audit trail, not a role name
    uow = sup.rt.uow()
    with uow:
        assert sorted(uow.s.scalars(select(Revocation.decided_by))) == ["reviewer", "reviewer"]
        assert uow.s.scalars(select(AuditEntry.actor).where(AuditEntry.action == "register.revoked")).all() == [
            "reviewer"]
    assert ok(api.as_user("county-linqing").get("/api/v1/supervision/revocation-requests")) == []
    # a revoked platform is no longer supervised: nothing new next quarter
    assert sup.at("2027-01-01")["started"] == []
    r = api.as_user("county-dongchangfu").post("/api/v1/supervision/inspections", json={"register_id": e.id})
    assert r.status_code == 422


def test_spot_check_violation_revokes_with_three_year_ban(sup, api):
    a = sup.platform()
    b = sup.platform(prefix="91371500MA3C0002", name="临清市企业服务平台", county="linqing", user="applicant2")
    c = sup.platform(prefix="91371500MA3C0003", name="高新区企业服务平台", county="gaoxin", user=None)
    assert api.as_user("county-dongchangfu").post("/api/v1/supervision/spot-checks", json={"n": 1}).status_code == 403
    result = ok(api.as_user("reviewer").post("/api/v1/supervision/spot-checks", json={"n": 2, "seed": "2026-R1"}), 201)
    codes = sorted([a.credit_code, b.credit_code, c.credit_code])
    assert result["picks"] == draw_spot_check(codes, 2, "2026-R1")  # reproducible from the seed
    assert len(result["business_keys"]) == 2
    uow = sup.rt.uow()
    with uow:
        audit = uow.s.scalars(select(AuditEntry).where(AuditEntry.action == "spot_check.started")).one()
        assert audit.data["seed"] == "2026-R1" and audit.data["picks"] == result["picks"]
        assert audit.data["candidates"] == codes
    rounds = ok(api.as_user("reviewer").get("/api/v1/supervision/spot-checks"))
    assert rounds[0]["picks"] == result["picks"]
    picked = result["picks"][0]
    bk = f"SC-{result['round_id']}-{picked}"
    t = task_of(api, "reviewer", bk, "insp_spot_record")
    ok(api.as_user("reviewer").complete(t["id"], service_quality="fair", findings="虚报服务企业数量",
                                        verdict="violation"))
    v = task_of(api, "reviewer", bk, "insp_verify")
    ok(api.as_user("reviewer").complete(v["id"], verify_decision="confirm"))
    # the other pick passes
    other = f"SC-{result['round_id']}-{result['picks'][1]}"
    t = task_of(api, "reviewer", other, "insp_spot_record")
    ok(api.as_user("reviewer").complete(t["id"], service_quality="good", verdict="pass"))
    uow = sup.rt.uow()
    with uow:
        statuses = {i.credit_code: i.status for i in uow.s.scalars(select(Inspection))}
        entry = uow.s.scalars(select(PlatformRegister).where(PlatformRegister.credit_code == picked)).one()
    assert statuses == {picked: "revoked", result["picks"][1]: "passed"}
    assert entry.status == "revoked" and entry.ban_until == date(2029, 9, 28)  # revoked 2026-09-28 + 3 years
    assert "第二十一条" in entry.note
    # re-application refused within 3 years, accepted after (the recognition area's eligibility rule)
    reasons = eligibility_reasons(picked, 1, date(2029, 9, 27), [], _rows(sup.rt, picked))
    assert [r["rule"] for r in reasons] == ["banned"]
    assert eligibility_reasons(picked, 1, date(2029, 9, 28), [], _rows(sup.rt, picked)) == []


def test_direct_revocation_by_the_bureau(sup, api):
    e = sup.platform()
    r = api.as_user("county-dongchangfu").post("/api/v1/supervision/revocations",
                                               json={"register_id": e.id, "article": "第二十一条", "reason": "x"})
    assert r.status_code == 403
    r = api.as_user("reviewer").post("/api/v1/supervision/revocations",
                                     json={"register_id": e.id, "article": "第二十一条", "reason": ""})
    assert r.status_code == 422
    rev = ok(api.post("/api/v1/supervision/revocations", json={"register_id": e.id, "article": "第二十一条",
                                                                "reason": "提供虚假材料"}), 201)
    assert rev["ban_until"] == "2029-09-28" and _entry(sup.rt, e.id).status == "revoked"


def test_round_closes_at_its_deadline(sup):
    uow = sup.rt.uow()
    with uow:
        uow.s.add(RecognitionRound(year=2026, name="2026 年度", opens_on=date(2026, 9, 1),
                                   submission_deadline=date(2026, 10, 20), status="open", created_by="admin",
                                   created_at=datetime.now(UTC)))
        uow.commit()
    assert sup.at("2026-10-20")["closed_rounds"] == []
    closed = sup.at("2026-10-21")["closed_rounds"]
    assert len(closed) == 1
    uow = sup.rt.uow()
    with uow:
        assert uow.s.scalars(select(RecognitionRound.status)).one() == "closed"
    # the recognition area's start path finds no open round any more (its refusal, Art. 15)
    from processes.lookups import run_lookup

    uow = sup.rt.uow()
    with uow:
        assert run_lookup(uow, "open_round") is None
    assert sup.at("2026-10-22")["closed_rounds"] == []


def test_generic_start_is_checked_against_the_register(sup, api):
    e = sup.platform()
    other = sup.platform(prefix="91371500MA3C0002", name="临清市企业服务平台", county="linqing", user="applicant2")
    start = "/api/v1/process-instances"
    # reports and aggregates are the scheduler's
    r = api.as_user("admin").post(start, json={"process_key": "quarterly_report", "variables": {}})
    assert r.status_code == 403
    # a county officer cannot inspect another county's platform, nor start a spot check
    v = {"register_id": other.id, "credit_code": other.credit_code, "county": "linqing", "kind": "county"}
    r = api.as_user("county-dongchangfu").post(start, json={"process_key": "inspection", "variables": v})
    assert r.status_code == 403, r.get_json()
    v = {"register_id": e.id, "credit_code": e.credit_code, "county": "dongchangfu", "kind": "spot_check"}
    r = api.post(start, json={"process_key": "inspection", "variables": v})
    assert r.status_code == 403, r.get_json()
    r = api.post(start, json={"process_key": "inspection", "variables": {"kind": "county"}})
    assert r.status_code == 422, r.get_json()
    uow = sup.rt.uow()
    with uow:
        assert uow.s.scalars(select(Inspection)).all() == []


def test_art21_a_spot_check_round_is_one_transaction(sup, api, monkeypatch):
    """The round, its audit entry and every inspection it starts commit together: an inspection that
    cannot start leaves no round behind that names platforms nobody inspects."""
    from processes.errors import Conflict
    from processes.models import ProcessInstance
    from processes.supervision import services as supervision
    from processes.supervision.models import SpotCheckRound

    sup.platform()
    sup.platform(prefix="91371500MA3C0002", name="临清市企业服务平台", county="linqing", user="applicant2")
    real, calls = supervision.start_instance, []

    def second_fails(*args, **kwargs):
        calls.append(args[3])
        if len(calls) == 2:
            raise Conflict("业务编号已被使用", code="business_key_taken")
        return real(*args, **kwargs)

    monkeypatch.setattr(supervision, "start_instance", second_fails)
    r = api.as_user("reviewer").post("/api/v1/supervision/spot-checks", json={"n": 2, "seed": "atomic"})
    assert r.status_code == 409 and len(calls) == 2
    uow = sup.rt.uow()
    with uow:
        assert uow.s.scalars(select(SpotCheckRound)).all() == []
        assert uow.s.scalars(select(ProcessInstance).where(ProcessInstance.process_key == "inspection")).all() == []
        assert uow.s.scalars(select(AuditEntry).where(AuditEntry.action == "spot_check.started")).all() == []
    monkeypatch.setattr(supervision, "start_instance", real)
    result = ok(api.as_user("reviewer").post("/api/v1/supervision/spot-checks", json={"n": 2, "seed": "atomic"}), 201)
    with uow:
        assert len(uow.s.scalars(select(ProcessInstance).where(ProcessInstance.process_key == "inspection")).all()) == 2
        assert [r.id for r in uow.s.scalars(select(SpotCheckRound))] == [result["round_id"]]


def test_art21_a_spot_check_announces_its_records_to_the_other_reviewers(sup, api, runtime):
    """Instances started outside a completion announce their queued tasks too; not to the starter."""
    from processes.notifications.models import Notification
    from tests.support.flows import add_user

    other = add_user(runtime, "reviewer2", "municipal_reviewer", None, "市局审核员二")
    sup.platform()
    result = ok(api.as_user("reviewer").post("/api/v1/supervision/spot-checks", json={"n": 1, "seed": "told"}), 201)
    uow = sup.rt.uow()
    with uow:
        told = uow.s.scalars(select(Notification).where(Notification.kind == "new_task")).all()
    assert [(n.user_id, n.title) for n in told] == [(other.id, "待认领：市局抽查")]
    assert result["business_keys"][0] in told[0].body
