"""The diagram editors of process owners: the deploy confirmation's diff against the running version,
the decision-table checks, drafts and deploys of DMN files (through the pages' JSON routes)."""

from __future__ import annotations

from processes.admin.diagrams import diagram_diff
from tests.conftest import ROOT
from tests.support.diagrams import ADMIN_V1 as V1
from tests.support.diagrams import ADMIN_V2 as V2
from tests.support.pages import PageClient

ART7 = ROOT / "bpmn-diagrams" / "art7_thresholds.dmn"


def test_diff_names_elements_added_removed_and_changed():
    d = diagram_diff(V1.read_text(), V2.read_text(), "admin_demo.bpmn")
    assert {(e["id"], e["kind"], e["name"]) for e in d["added"]} == {("task_b", "用户任务", "复核"),
                                                                    ("f4", "顺序流", "")}
    assert d["changed"] == [{"id": "f3", "kind": "顺序流", "name": "", "what": ["targetRef"]}]
    back = diagram_diff(V2.read_text(), V1.read_text(), "admin_demo.bpmn")
    assert {e["id"] for e in back["removed"]} == {"task_b", "f4"}
    assert diagram_diff(V1.read_text(), V1.read_text(), "a.bpmn")["same"] is True
    moved = V1.read_text().replace('x="662" y="102"', 'x="700" y="102"')
    only_layout = diagram_diff(V1.read_text(), moved, "a.bpmn")
    assert only_layout["layout_changed"] and not only_layout["changed"] and not only_layout["same"]


def test_modeler_diff_and_deploy_show_the_new_version(api, app):
    assert api.as_user("owner").deploy(V1).status_code == 201
    b = PageClient(app, "owner")
    b.get("/admin/modeler?key=admin_demo")
    body = {"xml": V2.read_text(), "key": "admin_demo", "file_name": "admin_demo.bpmn"}
    diff = b.post_json("/admin/modeler/diff", body).get_json()
    assert diff["running"]["version"] == 1 and diff["running"]["name"] == "管理演示流程"
    assert {e["id"] for e in diff["added"]} == {"task_b", "f4"}
    assert b.post_json("/admin/modeler/save", body).status_code == 200  # a draft exists
    r = b.post_json("/admin/modeler/deploy", body)
    res = r.get_json()
    assert r.status_code == 200 and res["deployed"] and res["version"] == 2 and res["created"]
    assert res["modeler"] == f"/admin/modeler?definition={res['definition_id']}"
    assert "版本 2" in b.get(res["modeler"]).get_data(as_text=True)
    # the draft went with the deploy, in the same transaction
    assert "继续编辑" not in b.get("/admin/definitions").get_data(as_text=True)
    again = b.post_json("/admin/modeler/diff", body).get_json()
    assert again["same"] is True and again["running"]["version"] == 2


def test_dmn_validate_save_draft_and_deploy(api, app):
    assert api.as_user("owner").deploy(ART7).status_code in (200, 201)
    b = PageClient(app, "owner")
    html = b.get("/admin/dmn").get_data(as_text=True)
    assert "art7_thresholds.dmn" in html and "版本 1" in html
    good = ART7.read_text()
    bad = good.replace("<text>\"enterprise\"</text>", "<text>\"enterprise</text>", 1)
    body = {"xml": bad, "file_name": "art7_thresholds.dmn"}
    check = b.post_json("/admin/dmn/validate", body).get_json()
    assert check["ok"] is False and check["errors"][0]["element_id"] == "art7_thresholds_rule1_in"
    assert "Python" in check["errors"][0]["message"]
    assert b.post_json("/admin/dmn/deploy", body).status_code == 422  # never deployed broken
    assert b.post_json("/admin/dmn/validate", {**body, "xml": good}).get_json()["ok"] is True
    # a draft is saved without checks and reopens as the draft
    saved = b.post_json("/admin/dmn/save", body)
    assert saved.status_code == 200 and saved.get_json()["key"] == "art7_thresholds.dmn"
    html = b.get("/admin/dmn?file=art7_thresholds.dmn").get_data(as_text=True)
    assert "草稿（基于版本 1）" in html and '\\"enterprise\\u003c/text' in html  # the draft's XML
    changed = good.replace("<text>2</text>", "<text>3</text>", 1)
    diff = b.post_json("/admin/dmn/diff", {**body, "xml": changed}).get_json()
    assert diff["running"]["version"] == 1
    assert [e["id"] for e in diff["changed"]] == ["art7_thresholds_rule1_operating_years_min"]
    res = b.post_json("/admin/dmn/deploy", {**body, "xml": changed}).get_json()
    assert res["deployed"] and res["version"] == 2 and res["kind"] == "dmn"
    html = b.get("/admin/dmn?file=art7_thresholds.dmn").get_data(as_text=True)
    assert "草稿" not in html.split('data-testid="version"')[1][:40]


def test_dmn_missing_a_decision_a_process_uses_is_refused(api, app):
    owner = api.as_user("owner")
    for name in ("art7_thresholds.dmn", "art8_thresholds.dmn", "recognition.bpmn"):
        assert owner.deploy(ROOT / "bpmn-diagrams" / name).status_code in (200, 201)
    b = PageClient(app, "owner")
    b.get("/admin/dmn")
    renamed = ART7.read_text().replace('decision id="art7_thresholds"', 'decision id="art7_other"')
    check = b.post_json("/admin/dmn/validate", {"xml": renamed, "file_name": "art7_thresholds.dmn"}).get_json()
    assert not check["ok"] and any("art7_thresholds" in e["message"] for e in check["errors"])
