"""The staff UI on the recognition diagram (bpmn-diagrams/recognition.bpmn): the 附件2 form with its
tables, the 13 materials, the county's decision buttons and the automatic check results."""

from __future__ import annotations

import pytest

from tests.support.pages import PageClient as Browser

rc = pytest.importorskip("tests.recognition.conftest")


@pytest.fixture
def rec(api):  # type: ignore[no-untyped-def]
    helper = rc.Recognition(api)
    helper.deploy()
    helper.open_round()
    return helper


def test_fill_application_page_has_tables_and_materials(app, api, rec):
    inst = rec.start()
    task = rec.task("applicant1", "fill_application")
    b = Browser(app, "applicant1")
    html = b.get(f"/tasks/{task['id']}").get_data(as_text=True)
    assert 'data-table-editor="yearly"' in html and 'data-table-editor="served_list"' in html
    assert "申报材料" in html and "m13" in html
    r = b.post(f"/tasks/{task['id']}", {"unit_name": "", "_action": "submit"})
    assert r.status_code == 422 and 'data-testid="error-unit_name"' in r.get_data(as_text=True)
    assert inst["id"]


def test_county_sees_checks_and_decision_buttons(app, api, rec):
    rec.apply()
    task = rec.task("county-dongchangfu", "county_review")
    b = Browser(app, "county-dongchangfu")
    html = b.get(f"/tasks/{task['id']}").get_data(as_text=True)
    assert "请先认领" in html and 'name="county_decision"' not in html
    b.post(f"/tasks/{task['id']}/claim")
    html = b.get(f"/tasks/{task['id']}").get_data(as_text=True)
    assert 'name="county_decision" value="recommend"' in html and 'data-table="survey"' not in html
    assert "自动核验结果" in html and "7.1c" in html
    assert Browser(app, "county-linqing").get(f"/tasks/{task['id']}").status_code == 404


def test_reviewer_picks_the_expert_panel_from_a_checklist(app, api, rec):
    """Art. 13 expert panel: the reviewer ticks experts instead of typing user names."""
    rec.apply()
    rec.survey()
    rec.recommend()
    task = rec.task("reviewer", "municipal_review")
    b = Browser(app, "reviewer")
    b.post(f"/tasks/{task['id']}/claim")
    html = b.get(f"/tasks/{task['id']}").get_data(as_text=True)
    assert 'data-testid="picker-experts"' in html
    assert html.count('type="checkbox" name="experts"') == 3
    r = b.post(f"/tasks/{task['id']}", {"review_action": "proceed", "onsite_check": "false",
                                        "experts.__picker": "1", "experts": ["expert1", "expert3"],
                                        "_action": "submit"})
    assert r.status_code in (200, 302), r.get_data(as_text=True)[:500]
    assert [t["element_id"] for t in api.as_user("expert1").tasks()] == ["expert_review"]
    assert api.as_user("expert2").tasks() == []
    assert [t["element_id"] for t in api.as_user("expert3").tasks()] == ["expert_review"]


def test_objection_with_attachment_reaches_the_investigating_reviewer_only(app, api, rec):
    """Art. 13: an objection filed on the public page with a supporting file; only the bureau opens it."""
    import io

    inst = rec.to_publicity()
    bk = inst["business_key"]
    public = Browser(app, "admin")  # any session works for the CSRF token; the page needs no login
    public.c = app.test_client()
    public.get(f"/public/objection/{bk}")
    bad = public.post(f"/public/objection/{bk}", {"name": "张三", "contact": "13800000000",
                                                  "reasons": "服务数据与实际情况不符",
                                                  "attachment": (io.BytesIO(b"MZ\x90\x00not a pdf"), "x.exe")},
                      content_type="multipart/form-data")
    assert bad.status_code == 422 and "只接受 PDF、JPEG、PNG" in bad.get_data(as_text=True)
    ok = public.post(f"/public/objection/{bk}", {"name": "张三", "contact": "13800000000",
                                                 "reasons": "服务数据与实际情况不符",
                                                 "attachment": (io.BytesIO(rc.PDF), "证据.pdf")},
                     content_type="multipart/form-data")
    assert ok.status_code == 302, ok.get_data(as_text=True)[:400]
    task = rec.task("reviewer", "investigate_objection")
    reviewer = Browser(app, "reviewer")
    reviewer.post(f"/tasks/{task['id']}/claim")
    html = reviewer.get(f"/tasks/{task['id']}").get_data(as_text=True)
    assert 'data-testid="objection"' in html and "服务数据与实际情况不符" in html and "证据.pdf" in html
    import re

    link = re.search(r'href="(/applications/[^"]+/objection-attachments/[0-9a-f]{64})"', html).group(1)
    got = reviewer.get(link)
    assert got.status_code == 200 and got.data == rc.PDF
    assert Browser(app, "applicant1").get(link).status_code == 403
