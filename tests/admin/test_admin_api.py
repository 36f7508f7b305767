"""Administrators through the JSON API: monitor, colouring, incidents (retry / skip), variables,
users, definitions, validation, drafts, scenarios, migration, dashboard."""

from __future__ import annotations

from tests.admin.helpers import complete_a, start
from tests.support.diagrams import ADMIN_V1 as V1
from tests.support.diagrams import ADMIN_V2 as V2


def _a(api):  # type: ignore[no-untyped-def]
    return api.as_user("admin")


def _o(api):  # type: ignore[no-untyped-def]
    return api.as_user("owner")


def _deploy_v1(api):  # type: ignore[no-untyped-def]
    r = _o(api).deploy(V1)
    assert r.status_code == 201, r.get_json()


def test_instance_list_filters_counts_paging_sorting(api, flaky):
    _deploy_v1(api)
    ids = [start(api, county="linqing")["id"] for _ in range(3)]
    complete_a(api, approved=False) if False else None
    t = api.as_user("reviewer").tasks()[0]
    api.complete(t["id"], approved=False)  # one completes via the default flow
    r = _a(api).get("/api/v1/admin/instances", query_string={"process_key": "admin_demo"})
    body = r.get_json()
    assert r.status_code == 200, body
    assert body["total"] == 3
    assert body["counts"]["running"] == 2 and body["counts"]["completed"] == 1
    r = _a(api).get("/api/v1/admin/instances", query_string={"state": "running", "step": "task_a", "county": "linqing",
                                                            "sort": "id", "dir": "asc", "per_page": 1, "page": 2})
    body = r.get_json()
    assert body["total"] == 2 and body["pages"] == 2 and len(body["items"]) == 1
    assert body["items"][0]["id"] == sorted(ids)[2] or body["items"][0]["id"] in ids
    assert body["items"][0]["current"] == ["市局审核"]
    assert _a(api).get("/api/v1/admin/instances", query_string={"county": "gaoxin"}).get_json()["total"] == 0
    assert _a(api).get("/api/v1/admin/instances", query_string={"version": "x"}).status_code == 422
    # applicants may not use the monitor
    assert api.as_user("applicant1").get("/api/v1/admin/instances").status_code == 403


def test_colouring_marks_completed_active_and_flows_taken(api, flaky):
    _deploy_v1(api)
    inst = start(api)
    r = _a(api).get(f"/api/v1/admin/instances/{inst['id']}/diagram")
    body = r.get_json()
    assert body["elements"]["start_event"] == "completed"
    assert body["elements"]["task_a"] == "active"
    assert body["flows"] == ["f1"]
    assert "<bpmn:definitions" in body["xml"]


def test_incident_from_failing_handler_then_retry_after_fix(api, flaky):
    _deploy_v1(api)
    inst = start(api)
    flaky.broken = True
    assert complete_a(api).status_code == 200
    detail = _a(api).get(f"/api/v1/admin/instances/{inst['id']}").get_json()
    assert detail["state"] == "incident"
    assert detail["incident"]["element_id"] == "svc"
    assert detail["incident"]["handler"] == "admin_test_flaky"
    assert "登记系统无响应" in detail["incident"]["message"]
    assert detail["colouring"]["elements"]["svc"] == "failed"
    # retry while still broken: still an incident
    r = _a(api).post(f"/api/v1/process-instances/{inst['id']}/retry", json={"reason": "试一次"})
    assert r.get_json()["state"] == "incident"
    flaky.broken = False
    r = _a(api).post(f"/api/v1/process-instances/{inst['id']}/retry", json={"reason": "登记系统已恢复"})
    assert r.status_code == 200, r.get_json()
    detail = _a(api).get(f"/api/v1/admin/instances/{inst['id']}").get_json()
    assert detail["state"] == "completed"
    assert detail["variables"]["registered"] is True
    actions = [h["action"] for h in detail["history"]]
    assert "instance.incident" in actions and "incident.retried" in actions


def test_skip_incident_needs_reason_and_is_audited(api, flaky):
    _deploy_v1(api)
    inst = start(api)
    flaky.broken = True
    complete_a(api)
    assert _a(api).post(f"/api/v1/admin/instances/{inst['id']}/skip", json={}).status_code == 422
    assert _o(api).post(f"/api/v1/admin/instances/{inst['id']}/skip",
                                     json={"reason": "x"}).status_code == 403
    r = _a(api).post(f"/api/v1/admin/instances/{inst['id']}/skip", json={"reason": "已人工登记"})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["state"] == "completed"
    assert "registered" not in body["variables"]
    skipped = [h for h in body["history"] if h["action"] == "incident.skipped"]
    assert skipped and skipped[0]["data"]["reason"] == "已人工登记" and skipped[0]["element_id"] == "svc"


def test_suspend_resume_terminate_with_reason(api, flaky):
    _deploy_v1(api)
    inst = start(api)
    assert _a(api).post(f"/api/v1/process-instances/{inst['id']}/suspend", json={}).status_code == 422
    assert _a(api).post(f"/api/v1/process-instances/{inst['id']}/suspend", json={"reason": "核查"}).status_code == 200
    assert _a(api).get("/api/v1/admin/instances", query_string={"state": "suspended"}).get_json()["total"] == 1
    r = _a(api).post(f"/api/v1/process-instances/{inst['id']}/resume", json={"reason": "核查完毕"})
    assert r.status_code == 200
    r = _a(api).post(f"/api/v1/process-instances/{inst['id']}/terminate", json={"reason": "撤回"})
    assert r.get_json()["state"] == "terminated"


def test_variable_edit_by_admin_with_reason_is_audited_and_used(api, flaky):
    _deploy_v1(api)
    inst = start(api, score=1)
    url = f"/api/v1/admin/instances/{inst['id']}/variables"
    assert _a(api).post(url, json={"set": {"score": 2}}).status_code == 422  # no reason
    assert api.as_user("reviewer").post(url, json={"set": {"score": 2}, "reason": "x"}).status_code == 403
    assert _a(api).post(url, json={"set": {"__x": 1}, "reason": "x"}).status_code == 422
    r = _a(api).post(url, json={"set": {"score": 2, "note": "补正"}, "remove": [], "reason": "录入错误"})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["variables"]["score"] == 2 and body["variables"]["note"] == "补正"
    entry = [h for h in body["history"] if h["action"] == "instance.variables_edited"][0]
    assert entry["data"]["before"] == {"score": 1, "note": None}
    assert entry["data"]["reason"] == "录入错误"
    # the next task sees the edited value
    t = api.as_user("reviewer").only_task("task_a")
    assert api.get(f"/api/v1/tasks/{t['id']}").get_json()["data"]["score"] == 2


def test_user_admin_create_assign_deactivate_reset(api):
    r = _a(api).post("/api/v1/admin/users", json={"username": "newofficer", "password": "secret-1234",
                                                 "role": "county_officer", "county": "linqing"})
    assert r.status_code == 201, r.get_json()
    uid = r.get_json()["id"]
    api.as_user("newofficer", "secret-1234")
    assert api.get("/api/v1/me").status_code == 200
    r = _a(api).post(f"/api/v1/admin/users/{uid}", json={"role": "county_officer", "county": "gaoxin"})
    assert r.get_json()["county"] == "gaoxin"
    # the role/county change invalidates the old token
    api.as_user("newofficer")
    assert api.get("/api/v1/me").status_code == 401
    api.tokens.pop("newofficer")
    r = _a(api).post(f"/api/v1/admin/users/{uid}/password", json={"password": "short"})
    assert r.status_code == 422
    assert api.post(f"/api/v1/admin/users/{uid}/password", json={"password": "long-enough-1"}).status_code == 200
    api.as_user("newofficer", "long-enough-1")
    assert api.get("/api/v1/me").status_code == 200
    assert _a(api).post(f"/api/v1/admin/users/{uid}/deactivate", json={"reason": "调岗"}).status_code == 200
    api.as_user("newofficer")
    assert api.get("/api/v1/me").status_code == 401
    r = api.client.post("/api/v1/auth/token", json={"username": "newofficer", "password": "long-enough-1"})
    assert r.status_code == 401
    users = _a(api).get("/api/v1/admin/users").get_json()
    assert [u for u in users if u["username"] == "newofficer"][0]["active"] is False
    me = [u for u in users if u["username"] == "admin"][0]
    assert api.post(f"/api/v1/admin/users/{me['id']}/deactivate", json={}).status_code == 409
    assert _o(api).get("/api/v1/admin/users").status_code == 403


def test_definitions_list_validation_draft_deploy(api, flaky):
    _deploy_v1(api)
    start(api)
    defs = _o(api).get("/api/v1/admin/definitions").get_json()
    d = [x for x in defs if x["key"] == "admin_demo"][0]
    assert d["version"] == 1 and d["deployed_by"] == "owner" and d["open"] == 1
    assert d["deployed_by_name"] == "流程管理员"  # the name people know, not the user name
    bad = V2.read_text(encoding="utf-8").replace("approved == True", "approved ===")
    r = _o(api).post("/api/v1/admin/validate", json={"file": "admin_demo.bpmn", "xml": bad})
    body = r.get_json()
    assert body["ok"] is False
    err = body["errors"][0]
    assert err["element_id"] == "f_yes" and err["line"] and "无法编译" in err["message"]
    juel = V2.read_text(encoding="utf-8").replace("approved == True", "${!rejected &amp;&amp; approved}")
    body = _o(api).post("/api/v1/admin/validate", json={"file": "admin_demo.bpmn", "xml": juel}).get_json()
    assert body["ok"] is True
    assert body["warnings"][0]["element_id"] == "f_yes" and body["warnings"][0]["fix"] == "not rejected and approved"
    r = _o(api).post("/api/v1/admin/drafts", json={"xml": V2.read_text(encoding="utf-8"), "base_version": 1})
    assert r.status_code == 201 and r.get_json()["key"] == "admin_demo"
    assert _o(api).get("/api/v1/admin/drafts").get_json()[0]["key"] == "admin_demo"
    r = _o(api).post("/api/v1/admin/drafts/admin_demo/deploy")
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["version"] == 2
    assert _o(api).get("/api/v1/admin/drafts").get_json() == []
    assert api.as_user("reviewer").post("/api/v1/admin/drafts", json={"xml": "<x/>"}).status_code == 403


def test_service_task_without_handler_and_form_collision_are_refused(api):
    xml = V1.read_text(encoding="utf-8").replace('camunda:topic="admin_test_flaky"', 'camunda:topic="nope"') \
        .replace('id="approved"', 'id="business_key"')
    r = _o(api).post("/api/v1/admin/validate", json={"file": "x.bpmn", "xml": xml}).get_json()
    msgs = {(e["element_id"], e["message"]) for e in r["errors"]}
    assert ("svc", "未知的处理程序 'nope'") in msgs
    assert any(e["element_id"] == "task_a" and "与系统为每个实例设置的变量同名" in e["message"] for e in r["errors"])


def test_scenarios_run_against_a_draft_without_touching_instances(api, flaky):
    _deploy_v1(api)
    ok = {"name": "同意", "steps": {"tasks": [{"element_id": "task_a", "data": {"approved": True}}]},
          "expected": {"state": "completed", "variables": {"registered": True}}}
    wrong = {"name": "走错", "steps": {"tasks": [{"element_id": "task_b", "data": {}}]},
             "expected": {"state": "completed"}}
    for s in (ok, wrong):
        assert _o(api).post("/api/v1/admin/scenarios/admin_demo", json=s).status_code == 201
    r = _o(api).post("/api/v1/admin/scenarios/admin_demo/run", json={})
    body = r.get_json()
    assert body["source"] == "version 1"
    res = {x["name"]: x for x in body["results"]}
    assert res["同意"]["passed"] is True, res["同意"]
    assert res["走错"]["passed"] is False and res["走错"]["failures"][0]["element_id"] == "task_b"
    # against the v2 draft the first scenario now stops at task_b: failure points at the element
    _o(api).post("/api/v1/admin/drafts", json={"xml": V2.read_text(encoding="utf-8")})
    body = _o(api).post("/api/v1/admin/scenarios/admin_demo/run", json={"names": ["同意"]}).get_json()
    assert body["source"] == "draft"
    fail = body["results"][0]["failures"][0]
    assert fail["element_id"] == "task_b" and "completed" in fail["message"]
    assert _a(api).get("/api/v1/admin/instances").get_json()["total"] == 0


def test_v2_deploy_new_instances_on_v2_old_stay_until_migrated(api, flaky):
    _deploy_v1(api)
    old = start(api)
    assert _o(api).deploy(V2).get_json()["version"] == 2
    new = start(api)
    assert _a(api).get(f"/api/v1/admin/instances/{old['id']}").get_json()["version"] == 1
    assert _a(api).get(f"/api/v1/admin/instances/{new['id']}").get_json()["version"] == 2
    defs = {d["version"]: d for d in _a(api).get("/api/v1/admin/definitions").get_json() if d["key"] == "admin_demo"}
    r = _o(api).post("/api/v1/admin/migrations/preview", json={"instances": [old["id"]], "to": defs[2]["id"]})
    plan = r.get_json()["plans"][0]
    assert plan["ok"] is True and plan["reset"] == ["task_a"], plan
    assert _o(api).post("/api/v1/admin/migrations", json={"instances": [old["id"]], "to": defs[2]["id"]}
                      ).status_code == 422  # reason required
    r = _o(api).post("/api/v1/admin/migrations", json={"instances": [old["id"]], "to": defs[2]["id"],
                                                     "reason": "新增复核环节"})
    assert r.get_json()["migrated"][0]["to_version"] == 2, r.get_json()
    detail = _a(api).get(f"/api/v1/admin/instances/{old['id']}").get_json()
    assert detail["version"] == 2
    assert [h for h in detail["history"] if h["action"] == "instance.migrated"][0]["data"]["reason"] == "新增复核环节"
    # it now runs on v2: after task_a comes task_b
    tasks = api.as_user("reviewer").tasks()
    t = [t for t in tasks if t["instance_id"] == old["id"]][0]
    assert api.complete(t["id"], approved=True).status_code == 200
    assert [t["element_id"] for t in api.tasks() if t["instance_id"] == old["id"]] == ["task_b"]


def test_migration_refuses_instances_the_diff_cannot_map(api, flaky):
    r = _o(api).deploy(V2)
    assert r.status_code == 201
    inst = start(api)
    complete_a(api)  # now at task_b, which v3 removes
    v3 = V1.read_text(encoding="utf-8").replace('name="管理演示流程"', 'name="管理演示流程 v3"')
    import io

    _o(api)
    r = api.client.post("/api/v1/process-definitions", data={"file": (io.BytesIO(v3.encode()), "admin_demo.bpmn")},
                        headers=api._h(), content_type="multipart/form-data")
    assert r.get_json()["version"] == 2
    preview = _o(api).post("/api/v1/admin/migrations/preview", json={"instances": [inst["id"]]}).get_json()
    plan = preview["plans"][0]
    assert plan["ok"] is False and "task_b" in plan["reason"]
    r = _o(api).post("/api/v1/admin/migrations", json={"instances": [inst["id"]], "reason": "试"}).get_json()
    assert r["migrated"] == [] and "task_b" in r["refused"][0]["reason"]


def test_dashboard_aggregates(api, flaky):
    _deploy_v1(api)
    start(api, county="linqing")
    start(api, county="gaoxin")
    complete_a(api) if False else None
    t = api.as_user("reviewer").tasks()[0]
    api.complete(t["id"], approved=False)
    d = _a(api).get("/api/v1/admin/dashboard").get_json()
    assert d["states"] == {"running": 1, "completed": 1}
    assert d["per_stage"][0]["label"] == "市局审核"
    assert d["steps"][0]["step"] == "市局审核" and d["steps"][0]["count"] == 1
    assert {b["label"] for b in d["per_county"]} == {"linqing"} or len(d["per_county"]) == 1


def test_a_user_gets_only_a_configured_county_and_a_well_formed_email_before_anything_is_saved(api, app):
    r = _a(api).post("/api/v1/admin/users", json={"username": "badcounty", "password": "secret-1234",
                                                 "role": "county_officer", "county": "atlantis"})
    assert r.status_code == 422 and r.get_json()["errors"] == [
        {"field": "county", "code": "county_unknown", "message": "没有这个县（市、区）：atlantis"}]
    r = _a(api).post("/api/v1/admin/users", json={"username": "okofficer", "password": "secret-1234",
                                                 "role": "county_officer", "county": "linqing"})
    uid = r.get_json()["id"]
    for body, field, code in (({"county": "atlantis"}, "county", "county_unknown"),
                              ({"email": "not an address"}, "email", "email_invalid"),
                              ({"email": "a@b"}, "email", "email_invalid")):
        r = _a(api).post(f"/api/v1/admin/users/{uid}", json=body)
        assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == field, (body, r.get_json())
        assert r.get_json()["errors"][0]["code"] == code
    users = {u["username"]: u for u in _a(api).get("/api/v1/admin/users").get_json()}
    assert users["okofficer"]["county"] == "linqing" and not users["okofficer"].get("email")
    assert "badcounty" not in users
    r = _a(api).post(f"/api/v1/admin/users/{uid}", json={"email": " officer@liaocheng.gov.cn "})
    assert r.status_code == 200
    # the page goes through the same use case and says which field
    from tests.support.pages import PageClient

    page = PageClient(app, "admin")
    page.post("/admin/users", {"op": "update", "user_id": str(uid), "role": "county_officer", "county": "atlantis"})
    assert "没有这个县（市、区）：atlantis" in page.get("/admin/users").get_data(as_text=True)
