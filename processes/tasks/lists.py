"""Read side of the task area: the four task lists, the counts on the home page, due dates in
working days, the approval record (审批记录) of an instance and who may read it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, false, func, or_, select

from processes.access import may_start, may_view_instance, task_arms
from processes.calendar.deadlines import provisional_ids
from processes.calendar.functions import current_calendar
from processes.clock import CST
from processes.db import UnitOfWork
from processes.errors import NotFound
from processes.models import AuditEntry, ProcessDefinition, ProcessInstance, TaskIndex, User
from processes.queries import task_count, task_page
from processes.services.instances import starter_roles
from processes.tasks.models import TaskCopy, TaskDelegation, TaskUrge
from processes.vocabulary import TaskList

SORTS = ("due", "-due", "created", "-created", "name", "process")


@dataclass
class ListQuery:
    process_key: str | None = None
    round: str | None = None  # the year of the annual round (批次), as carried by the business key
    county: str | None = None
    overdue: bool = False
    sort: str = "due"
    page: int = 1
    per_page: int = 20


def _today(uow: UnitOfWork) -> date:
    return uow.runtime.now().astimezone(CST).date()


def due_info(due_at: datetime | None, now: datetime) -> dict[str, Any]:
    """Due date (CST), overdue flag and the distance in working days (calendar in force)."""
    if due_at is None:
        return {"due_date": None, "overdue": False, "due_soon": False, "working_days": None}
    due_day = due_at.astimezone(CST).date()
    today = now.astimezone(CST).date()
    n = current_calendar().working_days_between(today, due_day)  # > 0: working days left
    overdue = now > due_at
    return {"due_date": due_day.isoformat(), "overdue": overdue, "due_soon": not overdue and n <= 2,
            "working_days": current_calendar().working_days_between(due_day, today) if overdue else n}


def _names(uow: UnitOfWork, ids: set[int | None]) -> dict[int, str]:
    clean = {i for i in ids if i is not None}
    if not clean:
        return {}
    return {u.id: u.display_name or u.username for u in uow.s.scalars(select(User).where(User.id.in_(clean)))}


def _task_item(row: Any, now: datetime, names: dict[int, str], delegated: set[str],
               provisional: set[str] | None = None) -> dict[str, Any]:
    return {"id": row.task_id, "instance_id": row.instance_id, "element_id": row.element_id, "name": row.name,
            "role": row.role, "county": row.county, "assignee_id": row.assignee_id,
            "assignee": names.get(row.assignee_id) if row.assignee_id else None,
            "process_key": row.process_key, "business_key": row.business_key,
            "created_at": row.created_at.isoformat(), "due_at": row.due_at.isoformat() if row.due_at else None,
            "claimable": row.pool and row.assignee_id is None, "pool": row.pool,
            "delegated": row.task_id in delegated, "has_draft": bool(row.draft), **due_info(row.due_at, now),
            # docs/DOMAIN.md §6: a due date counted in a year whose schedule is not loaded is marked
            "due_provisional": row.task_id in (provisional or set())}


def _page(q: ListQuery) -> tuple[int, int]:
    per = max(1, min(int(q.per_page or 20), 100))
    return per, max(1, int(q.page or 1))


def list_tasks(uow: UnitOfWork, user: User, which: str, q: ListQuery | None = None) -> dict[str, Any]:
    """The four lists: 我的待办 (mine), 待认领 (claimable), 已办 (done), 抄送我的 (copied)."""
    q = q or ListQuery()
    if which not in tuple(TaskList):
        raise NotFound(f"no task list '{which}'")
    if which == "done":
        return _list_done(uow, user, q)
    if which == "copied":
        return _list_copied(uow, user, q)
    with uow:
        now = uow.runtime.now()
        # the arms of the user's visibility (access.task_arms): own tasks for 我的待办, the role's pools
        # for 待认领; each is read from its index in due order (queries.task_page)
        arms = [arm for i, arm in enumerate(task_arms(user)) if (i == 0) == (which == "mine")]
        filters: list[Any] = []
        if q.process_key:
            filters.append(TaskIndex.process_key == q.process_key)
        if q.round:
            filters.append(TaskIndex.business_key.like(f"%-{q.round}-%"))
        if q.county:
            filters.append(TaskIndex.county == q.county)
        if q.overdue:
            filters.append(and_(TaskIndex.due_at.is_not(None), TaskIndex.due_at < now))
        total = task_count(uow, arms, filters)
        per, page = _page(q)
        if q.sort in SORTS[1:]:
            order = {"-due": (TaskIndex.due_at.is_(None), TaskIndex.due_at.desc(), TaskIndex.id),
                     "created": (TaskIndex.created_at, TaskIndex.id), "-created": (TaskIndex.created_at.desc(),),
                     "name": (TaskIndex.name, TaskIndex.id), "process": (TaskIndex.process_key, TaskIndex.id)}
            stmt = select(TaskIndex).where(or_(*arms) if arms else false(), *filters)
            rows = list(uow.s.scalars(stmt.order_by(*order[q.sort]).limit(per).offset((page - 1) * per)))
        else:
            rows = task_page(uow, arms, filters, per, (page - 1) * per)
        names = _names(uow, {r.assignee_id for r in rows})
        delegated = set(uow.s.scalars(select(TaskDelegation.task_id).where(
            TaskDelegation.task_id.in_([r.task_id for r in rows])))) if rows else set()
        provisional = provisional_ids(uow, "task", [r.task_id for r in rows if r.due_at is not None])
        items = [_task_item(r, now, names, delegated, provisional) for r in rows]
        return {"list": which, "items": items, "total": total, "page": page, "per_page": per,
                "pages": max(1, -(-total // per))}


def _instance_filters(stmt: Any, q: ListQuery) -> Any:
    if q.process_key:
        stmt = stmt.where(ProcessInstance.process_key == q.process_key)
    if q.round:
        stmt = stmt.where(ProcessInstance.business_key.like(f"%-{q.round}-%"))
    if q.county:
        stmt = stmt.where(ProcessInstance.county == q.county)
    return stmt


def _list_done(uow: UnitOfWork, user: User, q: ListQuery) -> dict[str, Any]:
    """已办, from the audit log (action task.completed by this user)."""
    with uow:
        stmt = (select(AuditEntry, ProcessInstance)
                .join(ProcessInstance, ProcessInstance.id == AuditEntry.instance_id)
                .where(AuditEntry.action == "task.completed", AuditEntry.actor_id == user.id))
        stmt = _instance_filters(stmt, q)
        total = uow.s.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        per, page = _page(q)
        order = AuditEntry.id if q.sort == "created" else AuditEntry.id.desc()
        rows = uow.s.execute(stmt.order_by(order).limit(per).offset((page - 1) * per)).all()
        items = []
        for a, inst in rows:
            values = (a.data or {}).get("values") or {}
            items.append({"id": a.task_id, "instance_id": inst.id, "element_id": a.element_id,
                          "name": (a.data or {}).get("name") or a.element_id, "process_key": inst.process_key,
                          "business_key": inst.business_key, "county": inst.county, "state": inst.state,
                          "completed_at": a.at.isoformat(), "decision": values.get("decision"),
                          "opinion": values.get("opinion")})
        return {"list": "done", "items": items, "total": total, "page": page, "per_page": per,
                "pages": max(1, -(-total // per))}


def _list_copied(uow: UnitOfWork, user: User, q: ListQuery) -> dict[str, Any]:
    with uow:
        stmt = select(TaskCopy).where(TaskCopy.user_id == user.id)
        if q.process_key:
            stmt = stmt.where(TaskCopy.process_key == q.process_key)
        if q.round:
            stmt = stmt.where(TaskCopy.business_key.like(f"%-{q.round}-%"))
        if q.county:
            stmt = stmt.where(TaskCopy.county == q.county)
        total = uow.s.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        per, page = _page(q)
        order = TaskCopy.id if q.sort == "created" else TaskCopy.id.desc()
        rows = uow.s.scalars(stmt.order_by(order).limit(per).offset((page - 1) * per)).all()
        names = _names(uow, {r.by_id for r in rows})
        items = [{"id": c.task_id, "copy_id": c.id, "instance_id": c.instance_id, "name": c.task_name,
                  "process_key": c.process_key, "business_key": c.business_key, "county": c.county,
                  "by": names.get(c.by_id, ""), "note": c.note, "created_at": c.created_at.isoformat(),
                  "read": c.read_at is not None} for c in rows]
        return {"list": "copied", "items": items, "total": total, "page": page, "per_page": per,
                "pages": max(1, -(-total // per))}


def counts(uow: UnitOfWork, user: User) -> dict[str, int]:
    """What waits for the user, by kind (the home page)."""
    with uow:
        now = uow.runtime.now()
        arms = task_arms(user)
        mine, pool = arms[:1], arms[1:]

        def n(stmt: Any) -> int:
            return uow.s.scalar(select(func.count()).select_from(stmt.subquery())) or 0

        overdue = [TaskIndex.due_at < now]
        return {
            "mine": task_count(uow, mine, []),
            "mine_overdue": task_count(uow, mine, overdue),
            "claimable": task_count(uow, pool, []),
            "claimable_overdue": task_count(uow, pool, overdue),
            "copied_unread": n(select(TaskCopy.id).where(TaskCopy.user_id == user.id, TaskCopy.read_at.is_(None))),
            "done": n(select(AuditEntry.id).where(AuditEntry.action == "task.completed",
                                                  AuditEntry.actor_id == user.id)),
        }


# -- one instance ------------------------------------------------------------------------------

TIMELINE_ACTIONS = {
    "instance.started": "发起", "task.completed": "办理", "task.claimed": "认领", "task.released": "释放",
    "task.transferred": "转办", "task.delegated": "委派", "task.taken_back": "收回委派", "task.copied": "抄送",
    "task.urged": "催办", "timer.fired": "定时到期", "message.correlated": "收到消息", "instance.suspend": "挂起",
    "instance.resume": "恢复", "instance.terminate": "终止", "instance.incident": "异常", "incident.retried": "重试",
    "instance.withdrawn": "撤回",
}


def timeline(uow: UnitOfWork, instance_id: int) -> list[dict[str, Any]]:
    """审批记录: every step of the instance — who, when, decision, opinion, attachments."""
    with uow:
        entries = uow.s.scalars(select(AuditEntry).where(AuditEntry.instance_id == instance_id,
                                                         AuditEntry.action.in_(tuple(TIMELINE_ACTIONS)))
                                .order_by(AuditEntry.id)).all()
        names = _names(uow, {a.actor_id for a in entries})
        task_names = {r.element_id: r.name for r in uow.s.scalars(select(TaskIndex).where(
            TaskIndex.instance_id == instance_id))}
        task_names.update({a.element_id: str((a.data or {})["name"]) for a in entries
                           if a.element_id and (a.data or {}).get("name")})
        out = []
        for a in entries:
            data = a.data or {}
            values = data.get("values") or {}
            attachments = [v for k, v in values.items() if k.startswith("attachment") or k == "materials"]
            detail = ""
            if a.action in ("task.transferred", "task.delegated"):
                detail = f"→ {data.get('to_name') or data.get('to')}"
            elif a.action == "task.urged":
                detail = f"催办 {data.get('holder_name') or data.get('holder') or ''}"
            elif a.action == "task.copied":
                detail = "抄送 " + "、".join(data.get("to") or [])
            elif a.action == "message.correlated":
                detail = str(data.get("name") or "")
            out.append({"at": a.at.astimezone(CST).strftime("%Y-%m-%d %H:%M"), "actor": names.get(a.actor_id or 0,
                                                                                                  a.actor),
                        "action": a.action, "label": TIMELINE_ACTIONS.get(a.action, a.action),
                        "task": data.get("name") or task_names.get(a.element_id or "") or a.element_id or "",
                        "decision": values.get("decision"),
                        "opinion": values.get("opinion") or data.get("note") or None, "score": values.get("score"),
                        "attachments": attachments, "detail": detail})
        return out


def may_read_instance(uow: UnitOfWork, user: User, instance_id: int) -> ProcessInstance:
    """Read access to an instance: who may view it by role/county, who works or worked on it, who
    was copied. Anything else is 'not found' (an id in a URL reveals nothing)."""
    with uow:
        inst = uow.s.get(ProcessInstance, instance_id)
        if inst is None:
            raise NotFound(f"process instance {instance_id} does not exist or is not visible to you")
        involved = bool(
            uow.s.scalar(select(func.count()).select_from(TaskIndex).where(
                TaskIndex.instance_id == instance_id, TaskIndex.assignee_id == user.id))
            or uow.s.scalar(select(func.count()).select_from(AuditEntry).where(
                AuditEntry.instance_id == instance_id, AuditEntry.action == "task.completed",
                AuditEntry.actor_id == user.id))
            or uow.s.scalar(select(func.count()).select_from(TaskCopy).where(
                TaskCopy.instance_id == instance_id, TaskCopy.user_id == user.id)))
        # a county officer copied on a case stays within the county (copy() enforces it)
        if not may_view_instance(user, inst, involved):
            raise NotFound(f"process instance {instance_id} does not exist or is not visible to you")
        return inst


def mark_copy_read(uow: UnitOfWork, user: User, instance_id: int) -> None:
    with uow:
        now = uow.runtime.now()
        for c in uow.s.scalars(select(TaskCopy).where(TaskCopy.instance_id == instance_id,
                                                      TaskCopy.user_id == user.id, TaskCopy.read_at.is_(None))):
            c.read_at = now
        uow.commit()


def open_tasks_of(uow: UnitOfWork, instance_id: int) -> list[dict[str, Any]]:
    """Open tasks of an instance with their holders (e.g. the expert panel's progress)."""
    with uow:
        now = uow.runtime.now()
        rows = uow.s.scalars(select(TaskIndex).where(TaskIndex.instance_id == instance_id)
                             .order_by(TaskIndex.id)).all()
        names = _names(uow, {r.assignee_id for r in rows})
        provisional = provisional_ids(uow, "task", [r.task_id for r in rows if r.due_at is not None])
        return [_task_item(r, now, names, set(), provisional) for r in rows]


def urged_today(uow: UnitOfWork, task_id: str, holder_id: int | None) -> bool:
    with uow:
        day = _today(uow).isoformat()
        return holder_id is not None and uow.s.scalars(select(TaskUrge.id).where(
            TaskUrge.task_id == task_id, TaskUrge.holder_id == holder_id, TaskUrge.day == day)).first() is not None



def startable(uow: UnitOfWork, user: User) -> list[dict[str, Any]]:
    """The latest version of each process this user's role may start."""
    with uow:
        out: dict[str, dict[str, Any]] = {}
        for d in uow.s.scalars(select(ProcessDefinition).order_by(ProcessDefinition.key,
                                                                  ProcessDefinition.version)):
            if not may_start(user, starter_roles(d), uow.runtime.settings.default_starter_roles):
                continue
            out[d.key] = {"key": d.key, "name": d.name or d.key, "version": d.version}
        return list(out.values())

