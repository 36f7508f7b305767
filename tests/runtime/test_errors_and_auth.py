"""Errors are JSON with the right status; tokens; who may see which instance."""

from __future__ import annotations

from tests.support.diagrams import HERE as FIXTURES


def test_login_wrong_password_and_missing_token(api):
    r = api.client.post("/api/v1/auth/token", json={"username": "admin", "password": "nope"})
    assert r.status_code == 401 and r.get_json()["error"]
    r = api.client.get("/api/v1/tasks")
    assert r.status_code == 401 and "Bearer" in r.get_json()["error"]
    r = api.client.get("/api/v1/tasks", headers={"Authorization": "Bearer forged.token.value"})
    assert r.status_code == 401


def test_bad_json_unknown_route_and_wrong_method_are_json(api):
    api.as_user("admin")
    r = api.client.post("/api/v1/process-instances", data="{not json", headers=api._h(),
                        content_type="application/json")
    assert r.status_code == 400 and r.get_json()["errors"] == []
    r = api.get("/api/v1/nope")
    assert r.status_code == 404 and "error" in r.get_json()
    r = api.client.delete("/api/v1/tasks", headers=api._h())
    assert r.status_code == 405 and "error" in r.get_json()


def test_start_validation(api):
    api.as_user("applicant1")
    assert api.post("/api/v1/process-instances", json={}).status_code == 422
    r = api.post("/api/v1/process-instances", json={"process_key": "missing"})
    assert r.status_code == 404 and "missing" in r.get_json()["error"]
    api.as_user("owner").deploy(FIXTURES / "sample.bpmn")
    r = api.as_user("applicant1").post("/api/v1/process-instances",
                                       json={"process_key": "sample", "variables": {"__class__": 1}})
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "__class__"


def test_instance_visibility_by_role_and_county(api):
    api.as_user("owner").deploy(FIXTURES / "sample.bpmn")
    inst = api.as_user("applicant1").post("/api/v1/process-instances", json={"process_key": "sample"}).get_json()
    url = f"/api/v1/process-instances/{inst['id']}"
    assert api.as_user("county-dongchangfu").get(url).status_code == 200
    assert api.as_user("county-linqing").get(url).status_code == 404
    assert api.as_user("applicant2").get(url).status_code == 404
    assert api.as_user("reviewer").get(url).status_code == 200
    listed = api.as_user("county-linqing").get("/api/v1/process-instances").get_json()
    assert listed["total"] == 0
    assert api.as_user("county-dongchangfu").get("/api/v1/process-instances").get_json()["total"] == 1
    # another applicant cannot read the task either
    task = api.as_user("applicant1").only_task()
    assert api.as_user("applicant2").get(f"/api/v1/tasks/{task['id']}").status_code == 404


def test_task_detail_lists_form_fields_with_constraints(api):
    api.as_user("owner").deploy(FIXTURES / "sample.bpmn")
    api.as_user("applicant1").post("/api/v1/process-instances", json={"process_key": "sample"})
    task = api.get(f"/api/v1/tasks/{api.only_task()['id']}").get_json()
    fields = {f["id"]: f for f in task["fields"]}
    assert fields["unit_name"]["required"] is True and fields["unit_name"]["constraints"] == {"maxlength": "50"}
    assert fields["total_assets_wan"]["type"] == "double" and fields["total_assets_wan"]["constraints"]["min"] == "0"


def test_claim_unclaim_and_conflicts(api):
    api.as_user("owner").deploy(FIXTURES / "sample.bpmn")
    api.as_user("applicant1").post("/api/v1/process-instances", json={"process_key": "sample"})
    api.complete(api.only_task()["id"], unit_name="甲", total_assets_wan=300)
    t = api.as_user("county-dongchangfu").only_task()
    assert t["claimable"] is True
    assert api.post(f"/api/v1/tasks/{t['id']}/claim").status_code == 200
    assert api.as_user("admin").post(f"/api/v1/tasks/{t['id']}/claim").status_code == 409
    assert api.as_user("county-linqing").post(f"/api/v1/tasks/{t['id']}/unclaim").status_code == 403
    r = api.as_user("county-dongchangfu").post(f"/api/v1/tasks/{t['id']}/unclaim")
    assert r.status_code == 200 and r.get_json()["assignee_id"] is None
    # an applicant task is assigned by the process and cannot be released
    api.as_user("applicant1").post("/api/v1/process-instances", json={"process_key": "sample"})
    own = api.only_task()
    assert api.post(f"/api/v1/tasks/{own['id']}/unclaim").status_code == 409


def test_stale_version_is_a_conflict(api):
    api.as_user("owner").deploy(FIXTURES / "sample.bpmn")
    api.as_user("applicant1").post("/api/v1/process-instances", json={"process_key": "sample"})
    t = api.only_task()
    r = api.post(f"/api/v1/tasks/{t['id']}/complete", json={"data": {"unit_name": "甲", "total_assets_wan": 1},
                                                             "version": 99})
    assert r.status_code == 409 and r.get_json()["code"] == "stale_version"
