"""Scenario tests of the audit against the measure (聊工信发〔2021〕115号), one per item, through the
JSON API, each named after the article it proves (docs/domain-changes.md)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from processes.clock import CST
from tests.recognition.conftest import DIAGRAMS, credit_code
from tests.support.diagrams import CALENDAR_2027
from tests.support.pages import PageClient


def _reasons(app: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["rule"]: r for r in app["outcome_reasons"]}


def _results(variables: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["rule"]: r for r in variables["check_results"]}


def _object(api: Any, bk: str, reasons: str = "服务企业名单中的数据不实") -> Any:
    return api.client.post(f"/api/v1/applications/{bk}/objections",
                           json={"name": "王五", "contact": "13900000000", "reasons": reasons})


# -- 1. Art. 7(二) with 7(一): 7.2d on two yearly figures --------------------------------------------------------

def test_art7_2d_two_years_of_figures_suffice(rec):
    # registered 2024-03-01: operating two and a half years (7.1b); two full years of figures
    inst = rec.apply(registration_date="2024-03-01",
                     yearly=[{"year": 2024, "smes_served": 95}, {"year": 2025, "smes_served": 150}])
    app = rec.application(inst["business_key"])
    assert app["status"] == "at_county" and app["flagged_rules"] == []
    result = _results(rec.variables(inst["id"]))["7.2d"]
    assert result["passed"] is True and "2024年 95 家、2025年 150 家" in result["message"]


# -- 2. Art. 10: the county decides ---------------------------------------------------------------------------

def test_art10_precheck_shows_the_rules_before_submitting(rec, api):
    inst = rec.start()
    bk = inst["business_key"]
    r = api.as_user("applicant1").post(f"/api/v1/applications/{bk}/draft",
                                       json={"data": {"unit_name": "草稿平台", "total_assets_wan": 150}})
    assert r.status_code == 200, r.get_json()
    from tests.recognition.conftest import valid_application

    draft = valid_application()
    draft.pop("total_assets_wan")  # the saved draft's 150 万元 stands
    r = api.post(f"/api/v1/applications/{bk}/precheck", json={"data": draft})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert set(body) == {"results", "passed"} and body["passed"] is False
    by_rule = {x["rule"]: x for x in body["results"]}
    assert set(by_rule["7.1c"]) >= {"rule", "article", "passed", "value", "threshold", "message"}
    assert (by_rule["7.1c"]["passed"], by_rule["7.1c"]["article"], by_rule["7.1c"]["value"],
            by_rule["7.1c"]["threshold"]) == (False, "第七条(一)", 150.0, 200)
    assert by_rule["7.2d"]["passed"] is True and by_rule["7.5c"]["passed"] is None  # the county's item
    # read-only: nothing submitted, and other applicants see nothing
    assert rec.application(bk)["status"] == "draft"
    assert api.as_user("applicant2").post(f"/api/v1/applications/{bk}/precheck").status_code == 404
    ok = api.as_user("applicant1").post(f"/api/v1/applications/{bk}/precheck",
                                        json={"data": {**draft, "total_assets_wan": 800}}).get_json()
    assert ok["passed"] is True


def test_art10_computed_failures_reach_the_county_flagged_with_a_prefilled_one_step_decline(rec, api):
    inst = rec.apply(total_assets_wan=150, satisfaction_rate=85)
    bk = inst["business_key"]
    app = rec.application(bk)
    assert app["status"] == "at_county"
    assert [(f["rule"], f["article"]) for f in app["flagged_rules"]] == [("7.1c", "第七条(一)"),
                                                                        ("7.2c", "第七条(二)")]
    task_id = rec.task("county-dongchangfu", "county_review")["id"]
    data = api.as_user("county-dongchangfu").get(f"/api/v1/tasks/{task_id}").get_json()["data"]
    assert [r["rule"] for r in data["flagged_rules"]] == ["7.1c", "7.2c"]
    assert [r["rule"] for r in data["decline_reasons"]] == ["7.1c", "7.2c"]
    assert "第七条(一) 7.1c" in data["county_opinion"] and "第七条(二) 7.2c" in data["county_opinion"]
    # one step: the decision alone; the prefilled reasons are the outcome, each citing its article
    rec.complete("county-dongchangfu", "county_review", county_decision="decline")
    app = rec.application(bk)
    assert app["status"] == "declined"
    reasons = _reasons(app)
    assert reasons["7.1c"]["article"] == "第七条(一)" and reasons["7.2c"]["article"] == "第七条(二)"
    assert reasons["county_declined"]["article"] == "第十条"
    # the applicant is told why, in the notification and on the application's page
    notes = api.as_user("applicant1").get("/api/v1/notifications").get_json()["items"]
    outcome = [n for n in notes if n["kind"] == "outcome" and bk in n["title"]]
    assert outcome and "7.1c" in outcome[0]["body"] and "第七条(一)" in outcome[0]["body"]


def test_art10_the_county_may_recommend_despite_a_flagged_rule_and_the_reviewer_sees_it(rec):
    inst = rec.apply(total_assets_wan=150)
    rec.recommend(county_opinion="资产总额略低，但服务业绩突出，仍予推荐。")
    app = rec.application(inst["business_key"])
    assert app["status"] == "under_review"
    assert [f["rule"] for f in app["flagged_rules"]] == ["7.1c"]


def test_art10_whoever_ends_an_application_the_applicant_sees_why(rec, api, app):
    inst = rec.apply()
    rec.recommend()
    rec.review(action="reject", reasons="不具备第九条所述特色")
    html = PageClient(app, "applicant1").get(f"/instances/{inst['id']}").get_data(as_text=True)
    assert "不具备第九条所述特色" in html and "第十三条" in html
    notes = api.as_user("applicant1").get("/api/v1/notifications").get_json()["items"]
    assert any(n["kind"] == "outcome" and "不具备第九条所述特色" in n["body"] for n in notes)


def test_art15_a_wrong_credit_code_check_digit_is_no_eligibility_result(rec):
    good = credit_code(7)
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    inst = rec.start()
    rec.upload_all(inst["business_key"])
    body = rec.submit(expect=422, credit_code=wrong)
    # refused at completion as a form error naming the field; nothing ends under Art. 15
    assert [(e["field"], e["code"]) for e in body["errors"]] == [("credit_code", "credit_code")]
    assert "校验位" in body["errors"][0]["message"]
    app = rec.application(inst["business_key"])
    assert app["status"] == "draft" and "credit_code" not in _reasons(app)
    rec.submit(credit_code=good)
    assert rec.application(inst["business_key"])["status"] == "at_county"


# -- 3. Art. 13–14: objections are never refused within the 5 working days -----------------------------------

def test_art13_objections_are_never_refused_within_the_period_and_the_grant_waits_for_every_decision(rec, api):
    inst = rec.to_publicity()
    bk = inst["business_key"]
    first = _object(api, bk, "服务企业名单中的数据不实")
    assert first.status_code == 201, first.get_json()
    # a second objection while the first is being investigated is accepted
    second = _object(api, bk, "合作机构的协议为虚构的")
    assert second.status_code == 201, second.get_json()
    # the platform stays on the public publicity list while it is investigated
    assert bk in api.client.get("/public/").get_data(as_text=True)
    task = rec.task("reviewer", "investigate_objection")
    assert api.as_user("reviewer").get(f"/api/v1/tasks/{task['id']}").get_json()["data"]["objection"]["reasons"] \
        == "服务企业名单中的数据不实"
    rec.complete("reviewer", "investigate_objection", objection_decision="dismissed", investigation_findings="不属实")
    # the second one is investigated next
    task = rec.task("reviewer", "investigate_objection")
    assert api.get(f"/api/v1/tasks/{task['id']}").get_json()["data"]["objection"]["reasons"] == "合作机构的协议为虚构的"
    # a third arrives on the last day of the period (Saturday 2026-10-10, a swapped working day)
    rec.set_clock("2026-10-10T20:00:00+08:00")
    assert _object(api, bk, "收费标准从未对外公示").status_code == 201
    # the period ends while two are undecided: no grant yet
    rec.set_clock("2026-10-12T09:00:00+08:00")
    assert rec.application(bk)["status"] == "objection"
    assert bk not in api.client.get("/public/").get_data(as_text=True)  # the period is over
    rec.complete("reviewer", "investigate_objection", objection_decision="dismissed", investigation_findings="不属实")
    assert rec.application(bk)["status"] == "objection"
    rec.complete("reviewer", "investigate_objection", objection_decision="dismissed", investigation_findings="已公示")
    app = rec.application(bk)
    assert app["status"] == "granted" and app["certificate_no"] == "LCSME-2026-001"
    history = rec.variables(inst["id"])["objection_history"]
    assert [h["decision"] for h in history] == ["dismissed"] * 3
    rows = api.as_user("reviewer").get(f"/api/v1/applications/{bk}/objections").get_json()
    assert [(o["status"], o["decided_by"]) for o in rows] == [("dismissed", "reviewer")] * 3


def test_art13_an_upheld_objection_means_no_grant(rec, api):
    inst = rec.to_publicity()
    bk = inst["business_key"]
    assert _object(api, bk).status_code == 201
    assert _object(api, bk, "另一项异议：培训人次不实").status_code == 201
    rec.complete("reviewer", "investigate_objection", objection_decision="upheld", investigation_findings="经核查属实")
    app = rec.application(bk)
    assert app["status"] == "objection_upheld"
    assert _reasons(app)["objection_upheld"]["message"] == "经核查属实"
    assert api.get("/api/v1/register").get_json() == []


# -- 4. Periods: the start day is not counted ------------------------------------------------------------------

def test_art13_publicity_period_does_not_count_the_start_day(rec, api):
    inst = rec.to_publicity()  # published Monday 2026-09-28
    bk = inst["business_key"]
    app = rec.application(bk)
    assert app["publicity_start"] == "2026-09-28"
    assert app["publicity_end"] == "2026-10-10T15:59:59+00:00"  # 23:59:59 CST, Saturday (swapped working day)
    timers = api.as_user("admin").instance(inst["id"])["timers"]
    assert [t["due_at"] for t in timers] == ["2026-10-10T15:59:59+00:00"]
    rec.set_clock("2026-10-10T23:00:00+08:00")
    assert _object(api, bk).status_code == 201  # the fifth working day is still within the period
    notice = api.client.get("/public/notices/publicity/2026-09-28").get_data(as_text=True)
    assert "2026年9月29日至10月10日" in notice


# -- 5. Statutory holidays of an unpublished year, marked provisional where shown ---------------------------

def test_art13_provisional_period_over_new_year_2027_is_marked_and_recomputed(rec, api, clock):
    clock.set_state(datetime(2026, 12, 28, 9, 0, tzinfo=CST), timedelta(0))
    inst = rec.to_publicity()
    bk = inst["business_key"]
    # Mon 2026-12-28 (not counted): 29, 30, 31 Dec; Fri 1 Jan 2027 is 元旦 (statutory); Mon 4, Tue 5 Jan
    assert rec.application(bk)["publicity_end"] == "2027-01-05T15:59:59+00:00"
    detail = api.as_user("admin").instance(inst["id"])
    assert [(t["element_id"], t["provisional"]) for t in detail["timers"]] == [("publicity_wait", True)]
    assert [d["element_id"] for d in detail["provisional_deadlines"]] == ["publicity_wait"]
    notice = api.client.get("/public/notices/publicity/2026-12-28").get_data(as_text=True)
    assert "2026年12月29日至2027年1月5日" in notice and "临时" in notice
    # the year is loaded: recomputed, no longer provisional anywhere
    r = api.as_user("admin").post("/api/v1/calendar/years", json={"toml": CALENDAR_2027.read_text(encoding="utf-8")})
    assert r.status_code == 201, r.get_json()
    detail = api.as_user("admin").instance(inst["id"])
    assert [t["provisional"] for t in detail["timers"]] == [False] and detail["provisional_deadlines"] == []
    assert "临时" not in api.client.get("/public/notices/publicity/2026-12-28").get_data(as_text=True)


def test_art13_provisional_task_due_date_is_marked_in_the_task_list(rec, api, clock):
    clock.set_state(datetime(2026, 12, 21, 9, 0, tzinfo=CST), timedelta(0))
    rec.apply()
    rec.recommend()
    rec.review(action="supplement", reasons="请补充审计报告")
    # add_working_days(2026-12-21, 10) reaches into 2027 (not loaded): provisional
    [task] = api.as_user("applicant1").tasks()
    assert task["element_id"] == "supplement" and task["due_provisional"] is True
    assert api.get(f"/api/v1/tasks/{task['id']}").get_json()["due_provisional"] is True


# -- 6. Art. 7 last paragraph: the relaxed column needs its condition ---------------------------------------

def test_art7_last_paragraph_relaxed_column_needs_the_county_confirmation_7R(rec, api):
    inst = rec.apply(unit_nature="public_institution", total_assets_wan=150, staff_total=6, staff_qualified=5)
    bk = inst["business_key"]
    # a 事业单位 host is measured against the enterprise column until the county confirms 7.R
    assert rec.variables(inst["id"])["thresholds"]["assets_min_wan"] == 200
    assert [f["rule"] for f in rec.application(bk)["flagged_rules"]] == ["7.1c", "7.5a"]
    rec.recommend(confirm_7_R=True)
    variables = rec.variables(inst["id"])
    assert variables["thresholds"]["assets_min_wan"] == 100 and variables["thresholds"]["staff_min"] == 5
    results = _results(variables)
    assert results["7.R"]["passed"] is True and results["7.1c"]["passed"] is True
    assert variables["check_summary"]["failed_rules"] == []


def test_art7_last_paragraph_without_7R_the_enterprise_column_applies(rec):
    inst = rec.apply(unit_nature="social_organization", total_assets_wan=150)
    rec.recommend(confirm_7_R=False)
    variables = rec.variables(inst["id"])
    assert variables["thresholds"]["assets_min_wan"] == 200
    assert "7.1c" in variables["check_summary"]["failed_rules"]


# -- 7. Judgment items: 7.2e, 7.5c and Art. 8's checklists ---------------------------------------------------

def test_art7_2e_7_5c_and_art8_checklists_are_county_items(rec):
    inst = rec.apply(functions=[{"function": "startup", "activities": 8}])
    results = _results(rec.variables(inst["id"]))
    assert results["7.2e"]["kind"] == "judgment" and results["7.2e"]["passed"] is None
    assert results["7.5c"]["article"] == "第七条(五)"
    assert results["8.3"]["passed"] is None and "《创业指南》" in results["8.3.checklist"]["message"]
    # the county finds no 《创业指南》 and no hotline: the function is not met, nor Art. 8
    rec.recommend(confirm_8_3_checklist=False, confirm_7_2e=False)
    variables = rec.variables(inst["id"])
    results = _results(variables)
    assert results["8.3"]["passed"] is False and results["8"]["passed"] is False
    assert variables["check_summary"]["rejected_judgment"] == ["7.2e", "8.3.checklist"]
    assert "8" in variables["check_summary"]["failed_rules"]


# -- 8. Art. 11: the county survey counts ---------------------------------------------------------------------

def test_art11_the_county_survey_is_the_drawn_sample_and_its_satisfaction_is_compared_with_90(rec):
    inst = rec.apply()
    survey = rec.survey()
    reserve = rec.reserve()
    assert len(reserve) == 10 and not {r["enterprise"] for r in reserve} & {s["enterprise"] for s in survey}
    # an enterprise the county picked itself is refused
    bad = [dict(s) for s in survey]
    bad[0]["enterprise"] = "县里熟悉的企业"
    rec.recommend(survey_samples=bad)
    errors = rec.variables(inst["id"])["survey_errors"]
    assert any("不在随机抽取的企业中" in e["message"] for e in errors)
    # an unreachable one is replaced by the next drawn enterprise, with a reason; two methods
    rows = [dict(s) for s in survey]
    nxt = reserve[0]
    rows[0] = {**{k: nxt[k] for k in ("enterprise", "person", "post", "phone", "service")},
               "rating": "unsatisfied", "replaces": survey[0]["enterprise"], "replacement_reason": "电话三次无人接听"}
    rows[1]["rating"] = "unsatisfied"
    rec.recommend(survey_samples=rows, survey_method_visit=True)
    variables = rec.variables(inst["id"])
    assert variables["survey_errors"] == []
    assert variables["survey"]["methods"] == ["visit", "phone"]
    assert variables["survey_satisfaction"] == 80.0  # 8 of 10 很满意/基本满意
    result = _results(variables)["7.2c.survey"]
    assert (result["passed"], result["value"], result["threshold"]) == (False, 80.0, 90)
    assert "申报单位自报 96%" in result["message"]
    assert "7.2c.survey" in variables["check_summary"]["failed_rules"]


# -- 10. Art. 23: the measure's lifetime ---------------------------------------------------------------------

MEASURE_2027 = {"title": "聊城市中小企业公共服务示范平台认定管理办法（修订）", "number": "聊工信发〔2026〕99号",
                "effective_from": "2027-01-01", "effective_to": "2031-12-31"}


def test_art23_a_round_after_the_measure_lapses_must_name_its_measure(rec, api):
    r = api.as_user("admin").post("/api/v1/rounds", json={"year": 2027, "submission_deadline": "2027-06-30"})
    assert r.status_code == 422 and "第二十三条" in r.get_json()["error"]
    r = api.post("/api/v1/rounds", json={"year": 2027, "submission_deadline": "2027-06-30",
                                         "measure": {**MEASURE_2027, "effective_from": "2027-07-01"}})
    assert r.status_code == 422  # the round's dates must fall within the named measure
    r = api.post("/api/v1/rounds", json={"year": 2027, "submission_deadline": "2027-06-30", "measure": MEASURE_2027})
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["measure"]["number"] == "聊工信发〔2026〕99号"
    rounds = {x["year"]: x for x in api.get("/api/v1/rounds").get_json()}
    assert rounds[2026]["measure"]["number"] == "聊工信发〔2021〕115号"


def test_art23_the_round_page_warns_while_no_measure_is_in_force(rec, api, app, clock):
    status = api.as_user("admin").get("/api/v1/measures").get_json()
    assert status["in_force"]["number"] == "聊工信发〔2021〕115号" and status["warning"] is None
    clock.set_state(datetime(2027, 1, 4, 9, 0, tzinfo=CST), timedelta(0))
    status = api.get("/api/v1/measures").get_json()
    assert status["in_force"] is None and "2026-12-31" in status["warning"]
    html = PageClient(app, "admin").get("/rounds").get_data(as_text=True)
    assert "第二十三条" in html and "目前没有有效的认定办法" in html
    assert api.post("/api/v1/rounds", json={"year": 2027, "submission_deadline": "2027-06-30",
                                            "measure": MEASURE_2027}).status_code == 201
    assert api.get("/api/v1/measures").get_json()["warning"] is None


def test_art23_definitions_carry_their_measure_and_an_application_keeps_its_version(rec, api, tmp_path):
    defs = {d["key"]: d for d in api.as_user("admin").get("/api/v1/process-definitions").get_json()}
    measure = defs["recognition"]["measure"]
    assert (measure["number"], measure["effective_from"], measure["effective_to"]) == (
        "聊工信发〔2021〕115号", "2022-01-01", "2026-12-31")
    assert measure["rule_sets"]["art7_thresholds.dmn"]["number"] == "聊工信发〔2021〕115号"
    first = rec.start()
    # a successor measure's rule set: assets ≥ 300 万元
    text = (DIAGRAMS / "art7_thresholds.dmn").read_text(encoding="utf-8")
    revised = text.replace('<outputEntry id="art7_thresholds_rule1_assets_min_wan"><text>200</text>',
                           '<outputEntry id="art7_thresholds_rule1_assets_min_wan"><text>300</text>')
    for key, value in (("measure_number", MEASURE_2027["number"]), ("measure_effective_from", "2027-01-01"),
                       ("measure_effective_to", "2031-12-31"), ("measure_title", MEASURE_2027["title"])):
        start = revised.index(f'name="{key}" value="') + len(f'name="{key}" value="')
        revised = revised[:start] + value + revised[revised.index('"', start):]
    path = tmp_path / "art7_thresholds.dmn"
    path.write_text(revised, encoding="utf-8")
    assert api.as_user("owner").deploy(path).status_code == 201
    second = rec.start(user="applicant2")
    rec.upload_all(first["business_key"])
    rec.submit(total_assets_wan=250)
    rec.upload_all(second["business_key"], user="applicant2")
    rec.submit(user="applicant2", total_assets_wan=250, credit_code=credit_code(12), unit_name="临清平台")
    a, b = rec.application(first["business_key"]), rec.application(second["business_key"])
    assert a["definition_version"] == 1 and a["flagged_rules"] == []  # 250 ≥ 200 under 115号
    assert b["definition_version"] == 2 and [f["rule"] for f in b["flagged_rules"]] == ["7.1c"]  # < 300
    assert b["measure"]["rule_sets"]["art7_thresholds.dmn"]["number"] == "聊工信发〔2026〕99号"
    assert a["measure"]["rule_sets"]["art7_thresholds.dmn"]["number"] == "聊工信发〔2021〕115号"



# -- Art. 13 with Art. 7, 8: the reviewer judges the supplemented application, not the first one ----------------

def test_art13_a_supplement_re_runs_the_art7_art8_checks_the_reviewer_sees(rec, api):
    inst = rec.apply()
    rec.recommend()
    before = _results(rec.variables(inst["id"]))
    assert before["7.1c"]["passed"] is True and before["7.1c"]["value"] == 800
    assert before["7.5c"]["passed"] is True  # confirmed by the county
    rec.review(action="supplement", reasons="请按审计报告更正资产总额")
    rec.complete("applicant1", "supplement", total_assets_wan=150, supplement_response="已按审计报告更正为150万元")
    after = _results(rec.variables(inst["id"]))
    assert (after["7.1c"]["passed"], after["7.1c"]["value"], after["7.1c"]["threshold"]) == (False, 150.0, 200)
    assert after["7.5c"]["passed"] is True  # what the county confirmed stands
    task = rec.task("reviewer", "municipal_review")
    view = api.as_user("reviewer").get(f"/api/v1/tasks/{task['id']}").get_json()
    shown = {r["rule"]: r for r in view["data"]["check_results"]}
    assert shown["7.1c"]["passed"] is False and "150" in shown["7.1c"]["message"]
