"""The sample process through the JSON API: user task, service task, gateway, timer, message."""

from __future__ import annotations

from tests.support.diagrams import HERE as FIXTURES


def _start(api, clock):  # type: ignore[no-untyped-def]
    assert api.as_user("owner").deploy(FIXTURES / "sample.bpmn").status_code == 201
    r = api.as_user("applicant1").post("/api/v1/process-instances", json={"process_key": "sample"})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def test_start_fill_and_county_approve_reach_publicity_timer(api, clock):
    inst = _start(api, clock)
    assert inst["state"] == "running"
    assert inst["active_elements"] == ["fill"]
    task = api.as_user("applicant1").only_task("fill")
    assert task["due_at"] is not None
    r = api.complete(task["id"], unit_name="某平台", total_assets_wan="250")
    assert r.status_code == 200, r.get_json()
    # a county officer of another county sees nothing
    assert api.as_user("county-linqing").tasks() == []
    t = api.as_user("county-dongchangfu").only_task("county_review")
    assert api.complete(t["id"], decision="approve").status_code == 200
    detail = api.as_user("reviewer").instance(inst["id"])
    assert detail["state"] == "waiting"
    assert detail["variables"]["score"] == 500.0
    assert [t["element_id"] for t in detail["timers"]] == ["pub_wait"]
    # 5 working days after Mon 2026-09-28 (not counted) skip National Day: ends Sat 2026-10-10 23:59:59 CST
    assert detail["timers"][0]["due_at"].startswith("2026-10-10T15:59:59")


def test_timer_fires_when_clock_advances(api, clock):
    inst = _start(api, clock)
    api.as_user("applicant1").complete(api.only_task()["id"], unit_name="X", total_assets_wan=100)
    api.as_user("county-dongchangfu").complete(api.only_task()["id"], decision="approve")
    r = api.as_user("admin").post("/api/v1/clock", json={"now": "2026-10-11T09:00:00+08:00"})
    assert r.status_code == 200, r.get_json()
    detail = api.as_user("admin").instance(inst["id"])
    assert detail["state"] == "completed"
    assert "timer.fired" in [h["action"] for h in detail["history"]]


def test_objection_message_interrupts_publicity(api, clock):
    inst = _start(api, clock)
    api.as_user("applicant1").complete(api.only_task()["id"], unit_name="X", total_assets_wan=100)
    api.as_user("county-dongchangfu").complete(api.only_task()["id"], decision="approve")
    r = api.as_user("reviewer").post("/api/v1/messages", json={"name": "objection", "business_key":
                                                                inst["business_key"], "payload": {"r": "数据不实"}})
    assert r.status_code == 200, r.get_json()
    t = api.as_user("reviewer").only_task("investigate")
    assert api.complete(t["id"]).status_code == 200
    detail = api.instance(inst["id"])
    assert detail["state"] == "completed"
    assert detail["timers"] == []
    # no instance waits for it any more
    r = api.post("/api/v1/messages", json={"name": "objection", "business_key": inst["business_key"]})
    assert r.status_code == 404
    assert r.get_json()["code"] == "no_instance_waiting"


def test_gateway_default_path_declines(api, clock):
    inst = _start(api, clock)
    api.as_user("applicant1").complete(api.only_task()["id"], unit_name="X", total_assets_wan=10)
    api.as_user("county-dongchangfu").complete(api.only_task()["id"], decision="approve")
    detail = api.as_user("admin").instance(inst["id"])
    assert detail["state"] == "completed"
    assert detail["active_elements"] == []


def test_invalid_form_data_gives_field_errors_and_keeps_task(api, clock):
    _start(api, clock)
    t = api.as_user("applicant1").only_task()
    r = api.complete(t["id"], unit_name="", total_assets_wan="abc")
    assert r.status_code == 422
    fields = {e["field"] for e in r.get_json()["errors"]}
    assert fields == {"unit_name", "total_assets_wan"}
    assert api.only_task()["id"] == t["id"]


def test_task_of_someone_else_is_not_found_and_double_completion_conflicts(api, clock):
    _start(api, clock)
    t = api.as_user("applicant1").only_task()
    r = api.as_user("applicant2").complete(t["id"], unit_name="X", total_assets_wan=1)
    assert r.status_code == 404  # another unit's case: not visible, not even its existence
    assert api.as_user("applicant1").complete(t["id"], unit_name="X", total_assets_wan=1).status_code == 200
    r = api.complete(t["id"], unit_name="X", total_assets_wan=1)
    assert r.status_code == 409 and r.get_json()["code"] == "task_completed"  # it existed and was completed
    assert api.complete("00000000-0000-0000-0000-000000000000", unit_name="X").status_code == 404
