"""Use cases on process instances and their user tasks."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.camunda.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from processes.access import may_start, may_view_instance
from processes.db import UnitOfWork
from processes.engine.spec import DiagramInvalid, parse_xml
from processes.errors import Conflict, Forbidden, Invalid, NotFound
from processes.messages import field_error, t
from processes.models import ProcessDefinition, ProcessInstance, TaskIndex, User
from processes.notifications.services import announce_queued
from processes.services.core import (
    START_RULES,
    Actor,
    Loaded,
    business_key_for,
    lock_instance,
    record,
    run_engine,
    save,
)
from processes.vocabulary import ROLE_NAMES

CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
OPEN_STATES = ("running", "waiting", "incident")
# a business key chosen by the client: it appears in URLs, file paths and pages
BUSINESS_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def _user(uow: UnitOfWork, actor: Actor) -> User:
    """The acting user as the access rules see it. The actor was authenticated (and found active)
    at the start of this request, so no second query is made."""
    if actor.id is None:
        raise Forbidden(t("请先登录"), code="login_required")
    return User(id=actor.id, username=actor.username, role=actor.role, county=actor.county, active=True)


def latest_definition(uow: UnitOfWork, key: str) -> ProcessDefinition:
    d = uow.s.scalars(select(ProcessDefinition).where(ProcessDefinition.key == key)
                      .order_by(ProcessDefinition.version.desc()).limit(1)).first()
    if d is None:
        raise NotFound(t("没有已发布的流程 {key}", key=key), code="process_not_found")
    return d


def starter_roles(definition: ProcessDefinition) -> list[str] | None:
    """camunda:candidateStarterGroups on the process element: roles allowed to start it."""
    text = definition.sources.get(definition.bpmn_file, "")
    try:
        root = parse_xml(text, definition.bpmn_file)  # the hardened parser: no DTD, no entities, no network
    except DiagramInvalid as exc:  # stored before deploys refused it (a DTD): refuse, never a 500
        raise Conflict(t("流程“{key}”第 {version} 版的图无法读取（{why}），请部署更正后的流程图",
                         key=definition.key, version=definition.version, why=str(exc)),
                       code="definition_unreadable") from None
    for proc in root.iter("{http://www.omg.org/spec/BPMN/20100524/MODEL}process"):
        if proc.get("id") == definition.key:
            groups = proc.get(f"{{{CAMUNDA_NS}}}candidateStarterGroups")
            if groups:
                return [g.strip() for g in groups.split(",") if g.strip()]
    return None


def start_instance(uow: UnitOfWork, actor: Actor, process_key: str, business_key: str | None = None,
                   variables: Mapping[str, Any] | None = None) -> ProcessInstance:
    if business_key is not None and not BUSINESS_KEY.fullmatch(business_key):
        raise Invalid(t("业务编号格式不正确"), [field_error(
            "business_key", "business_key_format", "应以字母或数字开头，只含字母、数字、. _ -，至多 64 个字符")],
            code="business_key_format")
    with uow:
        rt = uow.runtime
        definition = latest_definition(uow, process_key)
        roles = starter_roles(definition)
        if not may_start(actor, roles, rt.settings.default_starter_roles):
            allowed_roles = roles if roles is not None else rt.settings.default_starter_roles
            raise Forbidden(t("您的角色不能发起该流程（可以发起的角色：{roles}）",
                              roles="、".join(ROLE_NAMES.get(r, r) for r in allowed_roles)), code="may_not_start")
        variables = dict(variables or {})
        bad = [k for k in variables if not isinstance(k, str) or not k.isidentifier() or k.startswith("_")]
        if bad:
            raise Invalid(t("变量名不合法"), [field_error(k, "variable_name_invalid", "不是合法的变量名")
                                              for k in map(str, bad)], code="variable_name_invalid")
        if business_key and _business_key_taken(uow, business_key):
            raise Conflict(t("业务编号 {key} 已被使用", key=business_key), code="business_key_taken")
        start_rule = START_RULES.get(definition.key)
        if start_rule is not None:
            start_rule(uow, actor, variables)
        now = rt.now()
        parsed = rt.engine.parsed(definition.id, definition.sources, definition.key)
        county = variables.get("county") or actor.county
        inst = ProcessInstance(definition_id=definition.id, process_key=definition.key,
                               business_key=business_key, state="running", county=county,
                               started_by=actor.id, started_at=now, updated_at=now, workflow="{}",
                               serializer_version="", lock_version=1, active_elements=[])
        try:
            uow.s.add(inst)
            uow.s.flush()
            if not inst.business_key:
                key = business_key_for(process_key, inst.id, now)
                # a key given by hand may look like a generated one: the generated key then gets a suffix
                inst.business_key = key if not _business_key_taken(uow, key) else f"{key}-{inst.id}"
            loaded = Loaded(uow, inst, definition)
            loaded.wf = rt.engine.new(parsed, loaded.script_engine)
            data = {**variables, "initiator": actor.username, "initiator_county": actor.county,
                    "business_key": inst.business_key, "county": county}
            loaded.wf.data.update(data)
            for ready in loaded.wf.get_tasks(state=TaskState.READY):
                ready.data.update(data)
            incident = run_engine(loaded)
            uow.s.flush()
            save(loaded, incident)
            record(uow, actor, "instance.started", inst.id, data={"process_key": process_key, "version":
                                                                   definition.version, "variables": variables})
            if incident:
                record(uow, actor, "instance.incident", inst.id, element_id=incident.get("element_id"),
                       data=incident)
            for queued in uow.s.scalars(select(TaskIndex).where(TaskIndex.instance_id == inst.id,
                                                                TaskIndex.assignee_id.is_(None))):
                announce_queued(uow, queued, actor.id)  # e.g. a spot check's record waits for the reviewers
            uow.commit()
        except IntegrityError:  # the same business key started at the same moment (an area table's key)
            raise Conflict(t("业务编号 {key} 已被使用", key=inst.business_key), code="business_key_taken") from None
        return inst


def _business_key_taken(uow: UnitOfWork, business_key: str) -> bool:
    return uow.s.scalar(select(ProcessInstance.id).where(ProcessInstance.business_key == business_key)
                        .limit(1)) is not None


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
        raise NotFound(t("没有业务编号为 {key} 且正在等待消息 {name} 的实例", key=business_key, name=name),
                   code="no_instance_waiting")


def _waiting_messages(loaded: Loaded) -> list[str]:
    return loaded.uow.runtime.engine.snapshot(loaded.wf).waiting_messages


def _set_state(uow: UnitOfWork, actor: Actor, instance_id: int, action: str, reason: str) -> ProcessInstance:
    if actor.role != "admin":
        raise Forbidden(t("只有系统管理员可以挂起、恢复、终止或重试实例"))
    if not reason or not reason.strip():
        raise Invalid(t("请填写原因"), [field_error("reason", "reason_required", "请填写原因")], code="reason_required")
    with uow:
        loaded = lock_instance(uow, instance_id)
        inst = loaded.instance
        if action == "suspend":
            if inst.state not in OPEN_STATES:
                raise Conflict(t("实例 {id} 已结束，只能挂起进行中的实例", id=instance_id), code="instance_ended")
            inst.suspended_from = inst.state
            inst.state = "suspended"
        elif action == "resume":
            if inst.state != "suspended":
                raise Conflict(t("实例 {id} 未挂起", id=instance_id), code="not_suspended")
            inst.state = inst.suspended_from or "running"
            inst.suspended_from = None
            if inst.state != "incident":
                inst.state = "running"
        elif action == "terminate":
            if inst.state in ("completed", "terminated"):
                raise Conflict(t("实例 {id} 已结束", id=instance_id), code="instance_ended")
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
        raise Forbidden(t("只有系统管理员可以重试出错的任务"))
    with uow:
        loaded = lock_instance(uow, instance_id)
        inst = loaded.instance
        if inst.state != "incident":
            raise Conflict(t("实例 {id} 没有出错的任务", id=instance_id), code="no_incident")
        failed = loaded.wf.get_tasks(state=TaskState.ERROR)
        if not failed:
            raise Conflict(t("没有可重试的出错任务"), code="no_failed_task")
        for failed_task in failed:
            loaded.wf.reset_from_task_id(failed_task.id)
        old = inst.incident
        inst.incident = None
        inst.state = "running"
        incident = run_engine(loaded)
        save(loaded, incident)
        record(uow, actor, "incident.retried", instance_id, data={"reason": reason, "incident": old,
                                                                   "resolved": incident is None})
        uow.commit()
        return inst
