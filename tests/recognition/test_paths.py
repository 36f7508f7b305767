"""Every other way the recognition procedure can go (DOMAIN.md §2), through the JSON API."""

from __future__ import annotations

import pytest

from tests.recognition.conftest import CREDIT_CODE, UPLOADS, credit_code, served_list


def _reasons(app):  # type: ignore[no-untyped-def]
    return {r["rule"]: r for r in app["outcome_reasons"]}


def test_county_declines_ends_the_application(rec, api):
    inst = rec.apply()
    rec.complete("county-dongchangfu", "county_review", county_decision="decline",
                 county_opinion="服务业绩不实，不予推荐。")
    detail = api.as_user("admin").instance(inst["id"])
    assert detail["state"] == "completed"
    app = rec.application(inst["business_key"])
    assert app["status"] == "declined"
    assert _reasons(app)["county_declined"]["message"] == "服务业绩不实，不予推荐。"
    assert api.as_user("reviewer").tasks() == []


def test_county_recommendation_needs_a_complete_survey(rec, api):
    inst = rec.apply()
    task = rec.task("county-dongchangfu", "county_review")
    body = rec.complete("county-dongchangfu", "county_review", expect=422, county_decision="recommend",
                        county_opinion="同意推荐", survey_method_visit=True, survey_samples=rec.survey()[:9])
    # refused before anything changed, naming the table (附件1: at least 10 sampled enterprises)
    assert [(e["field"], e["code"]) for e in body["errors"]] == [("survey_samples", "min_rows")]
    assert "至少 10 行" in body["errors"][0]["message"]
    assert rec.task("county-dongchangfu", "county_review")["id"] == task["id"]
    assert rec.application(inst["business_key"])["status"] == "at_county"
    rec.recommend(survey_method_visit=True)
    assert rec.application(inst["business_key"])["status"] == "under_review"
    variables = rec.variables(inst["id"])
    assert variables["survey_satisfaction"] == 100.0
    assert variables["survey"]["methods"] == ["visit", "phone"]  # 测评方法: several may apply
    # the county's checklist confirmations are in the re-run Art. 7 / Art. 8 results
    judged = {r["rule"]: r["passed"] for r in variables["check_results"] if r["kind"] == "judgment"}
    assert judged == {"7.1a": True, "7.1d": True, "7.2e": True, "7.3a": True, "7.4a": True, "7.4b": True,
                      "7.5c": True, "8.4.checklist": True}
    assert variables["check_summary"]["pending_judgment"] == []


ART7_FAILURES = [
    ("7.1b", "第七条(一)", {"registration_date": "2025-01-01"}),
    ("7.1c", "第七条(一)", {"total_assets_wan": 199.99}),
    ("7.2a", "第七条(二)", {"smes_served_last_year": 79}),
    ("7.2b", "第七条(二)", {"smes_titled_served": 4}),
    ("7.2c", "第七条(二)", {"satisfaction_rate": 89.9}),
    ("7.2d", "第七条(二)", {"yearly": [{"year": 2023, "smes_served": 110}, {"year": 2024, "smes_served": 130},
                                       {"year": 2025, "smes_served": 120}]}),
    ("7.3b", "第七条(三)", {"partner_agencies": 2}),
    ("7.4c", "第七条(四)", {"low_fee_share": 9.9}),
    ("7.5a", "第七条(五)", {"staff_total": 9, "staff_qualified": 8}),
    ("7.5b", "第七条(五)", {"staff_qualified": 15}),
]


@pytest.mark.parametrize(("rule", "article", "change"), ART7_FAILURES, ids=[r for r, _, _ in ART7_FAILURES])
def test_each_failed_art7_rule_goes_to_the_county_flagged_and_a_one_step_decline_cites_it(rec, api, rule, article,
                                                                                          change):
    # Art. 10: a computed failure does not end the application; the county sees it flagged
    inst = rec.apply(**change)
    app = rec.application(inst["business_key"])
    assert app["status"] == "at_county"
    assert [(f["rule"], f["article"]) for f in app["flagged_rules"]] == [(rule, article)]
    # one step: the decline's reasons are prefilled from the failed rules
    rec.complete("county-dongchangfu", "county_review", county_decision="decline")
    app = rec.application(inst["business_key"])
    assert app["status"] == "declined"
    reasons = _reasons(app)
    assert set(reasons) == {rule, "county_declined"}
    assert reasons[rule]["article"] == article and reasons[rule]["message"]
    assert rule in reasons["county_declined"]["message"] and article in reasons["county_declined"]["message"]
    assert api.as_user("county-dongchangfu").tasks() == []


def test_no_art8_function_met_goes_to_the_county_flagged(rec):
    inst = rec.apply(functions=[{"function": "training", "trainees": 799},
                                {"function": "legal", "activities": 3}])
    app = rec.application(inst["business_key"])
    assert app["status"] == "at_county"
    assert [(f["rule"], f["article"]) for f in app["flagged_rules"]] == [("8", "第八条")]


def test_missing_materials_return_the_form_and_say_which(rec, api):
    inst = rec.start()
    bk = inst["business_key"]
    rec.upload_all(bk, keys=[k for k in UPLOADS if k not in ("m07", "m13")])
    body = rec.submit(expect=422)
    # refused at completion, naming the materials that are missing (Art. 12); nothing changed
    assert [(e["field"], e["code"]) for e in body["errors"]] == [("materials.m07", "material_missing"),
                                                                  ("materials.m13", "material_missing")]
    assert "信用中国" in body["errors"][0]["message"]
    assert rec.application(bk)["status"] == "draft"
    assert [m["mkey"] for m in api.as_user("applicant1").get(f"/api/v1/applications/{bk}/materials")
            .get_json()["missing"]] == ["m07", "m13"]
    rec.upload_all(bk, keys=["m07", "m13"])
    rec.submit()
    assert rec.application(bk)["status"] == "at_county"


def test_supplement_twice_then_granted(rec, api):
    inst = rec.apply()
    bk = inst["business_key"]
    rec.recommend()
    # a return for supplement needs reasons: refused before anything changes
    body = rec.review(action="supplement", expect=422)
    assert [(e["field"], e["code"]) for e in body["errors"]] == [("review_reasons", "required_when")]
    assert "退回补正" in body["errors"][0]["message"]
    rec.review(action="supplement", reasons="请补充上年度专项审计报告")
    assert rec.application(bk)["status"] == "supplement"
    assert rec.upload(bk, "m04", name="审计报告-补正.pdf").status_code == 201
    rec.complete("applicant1", "supplement", supplement_response="已补充审计报告")
    rec.review(action="supplement", reasons="请补充信用报告")
    rec.complete("applicant1", "supplement", supplement_response="已补充信用报告")
    rec.review()
    history = rec.variables(inst["id"])["supplement_history"]
    assert [(h["round"], h["reasons"]) for h in history] == [(1, "请补充上年度专项审计报告"), (2, "请补充信用报告")]
    rec.expert_votes({"expert1": "approve", "expert2": "approve", "expert3": "approve"})
    rec.decide()
    rec.set_clock("2026-10-12T09:00:00+08:00")
    assert rec.application(bk)["status"] == "granted"
    # materials cannot change once the application left the applicant
    assert rec.upload(bk, "m04").status_code == 409


def test_onsite_check_decided_and_recorded(rec, api):
    inst = rec.apply()
    rec.recommend()
    rec.review(onsite=True)
    assert rec.application(inst["business_key"])["status"] == "onsite_check"
    rec.complete("reviewer", "onsite_verification", onsite_date="2026-09-29", onsite_findings="场地、设备与申报一致",
                 onsite_passed=True)
    variables = rec.variables(inst["id"])
    assert variables["onsite_findings"] == "场地、设备与申报一致"
    assert variables["onsite_date"] == "2026-09-29"
    assert rec.application(inst["business_key"])["status"] == "expert_panel"
    history = api.as_user("admin").instance(inst["id"])["history"]
    assert "onsite_verification" in [h["element_id"] for h in history]


def test_onsite_check_failed_rejects(rec):
    inst = rec.apply()
    rec.recommend()
    rec.review(onsite=True)
    rec.complete("reviewer", "onsite_verification", onsite_date="2026-09-29", onsite_findings="无固定场所",
                 onsite_passed=False)
    app = rec.application(inst["business_key"])
    assert app["status"] == "rejected"
    assert _reasons(app)["onsite_failed"]["message"] == "无固定场所"


def test_expert_panel_rejects(rec, api):
    inst = rec.apply()
    rec.recommend()
    rec.review(experts=["expert2", "expert3"])
    bk = inst["business_key"]
    # the panel's experts read the dossier; others do not
    assert api.as_user("expert2").get(f"/api/v1/applications/{bk}").status_code == 200
    assert api.as_user("expert1").get(f"/api/v1/applications/{bk}").status_code == 404
    assert api.as_user("expert1").tasks() == []
    rec.expert_votes({"expert2": "reject", "expert3": "approve"})
    app = rec.application(bk)
    assert app["status"] == "rejected"
    assert "同意 1 人" in _reasons(app)["panel_rejected"]["message"]
    reviews = rec.variables(inst["id"])["expert_reviews"]
    assert [(r["expert"], r["verdict"], r["title"]) for r in reviews] == [("expert2", "reject", "高级工程师"),
                                                                          ("expert3", "approve", "")]
    assert api.as_user("reviewer").tasks() == []


def test_review_refuses_unknown_experts_and_can_reject(rec):
    inst = rec.apply()
    rec.recommend()
    body = rec.review(experts=["expert1", "applicant2"], expect=422)
    assert [(e["field"], e["code"]) for e in body["errors"]] == [("experts[1]", "user_unknown")]
    assert "applicant2" in body["errors"][0]["message"]
    rec.review(action="reject", reasons="不具备第九条所述特色")
    app = rec.application(inst["business_key"])
    assert app["status"] == "rejected"
    assert _reasons(app)["review_rejected"]["message"] == "不具备第九条所述特色"


def _object(api, bk, reasons="服务企业名单中的数据不实"):  # type: ignore[no-untyped-def]
    return api.client.post(f"/api/v1/applications/{bk}/objections",
                           json={"name": "王五", "contact": "13900000000", "reasons": reasons})


def test_objection_upheld_ends_without_grant(rec, api):
    inst = rec.to_publicity()
    bk = inst["business_key"]
    r = _object(api, bk)
    assert r.status_code == 201, r.get_json()
    assert rec.application(bk)["status"] == "objection"
    task = rec.task("reviewer", "investigate_objection")
    objection = api.get(f"/api/v1/tasks/{task['id']}").get_json()["data"]["objection"]
    assert objection["reasons"] == "服务企业名单中的数据不实"
    rec.complete("reviewer", "investigate_objection", objection_decision="upheld", investigation_findings="经核查属实")
    app = rec.application(bk)
    assert app["status"] == "objection_upheld"
    assert _reasons(app)["objection_upheld"]["message"] == "经核查属实"
    assert api.as_user("admin").instance(inst["id"])["timers"] == []
    assert api.get("/api/v1/register").get_json() == []


def test_objection_dismissed_then_granted_at_the_original_end(rec, api):
    inst = rec.to_publicity()
    bk = inst["business_key"]
    before = api.as_user("admin").instance(inst["id"])["timers"][0]["due_at"]
    rec.set_clock("2026-10-09T10:00:00+08:00")
    assert _object(api, bk).status_code == 201
    rec.complete("reviewer", "investigate_objection", objection_decision="dismissed", investigation_findings="不属实")
    detail = api.as_user("admin").instance(inst["id"])
    assert detail["timers"][0]["due_at"] == before  # publicity is finished, not restarted
    assert rec.variables(inst["id"])["objection_history"][0]["decision"] == "dismissed"
    assert rec.application(bk)["status"] == "publicity"
    rec.set_clock("2026-10-12T09:00:00+08:00")
    assert rec.application(bk)["status"] == "granted"


def test_objection_after_publicity_is_refused_with_the_dates(rec, api):
    inst = rec.to_publicity()
    bk = inst["business_key"]
    r = _object(api, "RECOGNITION-2026-99999")
    assert r.status_code == 404
    rec.set_clock("2026-10-12T09:00:00+08:00")
    r = _object(api, bk)
    assert r.status_code == 409
    message = r.get_json()["error"]
    assert "公示期已结束" in message and "2026-09-29 至 2026-10-10" in message


def test_objection_before_publicity_is_refused(rec, api):
    inst = rec.apply()
    r = _object(api, inst["business_key"])
    assert r.status_code == 409 and "尚未进入公示期" in r.get_json()["error"]


def test_applicant_withdraws_until_the_county_acts(rec, api):
    # while filling
    first = rec.start()
    r = api.as_user("applicant1").post(f"/api/v1/applications/{first['business_key']}/withdraw",
                                       json={"reason": "材料准备不足"})
    assert r.status_code == 200, r.get_json()
    app = rec.application(first["business_key"])
    assert app["status"] == "withdrawn"
    assert app["outcome_reasons"][0]["message"] == "材料准备不足"
    # at the county; another user may not withdraw it
    second = rec.apply()
    bk = second["business_key"]
    assert api.as_user("applicant2").post(f"/api/v1/applications/{bk}/withdraw").status_code == 403
    assert api.as_user("county-dongchangfu").post(f"/api/v1/applications/{bk}/withdraw").status_code == 403
    assert api.as_user("applicant1").post(f"/api/v1/applications/{bk}/withdraw").status_code == 200
    assert api.as_user("county-dongchangfu").tasks() == []
    # after the county acted: refused
    third = rec.apply()
    rec.recommend()
    r = api.as_user("applicant1").post(f"/api/v1/applications/{third['business_key']}/withdraw")
    assert r.status_code == 409
    assert "县级主管部门已办理" in r.get_json()["error"]


def test_duplicate_application_in_a_round_is_refused(rec):
    first = rec.apply()
    second = rec.apply()
    app = rec.application(second["business_key"])
    assert app["status"] == "ineligible"
    reason = _reasons(app)["one_per_round"]
    assert reason["article"] == "第十五条" and first["business_key"] in reason["message"]
    # another unit of the same county may apply
    third = rec.apply(credit_code=credit_code(2), unit_name="另一平台")
    assert rec.application(third["business_key"])["status"] == "at_county"


def _register(api, **entry):  # type: ignore[no-untyped-def]
    body = {"unit_name": "聊城市中小企业综合服务中心有限公司", "credit_code": CREDIT_CODE, "county": "dongchangfu"}
    body.update(entry)
    r = api.as_user("admin").post("/api/v1/register", json=body)
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def test_banned_unit_is_refused(rec, api):
    entry = _register(api, status="revoked", valid_from="2023-06-01", valid_to="2026-06-01",
                      revoked_on="2025-03-10")
    assert entry["ban_until"] == "2028-03-10"
    inst = rec.apply()
    app = rec.application(inst["business_key"])
    assert app["status"] == "ineligible"
    assert _reasons(app)["banned"]["article"] == "第二十一条"
    assert "2028-03-10" in _reasons(app)["banned"]["message"]


def test_recognised_unit_refused_unless_in_its_expiry_year(rec, api):
    _register(api, status="recognised", valid_from="2024-05-01", valid_to="2027-05-01", certificate_no="LCSME-2024-003")
    inst = rec.apply()
    app = rec.application(inst["business_key"])
    assert app["status"] == "ineligible"
    assert _reasons(app)["recognised"]["article"] == "第十七条"
    # a unit whose recognition expires this year may apply again
    other = credit_code(3)
    _register(api, credit_code=other, status="recognised", valid_from="2023-11-30", valid_to="2026-11-30",
              certificate_no="LCSME-2023-009")
    inst = rec.apply(credit_code=other)
    assert rec.application(inst["business_key"])["status"] == "at_county"


def test_no_open_round_means_no_application(api, rec, runtime):
    from processes.recognition.models import RecognitionRound

    uow = runtime.uow()
    with uow:
        for r in uow.s.query(RecognitionRound).all():
            r.status = "closed"
        uow.commit()
    inst = rec.start()
    app = rec.application(inst["business_key"])
    assert app["status"] == "ineligible"
    assert _reasons(app)["round"]["article"] == "第十五条"


def test_submission_after_the_round_deadline_is_refused(rec, api, runtime):
    from processes.recognition.models import RecognitionRound

    uow = runtime.uow()
    with uow:
        r = uow.s.query(RecognitionRound).one()
        from datetime import date

        r.submission_deadline = date(2026, 9, 27)
        uow.commit()
    inst = rec.apply()
    assert _reasons(rec.application(inst["business_key"]))["round_closed"]["article"] == "第十五条"


def test_officer_of_another_county_sees_none_of_it(rec, api):
    inst = rec.apply()
    bk = inst["business_key"]

    def other():  # type: ignore[no-untyped-def]
        return api.as_user("county-linqing")

    assert other().tasks() == []
    assert other().get(f"/api/v1/applications/{bk}").status_code == 404
    assert other().get("/api/v1/applications").get_json() == []
    assert other().get(f"/api/v1/process-instances/{inst['id']}").status_code == 404
    rec.recommend()
    rec.review(onsite=True)
    assert other().tasks() == []
    rec.complete("reviewer", "onsite_verification", onsite_date="2026-09-29", onsite_findings="一致",
                 onsite_passed=True)
    rec.expert_votes({"expert1": "approve", "expert2": "approve", "expert3": "approve"})
    rec.decide()
    assert other().tasks() == []
    assert [a["business_key"] for a in api.as_user("county-dongchangfu").get("/api/v1/applications")
            .get_json()] == [bk]


def test_certificate_numbers_run_per_year(rec, api):
    first = rec.to_publicity()
    rec.to_publicity(user="applicant2", county="county-linqing", credit_code=credit_code(4), unit_name="临清平台",
                     served_list=served_list())
    rec.set_clock("2026-10-12T09:00:00+08:00")
    numbers = sorted(e["certificate_no"] for e in api.get("/api/v1/register").get_json())
    assert numbers == ["LCSME-2026-001", "LCSME-2026-002"]
    assert rec.application(first["business_key"])["status"] == "granted"
