"""Phone-sized screens (375 px wide): the lists become cards, the steps and the whole application
fit, nothing is wider than the screen and names read in lines, not one character per line."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.recognition.conftest import Recognition

pytestmark = pytest.mark.browser
WIDTH = 375


def fits(s) -> None:  # type: ignore[no-untyped-def]
    assert s.page.evaluate("document.documentElement.scrollWidth") <= WIDTH


def test_phone_layout_of_lists_task_and_application_pages(open_session, api):
    rec = Recognition(api)
    rec.deploy()
    rec.open_round()
    inst = rec.apply()
    officer = open_session("county-dongchangfu", width=WIDTH, height=812)
    officer.goto("/tasks/claimable")
    name = officer.page.locator("table[data-testid=task-table] td.name").first
    expect(name).to_contain_text("县级预审")
    assert name.bounding_box()["width"] > 250  # a card line, not a column one character wide
    assert officer.page.locator("td[data-testid=unit-cell]").first.inner_text().endswith("有限公司")
    fits(officer)
    officer.shot("phone-01-county-claimable")
    officer.page.locator("tbody tr").first.locator("button", has_text="认领").click()
    officer.goto("/tasks/mine")
    officer.page.locator("tbody tr a").first.click()
    officer.page.wait_for_selector("table.grid[data-table=survey_samples]")
    fits(officer)
    officer.shot("phone-02-county-task")
    applicant = open_session("applicant1", width=WIDTH, height=812)
    applicant.goto("/instances")
    fits(applicant)
    applicant.shot("phone-03-applicant-list")
    applicant.goto(f"/instances/{inst['id']}")
    expect(applicant.page.get_by_test_id("steps")).to_be_visible()
    fits(applicant)
    applicant.shot("phone-04-applicant-application")
