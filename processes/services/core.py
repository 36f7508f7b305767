"""Shared steps of the use cases: lock, load, run, save (task index, timers), audit."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.exceptions import WorkflowException

from handlers.registry import HandlerContext
from processes import audit
from processes import statements as st
from processes.calendar.deadlines import DeadlineChanges, track_deadlines
from processes.calendar.functions import ComputationLog, calendar_helpers, sync_calendar
from processes.clock import CST
from processes.db import UnitOfWork
from processes.engine.runtime import SERIALIZER_VERSION, lookups_from
from processes.engine.service_task import HandlerError
from processes.errors import Conflict, DomainError, NotFound
from processes.forms.checks import Materials
from processes.lookups import run_lookup
from processes.messages import t
from processes.models import ProcessDefinition, ProcessInstance, TaskIndex, User
from processes.vocabulary import InstanceState

log = logging.getLogger(__name__)

# Lane names → role codes (a lane may also carry the code itself, e.g. "县级主管部门 county_officer").
LANE_WORDS = (
    ("county_officer", ("county_officer", "县级", "县（市、区）", "县区", "县主管")),
    ("municipal_reviewer", ("municipal_reviewer", "市局", "市工业和信息化局", "市级", "审核")),
    ("expert", ("expert", "专家")),
    ("applicant", ("applicant", "申报", "申请单位", "平台", "承担单位")),
    ("admin", ("admin", "管理员")),
)


def role_for(lane: str | None, extensions: dict[str, Any]) -> str | None:
    if extensions.get("role"):
        return str(extensions["role"])
    if not lane:
        return None
    for role, words in LANE_WORDS:
        if any(w in lane for w in words):
            return role
    return None


@dataclass
class Actor:
    """Who acts: a user, the scheduler ('system') or the public (objection form)."""

    id: int | None
    username: str
    role: str
    county: str | None = None
    display_name: str = ""

    @classmethod
    def of(cls, user: User) -> Actor:
        return cls(user.id, user.username, user.role, user.county, user.display_name or user.username)


SYSTEM = Actor(None, "system", "system")

# How the areas (recognition, supervision) plug into the generic use cases. Each registry is filled
# once by ``processes.areas.install()``.
#
# Save hooks run at the end of every save(), in the same transaction: process key → [fn(loaded, snapshot)].
# They only keep an area's read tables (the application row, a report's status) in step with its
# instances: no rules, no other instances.
SAVE_HOOKS: dict[str, list[Callable[[Loaded, Any], None]]] = {}
# Start rules check a process's start data before anything is saved: process key → fn(uow, actor, variables).
StartRule = Callable[["UnitOfWork", "Actor", dict[str, Any]], None]
START_RULES: dict[str, StartRule] = {}
# Completion rules are the area's use-case steps that follow a user's decision, in the same transaction
# and with the person who decided: (process key, element id) → [fn(uow, actor, loaded)].
CompletionRule = Callable[["UnitOfWork", "Actor", "Loaded"], None]
COMPLETION_RULES: dict[tuple[str, str], list[CompletionRule]] = {}
# Materials: what an area's instance has uploaded (names, uploads, accepted types, size limit), for the
# tasks whose diagram requires materials (task property ``materials``): process key → fn(uow, instance).
MaterialsOf = Callable[["UnitOfWork", ProcessInstance], Materials]
MATERIALS_OF: dict[str, MaterialsOf] = {}


def register(registry: dict[Any, list[Any]], key: Any, fn: Any) -> None:
    """Add ``fn`` under ``key`` once (installing twice changes nothing)."""
    fns = registry.setdefault(key, [])
    if fn not in fns:
        fns.append(fn)


class Loaded:
    """An instance row locked for this transaction, with its workflow."""

    def __init__(self, uow: UnitOfWork, instance: ProcessInstance, definition: ProcessDefinition) -> None:
        self.uow = uow
        self.instance = instance
        self.definition = definition
        rt = uow.runtime
        self.parsed = rt.engine.parsed(definition.id, definition.sources, definition.key)
        # what the diagram's calendar functions compute here becomes deadline rows on save
        self.computations = ComputationLog()
        self.script_engine = rt.engine.script_engine(self._context, calendar_helpers(self.computations))
        self.expected_version = instance.lock_version
        self._wf: Any = None
        self.deadline_changes: DeadlineChanges | None = None
        sync_calendar(uow)  # the holiday years an admin loaded into the database

    def _context(self, task: Any) -> HandlerContext:
        uow = self.uow
        return HandlerContext(now=uow.runtime.now(), business_key=self.instance.business_key,
                              instance_id=self.instance.id,
                              lookups=lookups_from(lambda name, **p: run_lookup(uow, name, **p)),
                              settings={"certificate_format": uow.runtime.settings.certificate_format})

    @property
    def wf(self) -> Any:
        if self._wf is None:
            self._wf = self.uow.runtime.engine.load(self.parsed, self.instance.workflow, self.script_engine)
        return self._wf

    @wf.setter
    def wf(self, value: Any) -> None:
        self._wf = value


def lock_instance(uow: UnitOfWork, instance_id: int) -> Loaded:
    stmt = st.INSTANCE_BY_ID_FOR_UPDATE if uow.is_postgres else st.INSTANCE_BY_ID
    instance = uow.s.scalars(stmt, {"id": instance_id}).first()
    if instance is None:
        raise NotFound(t("流程实例 {id} 不存在", id=instance_id), code="instance_not_found")
    return Loaded(uow, instance, definition_by_id(uow, instance.definition_id))


def lock_task(uow: UnitOfWork, task_id: str) -> tuple[Loaded, TaskIndex]:
    """The open task ``task_id`` and its instance, locked for this transaction.

    404 for a task that never existed; 409 for one that was open and has been completed meanwhile
    (the loser of two simultaneous completions gets 409 on both databases: on SQLite the write
    transaction began after the winner committed, on PostgreSQL the row is re-read under the lock).
    """
    row = uow.s.scalars(st.TASK_BY_ID, {"task_id": task_id}).first()
    if row is None:
        raise _gone(uow, task_id)
    loaded = lock_instance(uow, row.instance_id)
    if uow.is_postgres:
        uow.s.expire(row)
        fresh = uow.s.scalars(st.TASK_BY_ID, {"task_id": task_id}).first()
        if fresh is None:
            raise _gone(uow, task_id)
        row = fresh
    if loaded.instance.state == InstanceState.SUSPENDED:
        raise Conflict(t("该业务已挂起，暂不能办理"), code="instance_suspended")
    if loaded.instance.state == InstanceState.TERMINATED:
        raise Conflict(t("该业务已终止"), code="instance_terminated")
    return loaded, row


def _gone(uow: UnitOfWork, task_id: str) -> DomainError:
    """Completed (by the audit trail) → 409; never existed → 404."""
    done = uow.s.execute(st.TASK_COMPLETED_BY, {"task_id": task_id}).first()
    if done is not None:
        return Conflict(t("该任务已由 {who} 办理完成", who=done.actor), code="task_completed")
    return NotFound(t("任务不存在或已办结"), code="task_not_found")


def definition_by_id(uow: UnitOfWork, definition_id: int) -> ProcessDefinition:
    """Definitions never change once deployed: cached per process (detached copies)."""
    cache = uow.runtime.engine.definitions
    found = cache.get(definition_id)
    if found is None:
        found = uow.s.get(ProcessDefinition, definition_id)
        if found is None:
            raise NotFound(t("流程定义 {id} 不存在", id=definition_id), code="definition_not_found")
        uow.s.expunge(found)
        cache[definition_id] = found
    return found


def load_for_reading(uow: UnitOfWork, instance: ProcessInstance) -> Any:
    """The instance's workflow for reading only (views, task data, diagram colouring): nothing is
    run, locked or saved, so no handler context is needed."""
    definition = definition_by_id(uow, instance.definition_id)
    engine = uow.runtime.engine
    parsed = engine.parsed(definition.id, definition.sources, definition.key)
    return engine.load(parsed, instance.workflow, engine.script_engine(lambda task: None))


def run_engine(loaded: Loaded) -> dict[str, Any] | None:
    """Run until the workflow waits. A failing handler/script becomes an incident, not a crash."""
    try:
        loaded.uow.runtime.engine.run(loaded.wf)
    except HandlerError as exc:
        return _incident(exc, handler=exc.handler, cause=exc.cause)
    except WorkflowTaskException as exc:
        return _incident(exc, handler=None, cause=exc)
    except WorkflowException as exc:
        spec = getattr(exc, "task_spec", None)
        return {"element_id": getattr(spec, "bpmn_id", None), "handler": None, "error_type": type(exc).__name__,
                "message": str(exc).split("\n")[0], "line": None}
    return None


def _incident(exc: WorkflowTaskException, handler: str | None, cause: BaseException) -> dict[str, Any]:
    task = getattr(exc, "task", None)
    spec = getattr(task, "task_spec", None)
    return {"element_id": getattr(spec, "bpmn_id", None), "task_id": str(task.id) if task else None,
            "handler": handler, "error_type": type(cause).__name__,
            "message": str(cause) if handler else str(exc).split("\n")[0],
            "line": getattr(exc, "line_number", None)}


def _due_from(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    s = str(value)
    try:
        if len(s) == 10:
            d = date.fromisoformat(s)
            return datetime.combine(d, time(23, 59, 59), CST).astimezone(UTC)
        dt = datetime.fromisoformat(s)
        return (dt if dt.tzinfo else dt.replace(tzinfo=CST)).astimezone(UTC)
    except ValueError:
        return None


def save(loaded: Loaded, incident: dict[str, Any] | None = None) -> None:
    """Write the workflow, the state, the task index and the timers; check the lock version."""
    uow = loaded.uow
    rt = uow.runtime
    inst = loaded.instance
    wf = loaded.wf
    snap = rt.engine.snapshot(wf)
    now = rt.now()
    if incident is None and snap.error_tasks:
        t = snap.error_tasks[0]
        incident = inst.incident or {"element_id": t.task_spec.bpmn_id, "task_id": str(t.id),
                                     "handler": getattr(t.task_spec, "handler", None),
                                     "error_type": "Error", "message": "task failed", "line": None}
    if inst.state in ("suspended", "terminated"):
        state = inst.state
    elif incident is not None:
        state = "incident"
    elif snap.completed:
        state = "completed"
    elif snap.user_tasks:
        state = "running"
    else:
        state = "waiting"
    values = {
        "workflow": rt.engine.dump(wf), "serializer_version": SERIALIZER_VERSION, "state": state,
        "active_elements": snap.active_elements, "incident": incident, "updated_at": now,
        "lock_version": loaded.expected_version + 1,
        "ended_at": now if state in ("completed", "terminated") else None,
    }
    res = uow.s.connection().execute(st.SAVE_INSTANCE, {**values, "b_id": inst.id,
                                                        "b_version": loaded.expected_version})
    if res.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(t("该业务已被他人修改，请刷新后重试"), code="instance_changed")
    for k, v in values.items():
        setattr(inst, k, v)
    loaded.expected_version += 1
    _refresh_task_index(loaded, snap.user_tasks if state not in ("terminated",) else [], now)
    uow.s.execute(st.DELETE_TIMERS_OF_INSTANCE, {"iid": inst.id})
    if state not in ("terminated", "completed") and snap.timers:
        uow.s.execute(st.INSERT_TIMERS, [dict(instance_id=inst.id, task_id=task_id, element_id=element_id, due_at=due)
                                        for task_id, element_id, due in snap.timers])
    for hook in SAVE_HOOKS.get(inst.process_key, ()):
        hook(loaded, snap)
    loaded.deadline_changes = track_deadlines(uow, inst, wf, snap, state, loaded.computations)


def _refresh_task_index(loaded: Loaded, user_tasks: list[Any], now: datetime) -> None:
    uow = loaded.uow
    inst = loaded.instance
    existing = set(uow.s.execute(st.TASK_IDS_OF_INSTANCE, {"iid": inst.id}).scalars())
    wanted = {u.task_id: u for u in user_tasks}
    gone = [tid for tid in existing if tid not in wanted]
    if gone:
        uow.s.execute(st.DELETE_TASKS, {"ids": gone})
        # the rows are deleted behind the ORM's back: forget their objects, or a new row that gets a
        # deleted row's primary key (SQLite reuses rowids) would come back as the stale object
        for obj in [o for o in uow.s.identity_map.values() if isinstance(o, TaskIndex) and o.task_id in gone]:
            uow.s.expunge(obj)
    new = [u for tid, u in wanted.items() if tid not in existing]
    if not new:
        return
    usernames: dict[str, int] = {}
    rows: list[dict[str, Any]] = []
    for info in new:
        ext = info.extensions
        role = role_for(info.lane, ext)
        assignee_name: str | None = None
        if ext.get("assignee"):
            try:
                assignee_name = loaded.script_engine.environment.evaluate(ext["assignee"], dict(info.data))
            except Exception:  # noqa: BLE001 - a bad expression leaves the task in the role's pool
                log.warning("assignee expression failed on %s", info.element_id)
        elif role == "applicant":
            assignee_name = info.data.get("initiator")
        due = None
        if ext.get("due"):
            try:
                due = _due_from(loaded.script_engine.environment.evaluate(ext["due"], dict(info.data)))
            except Exception:  # noqa: BLE001
                log.warning("due expression failed on %s", info.element_id)
        assignee_id = None
        if assignee_name:
            assignee_name = str(assignee_name)
            if assignee_name not in usernames:
                # user names are never changed or reused: their ids are cached per runtime
                uid = uow.runtime.engine.user_ids.get(assignee_name)
                if uid is None:
                    uid = uow.s.execute(st.USER_ID_BY_NAME, {"username": assignee_name}).scalar()
                    if uid is not None:
                        uow.runtime.engine.user_ids[assignee_name] = uid
                if uid is not None:
                    usernames[assignee_name] = uid
            assignee_id = usernames.get(assignee_name)
        rows.append(dict(
            task_id=info.task_id, instance_id=inst.id, element_id=info.element_id, name=info.name, lane=info.lane,
            role=role, county=inst.county, assignee_id=assignee_id,
            candidates=[assignee_name] if assignee_name else [], pool=assignee_name is None, draft=None,
            due_at=due, form_key=info.form_key, process_key=inst.process_key, business_key=inst.business_key,
            created_at=now))
    uow.s.execute(st.INSERT_TASKS, rows)


def record(uow: UnitOfWork, actor: Actor, action: str, instance_id: int | None = None,
           task_id: str | None = None, element_id: str | None = None, data: Any = None) -> None:
    audit.append(uow.s, at=uow.runtime.now().astimezone(UTC), actor=actor.username, actor_id=actor.id,
                 action=action, instance_id=instance_id, task_id=task_id, element_id=element_id, data=data)


def business_key_for(process_key: str, instance_id: int, now: datetime) -> str:
    return f"{process_key.upper()}-{now.astimezone(CST).year}-{instance_id:05d}"

