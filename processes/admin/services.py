"""Use cases of administrators and process owners, one transaction each, each audited:
variable edit and incident skip, user administration, diagram drafts, scenario runs on drafts (in
memory, never touching real instances), and migration of instances between versions."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.util.diff import diff_workflow, migrate_workflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select, update

from handlers.registry import HandlerContext
from processes.access import Permission, require
from processes.admin.models import DiagramDraft, Scenario
from processes.db import UnitOfWork
from processes.engine.runtime import SERIALIZER, Engine, instance_variables, lookups_from
from processes.engine.spec import BPMN_NS, DiagramError, parse_xml
from processes.engine.validate import ValidationResult, validate_sources
from processes.errors import Conflict, Invalid, NotFound
from processes.forms.checks import FormContext, check_form
from processes.forms.model import fields_of
from processes.lookups import run_lookup
from processes.messages import field_error, t
from processes.models import ProcessDefinition, ProcessInstance, TaskIndex, User
from processes.services.core import Actor, lock_instance, record, run_engine, save
from processes.services.deploy import decision_ids, decision_refs, deploy_file, latest_decision_files
from processes.services.users import county_errors, email_errors, forget_user, hash_password, password_errors
from processes.tasks.complete import users_of_role
from processes.vocabulary import OPEN_STATES, USER_ROLES, Role


def _reason(reason: str | None) -> str:
    if not reason or not reason.strip():
        raise Invalid(t("请填写原因"), [field_error("reason", "reason_required", "请填写原因")], code="reason_required")
    return reason.strip()


# -- variables and incidents ---------------------------------------------------------------------
def edit_variables(uow: UnitOfWork, actor: Actor, instance_id: int, changes: dict[str, Any], reason: str,
                   remove: list[str] | None = None) -> ProcessInstance:
    """Set (or remove) instance variables: in the workflow data and in every live task's data."""
    require(actor, Permission.ADMINISTER_INSTANCES)
    reason = _reason(reason)
    remove = list(remove or [])
    bad = [k for k in [*changes, *remove] if not isinstance(k, str) or not k.isidentifier() or k.startswith("_")]
    if bad:
        raise Invalid(t("变量名不合法"), [field_error(k, "variable_name_invalid", "不是合法的变量名")
                                          for k in map(str, bad)], code="variable_name_invalid")
    if not changes and not remove:
        raise Invalid(t("没有要修改的变量"), [field_error("set", "nothing_to_change", "没有修改")],
                      code="nothing_to_change")
    try:
        json.dumps(changes)
    except (TypeError, ValueError):
        raise Invalid(t("变量的值应为 JSON 值"), [field_error("set", "value_not_json", "应为 JSON 值")],
                      code="value_not_json") from None
    with uow:
        loaded = lock_instance(uow, instance_id)
        inst = loaded.instance
        if inst.state in ("completed", "terminated"):
            raise Conflict(t("实例 {id} 已结束，其变量不能再修改", id=instance_id), code="instance_ended")
        wf = loaded.wf
        live = wf.get_tasks(state=TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR)

        before = instance_variables(wf)
        for target in [wf.data, *[t.data for t in live]]:
            target.update(changes)
            for k in remove:
                target.pop(k, None)
        save(loaded, inst.incident if inst.state == "incident" else None)
        record(uow, actor, "instance.variables_edited", instance_id,
               data={"reason": reason, "set": changes, "removed": remove,
                     "before": {k: before.get(k) for k in [*changes, *remove]}})
        uow.commit()
        return inst


def skip_incident(uow: UnitOfWork, actor: Actor, instance_id: int, reason: str) -> ProcessInstance:
    """Mark the failed task(s) done without running them again and continue the process."""
    require(actor, Permission.ADMINISTER_INSTANCES)
    reason = _reason(reason)
    with uow:
        loaded = lock_instance(uow, instance_id)
        inst = loaded.instance
        if inst.state != "incident":
            raise Conflict(t("实例 {id} 没有出错的任务", id=instance_id), code="no_incident")
        failed = loaded.wf.get_tasks(state=TaskState.ERROR)
        if not failed:
            raise Conflict(t("没有可跳过的出错任务"), code="no_failed_task")
        skipped = [t.task_spec.bpmn_id for t in failed]
        for task in failed:
            task.complete()
        old = inst.incident
        inst.incident = None
        inst.state = "running"
        incident = run_engine(loaded)
        save(loaded, incident)
        record(uow, actor, "incident.skipped", instance_id, element_id=skipped[0] if skipped else None,
               data={"reason": reason, "incident": old, "skipped": skipped, "resolved": incident is None})
        if incident:
            record(uow, actor, "instance.incident", instance_id, element_id=incident.get("element_id"),
                   data=incident)
        uow.commit()
        return inst


# -- users ---------------------------------------------------------------------------------------------
def _get_user(uow: UnitOfWork, user_id: int) -> User:
    u = uow.s.get(User, user_id)
    if u is None:
        raise NotFound(t("用户 {id} 不存在", id=user_id), code="user_not_found")
    return u


def update_user(uow: UnitOfWork, actor: Actor, user_id: int, role: str | None = None,
                county: str | None = None, display_name: str | None = None, email: str | None = None) -> User:
    """Assign role and county (and the name shown)."""
    require(actor, Permission.MANAGE_USERS)
    with uow:
        u = _get_user(uow, user_id)
        new_role = role or u.role
        new_county = (county or None) if county is not None else u.county
        errors = []
        if new_role not in USER_ROLES:
            errors.append(field_error("role", "role_invalid", "角色必须是 {roles} 之一", roles=", ".join(USER_ROLES)))
        if new_role == Role.COUNTY_OFFICER and not new_county:
            errors.append(field_error("county", "county_required", "县级主管部门用户必须指定县（市、区）"))
        errors.extend(county_errors(uow, new_county if county is not None else None))
        errors.extend(email_errors(email))
        if u.id == actor.id and new_role != Role.ADMIN:
            errors.append(field_error("role", "own_admin_role", "不能取消自己的管理员角色"))
        if errors:
            raise Invalid(t("用户信息有误"), errors, code="user_invalid")
        before = {"role": u.role, "county": u.county, "display_name": u.display_name}
        changed_access = (new_role, new_county) != (u.role, u.county)
        u.role, u.county = new_role, new_county
        if display_name is not None and display_name.strip():
            u.display_name = display_name.strip()
        if email is not None:
            u.email = email.strip() or None
        if changed_access:
            u.auth_version += 1  # sessions and tokens carry the old role: log in again
        record(uow, actor, "user.updated", data={"username": u.username, "before": before,
                                                  "after": {"role": u.role, "county": u.county,
                                                            "display_name": u.display_name}})
        uow.commit()
        forget_user(uow.runtime, u.id)  # this process at once; others within auth_cache_seconds
        return u


def set_active(uow: UnitOfWork, actor: Actor, user_id: int, active: bool, reason: str = "") -> User:
    require(actor, Permission.MANAGE_USERS)
    with uow:
        u = _get_user(uow, user_id)
        if u.id == actor.id and not active:
            raise Conflict(t("不能停用自己的账号"), code="own_account")
        if u.active == active:
            return u
        u.active = active
        u.auth_version += 1  # ends the user's sessions and API tokens
        if not active:
            uow.s.execute(update(TaskIndex).where(TaskIndex.assignee_id == u.id, TaskIndex.pool.is_(True))
                          .values(assignee_id=None))
        record(uow, actor, "user.activated" if active else "user.deactivated",
               data={"username": u.username, "reason": reason})
        uow.commit()
        forget_user(uow.runtime, u.id)  # this process at once; others within auth_cache_seconds
        return u


def reset_password(uow: UnitOfWork, actor: Actor, user_id: int, password: str) -> User:
    require(actor, Permission.MANAGE_USERS)
    too_short = password_errors(uow, password)
    if too_short:
        raise Invalid(t("密码太短"), too_short, code="password_too_short")
    with uow:
        u = _get_user(uow, user_id)
        u.password_hash = hash_password(password)
        u.auth_version += 1  # ends the user's sessions and API tokens
        record(uow, actor, "user.password_reset", data={"username": u.username})
        uow.commit()
        forget_user(uow.runtime, u.id)  # this process at once; others within auth_cache_seconds
        return u


# -- drafts ---------------------------------------------------------------------------------------------
_KEY = re.compile(r"^[A-Za-z_][\w.-]{0,127}$")


def process_key_of(xml: str) -> str | None:
    try:
        root = parse_xml(xml, "draft.bpmn")
    except Exception:  # noqa: BLE001
        return None
    procs = list(root.iter(f"{{{BPMN_NS}}}process"))
    executable = [p for p in procs if p.get("isExecutable", "true").lower() != "false"]
    chosen = (executable or procs or [None])[0]
    return chosen.get("id") if chosen is not None else None


def draft_view(d: DiagramDraft) -> dict[str, Any]:
    return {"id": d.id, "key": d.key, "file_name": d.file_name, "author": d.author, "base_version": d.base_version,
            "updated_at": d.updated_at.isoformat(), "xml": d.xml}


def save_draft(uow: UnitOfWork, actor: Actor, xml: str, key: str | None = None, file_name: str | None = None,
               base_version: int | None = None) -> dict[str, Any]:
    require(actor, Permission.EDIT_DIAGRAMS)
    if not xml or not xml.strip():
        raise Invalid(t("流程图为空"), [field_error("xml", "diagram_empty", "图为空")], code="diagram_empty")
    key = key or process_key_of(xml)
    if not key or not _KEY.match(key):
        raise Invalid(t("流程图需要有效的流程编号"), [field_error("key", "process_key_invalid", "流程编号无效")],
                      code="process_key_invalid")
    with uow:
        d = uow.s.scalars(select(DiagramDraft).where(DiagramDraft.key == key)).first()
        now = uow.runtime.now()
        if d is None:
            d = DiagramDraft(key=key, file_name=file_name or f"{key}.bpmn", xml=xml, author=actor.username,
                             base_version=base_version, updated_at=now)
            uow.s.add(d)
        else:
            d.xml, d.author, d.updated_at = xml, actor.username, now
            if file_name:
                d.file_name = file_name
            if base_version is not None:
                d.base_version = base_version
        uow.s.flush()
        record(uow, actor, "draft.saved", data={"key": key, "file": d.file_name, "bytes": len(xml)})
        uow.commit()
        return draft_view(d)


def get_draft(uow: UnitOfWork, key: str) -> dict[str, Any] | None:
    with uow:
        d = uow.s.scalars(select(DiagramDraft).where(DiagramDraft.key == key)).first()
        return draft_view(d) if d else None


def list_drafts(uow: UnitOfWork) -> list[dict[str, Any]]:
    with uow:
        return [draft_view(d) for d in uow.s.scalars(select(DiagramDraft).order_by(DiagramDraft.updated_at.desc()))]


def delete_draft(uow: UnitOfWork, actor: Actor, key: str) -> None:
    require(actor, Permission.EDIT_DIAGRAMS)
    with uow:
        d = uow.s.scalars(select(DiagramDraft).where(DiagramDraft.key == key)).first()
        if d is not None:
            uow.s.delete(d)
            record(uow, actor, "draft.deleted", data={"key": key})
            uow.commit()


def _with_dmn(uow: UnitOfWork, file_name: str, xml: str) -> dict[str, str]:
    """The draft plus the deployed DMN files it references (as deploy does)."""

    sources = {file_name: xml}
    try:
        refs = decision_refs(parse_xml(xml, file_name))
    except Exception:  # noqa: BLE001 - validation reports the XML error
        return sources
    if refs:
        with uow:
            for d in latest_decision_files(uow).values():
                if refs & set(decision_ids(parse_xml(d.content, d.name))):
                    sources[d.name] = d.content
    return sources


def validate_xml(uow: UnitOfWork, file_name: str, xml: str) -> dict[str, Any]:
    """Every problem of a diagram (deploy checks), never raising: for the modeler and the API."""
    try:
        res = validate_sources(_with_dmn(uow, file_name or "diagram.bpmn", xml))
    except Exception as exc:  # noqa: BLE001 - the validation page must never fail
        res = ValidationResult(errors=[DiagramError(f"{type(exc).__name__}: {exc}")])
    return {"ok": res.ok, "errors": [e.as_dict() for e in res.errors],
            "warnings": [w.as_dict() for w in res.warnings],
            "key": res.parsed.key if res.parsed else process_key_of(xml),
            "normalised": res.sources.get(file_name) if res.sources else None}


def deploy_draft(uow: UnitOfWork, actor: Actor, key: str) -> dict[str, Any]:

    require(actor, Permission.EDIT_DIAGRAMS)
    draft = get_draft(uow, key)
    if draft is None:
        raise NotFound(t("流程 {key} 没有草稿", key=key), code="draft_not_found")
    results = deploy_file(uow, actor, draft["file_name"], draft["xml"])
    main = results[0]
    delete_draft(uow, actor, key)
    return {"key": main.key, "version": main.version, "created": main.created, "warnings": main.warnings,
            "definition_id": main.definition_id}


# -- scenarios ---------------------------------------------------------------------------------------------
def scenario_view(s: Scenario) -> dict[str, Any]:
    return {"id": s.id, "definition_key": s.definition_key, "name": s.name, "steps": s.steps,
            "expected": s.expected, "author": s.author, "updated_at": s.updated_at.isoformat()}


def save_scenario(uow: UnitOfWork, actor: Actor, key: str, name: str, steps: dict[str, Any],
                  expected: dict[str, Any]) -> dict[str, Any]:
    require(actor, Permission.EDIT_DIAGRAMS)
    errors = []
    if not name or not name.strip():
        errors.append(field_error("name", "missing", "必填"))
    if not isinstance(steps, dict) or not isinstance(steps.get("tasks", []), list):
        errors.append(field_error("steps", "steps_invalid", "应为 {shape}",
                                  shape="{start: {...}, tasks: [{element_id, data}]}"))
    if not isinstance(expected, dict):
        errors.append(field_error("expected", "expected_invalid", "应为 {shape}", shape="{state, variables, active}"))
    if errors:
        raise Invalid(t("测试场景有误"), errors, code="scenario_invalid")
    with uow:
        s = uow.s.scalars(select(Scenario).where(Scenario.definition_key == key, Scenario.name == name.strip())
                          ).first()
        now = uow.runtime.now()
        if s is None:
            s = Scenario(definition_key=key, name=name.strip(), steps=steps, expected=expected,
                         author=actor.username, updated_at=now)
            uow.s.add(s)
        else:
            s.steps, s.expected, s.author, s.updated_at = steps, expected, actor.username, now
        uow.s.flush()
        record(uow, actor, "scenario.saved", data={"key": key, "name": s.name})
        uow.commit()
        return scenario_view(s)


def list_scenarios(uow: UnitOfWork, key: str) -> list[dict[str, Any]]:
    with uow:
        return [scenario_view(s) for s in uow.s.scalars(select(Scenario).where(Scenario.definition_key == key)
                                                         .order_by(Scenario.name))]


def delete_scenario(uow: UnitOfWork, actor: Actor, scenario_id: int) -> None:
    require(actor, Permission.EDIT_DIAGRAMS)
    with uow:
        s = uow.s.get(Scenario, scenario_id)
        if s is not None:
            uow.s.delete(s)
            uow.commit()


@dataclass
class ScenarioResult:
    name: str
    passed: bool
    failures: list[dict[str, Any]] = field(default_factory=list)
    state: str = ""
    active: list[str] = field(default_factory=list)
    variables: dict[str, Any] = field(default_factory=dict)
    trace: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "passed": self.passed, "failures": self.failures, "state": self.state,
                "active": self.active, "variables": self.variables, "trace": self.trace}


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(data, default=str))


def run_scenario(uow: UnitOfWork, actor: Actor, sources: dict[str, str], scenario: dict[str, Any]) -> ScenarioResult:
    """Run one scenario on an in-memory workflow built from ``sources`` (a draft), with the sandboxed
    engine and the real handlers; nothing is written to the database."""
    require(actor, Permission.EDIT_DIAGRAMS)
    name = str(scenario.get("name") or "scenario")
    res = ScenarioResult(name=name, passed=False)
    checked = validate_sources(sources)
    if not checked.ok or checked.parsed is None:
        res.failures = [e.as_dict() | {"step": "deploy check"} for e in checked.errors]
        return res
    rt = uow.runtime
    engine: Engine = rt.engine
    parsed = checked.parsed
    steps = scenario.get("steps") or {}
    expected = scenario.get("expected") or {}
    with uow:  # read-only: lookups may read reference data; nothing is committed

        def ctx(task: Any) -> HandlerContext:
            return HandlerContext(now=rt.now(), business_key="SCENARIO", instance_id=None,
                                  lookups=lookups_from(lambda n, **p: run_lookup(uow, n, **p)))

        se = engine.script_engine(ctx)
        wf = engine.new(parsed, se)
        start = {**dict(steps.get("start") or {}), "initiator": actor.username, "initiator_county": actor.county,
                 "business_key": "SCENARIO", "county": (steps.get("start") or {}).get("county") or actor.county}
        wf.data.update(start)
        for t in wf.get_tasks(state=TaskState.READY):
            t.data.update(start)

        def run(step: str) -> bool:
            try:
                engine.run(wf)
            except Exception as exc:  # noqa: BLE001 - a failure is a result, not a crash
                failed = wf.get_tasks(state=TaskState.ERROR)
                task = getattr(exc, "task", None) or (failed[0] if failed else None)
                eid = getattr(getattr(task, "task_spec", None), "bpmn_id", None)
                first = str(exc).splitlines()[0] if str(exc) else ""
                res.failures.append({"step": step, "element_id": eid, "line": None,
                                     "message": f"{type(exc).__name__}: {first}"})
                return False
            return True

        ok = run("start")
        for i, step in enumerate(steps.get("tasks") or []):
            if not ok:
                break
            eid = str(step.get("element_id") or "")
            ready = [t for t in wf.get_tasks(state=TaskState.READY, manual=True)]
            match = [t for t in ready if t.task_spec.bpmn_id == eid]
            if not match:
                res.failures.append({"step": f"task {i + 1}", "element_id": eid or None, "line": None,
                                     "message": f"user task '{eid}' is not waiting; waiting: "
                                                f"{', '.join(t.task_spec.bpmn_id for t in ready) or 'none'}"})
                ok = False
                break
            task = match[0]
            form_ctx = FormContext(users=lambda role: users_of_role(uow, role))
            values, errors = check_form(fields_of(getattr(task.task_spec, "form", None)),
                                        dict(step.get("data") or {}), form_ctx)
            if errors:
                res.failures.append({"step": f"task {i + 1}", "element_id": eid, "line": None,
                                     "message": "form errors: " + "; ".join(f"{e.get('field')}: {e.get('message')}"
                                                                             for e in errors)})
                ok = False
                break
            task.set_data(**values)
            task.run()
            res.trace.append(eid)
            ok = run(f"after task {i + 1} ({eid})")
        snap = engine.snapshot(wf)

        res.variables = _jsonable(instance_variables(wf))
        res.active = list(snap.active_elements)
        res.state = ("incident" if snap.error_tasks else "completed" if snap.completed else
                     "running" if snap.user_tasks else "waiting")
        want_state = expected.get("state")
        if ok and want_state and want_state != res.state:
            res.failures.append({"step": "end", "element_id": res.active[0] if res.active else None, "line": None,
                                 "message": f"expected the instance to be {want_state}, it is {res.state}"
                                            + (f" at {', '.join(res.active)}" if res.active else "")})
        for k, v in (expected.get("variables") or {}).items():
            if res.variables.get(k) != v:
                res.failures.append({"step": "end", "element_id": None, "line": None,
                                     "message": f"expected variable {k} = {v!r}, got {res.variables.get(k)!r}"})
        for eid in expected.get("active") or []:
            if eid not in res.active:
                res.failures.append({"step": "end", "element_id": eid, "line": None,
                                     "message": f"expected element {eid} to be active"})
    res.passed = not res.failures
    return res


# -- migration ------------------------------------------------------------------------------------------
@dataclass
class MigrationPlan:
    instance_id: int
    business_key: str | None
    state: str
    ok: bool
    reason: str | None = None
    reset: list[str] = field(default_factory=list)
    timers_restarted: list[str] = field(default_factory=list)
    data_lost: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"instance_id": self.instance_id, "business_key": self.business_key, "state": self.state,
                "ok": self.ok, "reason": self.reason, "reset": self.reset,
                "timers_restarted": self.timers_restarted, "data_lost": self.data_lost, "changed": self.changed}


def _plan(uow: UnitOfWork, inst: ProcessInstance, wf: Any, new_parsed: Any) -> tuple[MigrationPlan, Any]:
    plan = MigrationPlan(inst.id, inst.business_key, inst.state, ok=False)
    if inst.state not in OPEN_STATES:
        plan.reason = f"the instance has ended ({inst.state})"
        return plan, None
    try:
        top, sp_diffs = diff_workflow(SERIALIZER.registry, wf, new_parsed.spec, new_parsed.subprocess_specs)
    except Exception as exc:  # noqa: BLE001
        plan.reason = f"the versions cannot be compared: {type(exc).__name__}: {exc}"
        return plan, None
    removed = [t for t in top.removed]
    for sp_id, d in sp_diffs.items():
        if d is None:
            sub = wf.subprocesses.get(sp_id)
            plan.reason = (f"subprocess '{getattr(getattr(sub, 'spec', None), 'name', sp_id)}' does not exist "
                           "in the new version")
            return plan, None
        removed.extend(d.removed)
    # elements passed whose tasks the stored state no longer keeps (processes.engine.compact)
    known = set(new_parsed.spec.task_specs)
    for sub in new_parsed.subprocess_specs.values():
        known |= set(sub.task_specs)
    gone = sorted(b for b in (getattr(wf, "pruned_elements", None) or {}) if b not in known)
    if removed or gone:
        ids = sorted({getattr(t.task_spec, "bpmn_id", None) or t.task_spec.name for t in removed} | set(gone))
        plan.reason = ("elements this instance has used or is at were removed or cannot be matched in the new "
                       f"version: {', '.join(ids)}")
        return plan, None
    live = wf.get_tasks(state=TaskState.READY | TaskState.WAITING)
    drafts = {r.task_id: r for r in uow.s.scalars(select(TaskIndex).where(TaskIndex.instance_id == inst.id))}
    for task in live:
        bid = getattr(task.task_spec, "bpmn_id", None)
        if bid is None:
            continue
        plan.reset.append(bid)
        if isinstance(getattr(task.task_spec, "event_definition", None), TimerEventDefinition) and \
                task.state == TaskState.WAITING:
            plan.timers_restarted.append(bid)
        row = drafts.get(str(task.id))
        if task.state == TaskState.READY and row is not None and row.draft:
            plan.data_lost.append(f"{bid}: {', '.join(sorted(row.draft))}")
    changed = list(top.changed) + [t for d in sp_diffs.values() if d for t in d.changed]
    plan.changed = sorted({getattr(t.task_spec, "bpmn_id", None) or t.task_spec.name for t in changed
                           if getattr(t.task_spec, "bpmn_id", None)})
    plan.ok = True
    return plan, (top, sp_diffs)


def _target(uow: UnitOfWork, from_definition: ProcessDefinition, to_definition_id: int | None) -> ProcessDefinition:
    if to_definition_id is not None:
        target = uow.s.get(ProcessDefinition, to_definition_id)
    else:
        target = uow.s.scalars(select(ProcessDefinition).where(ProcessDefinition.key == from_definition.key)
                               .order_by(ProcessDefinition.version.desc()).limit(1)).first()
    if target is None or target.key != from_definition.key:
        raise Invalid(t("请选择同一流程的其他版本"), [field_error("to", "target_invalid", "目标版本无效")],
                      code="target_invalid")
    if target.id == from_definition.id:
        raise Invalid(t("实例已在该版本上"), [field_error("to", "same_version", "已是该版本")], code="same_version")
    return target


def preview_migration(uow: UnitOfWork, actor: Actor, instance_ids: list[int],
                      to_definition_id: int | None = None) -> dict[str, Any]:
    require(actor, Permission.EDIT_DIAGRAMS)
    if not instance_ids:
        raise Invalid(t("请选择实例"), [field_error("instances", "missing", "请选择实例")], code="instances_missing")
    eng = uow.runtime.engine
    plans: list[dict[str, Any]] = []
    target_view: dict[str, Any] = {}
    with uow:
        for iid in instance_ids:
            inst = uow.s.get(ProcessInstance, iid)
            if inst is None:
                plans.append(MigrationPlan(iid, None, "?", False, "the instance does not exist").as_dict())
                continue
            src = uow.s.get(ProcessDefinition, inst.definition_id)
            assert src is not None
            target = _target(uow, src, to_definition_id)
            target_view = {"id": target.id, "key": target.key, "version": target.version}
            new_parsed = eng.parsed(target.id, target.sources, target.key)
            old_parsed = eng.parsed(src.id, src.sources, src.key)
            wf = eng.load(old_parsed, inst.workflow, eng.script_engine(lambda t: None))
            plan, _ = _plan(uow, inst, wf, new_parsed)
            plans.append(plan.as_dict() | {"from_version": src.version})
    return {"target": target_view, "plans": plans}


def migrate_instances(uow: UnitOfWork, actor: Actor, instance_ids: list[int], to_definition_id: int | None,
                      reason: str) -> dict[str, Any]:
    """Move each instance that the diff can map to the target version (one transaction each);
    refuse the others with the reason. Audited per instance."""
    require(actor, Permission.EDIT_DIAGRAMS)
    reason = _reason(reason)
    done: list[dict[str, Any]] = []
    refused: list[dict[str, Any]] = []
    eng = uow.runtime.engine
    for iid in instance_ids:
        with uow:
            try:
                loaded = lock_instance(uow, iid)
            except NotFound as exc:
                refused.append({"instance_id": iid, "reason": exc.message})
                continue
            inst = loaded.instance
            src = uow.s.get(ProcessDefinition, inst.definition_id)
            assert src is not None
            target = _target(uow, src, to_definition_id)
            new_parsed = eng.parsed(target.id, target.sources, target.key)
            wf = loaded.wf
            plan, diffs = _plan(uow, inst, wf, new_parsed)
            if not plan.ok or diffs is None:
                refused.append({"instance_id": iid, "reason": plan.reason})
                continue
            top, sp_diffs = diffs
            try:
                migrate_workflow(top, wf, new_parsed.spec)
                for sp_id, d in sp_diffs.items():
                    sub = wf.subprocesses[sp_id]
                    migrate_workflow(d, sub, new_parsed.subprocess_specs[sub.spec.name])
                wf.subprocess_specs = new_parsed.subprocess_specs
                # the result must load on the new version before it is kept
                eng.load(new_parsed, eng.dump(wf), eng.script_engine(lambda t: None))
            except Exception as exc:  # noqa: BLE001 - refuse, keep the old state (rolled back)
                refused.append({"instance_id": iid, "reason": f"migration failed: {type(exc).__name__}: {exc}"})
                continue
            suspended = inst.state == "suspended"
            incident = None if suspended else run_engine(loaded)
            save(loaded, incident if incident else (inst.incident if inst.state == "incident" else None))
            uow.s.execute(update(ProcessInstance).where(ProcessInstance.id == iid)
                          .values(definition_id=target.id).execution_options(synchronize_session=False))
            inst.definition_id = target.id
            record(uow, actor, "instance.migrated", iid,
                   data={"reset": plan.reset, "timers_restarted": plan.timers_restarted,
                         "data_lost": plan.data_lost, "changed": plan.changed, "reason": reason,
                         "from": {"id": src.id, "version": src.version},
                         "to": {"id": target.id, "version": target.version}})
            uow.commit()
            done.append({"instance_id": iid, "from_version": src.version, "to_version": target.version,
                         "reset": plan.reset, "timers_restarted": plan.timers_restarted})
    return {"migrated": done, "refused": refused}


def task_of(wf: Any, task_id: str) -> Any:
    return wf.get_task_from_id(UUID(task_id))


def run_scenarios(uow: UnitOfWork, actor: Actor, key: str, xml: str | None = None,
                  names: list[str] | None = None) -> dict[str, Any]:
    """Run the stored scenarios of ``key`` against ``xml``, else the draft, else the latest version."""
    require(actor, Permission.EDIT_DIAGRAMS)
    source = "xml"
    file_name = f"{key}.bpmn"
    if xml is None:
        draft = get_draft(uow, key)
        if draft is not None:
            xml, file_name, source = draft["xml"], draft["file_name"], "draft"
    if xml is None:
        with uow:
            d = uow.s.scalars(select(ProcessDefinition).where(ProcessDefinition.key == key)
                              .order_by(ProcessDefinition.version.desc()).limit(1)).first()
            if d is None:
                raise NotFound(t("流程 {key} 没有草稿，也没有已发布的版本", key=key), code="process_not_found")
            xml, file_name, source = d.sources[d.bpmn_file], d.bpmn_file, f"version {d.version}"
    sources = _with_dmn(uow, file_name, xml)
    results = [run_scenario(uow, actor, sources, s).as_dict() for s in list_scenarios(uow, key)
               if not names or s["name"] in names]
    return {"key": key, "source": source, "results": results,
            "passed": sum(1 for r in results if r["passed"]), "failed": sum(1 for r in results if not r["passed"])}
