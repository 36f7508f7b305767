"""Demo/test time travel: forward in order, calendar-correct durations, back in time, never in production."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from processes.clock import CST, SystemClock
from processes.errors import Forbidden, Invalid
from processes.services import clock as clock_svc
from processes.services.core import SYSTEM
from tests.conftest import START
from tests.support.diagrams import TIMER
from tests.support.flows import deploy_file, start_timer, states


def test_advancing_fires_each_timer_at_its_own_time(runtime, clock):
    deploy_file(runtime, TIMER)
    ids = [start_timer(runtime, START + timedelta(days=d)) for d in (3, 1, 2)]
    clock_svc.advance_clock(runtime.uow(), SYSTEM, "P5D")
    assert set(states(runtime, ids).values()) == {"completed"}
    from sqlalchemy import select

    from processes.models import AuditEntry

    uow = runtime.uow()
    with uow:
        fired = {e.instance_id: e.at for e in uow.s.scalars(select(AuditEntry).where(
            AuditEntry.action == "timer.fired"))}
    for iid, days in zip(ids, (3, 1, 2), strict=True):
        assert fired[iid] == START + timedelta(days=days, seconds=1)  # stopped just past each due time
    assert clock.now() == START + timedelta(days=5)


def test_years_and_months_are_calendar_correct(runtime, clock):
    clock.set_state(datetime(2026, 1, 31, 10, 0, tzinfo=CST), timedelta(0))
    clock_svc.advance_clock(runtime.uow(), SYSTEM, "P1M")
    assert clock.now() == datetime(2026, 2, 28, 10, 0, tzinfo=CST)
    clock.set_state(datetime(2028, 2, 29, 10, 0, tzinfo=CST), timedelta(0))
    clock_svc.advance_clock(runtime.uow(), SYSTEM, "P3Y")
    assert clock.now() == datetime(2031, 2, 28, 10, 0, tzinfo=CST)
    with pytest.raises(Invalid):
        clock_svc.parse_duration("5 days")


def test_api_advance_uses_calendar_months(api, clock):
    clock.set_state(datetime(2026, 1, 31, 10, 0, tzinfo=CST), timedelta(0))
    r = api.as_user("admin").post("/api/v1/clock", json={"advance": "P1M"})
    assert r.status_code == 200, r.get_json()
    assert datetime.fromisoformat(r.get_json()["now"]) == datetime(2026, 2, 28, 10, 0, tzinfo=CST)
    assert clock.now() == datetime(2026, 2, 28, 10, 0, tzinfo=CST)


def test_setting_the_clock_back_keeps_history_and_dates_new_work_by_the_new_clock(api, runtime, clock):
    deploy_file(runtime, TIMER)
    first = start_timer(runtime, START + timedelta(days=1))
    clock_svc.advance_clock(runtime.uow(), SYSTEM, timedelta(days=2))
    assert states(runtime, [first]) == {first: "completed"}
    earlier = datetime(2026, 9, 1, 9, 0, tzinfo=CST)
    clock_svc.set_clock(runtime.uow(), SYSTEM, earlier)
    assert clock.now() == earlier
    second = start_timer(runtime, earlier + timedelta(hours=1))
    detail = api.as_user("admin").instance(second)
    assert detail["state"] == "waiting"
    assert detail["history"][0]["at"].startswith("2026-09-01T01:00")  # dated by the new clock
    old = api.instance(first)
    assert old["state"] == "completed" and "timer.fired" in [h["action"] for h in old["history"]]


def test_production_clock_cannot_move(runtime):
    runtime.clock = SystemClock()
    with pytest.raises(Forbidden):
        clock_svc.set_clock(runtime.uow(), SYSTEM, START)
    with pytest.raises(Forbidden):
        clock_svc.advance_clock(runtime.uow(), SYSTEM, "P1D")


def test_only_admin_moves_the_clock(api):
    r = api.as_user("reviewer").post("/api/v1/clock", json={"advance": "P1D"})
    assert r.status_code == 403
