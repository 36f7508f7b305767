"""Browser tests (Chromium) of what people see: the admin instance page of a finished application
(short, the diagram fitted, variables readable), the dashboard's step durations, the English frame.
Screenshots under test-artifacts/screenshots/."""

from __future__ import annotations

import re

import pytest

from tests.recognition.conftest import Recognition
from tests.support.pages import shot

pytestmark = pytest.mark.browser
CJK = re.compile(r"[\u3400-\u9fff]")


def _walk(api) -> dict:  # type: ignore[no-untyped-def]
    rec = Recognition(api)
    rec.deploy()
    rec.open_round()
    inst = rec.start()
    rec.upload_all(inst["business_key"])
    rec.set_clock("2026-09-28T16:00:00+08:00")
    rec.submit()
    rec.set_clock("2026-09-30T10:30:00+08:00")
    rec.recommend()
    rec.set_clock("2026-09-30T15:00:00+08:00")
    rec.review()
    rec.set_clock("2026-10-09T11:00:00+08:00")  # the experts take their time over National Day
    rec.expert_votes({"expert1": "approve", "expert2": "approve", "expert3": "approve"})
    rec.set_clock("2026-10-09T14:00:00+08:00")
    rec.decide()
    rec.set_clock("2026-10-20T09:00:00+08:00")
    return inst


def test_instance_page_dashboard_and_english_frame(api, admin_page):
    inst = _walk(api)
    page = admin_page("admin")
    page.goto(page.base + f"/admin/instances/{inst['id']}")
    page.wait_for_selector("#diagram[data-rendered='1']")
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 6000, height  # was ~38,700 px with the raw variable dump
    # fitted: the diagram spans the canvas's width (it is wide), all of it inside
    canvas = page.locator("#diagram").bounding_box()
    drawn = page.locator("#diagram .djs-element.djs-shape").evaluate_all(
        "els => els.map(e => e.getBoundingClientRect().toJSON()).filter(r => r.width > 0)")
    left, right = min(b["x"] for b in drawn), max(b["x"] + b["width"] for b in drawn)
    assert canvas["x"] <= left and right <= canvas["x"] + canvas["width"] + 1
    assert right - left > 0.9 * (canvas["width"] - 40)
    served = page.locator("details[data-var=served_list]")
    served.locator("summary").click()
    assert served.locator("tbody:not(.more) tr").count() == 10
    served.locator("[data-testid=show-more]").click()
    assert served.locator("tr").count() == 151  # header + 150 rows
    served.locator("summary").click()
    shot(page, "admin-instance")

    page.goto(page.base + "/admin/dashboard")
    steps = page.locator("[data-testid=steps] tbody tr")
    assert steps.count() >= 4
    medians = steps.evaluate_all("rows => rows.map(r => parseFloat(r.dataset.medianHours))")
    assert all(m > 0 for m in medians), medians
    shot(page, "admin-dashboard")

    page.context.add_cookies([{"name": "lang", "value": "en", "url": page.base}])
    page.goto(page.base + "/")
    nav = page.inner_text("nav.sidenav")
    assert "Instance monitor" in nav and not CJK.search(nav), nav
    assert not CJK.search(page.inner_text(".role-tag"))
    shot(page, "home-english")
    page.goto(page.base + "/admin/instances")
    pills = page.locator(".pill").all_inner_texts()
    assert pills and not [p for p in pills if CJK.search(p)], pills
