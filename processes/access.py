"""Who may see and act on what. Pure functions over plain attributes (role, county, ids)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, false, or_, true
from sqlalchemy.sql import ColumnElement

from processes.models import ProcessInstance, TaskIndex, User

OVERSEERS = ("admin", "process_owner", "municipal_reviewer")


def may_act_on_task(user: User, task: TaskIndex) -> bool:
    """Assigned to the user, or unassigned and the user holds the task's role (and county)."""
    if not user.active:
        return False
    if task.assignee_id is not None:
        return task.assignee_id == user.id
    if task.candidates and user.username in task.candidates:
        return True
    if task.role is None or task.role != user.role:
        return False
    if task.county and user.role in ("county_officer", "applicant"):
        return user.county == task.county
    return True


def task_visibility(user: User) -> ColumnElement[bool]:
    """SQL filter of the open tasks a user may act on (same rule as may_act_on_task)."""
    if not user.active:
        return false()
    own = TaskIndex.assignee_id == user.id
    county_ok: ColumnElement[bool] = true()
    if user.role in ("county_officer", "applicant"):
        county_ok = or_(TaskIndex.county.is_(None), TaskIndex.county == user.county)
    pool = and_(TaskIndex.assignee_id.is_(None), TaskIndex.role == user.role, county_ok)
    return or_(own, pool)


def may_view_instance(user: User, instance: ProcessInstance, involved: bool = False) -> bool:
    """Overseers see all; county officers their county; others what they started or work on."""
    if not user.active:
        return False
    if user.role in OVERSEERS:
        return True
    if user.role == "county_officer":
        return instance.county is not None and instance.county == user.county
    return instance.started_by == user.id or involved


def instance_visibility(user: User, involved_ids: Any = None) -> ColumnElement[bool]:
    if user.role in OVERSEERS:
        return true()
    if user.role == "county_officer":
        return ProcessInstance.county == user.county
    cond = ProcessInstance.started_by == user.id
    if involved_ids is not None:
        cond = or_(cond, ProcessInstance.id.in_(involved_ids))
    return cond
