"""Read side for administrators: the instance list with filters and counts, the instance page
(diagram colouring, tasks and holders, variables, timeline, timers), definitions, users."""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import Select, and_, exists, func, or_, select

from processes.access import Permission, require
from processes.db import UnitOfWork
from processes.engine.runtime import instance_variables
from processes.engine.spec import BPMN_NS, parse_xml
from processes.errors import NotFound
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
from processes.vocabulary import InstanceState

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
        tasks: dict[int, list[str]] = {}
        overdue: set[int] = set()
        now = uow.runtime.now()
        for t in uow.s.scalars(select(TaskIndex).where(TaskIndex.instance_id.in_(ids))):
            tasks.setdefault(t.instance_id, []).append(t.name or t.element_id)
            if t.due_at is not None and t.due_at < now:
                overdue.add(t.instance_id)
        items = [{"id": r.id, "process_key": r.process_key, "version": versions.get(r.definition_id),
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
        versions = sorted(set(uow.s.scalars(select(ProcessDefinition.version))))
        counties = sorted(c for c in uow.s.scalars(select(ProcessInstance.county).distinct()) if c)
        rounds = [{"id": r.id, "name": r.name} for r in uow.s.execute(
            select(RecognitionRound.id, RecognitionRound.name).order_by(RecognitionRound.id.desc()))]
        return {"process_keys": list(keys), "versions": versions, "counties": counties, "rounds": rounds,
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


def _sequence_flows(xml: str) -> list[tuple[str, str, str]]:

    try:
        root = parse_xml(xml, "diagram")
    except Exception:  # noqa: BLE001 - colouring is best effort
        return []
    return [(n.get("id"), n.get("sourceRef"), n.get("targetRef")) for n in root.iter(f"{{{BPMN_NS}}}sequenceFlow")
            if n.get("id")]


def diagram_state(uow: UnitOfWork, user: User, instance_id: int) -> dict[str, Any]:
    require(user, Permission.MONITOR_INSTANCES)
    with uow:
        inst = uow.s.get(ProcessInstance, instance_id)
        if inst is None:
            raise NotFound(f"process instance {instance_id} does not exist")
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
    require(user, Permission.MONITOR_INSTANCES)
    with uow:
        inst = uow.s.get(ProcessInstance, instance_id)
        if inst is None:
            raise NotFound(f"process instance {instance_id} does not exist")
        definition = uow.s.get(ProcessDefinition, inst.definition_id)
        assert definition is not None
        wf = load_for_reading(uow, inst)

        variables = instance_variables(wf)
        users = {u.id: u for u in uow.s.scalars(select(User))}
        now = uow.runtime.now()
        tasks = []
        for t in uow.s.scalars(select(TaskIndex).where(TaskIndex.instance_id == inst.id).order_by(TaskIndex.id)):
            holder = users.get(t.assignee_id) if t.assignee_id else None
            tasks.append({"id": t.task_id, "element_id": t.element_id, "name": t.name, "role": t.role,
                          "county": t.county, "holder": holder.display_name if holder else None,
                          "holder_username": holder.username if holder else None, "candidates": t.candidates,
                          "due_at": t.due_at, "overdue": bool(t.due_at and t.due_at < now),
                          "created_at": t.created_at, "has_draft": bool(t.draft)})
        timers = [{"element_id": t.element_id, "due_at": t.due_at}
                  for t in uow.s.scalars(select(Timer).where(Timer.instance_id == inst.id).order_by(Timer.due_at))]
        history = [{"id": a.id, "at": a.at, "actor": a.actor, "action": a.action, "task_id": a.task_id,
                    "element_id": a.element_id, "data": a.data}
                   for a in uow.s.scalars(select(AuditEntry).where(AuditEntry.instance_id == inst.id)
                                          .order_by(AuditEntry.id))]
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
        out = []
        for d in rows:
            c = counts.get(d.id, {})
            out.append({"id": d.id, "key": d.key, "version": d.version, "name": d.name, "file": d.bpmn_file,
                        "deployed_by": d.deployed_by, "deployed_at": d.deployed_at, "hash": d.content_hash[:12],
                        "open": sum(n for s, n in c.items() if s in ("running", "waiting", "incident",
                                                                    "suspended")),
                        "total": sum(c.values()), "states": c})
        return out


def definition(uow: UnitOfWork, user: User, definition_id: int) -> dict[str, Any]:
    require(user, Permission.MONITOR_INSTANCES)
    with uow:
        d = uow.s.get(ProcessDefinition, definition_id)
        if d is None:
            raise NotFound(f"process definition {definition_id} does not exist")
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
