"""Browser tests (Chromium): the coloured instance diagram, the modeler's validate → fix → deploy
loop with version 2 beside version 1 until migration, and every MIWG reference model displayed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.admin.helpers import start
from tests.support.diagrams import ADMIN_V1 as V1
from tests.support.pages import shot

pytestmark = pytest.mark.browser
MIWG = Path(__file__).resolve().parents[3] / "shared" / "testdata" / "bpmn-miwg-reference"


def test_admin_filters_opens_instance_and_sees_coloured_diagram(api, admin_page, flaky):
    assert api.as_user("owner").deploy(V1).status_code == 201
    start(api, county="linqing")
    inst = start(api, county="gaoxin")
    page = admin_page("admin")
    page.goto(page.base + "/admin/instances")
    page.select_option("select[name=county]", "gaoxin")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**county=gaoxin**")
    rows = page.locator("[data-testid=instances] tbody tr")
    expect(rows).to_have_count(1)
    rows.first.locator("a").first.click()
    page.wait_for_url(f"**/admin/instances/{inst['id']}")
    page.wait_for_selector("#diagram[data-rendered='1']")
    assert int(page.get_attribute("#diagram", "data-marked")) >= 3
    assert page.locator(".djs-element.st-active[data-element-id=task_a]").count() == 1
    assert page.locator(".djs-element.st-completed[data-element-id=start_event]").count() == 1
    assert page.locator(".djs-connection.flow-taken[data-element-id=f1]").count() == 1
    tasks = page.locator("[data-testid=tasks]").inner_text()
    assert "市局审核" in tasks and "task_a" not in tasks  # the step's name, not its element id
    # the whole diagram fits inside its canvas
    canvas = page.locator("#diagram").bounding_box()
    for box in page.locator("#diagram .djs-element.djs-shape").evaluate_all(
            "els => els.map(e => e.getBoundingClientRect().toJSON())"):
        assert canvas["x"] <= box["x"] and box["x"] + box["width"] <= canvas["x"] + canvas["width"] + 1
        assert canvas["y"] <= box["y"] and box["y"] + box["height"] <= canvas["y"] + canvas["height"] + 1
    shot(page, "admin-instance")


def _set_condition(page, body: str) -> None:  # type: ignore[no-untyped-def]
    page.evaluate("""(body) => {
      const m = window.lcModeler;
      const flow = m.get('elementRegistry').get('f_yes');
      const expr = m.get('moddle').create('bpmn:FormalExpression', { body });
      m.get('modeling').updateProperties(flow, { conditionExpression: expr });
    }""", body)


def test_owner_edits_validates_fixes_deploys_v2_and_migrates(api, admin_page, flaky):
    assert api.as_user("owner").deploy(V1).status_code == 201
    old = start(api)
    defs = api.as_user("owner").get("/api/v1/admin/definitions").get_json()
    v1 = [d for d in defs if d["key"] == "admin_demo"][0]
    page = admin_page("owner")
    page.goto(page.base + f"/admin/modeler?definition={v1['id']}")
    page.wait_for_selector("#canvas[data-ready='1']")
    assert page.locator(".bio-properties-panel").count() >= 1  # the Camunda properties panel is there
    _set_condition(page, "approved ===")
    page.click("#btn-validate")
    problem = page.locator("[data-testid=problems] li[data-element=f_yes]")
    problem.wait_for()
    assert "无法编译" in problem.inner_text()  # in the reader's language
    problem.click()
    selected = page.evaluate("() => window.lcModeler.get('selection').get().map(e => e.id)")
    assert selected == ["f_yes"]
    shot(page, "admin-modeler-error")
    _set_condition(page, "approved is True")
    page.click("#btn-validate")
    page.wait_for_selector("#status.ok-box")
    page.click("#btn-deploy")
    page.locator("[data-testid=deploy-confirm][data-ready='1']").wait_for()  # deploy asks first
    assert "f_yes" in page.inner_text("[data-testid=diff-changed]")
    page.click("[data-testid=deploy-confirm-ok]")
    page.wait_for_function("() => document.getElementById('status').textContent.includes('版本 2')")
    # a new instance runs on version 2, the old one stays on version 1 until migrated
    new = start(api)
    assert api.as_user("admin").get(f"/api/v1/admin/instances/{new['id']}").get_json()["version"] == 2
    assert api.as_user("admin").get(f"/api/v1/admin/instances/{old['id']}").get_json()["version"] == 1
    page.goto(page.base + f"/admin/definitions/{v1['id']}/migrate")
    page.check(f"input[name=instances][value='{old['id']}']")
    page.click("button[value=preview]")
    assert "task_a" in page.locator("[data-testid=preview]").inner_text()
    page.check(f"input[name=instances][value='{old['id']}']")
    page.fill("input[name=reason]", "条件改写")
    page.click("button[value=apply]")
    assert "版本 1 → 版本 2" in page.locator("[data-testid=result]").inner_text()
    assert api.as_user("admin").get(f"/api/v1/admin/instances/{old['id']}").get_json()["version"] == 2


@pytest.mark.skipif(not MIWG.exists(), reason="MIWG reference models not available")
def test_every_miwg_reference_model_displays_in_the_viewer(admin_page):
    page = admin_page("owner")
    page.goto(page.base + "/admin/modeler")
    page.wait_for_function("() => !!window.LcBpmn")
    failures = {}
    for path in sorted(MIWG.glob("*.bpmn")):
        result = page.evaluate("""async (xml) => {
          const box = document.createElement('div');
          box.style.width = '800px'; box.style.height = '600px';
          document.body.appendChild(box);
          const viewer = new window.LcBpmn.Viewer({ container: box });
          try {
            await viewer.importXML(xml);
            return { shapes: viewer.get('elementRegistry').getAll().length };
          } catch (e) { return { error: String(e.message || e) }; }
          finally { viewer.destroy(); box.remove(); }
        }""", path.read_text(encoding="utf-8"))
        if result.get("error") or result.get("shapes", 0) < 2:
            failures[path.name] = result
    assert not failures, json.dumps(failures, ensure_ascii=False)
