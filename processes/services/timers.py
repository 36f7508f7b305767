"""Firing due timers: one transaction per instance, each timer once (the row lock decides)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from processes.db import UnitOfWork
from processes.models import ProcessInstance, Timer
from processes.services.core import SYSTEM, Actor, lock_instance, record, run_engine, save

FIREABLE_STATES = ("running", "waiting")


def due_instance_ids(uow: UnitOfWork, now: datetime, limit: int = 500) -> list[int]:
    with uow:
        stmt = (select(Timer.instance_id, func.min(Timer.due_at).label("due"))
                .join(ProcessInstance, ProcessInstance.id == Timer.instance_id)
                .where(Timer.due_at < now, ProcessInstance.state.in_(FIREABLE_STATES))
                .group_by(Timer.instance_id).order_by("due").limit(limit))
        return [row[0] for row in uow.s.execute(stmt)]


def next_due(uow: UnitOfWork, not_before: datetime | None = None) -> datetime | None:
    """The earliest due time of a fireable timer (at or after ``not_before`` if given)."""
    with uow:
        stmt = (select(func.min(Timer.due_at)).join(ProcessInstance, ProcessInstance.id == Timer.instance_id)
                .where(ProcessInstance.state.in_(FIREABLE_STATES)))
        if not_before is not None:
            stmt = stmt.where(Timer.due_at >= not_before)
        return uow.s.scalar(stmt)


def fire_timers(uow: UnitOfWork, instance_id: int, actor: Actor = SYSTEM) -> list[str]:
    """Fire what is due on one instance. Returns the element ids fired ([] if nothing was due)."""
    with uow:
        loaded = lock_instance(uow, instance_id)
        if loaded.instance.state not in FIREABLE_STATES:
            return []
        now = uow.runtime.now()
        # SpiffWorkflow fires a timer when its time is strictly before now
        due = uow.s.scalars(select(Timer).where(Timer.instance_id == instance_id, Timer.due_at < now)).all()
        if not due:
            return []  # another scheduler (or a web request) fired them first
        fired = [t.element_id for t in due]
        info = [{"element_id": t.element_id, "due_at": t.due_at.isoformat()} for t in due]
        incident = run_engine(loaded)
        still_due = {tid for tid, _, at in uow.runtime.engine.snapshot(loaded.wf).timers if at < now}
        if incident is None and still_due >= {t.task_id for t in due}:
            return []  # nothing moved (e.g. the engine disagrees about the time): don't loop
        save(loaded, incident)
        record(uow, actor, "timer.fired", instance_id, data={"timers": info, "at": now.isoformat()})
        if incident:
            record(uow, actor, "instance.incident", instance_id, element_id=incident.get("element_id"),
                   data=incident)
        uow.commit()
        return fired


def fire_due(uow: UnitOfWork, actor: Actor = SYSTEM, max_rounds: int = 10_000) -> int:
    """Fire everything due now, repeating while firing makes new timers fall due."""
    count = 0
    for _ in range(max_rounds):
        ids = due_instance_ids(uow, uow.runtime.now())
        if not ids:
            break
        fired_any = False
        for iid in ids:
            if fire_timers(uow, iid, actor):
                count += 1
                fired_any = True
        if not fired_any:
            break
    return count
