"""Submitting a task from the staff UI or the API: the form's checks, the completion, and the
notifications to whoever holds the next tasks."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select

from processes import queries
from processes.db import UnitOfWork
from processes.errors import Invalid
from processes.forms import FieldDef, validate_form
from processes.models import ProcessInstance, TaskIndex
from processes.services.core import Actor
from processes.services.instances import complete_task
from processes.tasks.models import TaskDelegation
from processes.tasks.tables import columns_of, validate_rows
from processes.tasks.verbs import RETURN_VALUES, acting_user, notify_user


def submission_errors(fields: list[dict[str, Any]], data: dict[str, Any]) -> tuple[dict[str, Any],
                                                                                   list[dict[str, Any]]]:
    """Checks on top of the diagram's constraints: repeating tables row by row, and the approval
    opinion (审批意见), which is mandatory whenever the form has an ``opinion`` field."""
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
    with uow:
        user = acting_user(uow, actor)
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
            notify_user(uow, row.assignee_id, kind, title, f"{row.business_key}：{row.name}", f"/tasks/{row.task_id}",
                    inst.id, row.task_id)
        if inst.state == "completed" and inst.started_by is not None:
            notify_user(uow, inst.started_by, "outcome", f"办理完结：{inst.business_key}",
                    f"{inst.business_key} 已办结。", f"/instances/{inst.id}", inst.id)
        uow.commit()
    return inst


def _diagram_errors(fields: list[dict[str, Any]], data: dict[str, Any]) -> tuple[dict[str, Any],
                                                                                 list[dict[str, Any]]]:
    defs = [FieldDef(**{k: v for k, v in fd.items() if k in FieldDef.__dataclass_fields__}) for fd in fields]
    return validate_form(defs, dict(data))

