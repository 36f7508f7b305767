"""Notifications (service + API) and the reminder job: due_soon / overdue once per task and kind."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from processes.clock import CST
from processes.models import User
from processes.notifications import services as notifications
from processes.notifications.models import Notification
from processes.reminders import kind_for, run_reminders
from tests.support.diagrams import HERE as FIXTURES


def _uid(runtime, username: str) -> int:  # type: ignore[no-untyped-def]
    uow = runtime.uow()
    with uow:
        return uow.s.scalars(select(User.id).where(User.username == username)).one()


def test_notify_list_count_and_mark_read(runtime):
    uid = _uid(runtime, "reviewer")
    other = _uid(runtime, "admin")
    uow = runtime.uow()
    a = notifications.notify(uow, uid, "new_task", "新待办", "请审核", link="/tasks/x", instance_id=None)
    b = notifications.notify(uow, uid, "urged", "催办", "请尽快办理")
    notifications.notify(uow, other, "outcome", "结果", "已认定")
    assert a is not None and b is not None
    assert notifications.unread_count(uow, uid) == 2
    assert [n.kind for n in notifications.list_for(uow, uid)] == ["urged", "new_task"]  # newest first
    assert notifications.mark_read(uow, uid, [a.id]) == 1
    assert notifications.mark_read(uow, other, [b.id]) == 0  # not theirs
    assert [n.id for n in notifications.list_for(uow, uid, unread_only=True)] == [b.id]
    assert notifications.mark_read(uow, uid, None) == 1
    assert notifications.unread_count(uow, uid) == 0
    with pytest.raises(ValueError):
        notifications.notify(uow, uid, "spam", "x", "y")
    # inside a caller's transaction: joins it, the caller commits
    with uow:
        notifications.notify(uow, uid, "returned", "退回", "请补正")
        uow.commit()
    assert notifications.unread_count(uow, uid) == 1


def test_notification_api(api, runtime):
    uid = _uid(runtime, "reviewer")
    n = notifications.notify(runtime.uow(), uid, "due_soon", "即将到期", "明天到期")
    assert n is not None
    r = api.as_user("reviewer").get("/api/v1/notifications")
    assert r.status_code == 200
    body = r.get_json()
    assert body["unread"] == 1 and body["items"][0]["title"] == "即将到期"
    assert api.as_user("admin").get("/api/v1/notifications").get_json()["items"] == []
    assert api.as_user("admin").post("/api/v1/notifications/read", json={"ids": [n.id]}).get_json()["marked"] == 0
    r = api.as_user("reviewer").post("/api/v1/notifications/read", json={"ids": [n.id]})
    assert r.get_json() == {"marked": 1, "unread": 0}
    assert api.post("/api/v1/notifications/read", json={"ids": "all"}).status_code == 422


def test_kind_for_counts_working_days():
    due = datetime(2026, 10, 9, 23, 59, 59, tzinfo=CST)  # Friday after National Day
    assert kind_for(due, datetime(2026, 10, 8, 9, 0, tzinfo=CST)) == "due_soon"
    assert kind_for(due, datetime(2026, 10, 9, 23, 0, tzinfo=CST)) == "due_soon"
    assert kind_for(due, datetime(2026, 9, 30, 9, 0, tzinfo=CST)) is None  # 8 and 9 Oct still ahead
    assert kind_for(due, datetime(2026, 10, 10, 0, 0, tzinfo=CST)) == "overdue"


def test_reminders_once_per_task_and_kind(api, runtime, clock):
    assert api.as_user("owner").deploy(FIXTURES / "sample.bpmn").status_code == 201
    r = api.as_user("applicant1").post("/api/v1/process-instances", json={"process_key": "sample"})
    assert r.status_code == 201
    task = api.only_task("fill")
    # due: 10 working days after Mon 28 Sep 2026 → Fri 16 Oct, end of day
    assert datetime.fromisoformat(task["due_at"]) == datetime(2026, 10, 16, 23, 59, 59, tzinfo=CST)
    assert run_reminders(runtime.uow()) == 0
    clock.set_state(datetime(2026, 10, 15, 9, 0, tzinfo=CST), timedelta(0))
    assert run_reminders(runtime.uow()) == 1
    assert run_reminders(runtime.uow()) == 0  # idempotent
    clock.set_state(datetime(2026, 10, 17, 9, 0, tzinfo=CST), timedelta(0))
    assert run_reminders(runtime.uow()) == 1
    assert run_reminders(runtime.uow()) == 0
    applicant = _uid(runtime, "applicant1")
    uow = runtime.uow()
    with uow:
        rows = uow.s.scalars(select(Notification).order_by(Notification.id)).all()
        assert [(n.kind, n.task_id) for n in rows] == [("due_soon", task["id"]), ("overdue", task["id"])]
        assert {n.user_id for n in rows} == {applicant}
    items = api.as_user("applicant1").get("/api/v1/notifications").get_json()["items"]
    assert [i["kind"] for i in items] == ["overdue", "due_soon"]


def test_pool_task_reminds_everyone_holding_the_role_in_the_county(api, runtime, clock):
    assert api.as_user("owner").deploy(FIXTURES / "sample.bpmn").status_code == 201
    api.as_user("applicant1").post("/api/v1/process-instances", json={"process_key": "sample"})
    api.complete(api.only_task()["id"], unit_name="X", total_assets_wan=300)
    uow = runtime.uow()
    from processes.models import TaskIndex

    with uow:
        t = uow.s.scalars(select(TaskIndex).where(TaskIndex.element_id == "county_review")).one()
        t.due_at = datetime(2026, 9, 28, 23, 59, 59, tzinfo=CST)
        county = t.county
        uow.commit()
    clock.set_state(datetime(2026, 9, 29, 9, 0, tzinfo=CST), timedelta(0))
    assert run_reminders(runtime.uow()) >= 1
    with uow:
        users = uow.s.scalars(select(User).join(Notification, Notification.user_id == User.id)).all()
        assert users and all(u.role == "county_officer" and u.county == county for u in users)
