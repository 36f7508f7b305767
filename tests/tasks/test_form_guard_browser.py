"""Typed input is never dropped: leaving a form with unsaved changes asks first, the autosave keeps
the draft (after which leaving is quiet), and the draft comes back when the page is opened again."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.diagrams import SAMPLE
from tests.support.flows import Flow

pytestmark = pytest.mark.browser


def test_unsaved_changes_warn_and_the_autosave_keeps_them(open_session, runtime):
    flow = Flow(runtime, "sample", SAMPLE).start("applicant1")
    tid = flow.task_id("fill")
    s = open_session("applicant1")
    s.goto(f"/tasks/{tid}")
    s.page.wait_for_selector("#taskform[data-autosave]")
    dialogs: list[str] = []
    s.page.on("dialog", lambda d: (dialogs.append(d.type), d.dismiss()))
    s.page.fill("#in-unit_name", "东昌府区某公共服务平台")
    s.page.close(run_before_unload=True)  # leave at once, before the autosave: the browser asks
    expect(s.page.locator("#taskform")).to_have_count(1)  # dismissed: still on the page
    assert dialogs == ["beforeunload"]
    expect(s.page.get_by_test_id("autosave-status")).to_contain_text("已自动保存")
    dialogs.clear()
    s.page.fill("#in-total_assets_wan", "很多")  # a format error, shown beside the field by the autosave
    expect(s.page.locator("#field-total_assets_wan .field-error.live")).to_contain_text("应为数字")
    s.goto(f"/tasks/{tid}")  # everything was saved: no question
    assert dialogs == []
    assert s.page.input_value("#in-unit_name") == "东昌府区某公共服务平台"
    assert s.page.input_value("#in-total_assets_wan") == "很多"  # kept as typed
