"""Small stored state: what a saved workflow keeps is what it needs to go on (docs/performance.md).

SpiffWorkflow 3.2 never prunes completed tasks and materialises every task's data on load (a delta
against the parent, deep-copied per task), so a finished recognition instance stored ~840 KB and a
loop got slower with each iteration. These converters stay within its public serializer registry
(registered in ``processes.engine.runtime``) and change only what is written:

- **No data on finished tasks that nothing reads.** A COMPLETED/CANCELLED task keeps its data only
  while a child still needs it: a child that has not finished yet inherits its parent's data when it
  becomes ready (or a WAITING one re-reads it), and a join reads the parents of its cancelled sibling
  tasks when it fires. Everything else the process knows is in the data of its live tasks and in the
  workflow data; the history is the audit trail and the area tables.
- **Finished chains are spliced out.** A COMPLETED task with exactly one (remaining) child that is
  COMPLETED too is dropped and its child hangs from its parent: a loop leaves no trail behind it.
  End events are kept (the areas read which end was reached), and so are join inputs.
- **Finished branches are dropped**: finished leaves under a finished parent (cancelled boundary
  events, the instances of a finished multi-instance), and the sub-workflows of finished
  subprocess tasks.
- **What was pruned is remembered per element**: ``pruned`` maps each BPMN element id that lost tasks
  to the state and time of its latest one, so the admin's diagram colouring (``element_states``) and
  the migration check still see every element the instance passed.

The live part of the tree, every waiting timer (with its due time) and every predicted task are
written exactly as SpiffWorkflow writes them.
"""

from __future__ import annotations

import base64
import json
import zlib
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.serializer.default.workflow import (
    BpmnSubWorkflowConverter,
    TaskConverter,
    WorkflowConverter,
)
from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.specs.Join import Join
from SpiffWorkflow.util.deep_merge import DeepMerge
from SpiffWorkflow.util.task import TaskState

FINISHED = TaskState.COMPLETED | TaskState.CANCELLED
PLAN_ATTR = "_compaction"  # the plan of one save, on the workflow object being written (thread-safe)
PRUNED_ATTR = "pruned_elements"  # {bpmn_id: [state name, last_state_change]} restored from the store


class Plan:
    """What one save leaves out of one (sub-)workflow."""

    def __init__(self) -> None:
        self.removed: set[UUID] = set()
        self.no_data: set[UUID] = set()
        self.parent: dict[UUID, UUID | None] = {}  # kept task -> its kept ancestor
        self.children: dict[UUID, list[UUID]] = {}  # kept task -> its kept descendants in order


def _finished(task: Any) -> bool:
    return bool(task.state & FINISHED)


def _needed_by_children(task: Any) -> bool:
    """A child that has not finished (it inherits this task's data on update), or a cancelled join
    task (the join merges its parent's data when it fires, parallel gateways check its state)."""
    for child in task.children:
        if not _finished(child):
            return True
        if isinstance(child.task_spec, Join) and child.state == TaskState.CANCELLED:
            return True
    return False


def _post_order(root: Any) -> list[Any]:
    out: list[Any] = []
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        task, expanded = stack.pop()
        if expanded:
            out.append(task)
            continue
        stack.append((task, True))
        for child in reversed(task.children):
            stack.append((child, False))
    return out


def _note(pruned: dict[str, list[Any]], task: Any) -> None:
    bpmn_id = getattr(task.task_spec, "bpmn_id", None)
    if bpmn_id is None:
        return
    prev = pruned.get(bpmn_id)
    if prev is None or task.last_state_change >= prev[1]:
        pruned[bpmn_id] = [TaskState.get_name(task.state), task.last_state_change]


def plan_workflow(workflow: Any, pruned: dict[str, list[Any]]) -> Plan:
    """Decide, bottom-up in one pass, which tasks of ``workflow`` are written and how."""
    plan = Plan()
    spliced: dict[UUID, UUID] = {}  # spliced task -> the one kept descendant that replaces it
    kept_children: dict[UUID, list[UUID]] = {}
    for task in _post_order(workflow.task_tree):
        kids: list[UUID] = []
        for child in task.children:
            if child.id in plan.removed and child.id not in spliced:
                continue
            kids.append(spliced.get(child.id, child.id))
        kept_children[task.id] = kids
        if task.parent is None or not _finished(task) or _needed_by_children(task):
            continue
        plan.no_data.add(task.id)
        spec = task.task_spec
        if isinstance(spec, EndEvent):
            continue
        if not kids:
            if _finished(task.parent) and not (isinstance(spec, Join) and task.state == TaskState.CANCELLED):
                plan.removed.add(task.id)
                _note(pruned, task)
        elif len(kids) == 1 and task.state == TaskState.COMPLETED and \
                workflow.tasks[kids[0]].state == TaskState.COMPLETED:
            plan.removed.add(task.id)
            spliced[task.id] = kids[0]
            _note(pruned, task)
    for task_id, kids in kept_children.items():
        if task_id in plan.removed:
            continue
        plan.children[task_id] = kids
        for kid in kids:
            plan.parent[kid] = task_id
    plan.parent[workflow.task_tree.id] = None
    return plan


def dead_subprocesses(workflow: Any) -> set[UUID]:
    """Sub-workflows whose subprocess task has finished (its data went back to the task)."""
    dead: set[UUID] = set()
    for sp_id in workflow.subprocesses:
        task = workflow.get_task_from_id(sp_id)
        if task is None or (_finished(task) and isinstance(task.task_spec, SubWorkflowTask)):
            dead.add(sp_id)
    # a dead sub-workflow's own sub-workflows are dead too
    changed = True
    while changed:
        changed = False
        for sp_id in workflow.subprocesses:
            if sp_id in dead:
                continue
            if any(sp_id in workflow.subprocesses[d].tasks for d in dead):
                dead.add(sp_id)
                changed = True
    return dead


def tasks_to_dict(converter: WorkflowConverter, workflow: Any, pruned: dict[str, list[Any]]) -> dict[str, Any]:
    """The ``tasks`` mapping of a (sub-)workflow under its plan (attached for the task converter)."""
    plan = plan_workflow(workflow, pruned)
    setattr(workflow, PLAN_ATTR, plan)
    try:
        return {str(tid): converter.registry.convert(task) for tid, task in workflow.tasks.items()
                if tid not in plan.removed}
    finally:
        delattr(workflow, PLAN_ATTR)


class CompactTaskConverter(TaskConverter):
    """SpiffWorkflow's task converter, writing the structure and data the workflow's plan says."""

    def to_dict(self, task: Any) -> dict[str, Any]:
        plan: Plan | None = getattr(task.workflow, PLAN_ATTR, None)
        if plan is None:
            return super().to_dict(task)  # type: ignore[no-any-return]
        parent_id = plan.parent.get(task.id)
        parent = task.workflow.tasks[parent_id] if parent_id is not None else None
        if task.id in plan.no_data:
            data: Any = {}
            delta: dict[str, Any] = {}
        elif parent is None or parent.id in plan.no_data:
            data, delta = self.registry.convert(self.registry.clean(task.data)), {}
        else:
            data = {}
            delta = {"updates": DeepMerge.get_updated_keys(parent.data, task.data),
                     "deletions": DeepMerge.get_deleted_keys(parent.data, task.data)}
        return {
            "id": str(task.id),
            "parent": str(parent_id) if parent_id is not None else None,
            "children": [str(c) for c in plan.children.get(task.id, [])],
            "last_state_change": task.last_state_change,
            "state": task.state,
            "task_spec": task.task_spec.name,
            "triggered": task.triggered,
            "internal_data": self.registry.convert(task.internal_data),
            "data": data,
            "delta": delta,
        }


class CompactSubWorkflowConverter(BpmnSubWorkflowConverter):
    """A live sub-workflow, its tasks planned like the top workflow's."""

    def to_dict(self, workflow: Any) -> dict[str, Any]:
        pruned: dict[str, list[Any]] = getattr(workflow.top_workflow, "_pruned_now", {})
        dct = {
            "data": self.registry.convert(self.registry.clean(workflow.data)),
            "correlations": workflow.correlations,
            "last_task": None,
            "success": workflow.success,
            "completed": workflow.completed,
            "tasks": tasks_to_dict(self, workflow, pruned),
            "root": str(workflow.task_tree.id),
            "parent_task_id": str(workflow.parent_task_id),
            "spec": workflow.spec.name,
        }
        if workflow.last_task is not None and str(workflow.last_task.id) in dct["tasks"]:
            dct["last_task"] = str(workflow.last_task.id)
        return dct


def note_subprocess(pruned: dict[str, list[Any]], sub: Any) -> None:
    for task in sub.tasks.values():
        if _finished(task):
            _note(pruned, task)


# -- large values stored once -------------------------------------------------------------------
# A table of 150 served enterprises or a narrative is copied by SpiffWorkflow into every task that
# inherits it (live tasks, sub-workflows' start data, the workflow data). In the stored JSON each
# such value is written once, in a table of values, and referenced as {"$v": key} from where it was.
# The table is zlib-compressed (rows of a table repeat their keys: 40 KB of tables → 4.5 KB, 0.15 ms
# each way) and kept as base64 text in ``values_z``, so the column stays text on both databases.
REF = "$v"
MIN_INTERN_CHARS = 256  # values copied into several tasks are mostly a few hundred bytes to tens of KB


def _candidate(value: Any) -> bool:
    if isinstance(value, (list, dict)):
        return len(value) >= 4
    return isinstance(value, str) and len(value) >= MIN_INTERN_CHARS // 2


def _data_dicts(dct: dict[str, Any]) -> list[dict[str, Any]]:
    """Every variable mapping of a serialized workflow (workflow data, task data, task deltas)."""
    out: list[dict[str, Any]] = []
    stack = [dct]
    while stack:
        wf = stack.pop()
        if isinstance(wf.get("data"), dict):
            out.append(wf["data"])
        for task in (wf.get("tasks") or {}).values():
            if task.get("data"):
                out.append(task["data"])
            updates = (task.get("delta") or {}).get("updates")
            if updates:
                out.append(updates)
        stack.extend((wf.get("subprocesses") or {}).values())
    return out


def intern_values(dct: dict[str, Any], encode: Any) -> None:
    """Replace large values by references into ``dct["values_z"]`` (``encode``: value → JSON text)."""
    seen: dict[str, str] = {}
    for data in _data_dicts(dct):
        for key, value in data.items():
            if not _candidate(value):
                continue
            text = encode(value)
            if len(text) < MIN_INTERN_CHARS:
                continue
            ref = seen.get(text)
            if ref is None:
                ref = seen[text] = str(len(seen))
            data[key] = {REF: ref}
    if seen:
        table = json.dumps({ref: text for text, ref in seen.items()}, ensure_ascii=False, separators=(",", ":"))
        dct["values_z"] = base64.b64encode(zlib.compress(table.encode("utf-8"), 6)).decode("ascii")


def take_values(dct: dict[str, Any]) -> dict[str, str]:
    """The table of large values of a stored workflow (reference → JSON text), removed from ``dct``.
    The references stay in place through SpiffWorkflow's restore (cheap: tiny dicts) and are put back
    afterwards by ``resolve_values``."""
    packed = dct.pop("values_z", None)
    if not packed:
        return {}
    table: dict[str, str] = json.loads(zlib.decompress(base64.b64decode(packed)))
    return table


def resolve_values(workflow: Any, table: dict[str, str]) -> None:
    """Put each referenced value back into the restored workflow: parsed from its text once per place
    (tasks must not share mutable data; parsing is faster than a deep copy)."""
    if not table:
        return
    workflows = [workflow, *getattr(workflow, "subprocesses", {}).values()]
    for wf in workflows:
        for data in [wf.data, *(t.data for t in wf.tasks.values())]:
            for key, value in data.items():
                if isinstance(value, dict) and len(value) == 1 and REF in value:
                    data[key] = json.loads(table[value[REF]])
