"""Completing a user task: the one use case behind the task page's submit button and
``POST /api/v1/tasks/{id}/complete`` — one function, one transaction, one workflow load, one rule set.

Everything decidable from the submitted data is checked before anything changes
(``processes.forms.checks``): a refused submission changes nothing and names every field. Then the
task runs, the engine runs until the workflow waits again (the diagram's own checks — eligibility,
completeness of a survey — run there and are results for people, not form errors), the instance is
saved, the area's completion rules apply, the people who hold the next tasks are told, and the
transaction commits. When the diagram sent the case straight back to the same task, the result
says so, with the diagram's reasons.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import delete, select

from processes.access import may_act_on_task, may_view_instance
from processes.db import UnitOfWork
from processes.errors import Conflict, Forbidden, Invalid, NotFound
from processes.forms.checks import FormContext, Materials, check_form, invalid_message
from processes.forms.model import FieldDef
from processes.messages import t
from processes.models import ProcessInstance, TaskIndex, User
from processes.notifications.services import announce_queued, notify
from processes.services.core import COMPLETION_RULES, MATERIALS_OF, Actor, Loaded, lock_task, record, run_engine, save
from processes.tasks.forms import form_fields, reason_of, taken_over
from processes.tasks.models import TaskDelegation
from processes.vocabulary import COUNTY_SCOPED, InstanceState, Role

# a decision value that sends the case back to the applicant (退回补正), whatever the field is called
RETURN_VALUES = ("return", "returned", "supplement")


@dataclass
class Completion:
    """What a completion did: the instance after it, the tasks now open, and — when the diagram
    sent the case straight back to the task just completed — its reasons."""

    instance: ProcessInstance
    next_tasks: list[dict[str, Any]] = field(default_factory=list)
    repeated: bool = False
    reasons: list[dict[str, Any]] = field(default_factory=list)


def acting_user(actor: Actor) -> User:
    """The acting user as the access rules see it (authenticated and found active by the caller)."""
    if actor.id is None:
        raise Forbidden(t("请先登录"), code="login_required")
    return User(id=actor.id, username=actor.username, role=actor.role, county=actor.county, active=True,
                display_name=actor.display_name)


def users_of_role(uow: UnitOfWork, role: str) -> dict[str, str]:
    """Active users holding ``role``: user name → name shown (the choices of a pick-list)."""
    rows = uow.s.execute(select(User.username, User.display_name).where(User.role == role, User.active.is_(True))
                         .order_by(User.username)).all()
    return {u: d or u for u, d in rows}


def form_of(task: Any, wf: Any) -> list[FieldDef]:
    """The task's form, with the fields it takes over from another task (``form_from``)."""
    return form_fields(task.task_spec, wf)


def form_context(uow: UnitOfWork, instance: ProcessInstance, task_spec: Any) -> FormContext:
    """What the form's checks need from the database: the users of pick-lists and, for a task whose
    diagram requires materials (property ``materials`` = ``m03,m04,…``), the instance's uploads."""
    required = [k.strip() for k in str((getattr(task_spec, "extensions", None) or {}).get("materials", "")).split(",")
                if k.strip()]
    materials: Materials | None = None
    provider = MATERIALS_OF.get(instance.process_key)
    if required and provider is not None:
        materials = provider(uow, instance)
        materials.required = required
    cache: dict[str, dict[str, str]] = {}

    def users(role: str) -> dict[str, str]:
        if role not in cache:
            cache[role] = users_of_role(uow, role)
        return cache[role]

    return FormContext(users=users, materials=materials)


def check_may_act(uow: UnitOfWork, user: User, loaded: Loaded, row: TaskIndex) -> None:
    """404 for who may not see the case; 409 when someone else holds the task; 403 otherwise."""
    if may_act_on_task(user, row):
        return
    # a colleague from the task's pool hears that someone took it; an assigned task (an expert's
    # review) is nobody else's business: 404 unless the case is visible
    same_queue = bool(row.pool) and row.role == user.role and not (
        row.county and user.role in COUNTY_SCOPED and user.county != row.county)
    if not same_queue and not may_view_instance(user, loaded.instance):
        raise NotFound(t("任务不存在或已办结"), code="task_not_found")
    if row.assignee_id is not None and same_queue:
        holder = uow.s.get(User, row.assignee_id)
        raise Conflict(t("该任务已由 {who} 认领办理", who=holder.display_name if holder else row.assignee_id),
                       code="task_taken")
    raise Forbidden(t("该任务不在您的待办中"), code="task_not_yours")


def complete_task(uow: UnitOfWork, actor: Actor, task_id: str, data: dict[str, Any],
                  expected_version: int | None = None) -> Completion:
    if not isinstance(data, dict):
        raise Invalid(t("提交的数据应为对象"), [{"field": "data", "code": "not_object", "message": t("应为对象")}])
    with uow:
        user = acting_user(actor)
        loaded, row = lock_task(uow, task_id)
        check_may_act(uow, user, loaded, row)
        inst = loaded.instance
        if expected_version is not None and expected_version != inst.lock_version:
            raise Conflict(t("该业务已被他人更新（版本 {have}，提交的是 {sent}），请刷新后重试",
                             have=inst.lock_version, sent=expected_version), code="stale_version")
        task = loaded.wf.get_task_from_id(UUID(task_id))
        if task is None or task.state != TaskState.READY:
            raise Conflict(t("该任务已不能办理"), code="task_not_ready")
        fields = form_of(task, loaded.wf)
        # fields taken over from another task (form_from) that the submission leaves out keep their value
        taken = taken_over(fields)
        current = task.data
        given = {**{k: current[k] for k in taken if k in current and k not in data}, **data}
        values, errors = check_form(fields, given, form_context(uow, inst, task.task_spec))
        if errors:
            raise Invalid(invalid_message(errors), errors, code="form_invalid")
        values = {k: v for k, v in values.items() if k not in taken or (k in data and v != current.get(k))}
        before = set(uow.s.scalars(select(TaskIndex.task_id).where(TaskIndex.instance_id == inst.id)))
        # who completed the task, for the diagram (e.g. a return for supplement goes back to them)
        task.set_data(**values, completed_by=user.username)
        task.run()
        incident = run_engine(loaded)
        save(loaded, incident)
        for rule in COMPLETION_RULES.get((inst.process_key, row.element_id), ()):
            rule(uow, actor, loaded)
        uow.s.execute(delete(TaskDelegation).where(TaskDelegation.task_id == task_id))
        record(uow, actor, "task.completed", inst.id, task_id, row.element_id,
               data={"name": row.name, "values": values, "opened_at": row.created_at.isoformat()})
        if incident:
            record(uow, actor, "instance.incident", inst.id, element_id=incident.get("element_id"), data=incident)
        new = list(uow.s.scalars(select(TaskIndex).where(TaskIndex.instance_id == inst.id,
                                                         TaskIndex.task_id.not_in(before or {""}))))
        repeated = [r for r in new if r.element_id == row.element_id]
        reasons = _diagram_reasons(loaded, repeated)
        _tell_next(uow, user, row, inst, values, fields, new)
        uow.commit()
        names = _names(uow, {r.assignee_id for r in new})
        return Completion(inst, [_next_view(r, names) for r in new], bool(repeated), reasons)


def _diagram_reasons(loaded: Loaded, repeated: list[TaskIndex]) -> list[dict[str, Any]]:
    """The reasons a diagram gives when it loops back to the same task: its ``*_errors`` lists."""
    out: list[dict[str, Any]] = []
    for r in repeated:
        task = loaded.wf.get_task_from_id(UUID(r.task_id))
        data = task.data if task is not None else {}
        for key, value in data.items():
            if key.endswith("_errors") and isinstance(value, list):
                out += [{"field": e.get("field"), "code": "process_check", "message": str(e.get("message", ""))}
                        for e in value if isinstance(e, dict)]
    return out


def _tell_next(uow: UnitOfWork, user: User, row: TaskIndex, inst: ProcessInstance, values: dict[str, Any],
               fields: list[FieldDef], new: list[TaskIndex]) -> None:
    """Notify the holders of the new tasks (a return for supplement says why) and, when the case
    ended, the person who started it."""
    returned = any(isinstance(v, str) and v in RETURN_VALUES for v in values.values())
    why = reason_of(fields, values)
    for r in new:
        if r.assignee_id is None:  # a queue: everyone who may claim it hears of it once
            announce_queued(uow, r, user.id)
            continue
        if returned and r.role == Role.APPLICANT:
            notify(uow, r.assignee_id, "returned", t("退回补正：{task}", task=r.name),
                   t("{who}退回补正，理由：{why}", who=user.display_name or user.username, why=why or "—"),
                   link=f"/tasks/{r.task_id}", instance_id=inst.id, task_id=r.task_id)
        else:
            notify(uow, r.assignee_id, "new_task", t("新待办：{task}", task=r.name),
                   f"{r.business_key}：{r.name}", link=f"/tasks/{r.task_id}", instance_id=inst.id,
                   task_id=r.task_id)
    if inst.state == InstanceState.COMPLETED and inst.started_by is not None and inst.started_by != user.id:
        notify(uow, inst.started_by, "outcome", t("办理完结：{key}", key=inst.business_key),
               t("{key} 已办结。{why}", key=inst.business_key, why=why), link=f"/instances/{inst.id}",
               instance_id=inst.id, dedup_key=f"outcome:{inst.id}")  # an area's own outcome notice comes first


def _names(uow: UnitOfWork, ids: set[int | None]) -> dict[int, str]:
    clean = {i for i in ids if i is not None}
    if not clean:
        return {}
    return {u.id: u.display_name or u.username for u in uow.s.scalars(select(User).where(User.id.in_(clean)))}


def _next_view(r: TaskIndex, names: dict[int, str]) -> dict[str, Any]:
    return {"id": r.task_id, "element_id": r.element_id, "name": r.name, "role": r.role,
            "assignee": names.get(r.assignee_id) if r.assignee_id else None,
            "due_at": r.due_at.isoformat() if r.due_at else None}
