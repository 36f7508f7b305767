"""The staff pages through Flask's test client: lists, task page, errors beside fields, drafts,
imports, verbs, CSRF, and no other county's or applicant's data by changing an id in a URL."""

from __future__ import annotations

import io
import json
import re
from html import unescape

import pytest

from processes.forms.model import FieldDef
from tests.support.diagrams import COLLAB, SAMPLE
from tests.support.flows import Flow, add_user, collab_at_county_review, sample_at_county_review
from tests.support.pages import PageClient as Browser


def table_value(html: str, field: str) -> list[dict]:
    """The rows of a table field as the page holds them (the hidden field the editor reads)."""
    m = re.search(rf"""name="{field}" value='([^']*)' data-table-value""", html)
    assert m, f"no table field {field}"
    return json.loads(unescape(m.group(1)))


@pytest.fixture
def as_user(app):  # type: ignore[no-untyped-def]
    return lambda username: Browser(app, username)


def test_home_and_lists_render_in_chinese(as_user, runtime):
    sample_at_county_review(runtime)
    b = as_user("county-dongchangfu")
    home = b.get("/").get_data(as_text=True)
    assert "我的待办" in home and "待认领" in home and 'data-testid="count-claimable">1<' in home
    page = b.get("/tasks/claimable").get_data(as_text=True)
    assert "县级审核" in page and "认领" in page
    for which in ("mine", "done", "copied"):
        assert b.get(f"/tasks/{which}").status_code == 200
    assert b.get("/tasks/claimable?sort=name&overdue=1&page=3&round=2026").status_code == 200
    assert "县级审核" not in as_user("county-linqing").get("/tasks/claimable").get_data(as_text=True)


def test_english_switch(as_user, runtime):
    b = as_user("reviewer")
    r = b.get("/lang/en?next=/tasks/mine")
    assert r.status_code == 302 and "lang=en" in r.headers["Set-Cookie"]
    assert "My tasks" in b.get("/tasks/mine").get_data(as_text=True)
    b.get("/lang/zh_CN")
    assert "我的待办" in b.get("/tasks/mine").get_data(as_text=True)


def test_form_errors_beside_fields_and_input_kept(as_user, runtime):
    flow = Flow(runtime, "sample", SAMPLE).start()
    tid = flow.task_id("fill")
    b = as_user("applicant1")
    r = b.post(f"/tasks/{tid}", {"unit_name": "", "total_assets_wan": "很多", "_action": "submit"})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert 'data-testid="error-unit_name"' in html and "单位名称：必填" in html
    assert 'data-testid="error-total_assets_wan"' in html and "应为数字" in html
    assert 'value="很多"' in html  # kept
    r = b.post(f"/tasks/{tid}", {"unit_name": "某平台", "total_assets_wan": "", "_action": "draft"})
    assert r.status_code == 302
    assert 'value="某平台"' in b.get(f"/tasks/{tid}").get_data(as_text=True)
    r = b.post(f"/tasks/{tid}", {"unit_name": "某平台", "total_assets_wan": "300", "_action": "submit"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/tasks/mine")


def test_decision_buttons_and_mandatory_opinion(as_user, runtime):
    flow = collab_at_county_review(runtime)
    tid = flow.task_id("county_review")
    b = as_user("county-dongchangfu")
    assert b.post(f"/tasks/{tid}/claim").status_code == 302
    html = b.get(f"/tasks/{tid}").get_data(as_text=True)
    assert 'name="decision" value="approve"' in html and "审批记录" in html
    r = b.post(f"/tasks/{tid}", {"decision": "approve", "opinion": ""})
    assert r.status_code == 422 and 'data-testid="error-opinion"' in r.get_data(as_text=True)
    assert b.post(f"/tasks/{tid}", {"decision": "approve", "opinion": "同意推荐"}).status_code == 302
    review = flow.task("municipal_review")
    timeline = as_user("reviewer").get(f"/tasks/{review.task_id}").get_data(as_text=True)
    assert "同意推荐" in timeline and "东昌府" in timeline


def test_table_rows_import_with_row_errors(as_user, runtime):
    flow = Flow(runtime, "collab_demo", COLLAB).start()
    tid = flow.task_id("fill")
    b = as_user("applicant1")
    page = b.get(f"/tasks/{tid}").get_data(as_text=True)
    assert "下载 Excel 模板" in page
    tpl = b.get(f"/tasks/{tid}/tables/served_list/template.xlsx")
    assert tpl.status_code == 200 and tpl.data[:2] == b"PK"
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(tpl.data))
    ws = wb.active
    ws.append(["甲公司", "91371502MA3C00000X", "是", "很满意"])
    ws.append(["", "", "也许", "很满意"])
    buf = io.BytesIO()
    wb.save(buf)
    r = b.post(f"/tasks/{tid}/tables/served_list/import",
               {"unit_name": "保留的名称", "import_served_list": (io.BytesIO(buf.getvalue()), "served.xlsx")},
               content_type="multipart/form-data")
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    # spreadsheet row numbers: the template's header is row 1 (a Chinese header, no row of ids)
    assert "第 3 行「企业名称」：必填" in html and "第 3 行「专精特新/瞪羚」" in html
    assert 'value="保留的名称"' in html
    good = "企业名称,credit_code,专精特新/瞪羚,满意度评价\n" + "\n".join(f"企业{i},,否,基本满意" for i in range(125))
    r = b.post(f"/tasks/{tid}/tables/served_list/import",
               {"unit_name": "保留的名称", "import_served_list": (io.BytesIO(good.encode("utf-8")), "s.csv")},
               content_type="multipart/form-data")
    assert r.status_code == 302
    html = b.get(f"/tasks/{tid}").get_data(as_text=True)
    rows = table_value(html, "served_list")  # the table travels as one field: its rows as JSON
    assert len(rows) == 125 and rows[124]["enterprise"] == "企业124" and 'value="保留的名称"' in html


def test_verbs_on_the_page(as_user, runtime):
    add_user(runtime, "county-dongchangfu-2", "county_officer", "dongchangfu", "东昌府二号")
    flow = sample_at_county_review(runtime)
    tid = flow.task_id("county_review")
    b = as_user("county-dongchangfu")
    b.get(f"/tasks/{tid}")
    b.post(f"/tasks/{tid}/claim")
    html = b.get(f"/tasks/{tid}").get_data(as_text=True)
    assert "东昌府二号" in html and "county-linqing" not in html  # only same-county colleagues
    r = b.post(f"/tasks/{tid}/urge")
    assert r.status_code == 302
    assert "您自己就是办理人" in b.get(f"/tasks/{tid}").get_data(as_text=True)
    rv = as_user("reviewer")
    rv.get(f"/tasks/{tid}")
    rv.post(f"/tasks/{tid}/urge", {"note": "请本周办结"})
    html = rv.get(f"/tasks/{tid}").get_data(as_text=True)
    assert "已催办" in html and 'data-testid="urged"' in html
    assert b.post(f"/tasks/{tid}/transfer", {"to": "county-dongchangfu-2"}).status_code == 302
    assert flow.task("county_review").assignee_id is not None
    html = as_user("county-dongchangfu-2").get("/tasks/mine").get_data(as_text=True)
    assert "县级审核" in html


def test_no_other_county_or_applicant_data_by_url(as_user, runtime):
    flow = sample_at_county_review(runtime)
    tid = flow.task_id("county_review")
    for user in ("county-linqing", "applicant2", "expert1"):
        b = as_user(user)
        assert b.get(f"/tasks/{tid}").status_code == 404, user
        assert b.get(f"/instances/{flow.instance_id}").status_code == 404, user
        assert b.post(f"/tasks/{tid}/claim").status_code in (302, 404)
        assert flow.task("county_review").assignee_id is None
        assert b.get(f"/tasks/{tid}/tables/served_list/template.xlsx").status_code == 404
    html = as_user("county-linqing").get("/tasks/nonexistent").get_data(as_text=True)
    assert "Traceback" not in html
    assert as_user("applicant1").get(f"/instances/{flow.instance_id}").status_code == 200


def test_forms_need_csrf(app, runtime):
    c = app.test_client()
    r = c.post("/login", data={"username": "reviewer", "password": "demo"})
    assert r.status_code == 400 and "CSRF" in r.get_data(as_text=True)


def test_columns_convention():
    cols = FieldDef(id="t", label="表", type="json",
                    properties={"columns": "year*:long:年度, revenue_wan, rating:a|b"}).columns
    assert [(c.id, c.type, c.label, c.required) for c in cols] == [
        ("year", "long", "年度", True), ("revenue_wan", "string", "营业收入（万元）", False),
        ("rating", "choice", "满意度评价", False)]
    assert cols[2].choices == ["a", "b"]


def test_applicant_withdraws_before_the_county_acts(as_user, runtime):
    flow = sample_at_county_review(runtime)
    b = as_user("applicant1")
    html = b.get(f"/instances/{flow.instance_id}").get_data(as_text=True)
    assert "撤回" in html
    assert as_user("applicant2").post(f"/instances/{flow.instance_id}/withdraw").status_code == 404
    r = b.post(f"/instances/{flow.instance_id}/withdraw", {"reason": "材料需重新准备"})
    assert r.status_code == 302
    html = b.get(f"/instances/{flow.instance_id}").get_data(as_text=True)
    assert "已终止" in html and "撤回" in html


def test_no_withdrawal_once_the_county_acted(as_user, runtime):
    flow = sample_at_county_review(runtime).claim("county-dongchangfu", "county_review")
    b = as_user("applicant1")
    assert f'action="/instances/{flow.instance_id}/withdraw"' not in b.get(
        f"/instances/{flow.instance_id}").get_data(as_text=True)
    b.post(f"/instances/{flow.instance_id}/withdraw")
    assert "不能再撤回" in b.get(f"/instances/{flow.instance_id}").get_data(as_text=True)


def test_urge_notifies_the_holder_bell(as_user, runtime):
    flow = sample_at_county_review(runtime).claim("county-dongchangfu", "county_review")
    officer = as_user("county-dongchangfu")
    assert "待认领：县级审核" in officer.get("/notifications").get_data(as_text=True)  # when it reached the queue
    officer.post("/notifications/read")
    rv = as_user("reviewer")
    rv.get(f"/tasks/{flow.task_id('county_review')}")
    rv.post(f"/tasks/{flow.task_id('county_review')}/urge", {"note": "请尽快"})
    html = officer.get("/").get_data(as_text=True)
    assert 'data-testid="bell-count">1<' in html
    page = officer.get("/notifications").get_data(as_text=True)
    assert "催办：县级审核" in page
    officer.post("/notifications/read")
    assert 'data-testid="bell-count"' not in officer.get("/").get_data(as_text=True)
