"""Read side for administrators: the instance list with filters and counts, the instance page
(diagram colouring, tasks and holders, variables, timeline, timers), definitions, users."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import Select, and_, exists, func, or_, select

from processes.access import Permission, require
from processes.admin.variables import FormInfo, Names, all_task_specs, form_info, present, usernames_in
from processes.db import UnitOfWork
from processes.engine.runtime import instance_variables
from processes.engine.spec import BPMN_NS, parse_xml
from processes.errors import NotFound
from processes.messages import t
from processes.models import (
    AuditEntry,
    ProcessDefinition,
    ProcessInstance,
    TaskIndex,
    Timer,
    User,
)
from processes.recognition.models import Application, RecognitionRound
from processes.services.core import load_for_reading
from processes.vocabulary import ROLE_NAMES, InstanceState

SORTS: dict[str, Any] = {
    "id": ProcessInstance.id, "started": ProcessInstance.started_at, "updated": ProcessInstance.updated_at,
    "state": ProcessInstance.state, "process": ProcessInstance.process_key,
         "county": ProcessInstance.county, "business_key": ProcessInstance.business_key}


# -- instance list ----------------------------------------------------------------------------
def _filtered(uow: UnitOfWork, f: dict[str, Any]) -> Select[Any]:
    stmt = select(ProcessInstance)
    if f.get("process_key"):
        stmt = stmt.where(ProcessInstance.process_key == f["process_key"])
    if f.get("version"):
        stmt = stmt.where(ProcessInstance.definition_id.in_(
            select(ProcessDefinition.id).where(ProcessDefinition.version == int(f["version"]))))
    if f.get("state"):
        stmt = stmt.where(ProcessInstance.state == f["state"])
    if f.get("county"):
        stmt = stmt.where(ProcessInstance.county == f["county"])
    if f.get("business_key"):
        stmt = stmt.where(ProcessInstance.business_key.contains(str(f["business_key"]).strip()))
    if f.get("step"):
        step = str(f["step"]).strip()
        stmt = stmt.where(exists().where(and_(TaskIndex.instance_id == ProcessInstance.id,
                                              or_(TaskIndex.element_id == step, TaskIndex.name.contains(step)))))
    if f.get("overdue"):
        now = uow.runtime.now()
        stmt = stmt.where(exists().where(and_(TaskIndex.instance_id == ProcessInstance.id,
                                              TaskIndex.due_at.is_not(None), TaskIndex.due_at < now)))
    if f.get("round"):
        stmt = stmt.where(ProcessInstance.id.in_(select(Application.instance_id).where(
            Application.round_id == int(f["round"]))))
    return stmt


def list_instances(uow: UnitOfWork, user: User, filters: dict[str, Any] | None = None, sort: str = "id",
                   desc: bool = True, page: int = 1, per_page: int = 25) -> dict[str, Any]:
    require(user, Permission.MONITOR_INSTANCES)
    f = {k: v for k, v in (filters or {}).items() if v not in (None, "", False)}
    per_page = max(1, min(per_page, 200))
    page = max(1, page)
    with uow:
        stmt = _filtered(uow, f)
        total = uow.s.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        without_state = _filtered(uow, {k: v for k, v in f.items() if k != "state"}).subquery()
        counts = {s: 0 for s in InstanceState}
        counts.update(dict(uow.s.execute(select(without_state.c.state, func.count())
                                         .group_by(without_state.c.state)).all()))
        col = SORTS.get(sort, ProcessInstance.id)
        ordered = stmt.order_by(col.desc() if desc else col.asc(), ProcessInstance.id.desc())
        rows = uow.s.scalars(ordered.limit(per_page).offset((page - 1) * per_page)).all()
        ids = [r.id for r in rows]
        versions = dict(uow.s.execute(select(ProcessDefinition.id, ProcessDefinition.version)).all())
        names = dict(uow.s.execute(select(ProcessDefinition.id, ProcessDefinition.name)).all())
        tasks: dict[int, list[str]] = {}
        overdue: set[int] = set()
        now = uow.runtime.now()
        for row in uow.s.scalars(select(TaskIndex).where(TaskIndex.instance_id.in_(ids))):
            tasks.setdefault(row.instance_id, []).append(row.name or row.element_id)
            if row.due_at is not None and row.due_at < now:
                overdue.add(row.instance_id)
        items = [{"id": r.id, "process_key": r.process_key, "version": versions.get(r.definition_id),
                  "process_name": names.get(r.definition_id) or r.process_key,
                  "business_key": r.business_key, "state": r.state, "county": r.county,
                  "started_at": r.started_at.isoformat(), "updated_at": r.updated_at.isoformat(),
                  "current": tasks.get(r.id, []) or list(r.active_elements or []),
                  "overdue": r.id in overdue, "incident": r.incident} for r in rows]
        return {"total": total, "page": page, "per_page": per_page,
                "pages": max(1, (total + per_page - 1) // per_page), "counts": counts, "items": items,
                "filters": f, "sort": sort, "desc": desc}


def filter_options(uow: UnitOfWork) -> dict[str, Any]:
    with uow:
        keys = uow.s.scalars(select(ProcessDefinition.key).distinct().order_by(ProcessDefinition.key)).all()
        latest_names = {k: n for k, n in uow.s.execute(select(ProcessDefinition.key, ProcessDefinition.name)
                                                        .order_by(ProcessDefinition.version)).all()}
        versions = sorted(set(uow.s.scalars(select(ProcessDefinition.version))))
        counties = sorted(c for c in uow.s.scalars(select(ProcessInstance.county).distinct()) if c)
        rounds = [{"id": r.id, "name": r.name} for r in uow.s.execute(
            select(RecognitionRound.id, RecognitionRound.name).order_by(RecognitionRound.id.desc()))]
        return {"process_keys": list(keys), "process_names": {k: latest_names.get(k) or k for k in keys},
                "versions": versions, "counties": counties, "rounds": rounds,
                "states": list(InstanceState)}


# -- diagram colouring ----------------------------------------------------------------------------
STATE_OF = {"COMPLETED": "completed", "READY": "active", "STARTED": "active", "WAITING": "waiting",
            "ERROR": "failed", "CANCELLED": "cancelled"}


def element_states(wf: Any, xml: str | None = None) -> dict[str, Any]:
    """Per BPMN element id its state (completed / active / waiting / failed / cancelled), from the
    latest task per element (all tasks, ``TaskState`` names, no ``bpmn_id`` skipped), and the sequence
    flows taken: flows of the diagram from a completed element to an element that was reached."""
    latest: dict[str, Any] = {}
    completed_ids: set[str] = set()
    for task in wf.get_tasks(state=TaskState.ANY_MASK):
        bpmn_id = getattr(task.task_spec, "bpmn_id", None)
        if bpmn_id is None:
            continue
        name = TaskState.get_name(task.state)
        if name not in STATE_OF:
            continue
        if name == "COMPLETED":
            completed_ids.add(bpmn_id)
        prev = latest.get(bpmn_id)
        if prev is None or task.last_state_change >= prev.last_state_change:
            latest[bpmn_id] = task
    elements = {bid: STATE_OF[TaskState.get_name(t.state)] for bid, t in latest.items()}
    # elements whose tasks the stored state no longer keeps (processes.engine.compact): their latest
    # pruned task counts like any other, unless a kept task of the element is newer
    for bid, (name, changed) in (getattr(wf, "pruned_elements", None) or {}).items():
        if name not in STATE_OF:
            continue
        if name == "COMPLETED":
            completed_ids.add(bid)
        prev = latest.get(bid)
        if prev is None or changed > prev.last_state_change:
            elements[bid] = STATE_OF[name]
    reached = {bid for bid, s in elements.items() if s != "cancelled"} | completed_ids
    flows: list[str] = []
    if xml:
        flows = [fid for fid, src, dst in _sequence_flows(xml) if src in completed_ids and dst in reached]
    return {"elements": elements, "flows": flows}


@lru_cache(maxsize=64)
def _sequence_flows(xml: str) -> tuple[tuple[str, str, str], ...]:
    """The diagram's sequence flows (id, source, target); parsed once per diagram text."""

    try:
        root = parse_xml(xml, "diagram")
    except Exception:  # noqa: BLE001 - colouring is best effort
        return ()
    return tuple((n.get("id"), n.get("sourceRef"), n.get("targetRef"))
                 for n in root.iter(f"{{{BPMN_NS}}}sequenceFlow") if n.get("id"))


def diagram_state(uow: UnitOfWork, user: User, instance_id: int) -> dict[str, Any]:
    require(user, Permission.MONITOR_INSTANCES)
    with uow:
        inst = uow.s.get(ProcessInstance, instance_id)
        if inst is None:
            raise NotFound(t("流程实例 {id} 不存在", id=instance_id), code="instance_not_found")
        definition = uow.s.get(ProcessDefinition, inst.definition_id)
        assert definition is not None
        wf = load_for_reading(uow, inst)
        result = element_states(wf, definition.sources[definition.bpmn_file])
        if inst.incident and inst.incident.get("element_id"):
            result["elements"][inst.incident["element_id"]] = "failed"
        result.update({"instance_id": inst.id, "state": inst.state, "definition_id": definition.id,
                       "version": definition.version, "xml": definition.sources[definition.bpmn_file]})
        return result


# -- instance page ---------------------------------------------------------------------------------
def instance_detail(uow: UnitOfWork, user: User, instance_id: int) -> dict[str, Any]:
    """The instance as data (the JSON API): raw variables, tasks, timers, audit trail, colouring."""
    require(user, Permission.MONITOR_INSTANCES)
    with uow:
        inst, definition, wf = _load(uow, instance_id)
        return _detail(uow, inst, definition, wf, _users_by_id(uow, _user_ids(uow, inst)))


def instance_page(uow: UnitOfWork, user: User, instance_id: int, county_names: Mapping[str, str]) -> dict[str, Any]:
    """What the admin instance page shows, in words: the detail plus step names for element ids,
    people's names for user names, and the variables shaped for reading (``admin/variables.py``)."""
    require(user, Permission.MONITOR_INSTANCES)
    with uow:
        inst, definition, wf = _load(uow, instance_id)
        users = _users_by_id(uow, _user_ids(uow, inst))
        d = _detail(uow, inst, definition, wf, users)
        parsed = uow.runtime.engine.parsed(definition.id, definition.sources, definition.key)
        info, steps = _definition_words(definition.content_hash, parsed)
        variables = d["variables"]
        wanted = usernames_in(variables) - {u.username for u in users.values()}
        by_name = {u.username: u.display_name for u in users.values()}
        if wanted:
            by_name |= dict(uow.s.execute(select(User.username, User.display_name)
                                          .where(User.username.in_(sorted(wanted)[:500]))).all())
        d["readable"] = present(variables, info, Names(users=by_name, counties=county_names))
        d["step_names"] = steps
        for row in d["timers"]:
            row["name"] = steps.get(row["element_id"]) or row["element_id"]
        lines: list[dict[str, Any]] = []
        for h in d["history"]:
            last = lines[-1] if lines else None
            if last is not None and (last["actor"], last["action"]) == (h["actor"], h["action"]) and \
                    h["action"] in _REPEATED_ACTIONS:  # eleven uploads in a row read as one line, ×11
                last["times"] += 1
                continue
            lines.append(h | {"step": steps.get(h["element_id"] or "") or h["element_id"], "times": 1})
        d["history"] = lines
        d["xml"] = definition.sources[definition.bpmn_file]
        return d


_WORDS: dict[str, tuple[FormInfo, dict[str, str]]] = {}


def _definition_words(content_hash: str, parsed: Any) -> tuple[FormInfo, dict[str, str]]:
    """Form labels and step names of a definition, cached by its content (a deployed version never
    changes; the same content is the same words in any database)."""
    found = _WORDS.get(content_hash)
    if found is None:
        specs = all_task_specs(parsed)
        steps = {s.bpmn_id: s.bpmn_name for s in specs if getattr(s, "bpmn_id", None) and getattr(s, "bpmn_name", None)}
        found = _WORDS[content_hash] = (form_info(specs), steps)
    return found


def step_names(uow: UnitOfWork, process_keys: Iterable[str]) -> dict[str, dict[str, str]]:
    """Per process key, element id → step name, from its latest deployed version (for pages that
    list elements of several instances: deadlines, timers)."""
    out: dict[str, dict[str, str]] = {}
    with uow:
        for key in set(process_keys):
            d = uow.s.scalars(select(ProcessDefinition).where(ProcessDefinition.key == key)
                              .order_by(ProcessDefinition.version.desc()).limit(1)).first()
            if d is not None:
                out[key] = _definition_words(d.content_hash, uow.runtime.engine.parsed(d.id, d.sources, d.key))[1]
    return out


def display_names(uow: UnitOfWork, usernames: Iterable[str]) -> dict[str, str]:
    """User name → the name people know them by (unknown names are left out)."""
    wanted = sorted({u for u in usernames if u})
    if not wanted:
        return {}
    with uow:
        return dict(uow.s.execute(select(User.username, User.display_name).where(User.username.in_(wanted))).all())


def _load(uow: UnitOfWork, instance_id: int) -> tuple[ProcessInstance, ProcessDefinition, Any]:
    inst = uow.s.get(ProcessInstance, instance_id)
    if inst is None:
        raise NotFound(t("流程实例 {id} 不存在", id=instance_id), code="instance_not_found")
    definition = uow.s.get(ProcessDefinition, inst.definition_id)
    assert definition is not None
    return inst, definition, load_for_reading(uow, inst)


def _user_ids(uow: UnitOfWork, inst: ProcessInstance) -> set[int]:
    ids = set(uow.s.scalars(select(TaskIndex.assignee_id).where(TaskIndex.instance_id == inst.id,
                                                                 TaskIndex.assignee_id.is_not(None))))
    ids |= set(uow.s.scalars(select(AuditEntry.actor_id).where(AuditEntry.instance_id == inst.id,
                                                                AuditEntry.actor_id.is_not(None)).distinct()))
    if inst.started_by:
        ids.add(inst.started_by)
    return {i for i in ids if i is not None}


def _users_by_id(uow: UnitOfWork, ids: set[int]) -> dict[int, User]:
    if not ids:
        return {}
    return {u.id: u for u in uow.s.scalars(select(User).where(User.id.in_(ids)))}


# audit actions that repeat without a step of their own (shown once with a count)
_REPEATED_ACTIONS = ("material.uploaded", "task.draft_saved", "deadline.recomputed")


def _detail(uow: UnitOfWork, inst: ProcessInstance, definition: ProcessDefinition, wf: Any,
            users: dict[int, User]) -> dict[str, Any]:
    variables = instance_variables(wf)
    now = uow.runtime.now()
    tasks = []
    for row in uow.s.scalars(select(TaskIndex).where(TaskIndex.instance_id == inst.id).order_by(TaskIndex.id)):
        holder = users.get(row.assignee_id) if row.assignee_id else None
        tasks.append({"id": row.task_id, "element_id": row.element_id, "name": row.name, "role": row.role,
                      "county": row.county, "holder": holder.display_name if holder else None,
                      "holder_username": holder.username if holder else None, "candidates": row.candidates,
                      "due_at": row.due_at, "overdue": bool(row.due_at and row.due_at < now),
                      "created_at": row.created_at, "has_draft": bool(row.draft)})
    timers = [{"element_id": row.element_id, "due_at": row.due_at}
              for row in uow.s.scalars(select(Timer).where(Timer.instance_id == inst.id).order_by(Timer.due_at))]
    history: list[dict[str, Any]] = []
    for a in uow.s.scalars(select(AuditEntry).where(AuditEntry.instance_id == inst.id).order_by(AuditEntry.id)):
        who = users.get(a.actor_id) if a.actor_id else None
        history.append({"id": a.id, "at": a.at, "actor": a.actor,
                        "actor_name": who.display_name if who else ROLE_NAMES.get(a.actor, a.actor),
                        "action": a.action, "task_id": a.task_id, "element_id": a.element_id, "data": a.data})
    starter = users.get(inst.started_by) if inst.started_by else None
    newer = uow.s.scalar(select(func.max(ProcessDefinition.version)).where(
        ProcessDefinition.key == inst.process_key))
    return {"id": inst.id, "process_key": inst.process_key, "definition_id": definition.id,
            "version": definition.version, "latest_version": newer, "name": definition.name,
            "business_key": inst.business_key, "state": inst.state, "county": inst.county,
            "started_by": starter.display_name if starter else None, "started_at": inst.started_at,
            "updated_at": inst.updated_at, "ended_at": inst.ended_at, "incident": inst.incident,
            "lock_version": inst.lock_version, "variables": variables, "tasks": tasks, "timers": timers,
            "history": history,
            "colouring": element_states(wf, definition.sources[definition.bpmn_file])}


# -- definitions -------------------------------------------------------------------------------------
def definitions(uow: UnitOfWork, user: User) -> list[dict[str, Any]]:
    require(user, Permission.EDIT_DIAGRAMS)
    with uow:
        counts: dict[int, dict[str, int]] = {}
        for did, state, n in uow.s.execute(select(ProcessInstance.definition_id, ProcessInstance.state,
                                                  func.count()).group_by(ProcessInstance.definition_id,
                                                                         ProcessInstance.state)):
            counts.setdefault(did, {})[state] = n
        rows = uow.s.scalars(select(ProcessDefinition).order_by(ProcessDefinition.key,
                                                                ProcessDefinition.version.desc())).all()
        people = dict(uow.s.execute(select(User.username, User.display_name).where(
            User.username.in_(sorted({d.deployed_by for d in rows if d.deployed_by})))).all())
        out = []
        for d in rows:
            c = counts.get(d.id, {})
            by = d.deployed_by or ""
            by_name = people.get(by) or (t(ROLE_NAMES[by]) if by in ROLE_NAMES else by)  # the scheduler/CLI: 系统
            out.append({"id": d.id, "key": d.key, "version": d.version, "name": d.name, "file": d.bpmn_file,
                        "deployed_by": d.deployed_by, "deployed_by_name": by_name or None,
                        "deployed_at": d.deployed_at, "hash": d.content_hash[:12],
                        "open": sum(n for s, n in c.items() if s in ("running", "waiting", "incident",
                                                                    "suspended")),
                        "total": sum(c.values()), "states": c})
        return out


def definition(uow: UnitOfWork, user: User, definition_id: int) -> dict[str, Any]:
    require(user, Permission.MONITOR_INSTANCES)
    with uow:
        d = uow.s.get(ProcessDefinition, definition_id)
        if d is None:
            raise NotFound(t("流程定义 {id} 不存在", id=definition_id), code="definition_not_found")
        return {"id": d.id, "key": d.key, "version": d.version, "name": d.name, "file": d.bpmn_file,
                "xml": d.sources[d.bpmn_file], "sources": dict(d.sources), "deployed_by": d.deployed_by,
                "deployed_at": d.deployed_at}


# -- users ---------------------------------------------------------------------------------------------
def users(uow: UnitOfWork, user: User) -> list[dict[str, Any]]:
    require(user, Permission.MANAGE_USERS)
    with uow:
        return [{"id": u.id, "username": u.username, "display_name": u.display_name, "role": u.role,
                 "county": u.county, "email": u.email, "active": u.active, "created_at": u.created_at}
                for u in uow.s.scalars(select(User).order_by(User.role, User.username))]
