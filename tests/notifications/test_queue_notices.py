"""A task that waits in a queue (the county's officers, the bureau's reviewers) is announced to everyone
who may claim it — once — and to nobody else."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from processes.notifications.models import Notification
from tests.recognition.conftest import Recognition
from tests.support.flows import add_user


def _titles(api: Any, user: str) -> list[str]:
    return [n["title"] for n in api.as_user(user).get("/api/v1/notifications").get_json()["items"]]


def test_a_queued_task_is_announced_to_those_who_may_claim_it(rec: Recognition, api: Any, runtime: Any) -> None:
    add_user(runtime, "county-dongchangfu-2", "county_officer", "dongchangfu", "东昌府区工信局（二）")
    gone = add_user(runtime, "county-dongchangfu-old", "county_officer", "dongchangfu", "已离职")
    r = api.as_user("admin").post(f"/api/v1/admin/users/{gone.id}/deactivate", json={"reason": "离职"})
    assert r.status_code == 200
    rec.apply()  # the application reaches the county's queue (county_review, unassigned)
    county_task = rec.task("county-dongchangfu", "county_review")
    wanted = f"待认领：{county_task['name']}"
    assert _titles(api, "county-dongchangfu").count(wanted) == 1
    assert _titles(api, "county-dongchangfu-2").count(wanted) == 1
    assert wanted not in _titles(api, "county-linqing")  # another county's officer
    assert wanted not in _titles(api, "reviewer")
    uow = runtime.uow()
    with uow:
        assert uow.s.scalars(select(Notification).where(Notification.user_id == gone.id)).all() == []
    rec.recommend()  # the bureau's queue: every active reviewer
    review = rec.task("reviewer", "municipal_review")
    assert _titles(api, "reviewer").count(f"待认领：{review['name']}") == 1
