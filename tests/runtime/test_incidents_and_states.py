"""Incidents name the handler and the real exception; retry after the fix; suspend/resume/terminate."""

from __future__ import annotations

import pytest

from handlers.registry import handler
from tests.support.diagrams import HERE as FIXTURES

CALLS: dict[str, object] = {"fail": True}


@handler("test_flaky")
def _flaky(data, ctx):  # type: ignore[no-untyped-def]
    if CALLS["fail"]:
        raise ConnectionError("credit registry unreachable")
    return {"value": 21, "attempt": "ok"}


@pytest.fixture
def flaky(api):  # type: ignore[no-untyped-def]
    CALLS["fail"] = True
    assert api.as_user("owner").deploy(FIXTURES / "flaky.bpmn").status_code == 201
    r = api.as_user("admin").post("/api/v1/process-instances", json={"process_key": "flaky"})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def test_failing_handler_leaves_an_incident_naming_handler_and_cause(api, flaky):
    assert flaky["state"] == "incident"
    inc = flaky["incident"]
    assert inc["element_id"] == "call" and inc["handler"] == "test_flaky"
    assert inc["error_type"] == "ConnectionError" and "credit registry unreachable" in inc["message"]
    listed = api.get("/api/v1/process-instances", query_string={"state": "incident"}).get_json()
    assert [i["id"] for i in listed["items"]] == [flaky["id"]]


def test_retry_after_fix_continues_to_the_user_task(api, flaky):
    CALLS["fail"] = False
    r = api.as_user("admin").post(f"/api/v1/process-instances/{flaky['id']}/retry", json={"reason": "registry back"})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["state"] == "running" and body["incident"] is None
    assert body["variables"]["result"] == 42
    assert "incident.retried" in [h["action"] for h in body["history"]]


def test_only_admins_retry(api, flaky):
    r = api.as_user("reviewer").post(f"/api/v1/process-instances/{flaky['id']}/retry", json={"reason": "x"})
    assert r.status_code == 403


def test_suspend_blocks_work_resume_restores_terminate_ends(api):
    CALLS["fail"] = False
    api.as_user("owner").deploy(FIXTURES / "flaky.bpmn")
    inst = api.as_user("admin").post("/api/v1/process-instances", json={"process_key": "flaky"}).get_json()
    iid = inst["id"]
    assert api.post(f"/api/v1/process-instances/{iid}/suspend", json={}).status_code == 422  # reason required
    assert api.post(f"/api/v1/process-instances/{iid}/suspend", json={"reason": "核查"}).get_json()["state"] == \
        "suspended"
    task = api.as_user("reviewer").only_task("check")
    assert api.complete(task["id"]).status_code == 409
    assert api.as_user("admin").post(f"/api/v1/process-instances/{iid}/resume",
                                     json={"reason": "ok"}).get_json()["state"] == "running"
    r = api.post(f"/api/v1/process-instances/{iid}/terminate", json={"reason": "撤销"})
    assert r.get_json()["state"] == "terminated" and r.get_json()["tasks"] == []
    assert api.as_user("reviewer").tasks() == []
    assert api.as_user("admin").post(f"/api/v1/process-instances/{iid}/terminate",
                                     json={"reason": "again"}).status_code == 409


def test_script_error_is_an_incident_with_line(api):
    CALLS["fail"] = False
    api.as_user("owner").deploy(FIXTURES / "flaky.bpmn")

    @handler("test_flaky_nodata")
    def _nodata(data, ctx):  # type: ignore[no-untyped-def]
        return {}

    text = (FIXTURES / "flaky.bpmn").read_text().replace("test_flaky", "test_flaky_nodata").replace(
        'id="flaky"', 'id="flaky2"')
    import io

    r = api.client.post("/api/v1/process-definitions", data={"file": (io.BytesIO(text.encode()), "flaky2.bpmn")},
                        headers=api._h(), content_type="multipart/form-data")
    assert r.status_code == 201, r.get_json()
    inst = api.as_user("admin").post("/api/v1/process-instances", json={"process_key": "flaky2"}).get_json()
    assert inst["state"] == "incident"
    assert inst["incident"]["element_id"] == "script"
    assert inst["incident"]["error_type"] == "NameError" or "value" in inst["incident"]["message"]
