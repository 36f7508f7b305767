"""Use cases on open tasks besides completing them: drafts, transfer (转办), delegation (委派) and
taking back, copies (抄送), urges (催办) and withdrawal (撤回).

Each use case is one transaction framed by ``with uow:`` and records itself in the audit log, so
the approval record (审批记录) shows it.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from processes.access import (
    GRANTS,
    Permission,
    allowed,
    is_colleague,
    may_act_on_task,
    may_be_copied,
    may_hand_over,
    may_view_instance,
)
from processes.clock import CST
from processes.db import UnitOfWork
from processes.errors import Conflict, Forbidden, Invalid, NotFound
from processes.forms.checks import check_form
from processes.messages import field_error, t
from processes.models import AuditEntry, ProcessInstance, TaskIndex, User
from processes.notifications import services as notifications
from processes.services.core import Actor, definition_by_id, lock_instance, lock_task, record, save
from processes.tasks.complete import acting_user, check_may_act, form_context
from processes.tasks.forms import form_fields, spec_of
from processes.tasks.models import TaskCopy, TaskDelegation, TaskUrge
from processes.vocabulary import STAFF_ROLES, InstanceState, Role

log = logging.getLogger(__name__)

WITHDRAWABLE = (InstanceState.RUNNING, InstanceState.WAITING)


def _row(uow: UnitOfWork, task_id: str) -> TaskIndex:
    row = uow.s.scalars(select(TaskIndex).where(TaskIndex.task_id == task_id)).first()
    if row is None:
        raise NotFound(t("任务不存在或已办结"), code="task_not_found")
    return row


def _locked_row(uow: UnitOfWork, task_id: str) -> TaskIndex:
    """The task's row read under the instance lock (a completion may race us: 409)."""
    return lock_task(uow, task_id)[1]


# -- claim and release -------------------------------------------------------------------------------

def claim_task(uow: UnitOfWork, actor: Actor, task_id: str) -> TaskIndex:
    """认领: a pool task becomes the user's (409 when someone else took it first)."""
    with uow:
        user = acting_user(actor)
        loaded, row = lock_task(uow, task_id)
        if row.assignee_id == user.id:
            return row
        if row.assignee_id is not None and may_view_instance(user, loaded.instance):
            holder = uow.s.get(User, row.assignee_id)
            raise Conflict(t("该任务已由 {who} 认领", who=holder.display_name if holder else row.assignee_id),
                           code="task_taken")
        check_may_act(uow, user, loaded, row)
        row.assignee_id = user.id
        record(uow, actor, "task.claimed", loaded.instance.id, task_id, row.element_id)
        uow.commit()
        return row


def unclaim_task(uow: UnitOfWork, actor: Actor, task_id: str) -> TaskIndex:
    """释放: the holder puts a pool task back in the queue of its role."""
    with uow:
        user = acting_user(actor)
        loaded, row = lock_task(uow, task_id)
        if row.assignee_id != user.id and user.role != Role.ADMIN:
            raise Forbidden(t("只有任务的办理人可以释放"), code="not_holder")
        if not row.pool:
            raise Conflict(t("该任务由流程指定办理人，不能释放"), code="assigned_by_process")
        row.assignee_id = None
        record(uow, actor, "task.released", loaded.instance.id, task_id, row.element_id)
        uow.commit()
        return row


def _colleague(uow: UnitOfWork, user: User, row: TaskIndex, target: str | int | None) -> User:
    if target in (None, ""):
        raise Invalid(t("请选择同事"), [field_error("to", "required", "请选择同事")])
    stmt = select(User).where(User.id == int(target)) if isinstance(target, int) or str(target).isdigit() \
        else select(User).where(User.username == str(target))
    other = uow.s.scalars(stmt).first()
    if other is None or not other.active:
        raise Invalid(t("没有该用户"), [field_error("to", "user_unknown", "没有可用的用户 {who}",
                                                    who=str(target)[:40])])
    if other.id == user.id:
        raise Invalid(t("不能选择自己"), [field_error("to", "self", "不能选择自己")])
    if not is_colleague(other, row.role, row.county):
        who = other.display_name or other.username
        raise Invalid(t("所选用户不是同一角色、同一县区的同事"),
                      [field_error("to", "not_colleague", "{who} 不是同一角色、同一县区的同事", who=who)])
    return other


def notify_user(uow: UnitOfWork, user_id: int | None, kind: str, title: str, body: str, link: str | None = None,
            instance_id: int | None = None, task_id: str | None = None) -> None:
    """Tell a user, in the caller's transaction (the notification exists exactly when the verb does)."""
    if user_id is not None:
        notifications.notify(uow, user_id, kind, title, body, link=link, instance_id=instance_id, task_id=task_id)


def colleagues(uow: UnitOfWork, user: User, task_id: str) -> list[dict[str, Any]]:
    """Users to whom ``user`` could transfer or delegate the task."""
    with uow:
        row = _row(uow, task_id)
        if row.role not in STAFF_ROLES:
            return []
        stmt = select(User).where(User.role == row.role, User.active.is_(True), User.id != user.id)
        if row.role == Role.COUNTY_OFFICER:
            stmt = stmt.where(User.county == row.county)
        return [{"id": u.id, "username": u.username, "display_name": u.display_name or u.username}
                for u in uow.s.scalars(stmt.order_by(User.username))]


def copy_targets(uow: UnitOfWork, user: User, task_id: str) -> list[dict[str, Any]]:
    with uow:
        row = _row(uow, task_id)
        stmt = select(User).where(User.active.is_(True), User.id != user.id,
                                  User.role.in_(tuple(GRANTS[Permission.COPY_TASKS])))
        out = []
        for u in uow.s.scalars(stmt.order_by(User.role, User.username)):
            if not may_be_copied(u, row.county):
                continue
            out.append({"id": u.id, "username": u.username, "display_name": u.display_name or u.username,
                        "role": u.role})
        return out


# -- drafts --------------------------------------------------------------------------------------

def save_draft(uow: UnitOfWork, actor: Actor, task_id: str, data: dict[str, Any]) -> dict[str, Any]:
    """Keep what the user typed so far (the application takes long to fill). No validation: a
    draft may be incomplete or even wrong; the submission is checked."""
    if not isinstance(data, dict):
        raise Invalid(t("草稿应为对象"), [field_error("data", "not_object", "应为对象")])
    not_finite = _not_finite(data)
    if not_finite:  # NaN and Infinity are no JSON values (PostgreSQL refuses them; nothing reads them back)
        raise Invalid(t("草稿中有无效的数字"), [field_error(path, "finite_number", "应为有限的数字")
                                        for path in not_finite])
    with uow:
        row = _keep_draft(uow, actor, task_id, data)
        uow.commit()
        return dict(row.draft or {})


def _keep_draft(uow: UnitOfWork, actor: Actor, task_id: str, data: dict[str, Any]) -> TaskIndex:
    user = acting_user(actor)
    row = _locked_row(uow, task_id)
    if not may_act_on_task(user, row):
        raise Forbidden(t("只有办理人可以保存草稿"), code="not_holder")
    row.draft = {k: v for k, v in data.items() if isinstance(k, str) and not k.startswith("_")}
    row.draft["_saved_at"] = uow.runtime.now().isoformat()
    row.draft["_saved_by"] = user.username
    return row


def save_draft_checked(uow: UnitOfWork, actor: Actor, task_id: str,
                       data: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Save the draft as typed (never refused: nothing typed is lost) and say what in it will not
    pass: the form's format checks on what is filled in (``check_form(partial=True)``; nothing that
    is missing). The page's autosave shows these errors beside the fields as the person types."""
    if not isinstance(data, dict):
        raise Invalid(t("草稿应为对象"), [field_error("data", "not_object", "应为对象")])
    with uow:
        row = _keep_draft(uow, actor, task_id, data)
        _values, errors = _partial_check(uow, row, data)
        uow.commit()
        return dict(row.draft or {}), errors


def _partial_check(uow: UnitOfWork, row: TaskIndex, data: dict[str, Any]) -> tuple[dict[str, Any], list[Any]]:
    inst = uow.s.get(ProcessInstance, row.instance_id)
    assert inst is not None
    definition = definition_by_id(uow, inst.definition_id)
    parsed = uow.runtime.engine.parsed(definition.id, definition.sources, definition.key)
    spec = spec_of(parsed, row.element_id)
    return check_form(form_fields(spec, parsed), data, form_context(uow, inst, spec), partial=True)


def check_draft(uow: UnitOfWork, actor: Actor, task_id: str,
                data: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Read-only: the clean values and the format errors of what is filled in on the task's form (the
    check before submitting; nothing is saved). Only whoever may act on the task may ask."""
    if not isinstance(data, dict):
        raise Invalid(t("表单应为对象"), [field_error("data", "not_object", "应为对象")])
    with uow:
        user = acting_user(actor)
        row = _row(uow, task_id)
        if not may_act_on_task(user, row):
            raise NotFound(t("任务不存在或已办结"), code="task_not_found")
        return _partial_check(uow, row, data)


def _not_finite(value: Any, path: str = "") -> list[str]:
    """Paths (``yearly[2].revenue_wan``) of the NaN and infinite numbers in a draft."""
    if isinstance(value, float) and not math.isfinite(value):
        return [path or "data"]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _not_finite(v, f"{path}.{k}" if path else str(k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _not_finite(v, f"{path}[{i}]")]
    return []


# -- transfer, delegate, take back ---------------------------------------------------------------

def transfer(uow: UnitOfWork, actor: Actor, task_id: str, to: str | int, note: str = "") -> TaskIndex:
    """转办: the holder hands the task for good to a colleague of the same role and county."""
    with uow:
        user = acting_user(actor)
        row = _locked_row(uow, task_id)
        if row.role not in STAFF_ROLES:
            raise Conflict(t("该任务不能转办（只有县级和市局人员的任务可以转办）"), code="not_transferable")
        if not may_hand_over(user, row.assignee_id, user.id, row.role):
            raise Forbidden(t("只有办理人可以转办，请先认领"), code="not_holder")
        other = _colleague(uow, user, row, to)
        row.assignee_id = other.id
        uow.s.execute(delete(TaskDelegation).where(TaskDelegation.task_id == task_id))
        record(uow, actor, "task.transferred", row.instance_id, task_id, row.element_id,
               data={"name": row.name, "to": other.username, "to_name": other.display_name, "note": note})
        notify_user(uow, other.id, "new_task", f"转办给您：{row.name}", f"{user.display_name} 将 {row.business_key} 的"
                f"“{row.name}”转办给您。{note}", f"/tasks/{task_id}", row.instance_id, task_id)
        uow.commit()
        return row


def delegate(uow: UnitOfWork, actor: Actor, task_id: str, to: str | int, note: str = "") -> TaskIndex:
    """委派: the holder lends the task to a colleague and may take it back (or get it back when
    the colleague returns it). The colleague may complete it meanwhile."""
    with uow:
        user = acting_user(actor)
        row = _locked_row(uow, task_id)
        if row.role not in STAFF_ROLES:
            raise Conflict(t("该任务不能委派（只有县级和市局人员的任务可以委派）"), code="not_delegable")
        if row.assignee_id != user.id:  # a delegation is lent by the holder, never by an admin
            raise Forbidden(t("只有办理人可以委派，请先认领"), code="not_holder")
        if uow.s.scalars(select(TaskDelegation).where(TaskDelegation.task_id == task_id)).first():
            raise Conflict(t("该任务已委派，请先收回"), code="already_delegated")
        other = _colleague(uow, user, row, to)
        uow.s.add(TaskDelegation(task_id=task_id, instance_id=row.instance_id, owner_id=user.id,
                                 delegate_id=other.id, created_at=uow.runtime.now()))
        row.assignee_id = other.id
        record(uow, actor, "task.delegated", row.instance_id, task_id, row.element_id,
               data={"name": row.name, "to": other.username, "to_name": other.display_name, "note": note})
        notify_user(uow, other.id, "new_task", f"委派给您：{row.name}", f"{user.display_name} 将 {row.business_key} 的"
                f"“{row.name}”委派给您办理。{note}", f"/tasks/{task_id}", row.instance_id, task_id)
        uow.commit()
        return row


def take_back(uow: UnitOfWork, actor: Actor, task_id: str) -> TaskIndex:
    """The owner takes a delegated task back, or the delegate gives it back (交还)."""
    with uow:
        user = acting_user(actor)
        row = _locked_row(uow, task_id)
        d = uow.s.scalars(select(TaskDelegation).where(TaskDelegation.task_id == task_id)).first()
        if d is None and may_act_on_task(user, row):
            raise Conflict(t("该任务没有委派"), code="not_delegated")
        if d is None or user.id not in (d.owner_id, d.delegate_id):
            raise Forbidden(t("只有委派人或被委派人可以结束委派"), code="not_in_delegation")
        owner = uow.s.get(User, d.owner_id)
        row.assignee_id = d.owner_id
        uow.s.delete(d)
        record(uow, actor, "task.taken_back", row.instance_id, task_id, row.element_id,
               data={"name": row.name, "owner": owner.username if owner else None,
                     "by": "owner" if user.id == d.owner_id else "delegate"})
        if user.id != d.owner_id:
            notify_user(uow, d.owner_id, "returned", f"委派已交还：{row.name}",
                        f"{user.display_name} 交还了“{row.name}”。", f"/tasks/{task_id}", row.instance_id, task_id)
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


# -- copy, urge ----------------------------------------------------------------------------------

def copy(uow: UnitOfWork, actor: Actor, task_id: str, to: list[str | int], note: str = "") -> list[TaskCopy]:
    """抄送: the people copied may read the instance (summary and timeline), nothing more."""
    if not to:
        raise Invalid(t("请选择抄送对象"), [field_error("to", "required", "请选择抄送对象")])
    with uow:
        user = acting_user(actor)
        row = _row(uow, task_id)
        inst = uow.s.get(ProcessInstance, row.instance_id)
        assert inst is not None
        if not allowed(user, Permission.COPY_TASKS) or not (may_act_on_task(user, row)
                                                             or allowed(user, Permission.SEE_ALL_INSTANCES)):
            raise Forbidden(t("只有办理人或市局可以抄送"), code="may_not_copy")
        now = uow.runtime.now()
        made: list[TaskCopy] = []
        names = []
        for target in to:
            stmt = select(User).where(User.id == int(target)) if str(target).isdigit() \
                else select(User).where(User.username == str(target))
            other = uow.s.scalars(stmt).first()
            if other is None or not other.active:
                raise Invalid(t("没有该用户"), [field_error("to", "user_unknown", "没有可用的用户 {who}",
                                                            who=str(target)[:40])])
            if not may_be_copied(other, inst.county):
                who = other.display_name or other.username
                raise Invalid(t("所选用户无权查看本件"),
                              [field_error("to", "may_not_see", "{who} 无权查看本件，不能抄送", who=who)])
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
        for c in made:
            # the notification kinds have no "copied": a copy is announced like a new item to read
            notify_user(uow, c.user_id, "new_task", f"抄送：{row.name}",
                    f"{user.display_name} 抄送给您 {row.business_key}。{note}",
                    f"/instances/{row.instance_id}", row.instance_id, task_id)
        uow.commit()
        return made


def urge(uow: UnitOfWork, actor: Actor, task_id: str, note: str = "") -> TaskUrge:
    """催办: remind the current holder; at most once per holder per day (CST)."""
    with uow:
        user = acting_user(actor)
        row = _row(uow, task_id)
        inst = uow.s.get(ProcessInstance, row.instance_id)
        assert inst is not None
        if not may_view_instance(user, inst) or not allowed(user, Permission.URGE):
            raise NotFound(t("任务不存在或已办结"), code="task_not_found")
        if row.assignee_id is None:
            raise Conflict(t("该任务尚无人认领，无法催办"), code="nobody_holds")
        if row.assignee_id == user.id:
            raise Conflict(t("您自己就是办理人"), code="self")
        now = uow.runtime.now()
        day = now.astimezone(CST).date().isoformat()
        if uow.s.scalars(select(TaskUrge).where(TaskUrge.task_id == task_id, TaskUrge.holder_id == row.assignee_id,
                                                TaskUrge.day == day)).first():
            raise Conflict(t("今天已催办过该办理人（每人每天一次）"), code="urged_today")
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
            raise Conflict(t("今天已催办过该办理人（每人每天一次）"), code="urged_today") from None
        notify_user(uow, row.assignee_id, "urged", f"催办：{row.name}", f"{user.display_name} 催办 {row.business_key}"
                f" 的“{row.name}”。{note}", f"/tasks/{task_id}", row.instance_id, task_id)
        uow.commit()
        return u


# -- withdraw (撤回) -------------------------------------------------------------------------------

def withdraw(uow: UnitOfWork, actor: Actor, instance_id: int, reason: str = "") -> ProcessInstance:
    """撤回: the applicant who started a case ends it, as long as nobody else has acted on it yet
    (no step completed or claimed by another person). A diagram with its own withdrawal (the
    recognition process: message ``withdraw``) is handled by its area's service instead."""
    with uow:
        user = acting_user(actor)
        loaded = lock_instance(uow, instance_id)
        inst = loaded.instance
        if inst.started_by != user.id:
            raise NotFound(t("业务不存在或无权查看"), code="instance_not_found")
        if inst.state not in WITHDRAWABLE:
            raise Conflict(t("该件已办结或已挂起，不能撤回"), code="not_withdrawable")
        others = uow.s.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.instance_id == instance_id, AuditEntry.action.in_(("task.completed", "task.claimed")),
            AuditEntry.actor_id != user.id))
        if others:
            raise Conflict(t("县级主管部门（或其他人）已办理，不能再撤回"), code="acted_on")
        loaded.wf.cancel()
        inst.state = InstanceState.TERMINATED
        save(loaded)
        record(uow, actor, "instance.withdrawn", instance_id, data={"reason": reason})
        uow.commit()
        return inst


def may_withdraw(uow: UnitOfWork, user: User, instance_id: int) -> bool:
    with uow:
        inst = uow.s.get(ProcessInstance, instance_id)
        if inst is None or inst.started_by != user.id or inst.state not in WITHDRAWABLE:
            return False
        return not uow.s.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.instance_id == instance_id, AuditEntry.action.in_(("task.completed", "task.claimed")),
            AuditEntry.actor_id != user.id))
