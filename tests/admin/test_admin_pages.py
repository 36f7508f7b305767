"""The administration pages through Flask's test client: every action is reachable from the UI."""

from __future__ import annotations

import json
import re

import pytest

from tests.admin.helpers import complete_a, start
from tests.support.diagrams import ADMIN_V1 as V1
from tests.support.diagrams import ADMIN_V2 as V2
from tests.support.pages import PageClient as Browser


@pytest.fixture
def as_user(app):  # type: ignore[no-untyped-def]
    return lambda username: Browser(app, username)


def test_monitor_list_and_instance_page(api, as_user, flaky):
    assert api.as_user("owner").deploy(V1).status_code == 201
    inst = start(api, county="linqing")
    b = as_user("admin")
    r = b.get("/admin/instances?state=running&county=linqing&sort=started&dir=asc")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and f"/admin/instances/{inst['id']}" in html and "市局审核" in html
    r = b.get(f"/admin/instances/{inst['id']}")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    data = json.loads(re.search(r'<script type="application/json" id="diagram-data">(.*?)</script>', html,
                                re.S).group(1))
    assert data["elements"]["task_a"] == "active" and data["flows"] == ["f1"]
    assert "dist/bpmn.js" in html and "审计时间线" in html and "流程变量" in html
    assert as_user("reviewer").get(f"/admin/instances/{inst['id']}").status_code == 200
    assert as_user("applicant1").get("/admin/instances").status_code == 403


def test_incident_actions_from_the_page(api, as_user, flaky):
    api.as_user("owner").deploy(V1)
    inst = start(api)
    flaky.broken = True
    complete_a(api)
    b = as_user("admin")
    html = b.get(f"/admin/instances/{inst['id']}").get_data(as_text=True)
    assert "admin_test_flaky" in html and "登记系统无响应" in html
    assert 'value="retry"' in html and 'value="skip"' in html
    r = b.post(f"/admin/instances/{inst['id']}/action", {"action": "retry", "reason": ""})
    assert r.status_code == 302
    assert "请填写原因" in b.get(f"/admin/instances/{inst['id']}").get_data(as_text=True)
    flaky.broken = False
    b.post(f"/admin/instances/{inst['id']}/action", {"action": "retry", "reason": "已修复"})
    html = b.get(f"/admin/instances/{inst['id']}").get_data(as_text=True)
    assert "已重试实例" in html and 'data-testid="state">已完成' in html


def test_variable_edit_and_suspend_from_the_page(api, as_user, flaky):
    api.as_user("owner").deploy(V1)
    inst = start(api, score=1)
    b = as_user("admin")
    b.get(f"/admin/instances/{inst['id']}")
    b.post(f"/admin/instances/{inst['id']}/variables", {"name": "score", "value": "5", "reason": "更正"})
    html = b.get(f"/admin/instances/{inst['id']}").get_data(as_text=True)
    assert "变量 score 已修改" in html and "修改变量" in html
    b.post(f"/admin/instances/{inst['id']}/action", {"action": "suspend", "reason": "核查"})
    assert 'data-testid="state">已挂起' in b.get(f"/admin/instances/{inst['id']}").get_data(as_text=True)
    assert as_user("owner").post(f"/admin/instances/{inst['id']}/action",
                                 {"action": "resume", "reason": "x"}).status_code == 403


def test_users_page_actions(as_user):
    b = as_user("admin")
    assert "新建用户" in b.get("/admin/users").get_data(as_text=True)
    b.post("/admin/users", {"op": "create", "username": "u_new", "password": "pw-1234567", "role": "expert"})
    html = b.get("/admin/users").get_data(as_text=True)
    assert "已创建用户 u_new" in html
    uid = re.search(r'data-user="u_new".*?name="user_id" value="(\d+)"', html, re.S).group(1)
    b.post("/admin/users", {"op": "update", "user_id": uid, "role": "county_officer", "county": "linqing"})
    b.post("/admin/users", {"op": "password", "user_id": uid, "password": "another-pw-1"})
    b.post("/admin/users", {"op": "deactivate", "user_id": uid})
    html = b.get("/admin/users").get_data(as_text=True)
    assert "已停用该用户" in html
    assert as_user("owner").get("/admin/users").status_code == 403


def test_definitions_modeler_migration_dashboard_scenarios_pages(api, as_user, flaky):
    api.as_user("owner").deploy(V1)
    inst = start(api)
    b = as_user("owner")
    html = b.get("/admin/definitions").get_data(as_text=True)
    assert "admin_demo" in html and "在建模器中打开" in html
    r = b.get("/admin/modeler?key=admin_demo")
    assert r.status_code == 200 and "properties-panel.css" in r.get_data(as_text=True)
    bad = V2.read_text(encoding="utf-8").replace("approved == True", "approved ===")
    res = b.post_json("/admin/modeler/validate", {"xml": bad, "file_name": "admin_demo.bpmn"}).get_json()
    assert res["errors"][0]["element_id"] == "f_yes"
    r = b.post_json("/admin/modeler/deploy", {"xml": bad, "file_name": "admin_demo.bpmn"})
    assert r.status_code == 422
    r = b.post_json("/admin/modeler/deploy", {"xml": V2.read_text(encoding="utf-8"), "file_name": "admin_demo.bpmn"})
    assert r.get_json()["version"] == 2
    defs = api.as_user("owner").get("/api/v1/admin/definitions").get_json()
    v1 = [d for d in defs if d["version"] == 1][0]
    html = b.get(f"/admin/definitions/{v1['id']}/migrate").get_data(as_text=True)
    assert f'value="{inst["id"]}"' in html
    r = b.post(f"/admin/definitions/{v1['id']}/migrate", {"instances": str(inst["id"]), "op": "preview"})
    assert "将重置的环节" in r.get_data(as_text=True) and "task_a" in r.get_data(as_text=True)
    r = b.post(f"/admin/definitions/{v1['id']}/migrate", {"instances": str(inst["id"]), "op": "apply",
                                                           "reason": "新版本"})
    assert "版本 1 → 版本 2" in r.get_data(as_text=True)
    assert "各环节办理用时" in as_user("admin").get("/admin/dashboard").get_data(as_text=True)
    b.get("/admin/scenarios/admin_demo")
    steps = '{"tasks": [{"element_id": "task_a", "data": {"approved": true}}]}'
    b.post("/admin/scenarios/admin_demo", {"op": "save", "name": "同意", "expected": '{"state": "running"}',
                                           "steps": steps})
    r = b.post("/admin/scenarios/admin_demo", {"op": "run"})
    assert "1 通过，0 失败" in r.get_data(as_text=True)
    assert b.get("/admin/dmn").status_code == 200
    assert b.get(f"/admin/definitions/{v1['id']}").status_code == 200


def test_upload_refused_diagram_shows_element_reasons(as_user):
    import io

    b = as_user("owner")
    b.get("/admin/definitions")
    bad = V1.read_text(encoding="utf-8").replace('camunda:topic="admin_test_flaky"', "")
    r = b.post("/admin/definitions/upload", {"file": (io.BytesIO(bad.encode()), "x.bpmn")},
               content_type="multipart/form-data")
    assert r.status_code == 302
    assert "svc" in b.get("/admin/definitions").get_data(as_text=True)


def test_definitions_name_the_deployer_as_people_know_them(app, runtime, as_user):
    """A diagram deployed at start-up reads 系统 (not the id "system"); a person's by display name."""
    from processes.supervision.services import deploy_supervision

    deploy_supervision(runtime.uow())
    html = as_user("owner").get("/admin/definitions").get_data(as_text=True)
    row = re.search(r"quarterly_report\.bpmn</td><td>([^<]*)</td>", html)
    assert row is not None and row.group(1) == "系统"


def test_the_results_of_actions_read_in_english_in_english_mode(as_user):
    b = as_user("admin")
    b.c.set_cookie("lang", "en")
    b.post("/admin/users", {"op": "create", "username": "u_en", "password": "pw-1234567", "role": "expert"})
    html = b.get("/admin/users").get_data(as_text=True)
    assert "User u_en created" in html and "已创建用户" not in html
