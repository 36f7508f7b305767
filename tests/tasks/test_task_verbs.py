"""Task verbs and task lists through the JSON API (the sample and collab test diagrams)."""

from __future__ import annotations

from datetime import timedelta

from tests.support.flows import add_user, collab_at_county_review, sample_at_county_review


def _task_of(api, user, which="mine"):  # type: ignore[no-untyped-def]
    r = api.as_user(user).get(f"/api/v1/task-lists/{which}")
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def test_lists_claim_release_and_county_isolation(api, runtime):
    flow = sample_at_county_review(runtime)
    tid = flow.task_id("county_review")
    pool = _task_of(api, "county-dongchangfu", "claimable")
    assert [t["id"] for t in pool["items"]] == [tid] and pool["total"] == 1
    assert _task_of(api, "county-linqing", "claimable")["total"] == 0
    assert _task_of(api, "county-dongchangfu", "mine")["total"] == 0
    assert api.as_user("county-dongchangfu").post(f"/api/v1/tasks/{tid}/claim").status_code == 200
    mine = _task_of(api, "county-dongchangfu", "mine")
    assert mine["items"][0]["id"] == tid and mine["items"][0]["due_date"] is None
    assert api.post(f"/api/v1/tasks/{tid}/release").status_code == 200
    assert _task_of(api, "county-dongchangfu", "claimable")["total"] == 1
    # 已办: the applicant's completed fill step, from the audit log
    done = _task_of(api, "applicant1", "done")
    assert [i["name"] for i in done["items"]] == ["填写申请"]
    assert _task_of(api, "applicant2", "done")["total"] == 0


def test_transfer_to_same_county_colleague_only(api, runtime):
    add_user(runtime, "county-dongchangfu-2", "county_officer", "dongchangfu", "东昌府二号")
    flow = sample_at_county_review(runtime)
    tid = flow.task_id("county_review")
    api.as_user("county-dongchangfu").post(f"/api/v1/tasks/{tid}/claim")
    r = api.post(f"/api/v1/tasks/{tid}/transfer", json={"to": "county-linqing"})
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "to"
    r = api.post(f"/api/v1/tasks/{tid}/transfer", json={"to": "county-dongchangfu-2", "note": "请代为办理"})
    assert r.status_code == 200, r.get_json()
    assert _task_of(api, "county-dongchangfu-2", "mine")["items"][0]["id"] == tid
    assert _task_of(api, "county-dongchangfu", "mine")["total"] == 0
    timeline = api.as_user("reviewer").get(f"/api/v1/process-instances/{flow.instance_id}/timeline").get_json()
    assert [e["label"] for e in timeline][-2:] == ["认领", "转办"]


def test_delegate_and_take_back(api, runtime):
    add_user(runtime, "county-dongchangfu-2", "county_officer", "dongchangfu")
    tid = sample_at_county_review(runtime).task_id("county_review")
    api.as_user("county-dongchangfu").post(f"/api/v1/tasks/{tid}/claim")
    assert api.post(f"/api/v1/tasks/{tid}/delegate", json={"to": "county-dongchangfu-2"}).status_code == 200
    assert _task_of(api, "county-dongchangfu-2", "mine")["items"][0]["delegated"] is True
    assert api.as_user("county-dongchangfu").post(f"/api/v1/tasks/{tid}/delegate",
                                                  json={"to": "county-dongchangfu-2"}).status_code == 403
    assert api.post(f"/api/v1/tasks/{tid}/take-back").status_code == 200
    assert _task_of(api, "county-dongchangfu", "mine")["items"][0]["id"] == tid


def test_urge_once_per_holder_per_day(api, runtime, clock):
    tid = sample_at_county_review(runtime).task_id("county_review")
    r = api.as_user("reviewer").post(f"/api/v1/tasks/{tid}/urge", json={"note": "请尽快"})
    assert r.status_code == 409  # nobody holds it yet
    api.as_user("county-dongchangfu").post(f"/api/v1/tasks/{tid}/claim")
    assert api.as_user("reviewer").post(f"/api/v1/tasks/{tid}/urge", json={"note": "请尽快"}).status_code == 201
    r = api.post(f"/api/v1/tasks/{tid}/urge")
    assert r.status_code == 409 and r.get_json()["code"] == "urged_today"
    # another county's officer cannot even see it
    assert api.as_user("county-linqing").post(f"/api/v1/tasks/{tid}/urge").status_code == 404
    clock.set_state(clock.now() + timedelta(days=1), timedelta(0))
    assert api.as_user("reviewer").post(f"/api/v1/tasks/{tid}/urge").status_code == 201


def test_copy_gives_read_access_within_the_county(api, runtime):
    flow = sample_at_county_review(runtime)
    tid = flow.task_id("county_review")
    api.as_user("county-dongchangfu").post(f"/api/v1/tasks/{tid}/claim")
    r = api.post(f"/api/v1/tasks/{tid}/copy", json={"to": ["county-linqing"]})
    assert r.status_code == 422
    assert api.post(f"/api/v1/tasks/{tid}/copy", json={"to": ["reviewer"]}).status_code == 201
    copied = _task_of(api, "reviewer", "copied")
    assert copied["items"][0]["instance_id"] == flow.instance_id and copied["items"][0]["read"] is False


def test_submit_requires_opinion_and_validates_table_rows(api, runtime):
    flow = collab_at_county_review(runtime)
    tid = flow.task_id("county_review")
    api.as_user("county-dongchangfu").post(f"/api/v1/tasks/{tid}/claim")
    r = api.post(f"/api/v1/tasks/{tid}/submit", json={"data": {"decision": "return"}})
    assert r.status_code == 422 and {e["field"] for e in r.get_json()["errors"]} == {"opinion"}
    r = api.post(f"/api/v1/tasks/{tid}/submit", json={"data": {"decision": "return", "opinion": "请补充名单"}})
    assert r.status_code == 200, r.get_json()
    fill = api.as_user("applicant1").get("/api/v1/task-lists/mine").get_json()["items"][0]
    assert fill["element_id"] == "fill"
    bad = [{"enterprise": "甲", "rating": "很满意"}, {"enterprise": "", "titled": "也许"}]
    r = api.post(f"/api/v1/tasks/{fill['id']}/submit", json={"data": {"unit_name": "X", "served_list": bad}})
    assert r.status_code == 422
    msgs = [e["message"] for e in r.get_json()["errors"]]
    assert any("第 2 行「企业名称」：必填" in m for m in msgs) and any("第 2 行「专精特新/瞪羚」" in m for m in msgs)


def test_draft_saved_and_returned_with_task(api, runtime):
    flow = collab_at_county_review(runtime)
    tid = flow.task_id("county_review")
    api.as_user("county-dongchangfu").post(f"/api/v1/tasks/{tid}/claim")
    r = api.post(f"/api/v1/tasks/{tid}/draft", json={"data": {"opinion": "初步意见"}})
    assert r.status_code == 200
    assert api.get(f"/api/v1/tasks/{tid}").get_json()["draft"]["opinion"] == "初步意见"
    # someone else may not write into it
    assert api.as_user("county-linqing").post(f"/api/v1/tasks/{tid}/draft", json={"data": {}}).status_code == 403


def test_list_filters_sorting_paging(api, runtime):
    for _ in range(3):
        sample_at_county_review(runtime)
    page = api.as_user("county-dongchangfu").get("/api/v1/task-lists/claimable?per_page=2&page=2").get_json()
    assert page["total"] == 3 and len(page["items"]) == 1 and page["pages"] == 2
    assert api.get("/api/v1/task-lists/claimable?round=2026").get_json()["total"] == 3
    assert api.get("/api/v1/task-lists/claimable?round=2025").get_json()["total"] == 0
    assert api.get("/api/v1/task-lists/claimable?overdue=1").get_json()["total"] == 0
    assert api.get("/api/v1/task-lists/claimable?process=nope").get_json()["total"] == 0
    counts = api.get("/api/v1/task-counts").get_json()
    assert counts["claimable"] == 3 and counts["mine"] == 0


def test_times_are_shown_in_beijing_time():
    from app.templating import local_time

    assert local_time("2026-11-29T12:45:00+00:00") == "2026-11-29 20:45"
    assert local_time("2026-12-31T16:30:00+00:00") == "2027-01-01 00:30"
    assert local_time(None) == "—" and local_time("not a time") == "not a time"
