"""Read side: task lists and instance views from the index tables (no workflow deserialization
for lists)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import func, select

from processes import statements as st
from processes.access import instance_visibility, may_act_on_task, may_read_task, may_view_instance, task_arms
from processes.calendar.deadlines import provisional_ids
from processes.calendar.models import Deadline
from processes.db import UnitOfWork
from processes.engine.runtime import instance_variables
from processes.errors import Forbidden, NotFound
from processes.forms.describe import describe_form
from processes.forms.model import FieldDef
from processes.messages import t
from processes.models import AuditEntry, ProcessDefinition, ProcessInstance, TaskIndex, Timer, User
from processes.services.core import definition_by_id, load_for_reading
from processes.tasks.complete import form_context
from processes.tasks.forms import form_fields, spec_of


def task_view(row: Any, provisional: set[str] | None = None) -> dict[str, Any]:
    """A task row (ORM object or Core row of ``task_index``) as the API shows it. ``due_provisional``:
    the due date was counted in a year whose schedule is not loaded (docs/DOMAIN.md §6, marked
    wherever it is shown); recomputed when the year is loaded."""
    return {"due_provisional": row.task_id in (provisional or set()),
            "id": row.task_id, "instance_id": row.instance_id, "element_id": row.element_id, "name": row.name,
            "lane": row.lane, "role": row.role, "county": row.county, "assignee_id": row.assignee_id,
            "candidates": row.candidates, "due_at": row.due_at.isoformat() if row.due_at else None,
            "process_key": row.process_key, "business_key": row.business_key,
            "created_at": row.created_at.isoformat(), "claimable": row.pool and row.assignee_id is None}


# Task lists in due order: undated last, then by id. The indexes of models.TaskIndex have these
# columns after each arm's equality columns (access.task_arms), so a page is read from the index.
DUE_ORDER = (TaskIndex.due_at.is_(None), TaskIndex.due_at, TaskIndex.id)
_EPOCH = datetime(1, 1, 1, tzinfo=UTC)


def _due_key(row: Any) -> tuple[bool, datetime, int]:
    return row.due_at is None, row.due_at or _EPOCH, row.id


_TASK_INDEX: Any = TaskIndex.__table__


def task_page_statements(arms: Sequence[Any], filters: Sequence[Any], want: int) -> list[Any]:
    """The statements ``task_page`` runs (one per arm; tests/tasks/test_list_plans.py explains them).
    Plain rows (SQLAlchemy Core), not ORM objects: a page of 100 is built without 100 identity-mapped
    objects; rows have the same attributes."""
    return [select(_TASK_INDEX).where(arm, *filters).order_by(*DUE_ORDER).limit(want) for arm in arms]


def task_page(uow: UnitOfWork, arms: Sequence[Any], filters: Sequence[Any], limit: int,
              offset: int = 0) -> list[Any]:
    """One page of the open tasks matching any of the disjoint ``arms`` (and all ``filters``), in
    due order: each arm reads at most ``offset + limit`` rows in index order; the pages are merged.
    The rows have the attributes of ``TaskIndex`` (read-only)."""
    if not arms or limit <= 0:
        return []
    want = offset + limit
    rows: list[Any] = []
    for stmt in task_page_statements(arms, filters, want):
        rows.extend(uow.s.execute(stmt).all())
    if len(arms) > 1:
        rows.sort(key=_due_key)
    return rows[offset:want]


def task_count(uow: UnitOfWork, arms: Sequence[Any], filters: Sequence[Any]) -> int:
    """How many open tasks match (a count per arm, each on its index)."""
    return sum(uow.s.scalar(select(func.count()).select_from(TaskIndex).where(arm, *filters)) or 0
               for arm in arms)


def list_tasks(uow: UnitOfWork, user: User, process_key: str | None = None, limit: int = 100,
               offset: int = 0) -> list[dict[str, Any]]:
    with uow:
        filters = [TaskIndex.process_key == process_key] if process_key else []
        rows = task_page(uow, task_arms(user), filters, limit, offset)
        provisional = provisional_ids(uow, "task", [r.task_id for r in rows if r.due_at is not None])
        return [task_view(r, provisional) for r in rows]


def _parsed(uow: UnitOfWork, definition: ProcessDefinition) -> Any:
    return uow.runtime.engine.parsed(definition.id, definition.sources, definition.key)


def _spec_of(uow: UnitOfWork, definition: ProcessDefinition, element_id: str) -> Any:
    return spec_of(_parsed(uow, definition), element_id)


def _visible_task(uow: UnitOfWork, user: User, task_id: str) -> tuple[TaskIndex, ProcessInstance]:
    row = uow.s.scalars(st.TASK_BY_ID, {"task_id": task_id}).first()
    inst = uow.s.get(ProcessInstance, row.instance_id) if row is not None else None
    if row is None or inst is None or not may_read_task(user, row, inst):
        raise NotFound(t("任务不存在或已办结"), code="task_not_found")
    return row, inst


def task_fields(uow: UnitOfWork, user: User, task_id: str) -> list[FieldDef]:
    """The form of an open task (from the cached diagram: no workflow is loaded)."""
    with uow:
        row, inst = _visible_task(uow, user, task_id)
        definition = definition_by_id(uow, inst.definition_id)
        return form_fields(_spec_of(uow, definition, row.element_id), _parsed(uow, definition))


def get_task(uow: UnitOfWork, user: User, task_id: str) -> dict[str, Any]:
    """An open task with its form describing itself: every field with type, constraints, options,
    table columns, pick-list users, current value (draft, else task data, else default); the
    materials the task needs with what is uploaded."""
    with uow:
        row, inst = _visible_task(uow, user, task_id)
        definition = definition_by_id(uow, inst.definition_id)
        spec = _spec_of(uow, definition, row.element_id)
        form = getattr(spec, "form", None)
        task = load_for_reading(uow, inst).get_task_from_id(UUID(row.task_id))
        data = dict(task.data) if task is not None else {}
        draft = row.draft or {}
        fields = form_fields(spec, _parsed(uow, definition))
        stale = _answered_in_an_earlier_round(uow, row, data, fields)
        values = {fd.id: draft[fd.id] if fd.id in draft else data[fd.id] if fd.id in data and fd.id not in stale
                  else fd.default for fd in fields
                  if fd.id in draft or (fd.id in data and fd.id not in stale) or fd.default not in (None, "")}
        described = describe_form(fields, values, form_context(uow, inst, spec))
        view = task_view(row, provisional_ids(uow, "task", [row.task_id]))
        view.update(fields=described["fields"], materials=described["materials"], form_key=getattr(form, "key", None),
                    documentation=getattr(spec, "documentation", None),
                    extensions=dict(getattr(spec, "extensions", {}) or {}), may_act=may_act_on_task(user, row),
                    instance_version=inst.lock_version, draft=row.draft, data=data)
        return view


def _answered_in_an_earlier_round(uow: UnitOfWork, row: TaskIndex, data: dict[str, Any],
                                  fields: list[FieldDef]) -> set[str]:
    """The task's own fields still holding what was answered the last time the case was at this task,
    when it went on to others and came back (a second 市局审核 after a supplement): such a form opens
    blank, not with the earlier decision and reasons. Fields taken over from another task (the
    application in a supplement) keep their values; so does a form the diagram sent straight back."""
    last = uow.s.scalars(select(AuditEntry).where(
        AuditEntry.instance_id == row.instance_id, AuditEntry.action == "task.completed",
        AuditEntry.element_id == row.element_id).order_by(AuditEntry.id.desc()).limit(1)).first()
    if last is None:
        return set()
    moved_on = uow.s.scalar(select(AuditEntry.id).where(
        AuditEntry.instance_id == row.instance_id, AuditEntry.action == "task.completed",
        AuditEntry.id > last.id, AuditEntry.element_id != row.element_id).limit(1))
    if moved_on is None:
        return set()
    answered = (last.data or {}).get("values") or {}
    own = {fd.id for fd in fields if not fd.properties.get("taken_from")}
    return {k for k, v in answered.items() if k in own and data.get(k) == v}


def instance_view(uow: UnitOfWork, inst: ProcessInstance, detail: bool = False) -> dict[str, Any]:
    definition = definition_by_id(uow, inst.definition_id)
    view: dict[str, Any] = {
        "id": inst.id, "process_key": inst.process_key, "version": definition.version if definition else None,
        "business_key": inst.business_key, "state": inst.state, "county": inst.county,
        "started_by": inst.started_by, "started_at": inst.started_at.isoformat(),
        "updated_at": inst.updated_at.isoformat(), "ended_at": inst.ended_at.isoformat() if inst.ended_at else None,
        "active_elements": inst.active_elements, "incident": inst.incident, "lock_version": inst.lock_version,
    }
    if detail and definition is not None:
        wf = load_for_reading(uow, inst)
        view["variables"] = instance_variables(wf)
        tasks = uow.s.scalars(select(TaskIndex).where(TaskIndex.instance_id == inst.id)).all()
        timers = uow.s.scalars(select(Timer).where(Timer.instance_id == inst.id)).all()
        # docs/DOMAIN.md §6: deadlines counted in a year whose schedule is not loaded are marked
        open_provisional = uow.s.scalars(select(Deadline).where(Deadline.instance_id == inst.id,
                                                                Deadline.open.is_(True),
                                                                Deadline.provisional.is_(True))).all()
        marked = {(d.kind, d.task_id) for d in open_provisional}
        view["tasks"] = [task_view(r, {r.task_id} if ("task", r.task_id) in marked else None) for r in tasks]
        view["timers"] = [{"element_id": t.element_id, "due_at": t.due_at.isoformat(),
                           "provisional": ("timer", t.task_id) in marked} for t in timers]
        view["provisional_deadlines"] = [{"kind": d.kind, "element_id": d.element_id, "value": d.value,
                                          "unknown_years": d.unknown_years} for d in open_provisional]
        view["history"] = [{"id": a.id, "at": a.at.isoformat(), "actor": a.actor, "action": a.action,
                            "task_id": a.task_id, "element_id": a.element_id, "data": a.data}
                           for a in uow.s.scalars(select(AuditEntry).where(AuditEntry.instance_id == inst.id)
                                                  .order_by(AuditEntry.id))]
    return view


def get_instance(uow: UnitOfWork, user: User, instance_id: int) -> dict[str, Any]:
    with uow:
        inst = uow.s.get(ProcessInstance, instance_id)
        involved = inst is not None and (uow.s.scalar(
            select(func.count()).select_from(TaskIndex).where(TaskIndex.instance_id == instance_id,
                                                              TaskIndex.assignee_id == user.id)) or 0) > 0
        if inst is None or not may_view_instance(user, inst, involved):
            raise NotFound(t("流程实例 {id} 不存在或您无权查看", id=instance_id), code="instance_not_found")
        return instance_view(uow, inst, detail=True)


def list_instances(uow: UnitOfWork, user: User, process_key: str | None = None, state: str | None = None,
                   county: str | None = None, business_key: str | None = None, limit: int = 100,
                   offset: int = 0) -> dict[str, Any]:
    with uow:
        involved = select(TaskIndex.instance_id).where(TaskIndex.assignee_id == user.id)
        stmt = select(ProcessInstance).where(instance_visibility(user, involved))
        if process_key:
            stmt = stmt.where(ProcessInstance.process_key == process_key)
        if state:
            stmt = stmt.where(ProcessInstance.state == state)
        if county:
            stmt = stmt.where(ProcessInstance.county == county)
        if business_key:
            stmt = stmt.where(ProcessInstance.business_key == business_key)
        total = uow.s.scalar(select(func.count()).select_from(stmt.subquery()))
        rows = uow.s.scalars(stmt.order_by(ProcessInstance.id.desc()).limit(limit).offset(offset)).all()
        return {"total": total, "items": [instance_view(uow, r) for r in rows]}


def list_definitions(uow: UnitOfWork, user: User) -> list[dict[str, Any]]:
    if user.role not in ("admin", "process_owner", "municipal_reviewer") and not user.active:
        raise Forbidden(t("无权查看流程定义"))
    with uow:
        counts = dict(uow.s.execute(select(ProcessInstance.definition_id, func.count())
                                    .where(ProcessInstance.state.in_(("running", "waiting", "incident",
                                                                      "suspended")))
                                    .group_by(ProcessInstance.definition_id)).all())
        rows = uow.s.scalars(select(ProcessDefinition).order_by(ProcessDefinition.key,
                                                                ProcessDefinition.version)).all()
        return [{"id": d.id, "key": d.key, "version": d.version, "name": d.name, "deployed_by": d.deployed_by,
                 "deployed_at": d.deployed_at.isoformat(), "hash": d.content_hash, "file": d.bpmn_file,
                 "measure": d.measure, "running_instances": counts.get(d.id, 0)} for d in rows]


def instance_view_by_id(uow: UnitOfWork, instance_id: int) -> dict[str, Any]:
    with uow:
        inst = uow.s.get(ProcessInstance, instance_id)
        if inst is None:
            raise NotFound(t("流程实例 {id} 不存在", id=instance_id), code="instance_not_found")
        return instance_view(uow, inst)


def instance_summary(uow: UnitOfWork, user: User, instance_id: int) -> dict[str, Any]:
    """The instance without its variables and history, plus the open tasks the user may act on:
    what a client needs after starting or completing (cheap: no workflow deserialization)."""
    with uow:
        inst = uow.s.get(ProcessInstance, instance_id)
        if inst is None:
            raise NotFound(t("流程实例 {id} 不存在", id=instance_id), code="instance_not_found")
        view = instance_view(uow, inst)

        rows = uow.s.scalars(st.TASKS_OF_INSTANCE, {"iid": instance_id}).all()
        view["tasks"] = [task_view(r) for r in rows if may_act_on_task(user, r)]
        return view


def users_with_role(uow: UnitOfWork, role: str) -> list[dict[str, Any]]:
    """Active users holding ``role`` (for pickers such as the expert panel of Art. 13)."""
    with uow:
        rows = uow.s.execute(select(User.username, User.display_name).where(User.role == role, User.active.is_(True))
                             .order_by(User.username)).all()
        return [{"username": u, "display_name": d or u} for u, d in rows]
