"""Use cases on process instances and their user tasks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from lxml import etree
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.camunda.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from processes import statements as st
from processes.access import may_act_on_task, may_view_instance
from processes.db import UnitOfWork
from processes.errors import Conflict, Forbidden, Invalid, NotFound
from processes.forms import fields_of, validate_form
from processes.models import ProcessDefinition, ProcessInstance, TaskIndex, User
from processes.services.core import (
    Actor,
    Loaded,
    business_key_for,
    lock_instance,
    record,
    run_engine,
    save,
)

CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
OPEN_STATES = ("running", "waiting", "incident")


def _user(uow: UnitOfWork, actor: Actor) -> User:
    """The acting user as the access rules see it. The actor was authenticated (and found active)
    at the start of this request, so no second query is made."""
    if actor.id is None:
        raise Forbidden("this action needs a logged-in user")
    return User(id=actor.id, username=actor.username, role=actor.role, county=actor.county, active=True)


def latest_definition(uow: UnitOfWork, key: str) -> ProcessDefinition:
    d = uow.s.scalars(select(ProcessDefinition).where(ProcessDefinition.key == key)
                      .order_by(ProcessDefinition.version.desc()).limit(1)).first()
    if d is None:
        raise NotFound(f"no process is deployed with key '{key}'")
    return d


def starter_roles(definition: ProcessDefinition) -> list[str] | None:
    """camunda:candidateStarterGroups on the process element: roles allowed to start it."""
    text = definition.sources.get(definition.bpmn_file, "")
    root = etree.fromstring(text.encode())
    for proc in root.iter("{http://www.omg.org/spec/BPMN/20100524/MODEL}process"):
        if proc.get("id") == definition.key:
            groups = proc.get(f"{{{CAMUNDA_NS}}}candidateStarterGroups")
            if groups:
                return [g.strip() for g in groups.split(",") if g.strip()]
    return None


def allowed_starters(definition: ProcessDefinition, default: Sequence[str]) -> list[str]:
    """Roles that may start ``definition``: its starter groups, else ``default`` (the setting
    ``default_starter_roles``: staff only, never any role)."""
    roles = starter_roles(definition)
    return list(default) if roles is None else roles


def start_instance(uow: UnitOfWork, actor: Actor, process_key: str, business_key: str | None = None,
                   variables: Mapping[str, Any] | None = None) -> ProcessInstance:
    with uow:
        rt = uow.runtime
        definition = latest_definition(uow, process_key)
        roles = allowed_starters(definition, rt.settings.default_starter_roles)
        if actor.role not in roles and actor.role != "system":
            raise Forbidden(f"role '{actor.role}' may not start '{process_key}' (allowed: {', '.join(roles)})")
        variables = dict(variables or {})
        bad = [k for k in variables if not isinstance(k, str) or not k.isidentifier() or k.startswith("_")]
        if bad:
            raise Invalid("variable names must be identifiers", [{"field": k, "message": "不是合法的变量名"}
                                                                  for k in map(str, bad)])
        now = rt.now()
        parsed = rt.engine.parsed(definition.id, definition.sources, definition.key)
        county = variables.get("county") or actor.county
        inst = ProcessInstance(definition_id=definition.id, process_key=definition.key,
                               business_key=business_key, state="running", county=county,
                               started_by=actor.id, started_at=now, updated_at=now, workflow="{}",
                               serializer_version="", lock_version=1, active_elements=[])
        uow.s.add(inst)
        uow.s.flush()
        if not inst.business_key:
            inst.business_key = business_key_for(process_key, inst.id, now)
        loaded = Loaded(uow, inst, definition)
        loaded.wf = rt.engine.new(parsed, loaded.script_engine)
        data = {**variables, "initiator": actor.username, "initiator_county": actor.county,
                "business_key": inst.business_key, "county": county}
        loaded.wf.data.update(data)
        for t in loaded.wf.get_tasks(state=TaskState.READY):
            t.data.update(data)
        incident = run_engine(loaded)
        uow.s.flush()
        save(loaded, incident)
        record(uow, actor, "instance.started", inst.id, data={"process_key": process_key, "version":
                                                               definition.version, "variables": variables})
        if incident:
            record(uow, actor, "instance.incident", inst.id, element_id=incident.get("element_id"), data=incident)
        uow.commit()
        return inst


def _task_row(uow: UnitOfWork, task_id: str) -> TaskIndex:
    row = uow.s.scalars(st.TASK_BY_ID, {"task_id": task_id}).first()
    if row is None:
        raise NotFound(f"task {task_id} is not open (it does not exist or was already completed)")
    return row


def _lock_for_task(uow: UnitOfWork, task_id: str) -> tuple[Loaded, TaskIndex]:
    row = _task_row(uow, task_id)
    loaded = lock_instance(uow, row.instance_id)
    if uow.is_postgres:
        # re-read under the row lock: a concurrent completion may have removed it meanwhile (on SQLite
        # the transaction holds the write lock since BEGIN IMMEDIATE, so the first read is current)
        uow.s.expire(row)
        fresh = uow.s.scalars(st.TASK_BY_ID, {"task_id": task_id}).first()
        if fresh is None:
            raise Conflict(f"task {task_id} was completed by someone else")
        row = fresh
    if loaded.instance.state == "suspended":
        raise Conflict(f"instance {loaded.instance.id} is suspended")
    if loaded.instance.state == "terminated":
        raise Conflict(f"instance {loaded.instance.id} is terminated")
    return loaded, row


def complete_task(uow: UnitOfWork, actor: Actor, task_id: str, data: Mapping[str, Any],
                  expected_version: int | None = None) -> ProcessInstance:
    with uow:
        user = _user(uow, actor)
        loaded, row = _lock_for_task(uow, task_id)
        if not may_act_on_task(user, row):
            raise Forbidden("this task is not yours to complete")
        if row.assignee_id is None and row.pool:
            pass  # completing an unclaimed pool task claims it implicitly
        if expected_version is not None and expected_version != loaded.instance.lock_version:
            raise Conflict(f"instance {loaded.instance.id} is at version {loaded.instance.lock_version}, "
                           f"not {expected_version}; reload and try again")
        task = loaded.wf.get_task_from_id(UUID(task_id))
        if task is None or task.state != TaskState.READY:
            raise Conflict(f"task {task_id} is no longer ready")
        values, errors = validate_form(fields_of(getattr(task.task_spec, "form", None)), dict(data))
        if errors:
            raise Invalid("the form has errors", errors)
        task.set_data(**values)
        task.run()
        incident = run_engine(loaded)
        save(loaded, incident)
        record(uow, actor, "task.completed", loaded.instance.id, task_id, row.element_id,
               data={"name": row.name, "values": values})
        if incident:
            record(uow, actor, "instance.incident", loaded.instance.id, element_id=incident.get("element_id"),
                   data=incident)
        uow.commit()
        return loaded.instance


def claim_task(uow: UnitOfWork, actor: Actor, task_id: str) -> TaskIndex:
    with uow:
        user = _user(uow, actor)
        loaded, row = _lock_for_task(uow, task_id)
        if row.assignee_id == user.id:
            return row
        if row.assignee_id is not None:
            holder = uow.s.get(User, row.assignee_id)
            raise Conflict(f"task already claimed by {holder.username if holder else row.assignee_id}")
        if not may_act_on_task(user, row):
            raise Forbidden("this task is not in your queue")
        row.assignee_id = user.id
        record(uow, actor, "task.claimed", loaded.instance.id, task_id, row.element_id)
        uow.commit()
        return row


def unclaim_task(uow: UnitOfWork, actor: Actor, task_id: str) -> TaskIndex:
    with uow:
        user = _user(uow, actor)
        loaded, row = _lock_for_task(uow, task_id)
        if row.assignee_id != user.id and user.role != "admin":
            raise Forbidden("only the holder of a task can release it")
        if not row.pool:
            raise Conflict("this task was assigned by the process and cannot be released to a queue")
        row.assignee_id = None
        record(uow, actor, "task.released", loaded.instance.id, task_id, row.element_id)
        uow.commit()
        return row


def correlate_message(uow: UnitOfWork, actor: Actor, name: str, business_key: str,
                      payload: Any = None, check_access: bool = True) -> ProcessInstance:
    """Deliver message ``name`` to the instance with ``business_key`` that waits for it."""
    with uow:
        user = _user(uow, actor) if check_access else None
        ids = uow.s.scalars(select(ProcessInstance.id).where(ProcessInstance.business_key == business_key,
                                                             ProcessInstance.state.in_(OPEN_STATES))
                            .order_by(ProcessInstance.id)).all()
        for iid in ids:
            loaded = lock_instance(uow, iid)
            if user is not None and not may_view_instance(user, loaded.instance):
                continue
            if name not in _waiting_messages(loaded):
                continue
            event = BpmnEvent(MessageEventDefinition(name), payload={"payload": payload, "result_var": name})
            try:
                loaded.wf.send_event(event)
            except WorkflowException:
                continue
            incident = run_engine(loaded)
            save(loaded, incident)
            record(uow, actor, "message.correlated", iid, data={"name": name, "payload": payload})
            uow.commit()
            return loaded.instance
        raise NotFound(f"no instance with business key '{business_key}' is waiting for message '{name}'")


def _waiting_messages(loaded: Loaded) -> list[str]:
    return loaded.uow.runtime.engine.snapshot(loaded.wf).waiting_messages


def _set_state(uow: UnitOfWork, actor: Actor, instance_id: int, action: str, reason: str) -> ProcessInstance:
    if actor.role != "admin":
        raise Forbidden("only an administrator may suspend, resume, terminate or retry instances")
    if not reason or not reason.strip():
        raise Invalid("a reason is required", [{"field": "reason", "message": "请填写原因"}])
    with uow:
        loaded = lock_instance(uow, instance_id)
        inst = loaded.instance
        if action == "suspend":
            if inst.state not in OPEN_STATES:
                raise Conflict(f"instance {instance_id} is {inst.state}; only open instances can be suspended")
            inst.suspended_from = inst.state
            inst.state = "suspended"
        elif action == "resume":
            if inst.state != "suspended":
                raise Conflict(f"instance {instance_id} is not suspended")
            inst.state = inst.suspended_from or "running"
            inst.suspended_from = None
            if inst.state != "incident":
                inst.state = "running"
        elif action == "terminate":
            if inst.state in ("completed", "terminated"):
                raise Conflict(f"instance {instance_id} has already ended ({inst.state})")
            loaded.wf.cancel()
            inst.state = "terminated"
        save(loaded, inst.incident if inst.state == "incident" else None)
        record(uow, actor, f"instance.{action}", instance_id, data={"reason": reason})
        uow.commit()
        return inst


def suspend_instance(uow: UnitOfWork, actor: Actor, instance_id: int, reason: str) -> ProcessInstance:
    return _set_state(uow, actor, instance_id, "suspend", reason)


def resume_instance(uow: UnitOfWork, actor: Actor, instance_id: int, reason: str) -> ProcessInstance:
    return _set_state(uow, actor, instance_id, "resume", reason)


def terminate_instance(uow: UnitOfWork, actor: Actor, instance_id: int, reason: str) -> ProcessInstance:
    return _set_state(uow, actor, instance_id, "terminate", reason)


def retry_incident(uow: UnitOfWork, actor: Actor, instance_id: int, reason: str = "retry") -> ProcessInstance:
    """Run the failed task again (after the handler or data was fixed)."""
    if actor.role != "admin":
        raise Forbidden("only an administrator may retry an incident")
    with uow:
        loaded = lock_instance(uow, instance_id)
        inst = loaded.instance
        if inst.state != "incident":
            raise Conflict(f"instance {instance_id} has no incident")
        failed = loaded.wf.get_tasks(state=TaskState.ERROR)
        if not failed:
            raise Conflict("no failed task to retry")
        for t in failed:
            loaded.wf.reset_from_task_id(t.id)
        old = inst.incident
        inst.incident = None
        inst.state = "running"
        incident = run_engine(loaded)
        save(loaded, incident)
        record(uow, actor, "incident.retried", instance_id, data={"reason": reason, "incident": old,
                                                                   "resolved": incident is None})
        uow.commit()
        return inst
