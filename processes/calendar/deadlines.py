"""Deadline tracking: the ``deadline`` rows of an instance kept in step with its timers and task due
dates, each with the inputs needed to recompute it when a year's calendar is loaded
(docs/DOMAIN.md §6: a deadline counted in a year without a published calendar is provisional).

Called by ``processes.services.core.save`` in the same transaction, with the
:class:`~processes.calendar.functions.ComputationLog` of the unit of work that ran the diagram.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import or_, select

from processes.calendar.functions import ComputationLog, Computed
from processes.calendar.models import Deadline
from processes.db import UnitOfWork
from processes.models import ProcessInstance, TaskIndex, User
from processes.notifications.services import notify
from processes.vocabulary import ENDED_STATES, Role


@dataclass
class DeadlineChanges:
    """What one save did to an instance's deadline rows."""

    created: list[str] = field(default_factory=list)  # element ids
    reopened: list[str] = field(default_factory=list)
    closed: list[str] = field(default_factory=list)
    # timers and due dates not computed by a calendar function (a fixed date or a duration): no
    # working days are involved, so there is nothing to recompute
    untracked: list[str] = field(default_factory=list)
    provisional: list[str] = field(default_factory=list)


def _deadline_row(inst_id: int, kind: str, task_id: str, element_id: str, c: Computed,
                  now: datetime) -> Deadline:
    d = c.deadline
    return Deadline(instance_id=inst_id, kind=kind, task_id=task_id, element_id=element_id, rule=c.rule,
                    start=c.start, n=c.n, value=c.value, due_at=c.due_at, provisional=d.provisional,
                    unknown_years=list(d.unknown_years),
                    calendar_versions={str(k): v for k, v in d.calendar_versions.items()},
                    computed_at=now, open=True)


def track_deadlines(uow: UnitOfWork, inst: ProcessInstance, wf: Any, snap: Any, state: str,
                    log: ComputationLog) -> DeadlineChanges:
    """Open a row for each new timer or due date computed by a calendar function (found in ``log``),
    close the rows of those that are gone."""
    now = uow.runtime.now()
    changes = DeadlineChanges()
    live: dict[tuple[str, str], tuple[str, Computed | None]] = {}
    if state not in ENDED_STATES:
        for task_id, element_id, _due in snap.timers:
            task = wf.get_task_from_id(UUID(task_id))
            value = task.internal_data.get("event_value") if task is not None else None
            live[("timer", task_id)] = (element_id, log.by_value.get(value) if isinstance(value, str) else None)
        # a task has a due date only through its diagram's `due` property: skip the query otherwise
        if any((t.extensions or {}).get("due") for t in snap.user_tasks):
            for task_id, element_id, due_at in uow.s.execute(
                    select(TaskIndex.task_id, TaskIndex.element_id, TaskIndex.due_at)
                    .where(TaskIndex.instance_id == inst.id, TaskIndex.due_at.is_not(None))):
                live[("task", task_id)] = (element_id, log.by_instant.get(due_at) if due_at is not None else None)
    live_ids = sorted({tid for _, tid in live})
    cond = or_(Deadline.open.is_(True), Deadline.task_id.in_(live_ids)) if live_ids else Deadline.open.is_(True)
    rows = {(r.kind, r.task_id): r for r in uow.s.scalars(
        select(Deadline).where(Deadline.instance_id == inst.id, cond))}
    for key, (element_id, c) in live.items():
        row = rows.get(key)
        if row is not None and row.open:
            continue
        if c is None:
            changes.untracked.append(element_id)
            continue
        fresh = _deadline_row(inst.id, key[0], key[1], element_id, c, now)
        if fresh.provisional:
            changes.provisional.append(element_id)
            _warn_admins(uow, fresh)
        if row is None:
            uow.s.add(fresh)
            changes.created.append(element_id)
        else:  # the same task waits again (e.g. resumed): reopen with the new computation
            for attr in ("element_id", "rule", "start", "n", "value", "due_at", "provisional", "unknown_years",
                         "calendar_versions", "computed_at"):
                setattr(row, attr, getattr(fresh, attr))
            row.open, row.closed_at, row.recomputed_at = True, None, None
            changes.reopened.append(element_id)
    for key, row in rows.items():
        if row.open and key not in live:
            row.open = False
            row.closed_at = now
            changes.closed.append(row.element_id)
    return changes


def provisional_ids(uow: UnitOfWork, kind: str, task_ids: list[str]) -> set[str]:
    """Of these timers (``kind='timer'``) or user tasks (``kind='task'``), the ones whose open deadline
    was counted provisionally (docs/DOMAIN.md §6: marked wherever it is shown). One query."""
    if not task_ids:
        return set()
    return set(uow.s.scalars(select(Deadline.task_id).where(
        Deadline.kind == kind, Deadline.open.is_(True), Deadline.provisional.is_(True),
        Deadline.task_id.in_(task_ids))))


def _warn_admins(uow: UnitOfWork, row: Deadline) -> None:
    """docs/DOMAIN.md §6: a deadline in a year without a published calendar is flagged to the admins,
    once per year, so they load that year's schedule."""
    years = ", ".join(str(y) for y in row.unknown_years or [])
    admin_ids = uow.s.scalars(select(User.id).where(User.role == Role.ADMIN, User.active.is_(True))).all()
    for uid in admin_ids:
        notify(uow, uid, "calendar", f"{years} 年工作日历未发布：有临时期限",
               f"实例 {row.instance_id} 的期限 {str(row.value)[:10]} 按法定节假日和周末临时计算"
               f"（{years} 年节假日安排尚未载入，调休未知）。载入该年日历后将自动重新计算。",
               link="/admin/calendar", instance_id=row.instance_id,
               dedup_key=f"provisional-year-{years}")
