"""Browser tests (Chromium) of the process owners' editors: the BPMN modeler fits the diagram beside
its palette and confirms a deploy with the changes against the running version, then shows the new
version; the DMN editor speaks Chinese, validates, saves a draft and deploys after confirmation."""

from __future__ import annotations

import json

import pytest

from tests.conftest import ROOT
from tests.support.diagrams import ADMIN_V1 as V1
from tests.support.diagrams import ADMIN_V2 as V2
from tests.support.pages import shot

pytestmark = pytest.mark.browser
ART7 = ROOT / "bpmn-diagrams" / "art7_thresholds.dmn"


def _overlaps(a: dict, b: dict) -> bool:
    return a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"] and \
        a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"]


def test_modeler_fits_beside_the_palette_and_confirms_deploy_with_the_diff(api, admin_page):
    assert api.as_user("owner").deploy(V1).status_code == 201
    v1 = [d for d in api.get("/api/v1/admin/definitions").get_json() if d["key"] == "admin_demo"][0]
    page = admin_page("owner")
    page.goto(page.base + f"/admin/modeler?definition={v1['id']}")
    page.wait_for_selector("#canvas[data-ready='1']")
    assert page.inner_text("[data-testid=version]") == "版本 1"
    canvas = page.locator("#canvas").bounding_box()
    palette = page.locator("#canvas .djs-palette").bounding_box()
    shapes = page.locator("#canvas .djs-element.djs-shape").evaluate_all(
        "els => els.map(e => e.getBoundingClientRect().toJSON()).filter(r => r.width > 0)")
    assert len(shapes) >= 6
    for box in shapes:  # every shape visible, none under the palette
        assert not _overlaps(box, palette), box
        assert canvas["x"] <= box["x"] and box["x"] + box["width"] <= canvas["x"] + canvas["width"] + 1

    # the owner opens version 2's file in the modeler and deploys: first the confirmation
    page.evaluate("(x) => window.lcModeler.importXML(x).then(() => window.lcFit())", V2.read_text())
    page.click("#btn-deploy")
    dialog = page.locator("[data-testid=deploy-confirm][data-ready='1']")
    dialog.wait_for()
    assert "版本 1" in page.inner_text("[data-testid=deploy-running]")
    added = page.locator("[data-testid=diff-added] li")
    assert sorted(added.evaluate_all("els => els.map(e => e.dataset.element)")) == ["f4", "task_b"]
    assert "复核" in page.inner_text("[data-testid=diff-added]")
    assert "targetRef" in page.inner_text("[data-testid=diff-changed] li[data-element=f3]")
    shot(page, "admin-modeler-deploy-confirm")
    # cancelling deploys nothing
    page.click("[data-testid=deploy-confirm-cancel]")
    page.wait_for_function("() => !document.getElementById('deploy-confirm').open")
    assert len([d for d in api.get("/api/v1/admin/definitions").get_json() if d["key"] == "admin_demo"]) == 1
    # confirming deploys version 2, and the page says so
    page.click("#btn-deploy")
    dialog.wait_for()
    page.click("[data-testid=deploy-confirm-ok]")
    page.wait_for_function("() => document.getElementById('status').textContent.includes('版本 2')")
    assert page.inner_text("[data-testid=version]") == "版本 2"
    v2 = [d for d in api.get("/api/v1/admin/definitions").get_json() if d["key"] == "admin_demo" and d["version"] == 2]
    assert page.url.endswith(f"/admin/modeler?definition={v2[0]['id']}")
    page.reload()
    page.wait_for_selector("#canvas[data-ready='1']")
    assert page.inner_text("[data-testid=version]") == "版本 2"


def test_dmn_editor_in_chinese_validates_saves_and_deploys(api, admin_page):
    assert api.as_user("owner").deploy(ART7).status_code in (200, 201)
    page = admin_page("owner")
    page.goto(page.base + "/admin/dmn")
    page.wait_for_selector("#dmn[data-ready='1']")
    editor = page.inner_text("#dmn")
    assert "命中策略" in editor and "唯一" in editor and "当" in editor and "则" in editor
    for english in ("Hit Policy", "When", "Then", "Annotation"):
        assert english not in editor
    shot(page, "admin-dmn-editor")

    # a broken cell: 校验 names it, 部署 refuses before asking
    good = ART7.read_text()
    bad = good.replace("<text>\"enterprise\"</text>", "<text>\"enterprise</text>", 1)
    page.evaluate("(x) => window.lcDmn.importXML(x).then(() => window.lcDmn.open(window.lcDmn.getViews()"
                  ".filter(v => v.type === 'decisionTable')[0]))", bad)
    page.click("#dmn-validate")
    page.locator("[data-testid=dmn-problems] li[data-element=art7_thresholds_rule1_in]").wait_for()
    assert "发现 1 个问题" in page.inner_text("[data-testid=dmn-status]")
    # 保存草稿 keeps it without checks; reopening shows the draft
    page.click("#dmn-save")
    page.wait_for_function("() => document.getElementById('dmn-status').textContent.includes('草稿已保存')")
    page.reload()
    page.wait_for_selector("#dmn[data-ready='1']")
    assert page.inner_text("[data-testid=version]") == "草稿（基于版本 1）"
    # the fixed table deploys after the confirmation listing the changed cell
    fixed = good.replace("<text>2</text>", "<text>3</text>", 1)
    page.evaluate("(x) => window.lcDmn.importXML(x).then(() => window.lcDmn.open(window.lcDmn.getViews()"
                  ".filter(v => v.type === 'decisionTable')[0]))", fixed)
    page.click("#dmn-deploy")
    page.locator("[data-testid=deploy-confirm][data-ready='1']").wait_for()
    changed = page.locator("[data-testid=diff-changed] li").evaluate_all("els => els.map(e => e.dataset.element)")
    assert changed == ["art7_thresholds_rule1_operating_years_min"]
    page.click("[data-testid=deploy-confirm-ok]")
    page.wait_for_function("() => document.getElementById('dmn-status').textContent.includes('已部署')")
    assert page.inner_text("[data-testid=version]") == "版本 2"
    files = api.as_user("owner").get("/api/v1/admin/definitions").get_json()
    assert json.dumps(files)  # the process list still answers
