"""The staff UI in Chromium: log in, lists, a form error beside its field, claim, transfer, urge,
an Excel import with a bad row. Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from playwright.sync_api import expect

from processes.calendar.functions import current_calendar
from processes.clock import CST
from tests.support.diagrams import COLLAB, SAMPLE
from tests.support.flows import Flow, add_user, collab_at_county_review, deploy_file, sample_at_county_review
from tests.support.pages import publish_screenshot

pytestmark = pytest.mark.browser


def test_login_list_and_claim(open_session, runtime, clock):
    # three cases: one due before National Day (overdue by the time we look), one due soon, one without
    first = collab_at_county_review(runtime)
    clock.set_state(datetime(2026, 10, 12, 9, 0, tzinfo=CST), timedelta(0))
    collab_at_county_review(runtime)
    sample_at_county_review(runtime)
    s = open_session("county-dongchangfu")
    assert s.page.get_by_test_id("count-claimable").inner_text() == "3"
    s.shot("home-county")
    s.page.click("nav.sidenav >> text=待认领")
    s.page.wait_for_url("**/tasks/claimable")
    rows = s.page.locator("table[data-testid=task-table] tbody tr")
    assert rows.count() == 3
    # overdue first, counted in working days on the calendar in force (调休 Saturday Oct 10 counts)
    due = first.task("county_review").due_at.astimezone(CST).date()
    late = current_calendar().working_days_between(due, date(2026, 10, 12))
    assert late > 0
    assert f"逾期 {late} 个工作日" in rows.first.inner_text() and first.business_key in rows.first.inner_text()
    s.shot("list-claimable")
    for _ in range(3):
        s.page.locator("tbody tr").first.locator("button", has_text="认领").click()
        assert "已认领" in s.page.locator(".flash.ok").inner_text()
        s.goto("/tasks/claimable")
    s.goto("/tasks/mine")
    assert s.page.get_by_test_id("list-total").inner_text() == "3"
    path = s.shot("tasks-mine", full_page=False)
    publish_screenshot(path, "screenshot-tasks.png")
    s.page.locator("tbody tr").first.locator("a").first.click()
    s.page.wait_for_selector("[data-testid=timeline]")
    assert "认领" in s.page.get_by_test_id("timeline").inner_text()
    s.shot("task-page")


def test_form_error_shown_beside_field_and_draft(open_session, runtime):
    deploy_file(runtime, SAMPLE)
    s = open_session("applicant1")
    s.page.click("nav.sidenav >> text=发起申请")
    s.page.click("form.start-item:has-text('示例流程') button")
    s.page.wait_for_selector("#taskform")
    s.page.fill("#in-unit_name", "")
    s.page.fill("#in-total_assets_wan", "两百万")
    s.page.click("button[value=submit]")
    err = s.page.get_by_test_id("error-unit_name")
    assert "必填" in err.inner_text()
    assert "应为数字" in s.page.get_by_test_id("error-total_assets_wan").inner_text()
    # the message sits inside the field's own block, right under its input
    assert s.page.locator("#field-total_assets_wan [data-testid=error-total_assets_wan]").count() == 1
    assert s.page.input_value("#in-total_assets_wan") == "两百万"
    s.shot("form-errors")
    s.page.fill("#in-unit_name", "东昌府区某公共服务平台")
    s.page.click("button[value=draft]")
    assert "草稿已保存" in s.page.locator(".flash.ok").inner_text()
    s.page.reload()
    assert s.page.input_value("#in-unit_name") == "东昌府区某公共服务平台"


def test_claim_transfer_and_urge(open_session, runtime):
    add_user(runtime, "county-dongchangfu-2", "county_officer", "dongchangfu", "东昌府区工信局 王二")
    flow = sample_at_county_review(runtime)
    tid = flow.task_id("county_review")
    officer = open_session("county-dongchangfu")
    officer.goto(f"/tasks/{tid}")
    officer.page.locator("[data-testid=verbs] button", has_text="认领").click()
    assert "已认领" in officer.page.locator(".flash.ok").inner_text()
    officer.shot("task-claimed")
    form = officer.page.get_by_test_id("transfer-form")
    form.locator("select[name=to]").select_option("county-dongchangfu-2")
    form.locator("input[name=note]").fill("本人出差，请代为审核")
    form.locator("button", has_text="转办").click()
    assert "已转办" in officer.page.locator(".flash.ok").inner_text()
    reviewer = open_session("reviewer")
    reviewer.goto(f"/tasks/{tid}")
    assert "王二" in reviewer.page.get_by_test_id("holder").inner_text()
    reviewer.page.fill("form[action$='/urge'] input[name=note]", "请本周内办结")
    reviewer.page.click("form[action$='/urge'] button")
    assert "已催办" in reviewer.page.locator(".flash.ok").inner_text()
    timeline = reviewer.page.get_by_test_id("timeline").inner_text()
    assert "转办" in timeline and "催办" in timeline and "请本周内办结" in timeline
    assert reviewer.page.get_by_test_id("urged").is_visible()
    reviewer.shot("task-urged")
    colleague = open_session("county-dongchangfu-2")
    colleague.goto("/tasks/mine")
    assert colleague.page.locator("tbody tr", has_text="县级审核").count() == 1


def test_excel_import_with_a_bad_row(open_session, runtime, tmp_path):
    flow = Flow(runtime, "collab_demo", COLLAB).start("applicant1")
    tid = flow.task_id("fill")
    s = open_session("applicant1")
    s.goto(f"/tasks/{tid}")
    s.page.fill("#in-unit_name", "东昌府区某公共服务平台")
    with s.page.expect_download() as dl:
        s.page.click("text=下载 Excel 模板")
    template = tmp_path / "template.xlsx"
    dl.value.save_as(template)
    from openpyxl import load_workbook

    wb = load_workbook(template)
    ws = wb.active
    for i in range(1, 121):
        ws.append([f"服务企业{i:03d}", "", "否", "很满意"])
    ws.append(["", "", "不知道", "很满意"])  # the bad row: spreadsheet row 122 (row 1 is the header)
    bad = tmp_path / "served.xlsx"
    wb.save(bad)
    s.page.set_input_files("input[name=import_served_list]", str(bad))
    s.page.click("button:has-text('导入 Excel/CSV')")
    # wait for the answer page, not for time
    expect(s.page.get_by_test_id("error-served_list").filter(has_text="第 122 行「企业名称」")).to_have_count(1)
    errors = s.page.get_by_test_id("error-served_list").all_inner_texts()
    assert any("第 122 行「企业名称」：必填" in e for e in errors), errors
    assert any("第 122 行「专精特新/瞪羚」" in e for e in errors), errors
    assert s.page.input_value("#in-unit_name") == "东昌府区某公共服务平台"
    s.shot("import-row-errors")
    ws.delete_rows(ws.max_row)
    wb.save(bad)
    s.page.set_input_files("input[name=import_served_list]", str(bad))
    s.page.click("button:has-text('导入 Excel/CSV')")
    # wait for the conditions (the new page, the table built from it), never read them before they hold
    expect(s.page.locator(".flash.ok")).to_contain_text("已导入 120 行")
    rows = s.page.locator("table[data-table=served_list] tbody tr")
    expect(rows).to_have_count(120)
    s.page.click("[data-table-editor=served_list] button.add-row")
    expect(rows).to_have_count(121)
    s.shot("import-done", full_page=False)


def test_phone_sized_screen(open_session, runtime):
    sample_at_county_review(runtime)
    s = open_session("county-dongchangfu", width=390, height=844)
    s.goto("/tasks/claimable")
    assert s.page.locator("tbody tr").count() == 1
    # nothing wider than the screen
    assert s.page.evaluate("document.documentElement.scrollWidth") <= 390
    s.shot("mobile-claimable")
    s.page.locator("tbody tr").first.locator("button", has_text="认领").click()
    s.goto("/tasks/mine")
    s.page.locator("tbody tr a").first.click()
    s.page.wait_for_selector("[data-testid=timeline]")
    assert s.page.evaluate("document.documentElement.scrollWidth") <= 390
    s.shot("mobile-task")
    s.goto("/lang/en?next=/tasks/mine")
    assert "My tasks" in s.page.locator("h1").inner_text()
    s.shot("mobile-tasks-en")


def test_recognition_pages_screenshots(open_session, api, runtime):
    """The recognition diagram in the UI: the applicant's 附件2 form with tables and materials, the
    county's page with the automatic checks (the full happy path lives in tests/recognition)."""
    rc = pytest.importorskip("tests.recognition.conftest")
    helper = rc.Recognition(api)
    helper.deploy()
    helper.open_round()
    helper.start("applicant2")
    helper.apply()
    applicant = open_session("applicant2")
    applicant.page.click("nav.sidenav >> text=我的待办")
    applicant.page.locator("tbody tr a").first.click()
    applicant.page.wait_for_selector("table[data-table=yearly]")
    assert applicant.page.locator("#materials").is_visible()
    applicant.shot("recognition-fill")
    officer = open_session("county-dongchangfu")
    officer.goto("/tasks/claimable")
    officer.page.locator("tbody tr").first.locator("button", has_text="认领").click()
    officer.goto("/tasks/mine")
    officer.page.locator("tbody tr a").first.click()
    officer.page.wait_for_selector("table.checks")
    assert officer.page.locator("button[name=county_decision]").count() == 2
    officer.shot("recognition-county-review")
    # Art. 10: declining takes one step — the survey table (not needed to decline) does not hold it up
    officer.page.fill("[name=county_opinion]", "经核查，服务业绩与申报不符，不予推荐。")
    officer.page.click("button[name=county_decision][value=decline]")
    officer.page.wait_for_url("**/tasks/mine")
    assert "已提交" in officer.page.content()
