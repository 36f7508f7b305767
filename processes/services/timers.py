"""Firing due timers: one transaction per instance, each timer once (the row lock decides), in
bounded batches (``fire_batch``): a clock move or a day's backlog is worked off by the scheduler a
batch per poll, never inside one long request (docs/performance.md)."""

from __future__ import annotations

import time
from dataclasses import dataclass
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


def due_count(uow: UnitOfWork, before: datetime) -> int:
    """Timers of fireable instances due before ``before`` (what a clock move still has to fire)."""
    with uow:
        return uow.s.scalar(select(func.count()).select_from(Timer)
                            .join(ProcessInstance, ProcessInstance.id == Timer.instance_id)
                            .where(Timer.due_at < before, ProcessInstance.state.in_(FIREABLE_STATES))) or 0


@dataclass
class Batch:
    fired: int = 0  # instances woken
    more: bool = False  # something due is left (the batch ended on its size or its time)


def fire_batch(uow: UnitOfWork, actor: Actor = SYSTEM, max_instances: int = 100,
               deadline: float | None = None) -> Batch:
    """Fire what is due now on at most ``max_instances`` instances, each in its own transaction,
    stopping early at ``deadline`` (``time.monotonic()``): a backlog of any size is worked off in
    bounded steps (the scheduler runs one per poll and polls again at once while ``more``)."""
    batch = Batch()
    ids = due_instance_ids(uow, uow.runtime.now(), limit=max_instances)
    for iid in ids:
        if deadline is not None and time.monotonic() >= deadline:
            batch.more = True
            return batch
        if fire_timers(uow, iid, actor):
            batch.fired += 1
    # a full batch that moved something may have left more; one that moved nothing waits for the next poll
    batch.more = len(ids) == max_instances and batch.fired > 0
    return batch


def fire_due(uow: UnitOfWork, actor: Actor = SYSTEM, max_rounds: int = 10_000, deadline: float | None = None,
             batch_size: int = 100) -> Batch:
    """Fire everything due now in batches, repeating while firing makes new timers fall due; stop at
    ``deadline`` if one is given (``more`` then tells whether anything due is left)."""
    total = Batch()
    for _ in range(max_rounds):
        batch = fire_batch(uow, actor, batch_size, deadline)
        total.fired += batch.fired
        total.more = batch.more
        if not batch.fired or (deadline is not None and time.monotonic() >= deadline):
            break
    return total
