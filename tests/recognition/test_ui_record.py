"""The pages of people who decide on an application, through Flask's test client: the whole record on
each reviewing page, the approval record in words, materials opened by whom may see them (404 for
everyone else, role by role), a return that goes back to the reviewer who returned it and that the
applicant answers by editing the form, outcomes that look different, the check before submitting,
autosave, uploads answered in JSON, forms of real size, receipts for the public's objections."""

from __future__ import annotations

import io
import json
import re
from datetime import datetime, timedelta
from html import unescape
from typing import Any

import pytest
from sqlalchemy import select

from processes.clock import CST
from processes.models import AuditEntry, TaskIndex, User
from processes.recognition.models import Application
from tests.recognition.conftest import PDF, PNG, credit_code, valid_application
from tests.support.flows import add_user
from tests.support.pages import PageClient


@pytest.fixture
def page(app):  # type: ignore[no-untyped-def]
    return lambda username: PageClient(app, username)


def text(html: str) -> str:
    """The visible text of a page, roughly (tags dropped, entities read)."""
    return unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)[^>]*>.*?</\1>", "", html, flags=re.S)))


def user_id(runtime: Any, username: str) -> int:
    with runtime.uow() as u:
        return int(u.s.scalars(select(User.id).where(User.username == username)).one())


def task_row(runtime: Any, bk: str, element_id: str, assignee: str | None = None) -> TaskIndex:
    with runtime.uow() as u:
        stmt = select(TaskIndex).where(TaskIndex.business_key == bk, TaskIndex.element_id == element_id)
        if assignee:
            stmt = stmt.where(TaskIndex.assignee_id == user_id(runtime, assignee))
        row = u.s.scalars(stmt).one()
        u.s.expunge(row)
        return row


def at_municipal_review(rec: Any) -> dict[str, Any]:
    inst = rec.apply()
    rec.recommend()
    return inst


# -- a return goes back to the reviewer who returned it; the applicant edits the form ------------------

def test_a_returned_application_goes_back_to_the_reviewer_who_returned_it(rec, runtime, page):
    add_user(runtime, "reviewer2", "municipal_reviewer", None, "市局审核员二")
    inst = at_municipal_review(rec)
    bk = inst["business_key"]
    first = task_row(runtime, bk, "municipal_review")
    assert first.pool and first.assignee_id is None  # the first review waits in the bureau's queue
    reviewer2 = page("reviewer2")
    reviewer2.get(f"/tasks/{first.task_id}")
    reviewer2.post(f"/tasks/{first.task_id}/claim")
    r = reviewer2.post(f"/tasks/{first.task_id}", {"review_action": "supplement", "review_reasons": "请补充审计报告",
                                                   "_action": "submit"})
    assert r.status_code == 302
    rec.complete("applicant1", "supplement", supplement_response="已补充审计报告")
    again = task_row(runtime, bk, "municipal_review")
    assert again.assignee_id == user_id(runtime, "reviewer2") and not again.pool
    assert rec.api.as_user("reviewer").tasks() == []  # not in the pool, not someone else's
    # the second review opens blank: not with the first decision and its reasons
    html = reviewer2.get(f"/tasks/{again.task_id}").get_data(as_text=True)
    assert "请补充审计报告" in html  # in the record of supplements …
    # … not in the form
    assert '<option value="supplement" selected' not in html and ">请补充审计报告</textarea>" not in html


def test_the_applicant_answers_a_return_by_editing_the_form_and_its_tables(rec, runtime, page):
    inst = at_municipal_review(rec)
    bk = inst["business_key"]
    rec.review(action="supplement", reasons="请核对第1行企业的联系电话，并更正联系人")
    applicant = page("applicant1")
    notes = applicant.get("/notifications").get_data(as_text=True)
    assert "退回补正" in notes and "请核对第1行企业的联系电话" in notes
    task = task_row(runtime, bk, "supplement")
    html = applicant.get(f"/tasks/{task.task_id}").get_data(as_text=True)
    assert 'data-testid="supplement-request"' in html and "请核对第1行企业的联系电话" in html
    assert 'data-table-editor="served_list"' in html and 'id="in-contact_name"' in html  # the form itself
    served = valid_application()["served_list"]
    served[0] = {**served[0], "phone": "0635-8123456"}
    r = applicant.post(f"/tasks/{task.task_id}", {"contact_name": "王六", "served_list": json.dumps(served),
                                                  "supplement_response": "已更正联系人和第1行的联系电话",
                                                  "_action": "submit"})
    assert r.status_code == 302, r.get_data(as_text=True)[:300]
    data = rec.variables(inst["id"])
    assert data["contact_name"] == "王六" and data["served_list"][0]["phone"] == "0635-8123456"
    with runtime.uow() as u:
        answer = u.s.scalars(select(AuditEntry).where(AuditEntry.element_id == "supplement",
                                                      AuditEntry.action == "task.completed")).one()
    # the record keeps what changed, not the whole application again
    assert set(answer.data["values"]) == {"contact_name", "served_list", "supplement_response"}
    review = task_row(runtime, bk, "municipal_review")
    html = page("reviewer").get(f"/tasks/{review.task_id}").get_data(as_text=True)
    seen = text(html)
    assert "已更正联系人和第1行的联系电话" in seen and "修改了" in seen and "联系人" in seen


def test_an_api_supplement_that_leaves_the_application_out_keeps_it(rec, runtime):
    inst = at_municipal_review(rec)
    rec.review(action="supplement", reasons="请补充材料")
    rec.complete("applicant1", "supplement", supplement_response="已补充")
    assert rec.variables(inst["id"])["unit_name"] == valid_application()["unit_name"]


# -- the whole application where the next person decides ----------------------------------------------

def test_every_reviewing_page_shows_the_application_and_what_was_decided_in_words(rec, runtime, page):
    inst = at_municipal_review(rec)
    bk = inst["business_key"]
    reviewer = page("reviewer")
    html = reviewer.get(f"/tasks/{task_row(runtime, bk, 'municipal_review').task_id}").get_data(as_text=True)
    seen = text(html)
    for part in ("申请报告（附件2）", "一、申请表", "五、情况说明", "平台基本情况……", "县级主管部门推荐意见与测评",
                 "经核查，符合条件，同意推荐。", "测评满意度", "很满意", "单位性质"):
        assert part in seen, part
    assert "enterprise" not in seen and "very_satisfied" not in seen and "county_review" not in seen
    assert "{'" not in seen and "[{" not in seen and "strictly" not in seen
    assert 'data-testid="record-table-served_list"' in html and "聊城市服务企业149有限公司" in html
    rec.review(onsite=True)
    rec.complete("reviewer", "onsite_verification", onsite_date="2026-09-28", onsite_findings="场所设备与申报一致",
                 onsite_passed=True)
    rec.expert_votes({"expert1": "approve", "expert2": "approve", "expert3": "approve"})
    html = reviewer.get(f"/tasks/{task_row(runtime, bk, 'review_decision').task_id}").get_data(as_text=True)
    seen = text(html)
    assert "场所设备与申报一致" in seen and "现场核实通过：是" in seen
    assert "expert2 的评审意见" in seen and "专家组 3 人，同意 3 人" in seen and "高级工程师" in seen


def test_experts_read_the_record_but_not_each_others_opinions(rec, runtime, page):
    inst = at_municipal_review(rec)
    bk = inst["business_key"]
    rec.review()
    rec.complete("expert1", "expert_review", verdict="approve", opinion="专家一的独立意见", score=91)
    html = page("expert2").get(f"/tasks/{task_row(runtime, bk, 'expert_review', 'expert2').task_id}"
                               ).get_data(as_text=True)
    seen = text(html)
    assert "申请报告（附件2）" in seen and "县级主管部门推荐意见与测评" in seen
    assert "专家一的独立意见" not in seen and "91" not in re.findall(r"评分 (\d+)", seen)
    applicant = text(page("applicant1").get(f"/instances/{inst['id']}").get_data(as_text=True))
    assert "专家一的独立意见" not in applicant and "经核查，符合条件，同意推荐。" in applicant
    # the API's approval record is the page's: the same people do not read the opinion there either
    for user in ("expert2", "applicant1", "county-dongchangfu"):
        r = rec.api.as_user(user).get(f"/api/v1/process-instances/{inst['id']}/timeline")
        assert r.status_code == 200 and "专家一的独立意见" not in r.get_data(as_text=True), user
    for user in ("expert1", "reviewer"):
        r = rec.api.as_user(user).get(f"/api/v1/process-instances/{inst['id']}/timeline")
        assert "专家一的独立意见" in r.get_data(as_text=True), user


# -- the approval record and 已办 in words ------------------------------------------------------------

def test_the_approval_record_says_who_decided_what_and_why_in_chinese(rec, runtime, page, api):
    inst = at_municipal_review(rec)
    rec.review(action="supplement", reasons="请补充审计报告")
    timeline = api.as_user("reviewer").get(f"/api/v1/process-instances/{inst['id']}/timeline").get_json()
    county = next(e for e in timeline if e["element_id"] == "county_review" and e["action"] == "task.completed")
    assert county["decision_text"] == "推荐" and county["role_name"] == "县级主管部门"
    assert county["opinion"] == "经核查，符合条件，同意推荐。"
    back = next(e for e in timeline if e["element_id"] == "municipal_review" and e["action"] == "task.completed")
    assert back["decision_text"] == "退回补正" and back["opinion"] == "请补充审计报告"
    assert back["role_name"] == "市局审核员" and back["actor"] == "市局审核员"
    html = page("reviewer").get(f"/instances/{inst['id']}").get_data(as_text=True)
    assert 'data-testid="tl-decision">退回补正<' in html and 'data-testid="tl-decision">推荐<' in html
    assert "（县级主管部门）" in html and "county_review" not in text(html)
    done = page("reviewer").get("/tasks/done").get_data(as_text=True)
    assert re.search(r'data-testid="done-decision"><span class="tag decision-supplement">退回补正<', done)


def test_withdrawal_and_messages_are_named_not_coded(rec, runtime, page):
    inst = rec.apply()
    r = rec.api.as_user("applicant1").post(f"/api/v1/applications/{inst['business_key']}/withdraw",
                                           json={"reason": "材料需要重新准备"})
    assert r.status_code in (200, 201), r.get_json()
    html = text(page("applicant1").get(f"/instances/{inst['id']}").get_data(as_text=True))
    assert "申报单位撤回" in html and "材料需要重新准备" in html and "withdraw" not in html
    assert "已撤回" in html and "已完成" not in html


# -- materials: who may open them ---------------------------------------------------------------------

@pytest.fixture
def material_case(rec: Any) -> dict[str, Any]:
    """An application of 东昌府区 (applicant1) with its materials, at the bureau with the panel chosen
    (expert1, expert2); expert3 is on no panel."""
    inst = rec.start("applicant1")
    bk = inst["business_key"]
    rec.upload_all(bk)
    rec.upload(bk, "m05", PNG, name="场所照片.png")
    rec.submit()
    rec.recommend()
    rec.review(experts=["expert1", "expert2"])
    return inst


@pytest.mark.parametrize("who", ["applicant1", "county-dongchangfu", "reviewer", "admin", "expert1"])
def test_materials_open_for_those_who_may_see_the_application(page, material_case, who):
    bk = material_case["business_key"]
    r = page(who).get(f"/applications/{bk}/materials/m03")
    assert r.status_code == 200 and r.data == PDF
    assert r.headers["Content-Type"] == "application/pdf" and r.headers["Content-Disposition"].startswith("inline")
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    img = page(who).get(f"/applications/{bk}/materials/m05")
    assert img.headers["Content-Type"] == "image/png" and img.headers["Content-Disposition"].startswith("inline")
    dl = page(who).get(f"/applications/{bk}/materials/m03?download=1")
    assert dl.status_code == 200 and dl.headers["Content-Disposition"].startswith("attachment")


@pytest.mark.parametrize("who", ["applicant2", "county-linqing", "expert3", "owner"])
def test_a_material_of_another_countys_application_is_404_for_each_role(page, material_case, who):
    """applicant2 and county-linqing are of 临清市; expert3 sits on no panel of it; the process owner
    edits diagrams and reads no applications."""
    bk = material_case["business_key"]
    for url in (f"/applications/{bk}/materials/m03", f"/applications/{bk}/materials/m03?download=1",
                f"/applications/{bk}/materials/m05"):
        assert page(who).get(url).status_code == 404, (who, url)


def test_a_material_not_uploaded_or_not_a_material_is_404(page, material_case):
    bk = material_case["business_key"]
    reviewer = page("reviewer")
    assert reviewer.get(f"/applications/{bk}/materials/m01").status_code == 404  # generated, see documents
    assert reviewer.get(f"/applications/{bk}/materials/m99").status_code == 404
    assert reviewer.get("/applications/RECOGNITION-2026-99999/materials/m03").status_code == 404


# -- the applicant's pages: uploads, autosave, the check before submitting ------------------------------

def test_an_upload_from_the_page_answers_in_json_and_keeps_the_page(rec, page):
    inst = rec.start()
    bk = inst["business_key"]
    applicant = page("applicant1")
    applicant.get("/")
    r = applicant.post(f"/applications/{bk}/materials/m04", {"file": (io.BytesIO(PDF), "审计报告.pdf")},
                       content_type="multipart/form-data", headers={"Accept": "application/json"})
    assert r.status_code == 201
    body = r.get_json()
    assert body["material"]["file"]["file_name"] == "审计报告.pdf" and body["material"]["view_url"].endswith("/m04")
    assert "m04" not in body["material"]["missing"] and "m03" in body["material"]["missing"]
    bad = applicant.post(f"/applications/{bk}/materials/m04", {"file": (io.BytesIO(b"GIF89a"), "x.gif")},
                         content_type="multipart/form-data", headers={"Accept": "application/json"})
    assert bad.status_code == 422 and "PDF" in bad.get_json()["error"]


def test_autosave_keeps_the_draft_as_typed_and_names_format_errors(rec, runtime, page):
    inst = rec.start()
    task = task_row(runtime, inst["business_key"], "fill_application")
    applicant = page("applicant1")
    applicant.get(f"/tasks/{task.task_id}")
    r = applicant.post(f"/tasks/{task.task_id}", {"unit_name": "某平台", "postcode": "2520", "mobile": "123",
                                                  "served_list": json.dumps([{"enterprise": "甲公司", "phone": "x"}]),
                                                  "_action": "draft"}, headers={"Accept": "application/json"})
    assert r.status_code == 200
    body = r.get_json()
    fields = {e["field"] for e in body["errors"]}
    assert {"postcode", "mobile", "served_list"} <= fields and body["saved_at"]
    cell = next(e for e in body["errors"] if e["field"] == "served_list")
    assert cell["row"] == 1 and cell["column"] == "phone"
    assert task_row(runtime, inst["business_key"], "fill_application").draft["postcode"] == "2520"  # kept as typed


def test_the_check_before_submitting_names_rules_articles_and_format_errors(rec, runtime, page):
    inst = rec.start()
    bk = inst["business_key"]
    task = task_row(runtime, bk, "fill_application")
    applicant = page("applicant1")
    applicant.get(f"/tasks/{task.task_id}")
    data = {k: json.dumps(v) if isinstance(v, list) else str(v) for k, v in valid_application().items()}
    data.update({"task_id": task.task_id, "postcode": "25200", "smes_titled_served": "3"})
    r = applicant.post(f"/applications/{bk}/precheck", data, headers={"Accept": "application/json"})
    assert r.status_code == 200
    body = r.get_json()
    assert body["passed"] is False and [e["field"] for e in body["errors"]] == ["postcode"]
    seen = text(body["html"])
    assert "7.2b" in seen and "第七条(二)" in seen and "服务“专精特新”、瞪羚等企业数" in seen and "未通过" in seen
    assert "未上传" in seen  # the materials
    rec.upload_all(bk)
    data.update({"postcode": "252000", "smes_titled_served": "12"})
    body = applicant.post(f"/applications/{bk}/precheck", data, headers={"Accept": "application/json"}).get_json()
    assert body["passed"] is True and body["errors"] == []
    assert rec.application(bk)["status"] == "draft"  # nothing was submitted


def test_an_application_of_the_size_the_measure_asks_for_submits_from_the_page(rec, runtime, page):
    """300 served enterprises and 60 staff: each table is one field of the form, far below the
    1,000 parts werkzeug accepts; the form as the page posts it."""
    inst = rec.start()
    bk = inst["business_key"]
    rec.upload_all(bk)
    task = task_row(runtime, bk, "fill_application")
    applicant = page("applicant1")
    applicant.get(f"/tasks/{task.task_id}")
    from tests.bench.page_bench import application_data

    app_data = application_data(300, 60)
    app_data.update(staff_total=60, staff_qualified=55)
    form = {k: json.dumps(v, ensure_ascii=False) if isinstance(v, list) else str(v) for k, v in app_data.items()}
    form["_action"] = "submit"
    assert len(form) < 100
    r = applicant.post(f"/tasks/{task.task_id}", form, content_type="multipart/form-data")
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    data = rec.variables(inst["id"])
    assert len(data["served_list"]) == 300 and len(data["staff_list"]) == 60
    assert "县级主管部门" in applicant.get("/tasks/mine").get_data(as_text=True)  # the flash: who holds it now


def test_long_texts_are_textareas(rec, runtime, page):
    inst = rec.start()
    html = page("applicant1").get(f"/tasks/{task_row(runtime, inst['business_key'], 'fill_application').task_id}"
                                  ).get_data(as_text=True)
    for fid in ("narrative_basic", "narrative_plans", "partner_units_agreement", "qualifications"):
        assert re.search(rf'<textarea id="in-{fid}"', html), fid
    assert re.search(r'<input id="in-unit_name"', html) and "最多 100000 字" not in html


# -- outcomes, progress, lists ------------------------------------------------------------------------

def test_outcomes_look_different_and_say_why(rec, runtime, page):
    granted_like = rec.apply()
    rec.recommend()
    rec.review(action="reject", reasons="服务业绩与申报不符")
    withdrawn = rec.start("applicant1")
    rec.api.as_user("applicant1").post(f"/api/v1/applications/{withdrawn['business_key']}/withdraw",
                                       json={"reason": "不再申报"})
    applicant = page("applicant1")
    html = applicant.get("/instances").get_data(as_text=True)
    assert 'class="tag outcome-failed">未通过（审核未通过）' in html
    assert 'class="tag outcome-withdrawn">已撤回' in html and "state-completed" not in html
    page_html = text(applicant.get(f"/instances/{granted_like['id']}").get_data(as_text=True))
    assert "办理结果：审核未通过" in page_html and "服务业绩与申报不符" in page_html and "第十三条" in page_html
    notes = text(applicant.get("/notifications").get_data(as_text=True))
    assert "审核未通过" in notes and "服务业绩与申报不符" in notes
    # the steps before the end are progress (办理进度), the end is the outcome (办理结果)
    kinds = {n["title"]: n["kind"] for n in rec.api.as_user("applicant1").get("/api/v1/notifications")
             .get_json()["items"]}
    assert kinds["申报进度：县级主管部门已推荐，进入市工业和信息化局审核"] == "progress"
    assert kinds[f"申报审核未通过：{granted_like['business_key']}"] == "outcome"
    assert "办理进度" in notes and "办理结果" in notes


def test_search_by_unit_name_credit_code_and_key_with_the_unit_in_every_list(rec, runtime, page, api):
    first = rec.apply()
    rec.apply("applicant2", unit_name="临清市科技创新服务有限公司", credit_code=credit_code(2))
    reviewer = page("reviewer")
    county = page("county-dongchangfu")
    html = county.get("/tasks/claimable").get_data(as_text=True)
    assert "聊城市中小企业综合服务中心有限公司" in html and 'data-testid="unit-cell"' in html
    assert "示范平台认定" in html and ">recognition<" not in html
    for q in ("综合服务中心", valid_application()["credit_code"][-6:], first["business_key"][-5:]):
        found = text(reviewer.get(f"/instances?q={q}").get_data(as_text=True))
        assert "聊城市中小企业综合服务中心有限公司" in found and "临清市科技创新服务有限公司" not in found, q
    assert "临清市科技创新服务有限公司" in text(reviewer.get("/instances?q=科技创新").get_data(as_text=True))
    from openpyxl import load_workbook

    x = reviewer.get("/instances.xlsx?q=综合服务中心")
    rows = list(load_workbook(io.BytesIO(x.data)).active.iter_rows(values_only=True))
    assert rows[0][:4] == ("序号", "单位名称", "统一社会信用代码", "业务编号") and len(rows) == 2
    assert rows[1][1] == "聊城市中小企业综合服务中心有限公司" and rows[1][4] == "示范平台认定"
    t = county.get("/exports/tasks/claimable.xlsx?q=综合服务中心")
    rows = list(load_workbook(io.BytesIO(t.data)).active.iter_rows(values_only=True))
    assert rows[0][2] == "单位名称" and rows[1][2] == "聊城市中小企业综合服务中心有限公司" and len(rows) == 2


def test_the_applicant_sees_no_county_filter_staff_of_the_bureau_do(page, runtime):
    assert 'data-testid="county-filter"' not in page("applicant1").get("/tasks/mine").get_data(as_text=True)
    assert 'data-testid="county-filter"' not in page("applicant1").get("/instances").get_data(as_text=True)
    assert 'data-testid="county-filter"' not in page("county-linqing").get("/instances").get_data(as_text=True)
    assert 'data-testid="county-filter"' in page("reviewer").get("/instances").get_data(as_text=True)


def test_list_dates_are_beijing_dates_as_on_the_detail_page(rec, runtime, page, clock):
    clock.set_state(datetime(2026, 9, 28, 0, 30, tzinfo=CST), timedelta(0))  # 2026-09-27 16:30 UTC
    inst = rec.start()
    html = page("applicant1").get("/instances").get_data(as_text=True)
    assert re.search(r'data-testid="started-on">2026-09-28<', html)
    detail = page("applicant1").get(f"/instances/{inst['id']}").get_data(as_text=True)
    assert "2026-09-28 00:30" in detail


def test_after_submitting_the_page_says_which_step_is_next_and_who_holds_it(rec, runtime, page):
    inst = rec.start()
    bk = inst["business_key"]
    rec.upload_all(bk)
    task = task_row(runtime, bk, "fill_application")
    applicant = page("applicant1")
    applicant.get(f"/tasks/{task.task_id}")
    form = {k: json.dumps(v) if isinstance(v, list) else str(v) for k, v in valid_application().items()}
    r = applicant.post(f"/tasks/{task.task_id}", {**form, "_action": "submit"}, follow_redirects=True)
    seen = text(r.get_data(as_text=True))
    assert "下一步：县级预审、测评与推荐（附件1），由 东昌府区县级主管部门（待认领） 办理" in seen


# -- the public's objections: receipts -----------------------------------------------------------------

def test_an_objection_gets_a_receipt_number_that_can_be_looked_up(rec, runtime, app):
    inst = rec.to_publicity()
    bk = inst["business_key"]
    c = app.test_client()
    html = c.get(f"/public/objection/{bk}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    r = c.post(f"/public/objection/{bk}", data={"csrf_token": token, "name": "王五", "contact": "13900000000",
                                                "reasons": "服务企业数量与实际情况明显不符，请核查。"})
    assert r.status_code == 302 and "/public/objections/YY" in r.headers["Location"]
    receipt = r.headers["Location"].rsplit("/", 1)[1]
    assert re.fullmatch(r"YY20260928-\d{5}-[0-9A-F]{6}", receipt)
    page_ = text(c.get(f"/public/objections/{receipt}").get_data(as_text=True))
    assert receipt in page_ and "已受理，待核查" in page_ and "王五" not in page_ and "13900000000" not in page_
    assert c.get(f"/public/objections?receipt={receipt.lower()}").status_code == 302
    forged = receipt[:-1] + ("0" if receipt[-1] != "0" else "1")
    assert c.get(f"/public/objections/{forged}").status_code == 404
    assert c.get("/public/objections?receipt=YY-nonsense").status_code == 404
    listing = text(c.get("/public/").get_data(as_text=True))
    assert "2026-09-29 至 2026-10-10" in listing and valid_application()["credit_code"] in listing
    with runtime.uow() as u:
        assert u.s.scalars(select(Application.status).where(Application.business_key == bk)).one() == "objection"
