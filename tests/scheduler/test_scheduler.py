"""The scheduler process on the test database (SQLite by default): restart, single leader,
event-based gateway timers, firing on GET."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from processes.clock import CST
from processes.models import Timer
from processes.scheduler import SchedulerBusy, leadership, poll_once
from processes.services import instances
from tests.conftest import START
from tests.support.diagrams import EVENT_GATEWAY, TIMER
from tests.support.flows import Running, actor, deploy_file, fired_counts, start_timer, states, wait_until


def test_timer_due_while_the_scheduler_is_stopped_fires_once_after_restart(runtime, clock):
    deploy_file(runtime, TIMER)
    first = Running(runtime, "first").start()
    assert wait_until(first.scheduler.leading.is_set)
    iid = start_timer(runtime, START + timedelta(hours=1))
    first.stop()
    assert fired_counts(runtime, [iid]) == {iid: 0}
    # time passes while no scheduler runs
    clock.set_state(START + timedelta(hours=3), timedelta(0))
    second = Running(runtime, "second").start()
    try:
        assert wait_until(lambda: states(runtime, [iid])[iid] == "completed")
    finally:
        second.stop()
    third = Running(runtime, "third").start()
    try:
        assert wait_until(lambda: third.scheduler.fired == 0 and third.scheduler.leading.is_set())
        assert poll_once(runtime) == 0
    finally:
        third.stop()
    assert fired_counts(runtime, [iid]) == {iid: 1}
    assert second.scheduler.fired == 1 and first.scheduler.fired == 0


def test_sqlite_allows_one_scheduler(runtime):
    if runtime.db.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with leadership(runtime, wait=False):
        with pytest.raises(SchedulerBusy):
            with leadership(runtime, wait=False):
                pass
    with leadership(runtime, wait=False):  # released: a new one may start
        pass


def test_timer_behind_an_event_based_gateway_is_found_and_fires(runtime, clock):
    deploy_file(runtime, EVENT_GATEWAY)
    inst = instances.start_instance(runtime.uow(), actor(runtime), "event_gw", None, {})
    uow = runtime.uow()
    with uow:
        timers = uow.s.scalars(select(Timer).where(Timer.instance_id == inst.id)).all()
    assert [t.element_id for t in timers] == ["timeout"]
    # 5 working days after Mon 28 Sep 2026 (not counted): ends Sat 10 Oct (调休) 23:59:59 Beijing time
    assert timers[0].due_at == datetime(2026, 10, 10, 23, 59, 59, tzinfo=CST)
    clock.set_state(datetime(2026, 10, 10, 23, 59, 58, tzinfo=CST), timedelta(0))
    assert poll_once(runtime) == 0  # not before its time
    clock.set_state(datetime(2026, 10, 11, 0, 0, 0, tzinfo=CST), timedelta(0))
    assert poll_once(runtime) == 1
    assert states(runtime, [inst.id]) == {inst.id: "completed"}


def test_reading_an_instance_with_a_due_timer_changes_nothing(api, runtime, clock):
    """Reads never write: a GET neither fires a due timer nor touches the instance; the scheduler does."""
    deploy_file(runtime, TIMER)
    r = api.as_user("reviewer").post("/api/v1/process-instances", json={
        "process_key": "timer_only", "variables": {"due_time": (START + timedelta(minutes=5)).isoformat()}})
    assert r.status_code == 201, r.get_json()
    iid = r.get_json()["id"]
    before = api.instance(iid)
    assert before["state"] == "waiting"
    clock.set_state(START + timedelta(minutes=6), timedelta(0))  # the timer is due; no scheduler runs
    for _ in range(3):
        detail = api.instance(iid)
        assert (detail["state"], detail["lock_version"], detail["updated_at"]) == (
            "waiting", before["lock_version"], before["updated_at"])
        assert "timer.fired" not in [h["action"] for h in detail["history"]]
    assert poll_once(runtime) == 1  # the scheduler's poll fires it
    assert api.instance(iid)["state"] == "completed"


def test_concurrent_polls_fire_each_timer_once(runtime, clock):
    """Two schedulers overlapping (e.g. during a takeover) on the test database."""
    import threading

    deploy_file(runtime, TIMER)
    ids = [start_timer(runtime, START + timedelta(minutes=i % 7)) for i in range(12)]
    clock.set_state(START + timedelta(hours=1), timedelta(0))
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            for _ in range(3):
                poll_once(runtime)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert set(fired_counts(runtime, ids).values()) == {1}
    assert set(states(runtime, ids).values()) == {"completed"}


def test_message_behind_an_event_based_gateway_wins_and_cancels_the_timer(api, runtime):
    deploy_file(runtime, EVENT_GATEWAY)
    r = api.as_user("reviewer").post("/api/v1/process-instances", json={"process_key": "event_gw"})
    assert r.status_code == 201, r.get_json()
    inst = r.get_json()
    r = api.post("/api/v1/messages", json={"name": "reply", "business_key": inst["business_key"]})
    assert r.status_code == 200, r.get_json()
    detail = api.instance(inst["id"])
    assert detail["state"] == "completed" and detail["timers"] == []
