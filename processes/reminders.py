"""Reminder job (run by the scheduler and after the demo clock moves): open tasks due within one
working day get a ``due_soon`` notification, overdue tasks an ``overdue`` one — once per (task,
kind), to whoever may act on the task (its assignee, else everyone holding its role and county)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from processes.calendar.functions import current_calendar, sync_calendar
from processes.clock import CST
from processes.db import UnitOfWork
from processes.models import ProcessInstance, TaskIndex, User
from processes.notifications.models import Notification
from processes.notifications.services import notify

ACTIVE_STATES = ("running", "waiting")


def recipients(uow: UnitOfWork, task: TaskIndex) -> list[int]:
    if task.assignee_id is not None:
        return [task.assignee_id]
    if task.candidates:
        ids = list(uow.s.scalars(select(User.id).where(User.username.in_(task.candidates), User.active.is_(True))))
        if ids:
            return ids
    if task.role is None:
        return []
    stmt = select(User.id).where(User.role == task.role, User.active.is_(True))
    if task.county and task.role in ("county_officer", "applicant"):
        stmt = stmt.where(User.county == task.county)
    return list(uow.s.scalars(stmt))


def kind_for(task_due: datetime, now: datetime) -> str | None:
    """``overdue`` once past due; ``due_soon`` when the due date is today or the next working day."""
    if now > task_due:
        return "overdue"
    today = now.astimezone(CST).date()
    due_day = task_due.astimezone(CST).date()
    if current_calendar().working_days_between(today, due_day) <= 1:
        return "due_soon"
    return None


def run_reminders(uow: UnitOfWork, limit: int = 2000) -> int:
    """Send what is due; returns the number of notifications created. Idempotent."""
    sync_calendar(uow)
    now = uow.runtime.now()
    created = 0
    with uow:
        horizon = now.astimezone(CST).date()
        # candidates: due within the next 12 days (the next working day can be 9 days away across
        # Spring Festival); kind_for decides exactly
        soon = datetime.combine(horizon + timedelta(days=12), datetime.min.time(), CST)
        tasks = uow.s.scalars(
            select(TaskIndex).join(ProcessInstance, ProcessInstance.id == TaskIndex.instance_id)
            .where(TaskIndex.due_at.is_not(None), TaskIndex.due_at < soon,
                   ProcessInstance.state.in_(ACTIVE_STATES))
            .order_by(TaskIndex.due_at).limit(limit)).all()
        ids = [t.task_id for t in tasks]
        sent = {(r[0], r[1]) for r in uow.s.execute(
            select(Notification.task_id, Notification.kind)
            .where(Notification.task_id.in_(ids), Notification.dedup_key.like("reminder:%")))} if ids else set()
        for t in tasks:
            assert t.due_at is not None
            kind = kind_for(t.due_at, now)
            if kind is None or (t.task_id, kind) in sent:
                continue
            due_local = t.due_at.astimezone(CST).strftime("%Y-%m-%d %H:%M")
            title = (f"待办即将到期：{t.name}" if kind == "due_soon" else f"待办已逾期：{t.name}")
            body = (f"{t.business_key or t.process_key} 的“{t.name}”应于 {due_local} 前办理。"
                    if kind == "due_soon" else
                    f"{t.business_key or t.process_key} 的“{t.name}”已超过办理期限（{due_local}）。")
            for uid in recipients(uow, t):
                if notify(uow, uid, kind, title, body, link=f"/tasks/{t.task_id}", instance_id=t.instance_id,
                          task_id=t.task_id, dedup_key=f"reminder:{kind}:{t.task_id}") is not None:
                    created += 1
            sent.add((t.task_id, kind))
        uow.commit()
    return created
