"""Use cases on open tasks beyond completing them: drafts, transfer (转办), delegation (委派) and
taking back, copies (抄送), urges (催办); and the read side of the four task lists.

Each use case is one transaction framed by ``with uow:`` and records itself in the audit log, so
the approval timeline (审批记录) shows it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, delete, func, select
from sqlalchemy.exc import IntegrityError

from processes.access import OVERSEERS, may_act_on_task, may_view_instance, task_visibility
from processes.clock import CST
from processes.collab.models import TaskCopy, TaskDelegation, TaskUrge
from processes.db import UnitOfWork
from processes.errors import Conflict, Forbidden, Invalid, NotFound
from processes.models import AuditEntry, ProcessInstance, TaskIndex, User
from processes.services.core import Actor, lock_instance, record

log = logging.getLogger(__name__)

# Roles whose open tasks may be handed to a colleague (same role and county). Applicant tasks
# belong to the applying unit and expert assignments to the named expert: neither moves.
STAFF_ROLES = ("county_officer", "municipal_reviewer")
LISTS = ("mine", "claimable", "done", "copied")
# who may copy (抄送) and be copied: staff; applicants and experts neither copy nor get copies
COPY_ROLES = ("county_officer", "municipal_reviewer", "admin")
RETURN_VALUES = ("return", "returned", "supplement")
SORTS = ("due", "-due", "created", "-created", "name", "process")


# ---------------------------------------------------------------- helpers

def _user(uow: UnitOfWork, actor: Actor) -> User:
    user = uow.s.get(User, actor.id) if actor.id is not None else None
    if user is None or not user.active:
        raise Forbidden("unknown or deactivated user")
    return user


def _row(uow: UnitOfWork, task_id: str) -> TaskIndex:
    row = uow.s.scalars(select(TaskIndex).where(TaskIndex.task_id == task_id)).first()
    if row is None:
        raise NotFound(f"task {task_id} is not open (it does not exist or was already completed)")
    return row


def _locked_row(uow: UnitOfWork, task_id: str) -> TaskIndex:
    """The task's row re-read while holding the instance lock (a completion may race us)."""
    row = _row(uow, task_id)
    lock_instance(uow, row.instance_id)
    uow.s.expire(row)
    fresh = uow.s.scalars(select(TaskIndex).where(TaskIndex.task_id == task_id)).first()
    if fresh is None:
        raise Conflict(f"task {task_id} was completed by someone else")
    return fresh


def _colleague(uow: UnitOfWork, user: User, row: TaskIndex, target: str | int | None) -> User:
    if target in (None, ""):
        raise Invalid("choose a colleague", [{"field": "to", "message": "请选择同事"}])
    stmt = select(User).where(User.id == int(target)) if isinstance(target, int) or str(target).isdigit() \
        else select(User).where(User.username == str(target))
    other = uow.s.scalars(stmt).first()
    if other is None or not other.active:
        raise Invalid("no such active user", [{"field": "to", "message": f"没有可用的用户 {target}"}])
    if other.id == user.id:
        raise Invalid("choose someone else", [{"field": "to", "message": "不能选择自己"}])
    if other.role != row.role or (row.county and other.county != row.county and other.role == "county_officer"):
        who = other.display_name or other.username
        raise Invalid("not a colleague of the same role and county",
                      [{"field": "to", "message": f"{who} 不是同一角色、同一县区的同事"}])
    return other


def _notify(uow: UnitOfWork, user_id: int | None, kind: str, title: str, body: str, link: str | None = None,
            instance_id: int | None = None, task_id: str | None = None) -> None:
    """Tell a user in the app (and by mail if configured) — when the notifications module exists."""
    if user_id is None:
        return
    try:
        from processes import notifications  # type: ignore[attr-defined]
    except ImportError:
        return
    try:
        notifications.notify(uow, user_id, kind, title, body, link=link, instance_id=instance_id,
                             task_id=task_id)
    except Exception:  # noqa: BLE001 - a failing notification never undoes the verb
        log.exception("notification %s to user %s failed", kind, user_id)


def colleagues(uow: UnitOfWork, user: User, task_id: str) -> list[dict[str, Any]]:
    """Users to whom ``user`` could transfer or delegate the task."""
    with uow:
        row = _row(uow, task_id)
        if row.role not in STAFF_ROLES:
            return []
        stmt = select(User).where(User.role == row.role, User.active.is_(True), User.id != user.id)
        if row.role == "county_officer":
            stmt = stmt.where(User.county == row.county)
        return [{"id": u.id, "username": u.username, "display_name": u.display_name or u.username}
                for u in uow.s.scalars(stmt.order_by(User.username))]


def copy_targets(uow: UnitOfWork, user: User, task_id: str) -> list[dict[str, Any]]:
    with uow:
        row = _row(uow, task_id)
        stmt = select(User).where(User.active.is_(True), User.id != user.id,
                                  User.role.in_(COPY_ROLES))
        out = []
        for u in uow.s.scalars(stmt.order_by(User.role, User.username)):
            if u.role == "county_officer" and u.county != row.county:
                continue
            out.append({"id": u.id, "username": u.username, "display_name": u.display_name or u.username,
                        "role": u.role})
        return out


# ---------------------------------------------------------------- drafts

def save_draft(uow: UnitOfWork, actor: Actor, task_id: str, data: dict[str, Any]) -> dict[str, Any]:
    """Keep what the user typed so far (the application takes long to fill). No validation: a
    draft may be incomplete or even wrong; the submission is checked."""
    if not isinstance(data, dict):
        raise Invalid("a draft must be an object", [{"field": "data", "message": "应为对象"}])
    with uow:
        user = _user(uow, actor)
        row = _locked_row(uow, task_id)
        if not may_act_on_task(user, row):
            raise Forbidden("only the holder of a task may save a draft of it")
        row.draft = {k: v for k, v in data.items() if isinstance(k, str) and not k.startswith("_")}
        row.draft["_saved_at"] = uow.runtime.now().isoformat()
        row.draft["_saved_by"] = user.username
        uow.commit()
        return dict(row.draft)


# ---------------------------------------------------------------- transfer, delegate, take back

def transfer(uow: UnitOfWork, actor: Actor, task_id: str, to: str | int, note: str = "") -> TaskIndex:
    """转办: the holder hands the task for good to a colleague of the same role and county."""
    with uow:
        user = _user(uow, actor)
        row = _locked_row(uow, task_id)
        if row.role not in STAFF_ROLES:
            raise Conflict("this task cannot be transferred (only county and municipal staff tasks can)")
        if row.assignee_id != user.id and user.role != "admin":
            raise Forbidden("only the holder of a task may transfer it; claim it first")
        other = _colleague(uow, user, row, to)
        row.assignee_id = other.id
        uow.s.execute(delete(TaskDelegation).where(TaskDelegation.task_id == task_id))
        record(uow, actor, "task.transferred", row.instance_id, task_id, row.element_id,
               data={"name": row.name, "to": other.username, "to_name": other.display_name, "note": note})
        uow.commit()
        _notify(uow, other.id, "new_task", f"转办给您：{row.name}", f"{user.display_name} 将 {row.business_key} 的"
                f"“{row.name}”转办给您。{note}", f"/tasks/{task_id}", row.instance_id, task_id)
        uow.commit()
        return row


def delegate(uow: UnitOfWork, actor: Actor, task_id: str, to: str | int, note: str = "") -> TaskIndex:
    """委派: the holder lends the task to a colleague and may take it back (or get it back when
    the colleague returns it). The colleague may complete it meanwhile."""
    with uow:
        user = _user(uow, actor)
        row = _locked_row(uow, task_id)
        if row.role not in STAFF_ROLES:
            raise Conflict("this task cannot be delegated (only county and municipal staff tasks can)")
        if row.assignee_id != user.id:
            raise Forbidden("only the holder of a task may delegate it; claim it first")
        if uow.s.scalars(select(TaskDelegation).where(TaskDelegation.task_id == task_id)).first():
            raise Conflict("this task is already delegated; take it back first")
        other = _colleague(uow, user, row, to)
        uow.s.add(TaskDelegation(task_id=task_id, instance_id=row.instance_id, owner_id=user.id,
                                 delegate_id=other.id, created_at=uow.runtime.now()))
        row.assignee_id = other.id
        record(uow, actor, "task.delegated", row.instance_id, task_id, row.element_id,
               data={"name": row.name, "to": other.username, "to_name": other.display_name, "note": note})
        uow.commit()
        _notify(uow, other.id, "new_task", f"委派给您：{row.name}", f"{user.display_name} 将 {row.business_key} 的"
                f"“{row.name}”委派给您办理。{note}", f"/tasks/{task_id}", row.instance_id, task_id)
        uow.commit()
        return row


def take_back(uow: UnitOfWork, actor: Actor, task_id: str) -> TaskIndex:
    """The owner takes a delegated task back, or the delegate gives it back (交还)."""
    with uow:
        user = _user(uow, actor)
        row = _locked_row(uow, task_id)
        d = uow.s.scalars(select(TaskDelegation).where(TaskDelegation.task_id == task_id)).first()
        if d is None:
            raise Conflict("this task is not delegated")
        if user.id not in (d.owner_id, d.delegate_id):
            raise Forbidden("only the owner or the delegate may end a delegation")
        owner = uow.s.get(User, d.owner_id)
        row.assignee_id = d.owner_id
        uow.s.delete(d)
        record(uow, actor, "task.taken_back", row.instance_id, task_id, row.element_id,
               data={"name": row.name, "owner": owner.username if owner else None,
                     "by": "owner" if user.id == d.owner_id else "delegate"})
        uow.commit()
        if user.id != d.owner_id:
            _notify(uow, d.owner_id, "returned", f"委派已交还：{row.name}", f"{user.display_name} 交还了“{row.name}”。",
                    f"/tasks/{task_id}", row.instance_id, task_id)
            uow.commit()
        return row


def delegation_of(uow: UnitOfWork, task_id: str) -> dict[str, Any] | None:
    with uow:
        d = uow.s.scalars(select(TaskDelegation).where(TaskDelegation.task_id == task_id)).first()
        if d is None:
            return None
        owner, dele = uow.s.get(User, d.owner_id), uow.s.get(User, d.delegate_id)
        return {"owner_id": d.owner_id, "delegate_id": d.delegate_id,
                "owner": owner.display_name if owner else "", "delegate": dele.display_name if dele else "",
                "since": d.created_at.isoformat()}


# ---------------------------------------------------------------- copy, urge

def copy(uow: UnitOfWork, actor: Actor, task_id: str, to: list[str | int], note: str = "") -> list[TaskCopy]:
    """抄送: the people copied may read the instance (summary and timeline), nothing more."""
    if not to:
        raise Invalid("choose at least one person", [{"field": "to", "message": "请选择抄送对象"}])
    with uow:
        user = _user(uow, actor)
        row = _row(uow, task_id)
        inst = uow.s.get(ProcessInstance, row.instance_id)
        assert inst is not None
        if user.role not in COPY_ROLES or not (may_act_on_task(user, row) or user.role in OVERSEERS):
            raise Forbidden("only the holder of the task or the municipal bureau may copy it")
        now = uow.runtime.now()
        made: list[TaskCopy] = []
        names = []
        for target in to:
            stmt = select(User).where(User.id == int(target)) if str(target).isdigit() \
                else select(User).where(User.username == str(target))
            other = uow.s.scalars(stmt).first()
            if other is None or not other.active:
                raise Invalid("no such active user", [{"field": "to", "message": f"没有可用的用户 {target}"}])
            # a copy must not open another county's data (or an applicant's) to someone
            if other.role not in COPY_ROLES or (
                    other.role == "county_officer" and other.county != inst.county):
                raise Invalid("may not be copied", [{"field": "to", "message":
                                                     f"{other.display_name or other.username} 无权查看本件，不能抄送"}])
            if uow.s.scalars(select(TaskCopy).where(TaskCopy.task_id == task_id,
                                                    TaskCopy.user_id == other.id)).first():
                continue
            c = TaskCopy(instance_id=row.instance_id, task_id=task_id, task_name=row.name,
                         process_key=row.process_key, business_key=row.business_key, county=inst.county,
                         user_id=other.id, by_id=user.id, note=note, created_at=now)
            uow.s.add(c)
            made.append(c)
            names.append(other.display_name or other.username)
        if made:
            record(uow, actor, "task.copied", row.instance_id, task_id, row.element_id,
                   data={"name": row.name, "to": names, "note": note})
        uow.commit()
        for c in made:
            # the notification kinds have no "copied": a copy is announced like a new item to read
            _notify(uow, c.user_id, "new_task", f"抄送：{row.name}",
                    f"{user.display_name} 抄送给您 {row.business_key}。{note}",
                    f"/instances/{row.instance_id}", row.instance_id, task_id)
        uow.commit()
        return made


def urge(uow: UnitOfWork, actor: Actor, task_id: str, note: str = "") -> TaskUrge:
    """催办: remind the current holder; at most once per holder per day (CST)."""
    with uow:
        user = _user(uow, actor)
        row = _row(uow, task_id)
        inst = uow.s.get(ProcessInstance, row.instance_id)
        assert inst is not None
        if not may_view_instance(user, inst) or user.role == "expert":
            raise NotFound(f"task {task_id} is not open (it does not exist or was already completed)")
        if row.assignee_id is None:
            raise Conflict("nobody holds this task yet; it waits in the queue of its role (待认领)")
        if row.assignee_id == user.id:
            raise Conflict("you hold this task yourself")
        now = uow.runtime.now()
        day = now.astimezone(CST).date().isoformat()
        if uow.s.scalars(select(TaskUrge).where(TaskUrge.task_id == task_id, TaskUrge.holder_id == row.assignee_id,
                                                TaskUrge.day == day)).first():
            raise Conflict("this holder was already urged today; one urge per holder per day")
        u = TaskUrge(instance_id=row.instance_id, task_id=task_id, holder_id=row.assignee_id, by_id=user.id,
                     day=day, note=note, created_at=now)
        uow.s.add(u)
        holder = uow.s.get(User, row.assignee_id)
        record(uow, actor, "task.urged", row.instance_id, task_id, row.element_id,
               data={"name": row.name, "holder": holder.username if holder else None,
                     "holder_name": holder.display_name if holder else None, "note": note})
        try:
            uow.s.flush()
        except IntegrityError:
            raise Conflict("this holder was already urged today; one urge per holder per day") from None
        uow.commit()
        _notify(uow, row.assignee_id, "urged", f"催办：{row.name}", f"{user.display_name} 催办 {row.business_key}"
                f" 的“{row.name}”。{note}", f"/tasks/{task_id}", row.instance_id, task_id)
        uow.commit()
        return u


# ---------------------------------------------------------------- read side: lists

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
    from processes.calendar_service import current_calendar

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


def _task_item(row: TaskIndex, now: datetime, names: dict[int, str], delegated: set[str]) -> dict[str, Any]:
    return {"id": row.task_id, "instance_id": row.instance_id, "element_id": row.element_id, "name": row.name,
            "role": row.role, "county": row.county, "assignee_id": row.assignee_id,
            "assignee": names.get(row.assignee_id) if row.assignee_id else None,
            "process_key": row.process_key, "business_key": row.business_key,
            "created_at": row.created_at.isoformat(), "due_at": row.due_at.isoformat() if row.due_at else None,
            "claimable": row.pool and row.assignee_id is None, "pool": row.pool,
            "delegated": row.task_id in delegated, "has_draft": bool(row.draft), **due_info(row.due_at, now)}


def _page(q: ListQuery) -> tuple[int, int]:
    per = max(1, min(int(q.per_page or 20), 100))
    return per, max(1, int(q.page or 1))


def list_tasks(uow: UnitOfWork, user: User, which: str, q: ListQuery | None = None) -> dict[str, Any]:
    """The four lists: 我的待办 (mine), 待认领 (claimable), 已办 (done), 抄送我的 (copied)."""
    q = q or ListQuery()
    if which not in LISTS:
        raise NotFound(f"no task list '{which}'")
    if which == "done":
        return _list_done(uow, user, q)
    if which == "copied":
        return _list_copied(uow, user, q)
    with uow:
        now = uow.runtime.now()
        if which == "mine":
            cond = and_(TaskIndex.assignee_id == user.id, task_visibility(user))
        else:
            cond = and_(TaskIndex.assignee_id.is_(None), task_visibility(user))
        stmt = select(TaskIndex).where(cond)
        if q.process_key:
            stmt = stmt.where(TaskIndex.process_key == q.process_key)
        if q.round:
            stmt = stmt.where(TaskIndex.business_key.like(f"%-{q.round}-%"))
        if q.county:
            stmt = stmt.where(TaskIndex.county == q.county)
        if q.overdue:
            stmt = stmt.where(TaskIndex.due_at.is_not(None), TaskIndex.due_at < now)
        total = uow.s.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        order = {"due": (TaskIndex.due_at.is_(None), TaskIndex.due_at, TaskIndex.id),
                 "-due": (TaskIndex.due_at.is_(None), TaskIndex.due_at.desc(), TaskIndex.id),
                 "created": (TaskIndex.created_at, TaskIndex.id), "-created": (TaskIndex.created_at.desc(),),
                 "name": (TaskIndex.name, TaskIndex.id), "process": (TaskIndex.process_key, TaskIndex.id)}
        per, page = _page(q)
        rows = uow.s.scalars(stmt.order_by(*order.get(q.sort, order["due"])).limit(per).offset((page - 1) * per)).all()
        names = _names(uow, {r.assignee_id for r in rows})
        delegated = set(uow.s.scalars(select(TaskDelegation.task_id).where(
            TaskDelegation.task_id.in_([r.task_id for r in rows])))) if rows else set()
        items = [_task_item(r, now, names, delegated) for r in rows]
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
        mine = and_(TaskIndex.assignee_id == user.id, task_visibility(user))
        pool = and_(TaskIndex.assignee_id.is_(None), task_visibility(user))

        def n(stmt: Any) -> int:
            return uow.s.scalar(select(func.count()).select_from(stmt.subquery())) or 0

        return {
            "mine": n(select(TaskIndex.id).where(mine)),
            "mine_overdue": n(select(TaskIndex.id).where(mine, TaskIndex.due_at < now)),
            "claimable": n(select(TaskIndex.id).where(pool)),
            "claimable_overdue": n(select(TaskIndex.id).where(pool, TaskIndex.due_at < now)),
            "copied_unread": n(select(TaskCopy.id).where(TaskCopy.user_id == user.id, TaskCopy.read_at.is_(None))),
            "done": n(select(AuditEntry.id).where(AuditEntry.action == "task.completed",
                                                  AuditEntry.actor_id == user.id)),
        }


# ---------------------------------------------------------------- read side: one instance

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
        return [_task_item(r, now, names, set()) for r in rows]


def urged_today(uow: UnitOfWork, task_id: str, holder_id: int | None) -> bool:
    with uow:
        day = _today(uow).isoformat()
        return holder_id is not None and uow.s.scalars(select(TaskUrge.id).where(
            TaskUrge.task_id == task_id, TaskUrge.holder_id == holder_id, TaskUrge.day == day)).first() is not None



# ---------------------------------------------------------------- submitting a task

def submission_errors(fields: list[dict[str, Any]], data: dict[str, Any]) -> tuple[dict[str, Any],
                                                                                   list[dict[str, Any]]]:
    """Checks on top of the diagram's constraints: repeating tables row by row, and the approval
    opinion (审批意见), which is mandatory whenever the form has an ``opinion`` field."""
    from processes.collab.excel import columns_of, validate_rows

    data = dict(data)
    errors: list[dict[str, Any]] = []
    for fd in fields:
        fid = fd["id"]
        if fd["type"] == "json" and columns_of(fd) and fid in data:
            clean, errs = validate_rows(fd, data[fid])
            data[fid] = clean
            errors.extend(errs)
        if fid == "opinion" and not str(data.get("opinion") or "").strip():
            errors.append({"field": "opinion", "message": f"{fd.get('label') or '审批意见'}：必填，请写明理由"})
        if fid == "decision" and fd["type"] == "enum" and not data.get("decision"):
            errors.append({"field": "decision", "message": "请选择审批结论"})
    return data, errors


def submit_task(uow: UnitOfWork, actor: Actor, task_id: str, data: dict[str, Any],
                expected_version: int | None = None) -> ProcessInstance:
    """Complete a task from the staff UI or the API: the extra checks, then ``complete_task``,
    then tell the holders of the next tasks (and the applicant of the outcome)."""
    from processes import queries
    from processes.services.instances import complete_task

    with uow:
        user = _user(uow, actor)
        uow.s.expunge(user)
    view = queries.get_task(uow, user, task_id)
    data, errors = submission_errors(view["fields"], data)
    form_values_, form_errors = _diagram_errors(view["fields"], data)
    seen = {e["field"] for e in errors}
    errors += [e for e in form_errors if e["field"] not in seen]
    if errors:
        raise Invalid("the form has errors", errors)
    with uow:
        before = set(uow.s.scalars(select(TaskIndex.task_id).where(TaskIndex.instance_id == view["instance_id"])))
    inst = complete_task(uow, actor, task_id, data, expected_version)
    with uow:
        uow.s.execute(delete(TaskDelegation).where(TaskDelegation.task_id == task_id))
        new = uow.s.scalars(select(TaskIndex).where(TaskIndex.instance_id == inst.id,
                                                    TaskIndex.task_id.not_in(before or {""}))).all()
        # a decision sending the case back to the applicant (退回补正), whatever the field is called
        returned = any(isinstance(v, str) and v in RETURN_VALUES for v in data.values())
        for row in new:
            kind = "returned" if returned and row.role == "applicant" else "new_task"
            title = f"{'退回补正' if kind == 'returned' else '新待办'}：{row.name}"
            _notify(uow, row.assignee_id, kind, title, f"{row.business_key}：{row.name}", f"/tasks/{row.task_id}",
                    inst.id, row.task_id)
        if inst.state == "completed" and inst.started_by is not None:
            _notify(uow, inst.started_by, "outcome", f"办理完结：{inst.business_key}",
                    f"{inst.business_key} 已办结。", f"/instances/{inst.id}", inst.id)
        uow.commit()
    return inst


def _diagram_errors(fields: list[dict[str, Any]], data: dict[str, Any]) -> tuple[dict[str, Any],
                                                                                 list[dict[str, Any]]]:
    from processes.forms import FieldDef, validate_form

    defs = [FieldDef(**{k: v for k, v in fd.items() if k in FieldDef.__dataclass_fields__}) for fd in fields]
    return validate_form(defs, dict(data))


def startable(uow: UnitOfWork, user: User) -> list[dict[str, Any]]:
    """The latest version of each process this user's role may start."""
    from processes.models import ProcessDefinition
    from processes.services.instances import allowed_starters

    with uow:
        out: dict[str, dict[str, Any]] = {}
        for d in uow.s.scalars(select(ProcessDefinition).order_by(ProcessDefinition.key,
                                                                  ProcessDefinition.version)):
            if user.role not in allowed_starters(d, uow.runtime.settings.default_starter_roles):
                continue
            out[d.key] = {"key": d.key, "name": d.name or d.key, "version": d.version}
        return list(out.values())


# ---------------------------------------------------------------- notifications (bell)

def _notifications() -> Any:
    try:
        from processes import notifications  # type: ignore[attr-defined]
    except ImportError:
        return None
    return notifications


def unread_count(uow: UnitOfWork, user_id: int) -> int | None:
    mod = _notifications()
    if mod is None:
        return None
    try:
        return int(mod.unread_count(uow, user_id))
    except Exception:  # noqa: BLE001 - the bell never breaks a page
        log.exception("unread_count failed")
        return None


def notifications_for(uow: UnitOfWork, user_id: int) -> list[Any] | None:
    mod = _notifications()
    return None if mod is None else [mod.view(n) for n in mod.list_for(uow, user_id, unread_only=False, limit=50)]


def notifications_mark_read(uow: UnitOfWork, user_id: int, ids: list[int] | None) -> None:
    mod = _notifications()
    if mod is not None:
        mod.mark_read(uow, user_id, ids)


# ---------------------------------------------------------------- withdraw (撤回)

def withdraw(uow: UnitOfWork, actor: Actor, instance_id: int, reason: str = "") -> ProcessInstance:
    """撤回: the applicant who started a case ends it, as long as nobody else has acted on it yet
    (no step completed or claimed by another person). A diagram with its own withdrawal (the
    recognition process: message ``withdraw``) is handled by its area's service instead."""
    with uow:
        user = _user(uow, actor)
        loaded = lock_instance(uow, instance_id)
        inst = loaded.instance
        if inst.started_by != user.id:
            raise NotFound(f"process instance {instance_id} does not exist or is not visible to you")
        if inst.state not in ("running", "waiting"):
            raise Conflict("this case has already ended or is suspended; it cannot be withdrawn")
        others = uow.s.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.instance_id == instance_id, AuditEntry.action.in_(("task.completed", "task.claimed")),
            AuditEntry.actor_id != user.id))
        if others:
            raise Conflict("the county (or another person) has already acted on this case; it cannot be withdrawn")
        from processes.services.core import save

        loaded.wf.cancel()
        inst.state = "terminated"
        save(loaded)
        record(uow, actor, "instance.withdrawn", instance_id, data={"reason": reason})
        uow.commit()
        return inst


def may_withdraw(uow: UnitOfWork, user: User, instance_id: int) -> bool:
    with uow:
        inst = uow.s.get(ProcessInstance, instance_id)
        if inst is None or inst.started_by != user.id or inst.state not in ("running", "waiting"):
            return False
        return not uow.s.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.instance_id == instance_id, AuditEntry.action.in_(("task.completed", "task.claimed")),
            AuditEntry.actor_id != user.id))
