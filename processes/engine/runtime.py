"""Running workflows: build, load, run, save. Specs are parsed once per definition version.

The serialized instance never contains the spec (ARCHITECTURE §3, notes: the diagram is ~60 % of
the bytes): a custom converter drops ``spec``/``subprocess_specs`` on save and takes the cached,
shared spec objects on load.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter
from SpiffWorkflow.bpmn.serializer.helpers.encoder import create_encoder
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.util.subworkflow import BpmnSubWorkflow
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.camunda.serializer.config import CAMUNDA_CONFIG
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from handlers.registry import HandlerContext, Lookups
from processes.engine.compact import (
    PRUNED_ATTR,
    CompactSubWorkflowConverter,
    CompactTaskConverter,
    dead_subprocesses,
    intern_values,
    note_subprocess,
    resolve_values,
    take_values,
    tasks_to_dict,
)
from processes.engine.sandbox import SandboxedScriptEngine
from processes.engine.service_task import HandlerServiceTask, HandlerServiceTaskConverter
from processes.engine.spec import ParsedDefinition, parse_definition


class InstanceOnlyConverter(BpmnWorkflowConverter):
    """Serializes a workflow without its spec (restored onto the cached spec) and without what it no
    longer needs (``processes.engine.compact``: finished chains, branches, sub-workflows, data)."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:  # type: ignore[override]
        pruned: dict[str, list[Any]] = dict(getattr(workflow, PRUNED_ATTR, None) or {})
        dead = dead_subprocesses(workflow)
        for sp_id in dead:
            note_subprocess(pruned, workflow.subprocesses[sp_id])
        workflow._pruned_now = pruned  # type: ignore[attr-defined]  # read by the sub-workflow converter
        try:
            tasks = tasks_to_dict(self, workflow, pruned)
            last = workflow.last_task
            dct: dict[str, Any] = {
                "data": self.registry.convert(self.registry.clean(workflow.data)),
                "correlations": workflow.correlations,
                "last_task": str(last.id) if last is not None and str(last.id) in tasks else None,
                "success": workflow.success,
                "completed": workflow.completed,
                "tasks": tasks,
                "root": str(workflow.task_tree.id),
                "subprocesses": {str(k): self.registry.convert(v) for k, v in workflow.subprocesses.items()
                                 if k not in dead},
                "bpmn_events": self.registry.convert(workflow.bpmn_events),
            }
        finally:
            del workflow._pruned_now  # type: ignore[attr-defined]
        dct["pruned"] = pruned
        setattr(workflow, PRUNED_ATTR, pruned)
        return dct

    def from_dict(self, dct: dict[str, Any], spec: Any = None,  # type: ignore[override]
                  subprocess_specs: Any = None) -> BpmnWorkflow:
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        setattr(workflow, PRUNED_ATTR, dct.pop("pruned", None) or {})
        return workflow


def _make_serializer() -> BpmnWorkflowSerializer:
    config = dict(CAMUNDA_CONFIG)
    config[HandlerServiceTask] = HandlerServiceTaskConverter
    config[BpmnWorkflow] = InstanceOnlyConverter
    config[BpmnSubWorkflow] = CompactSubWorkflowConverter
    config[Task] = CompactTaskConverter
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))


SERIALIZER = _make_serializer()
SERIALIZER_VERSION = SERIALIZER.VERSION
_ENCODER = create_encoder(SERIALIZER.registry)


def _encode(value: Any) -> str:
    # UTF-8 as it is (Chinese text is 3 bytes a character instead of 6 as \uXXXX), no padding spaces
    return json.dumps(value, cls=_ENCODER, ensure_ascii=False, separators=(",", ":"))


class RuntimeScriptEngine(SandboxedScriptEngine):
    """The sandboxed engine plus what service tasks need: the clock and lookups."""

    def __init__(self, helpers: Mapping[str, Callable[..., Any]], timeout_s: float,
                 context_factory: Callable[[Any], HandlerContext]) -> None:
        super().__init__(helpers=helpers, timeout_s=timeout_s)
        self._context_factory = context_factory

    def handler_context(self, task: Any) -> HandlerContext:
        return self._context_factory(task)


@dataclass
class TaskInfo:
    """A READY user task as the task index sees it."""

    task_id: str
    element_id: str
    name: str
    lane: str | None
    extensions: dict[str, Any]
    form_key: str | None
    data: dict[str, Any]


@dataclass
class Snapshot:
    completed: bool
    error_tasks: list[Any]
    user_tasks: list[TaskInfo]
    timers: list[tuple[str, str, datetime]]  # task id, element id, due (UTC)
    active_elements: list[str]
    waiting_messages: list[str] = field(default_factory=list)


def _timer_due(task: Any) -> datetime | None:
    value = task.internal_data.get("event_value")
    if value is None:
        return None
    if isinstance(value, dict):  # cycle timers
        value = value.get("next")
        if value is None:
            return None
    try:
        due = TimerEventDefinition.get_datetime(str(value))
    except (ValueError, TypeError):
        try:
            due = datetime.fromisoformat(str(value))
        except ValueError:
            return None
    if due.tzinfo is None:
        due = due.replace(tzinfo=UTC)
    return datetime(due.year, due.month, due.day, due.hour, due.minute, due.second, due.microsecond,
                    tzinfo=due.tzinfo).astimezone(UTC)


def _gateway_events(task: Any, spec: Any, event_def: Any, bpmn_id: str,
                    timers: list[tuple[str, str, datetime]], messages: list[str]) -> None:
    outputs = list(getattr(spec, "outputs", []))
    defs = list(event_def.event_definitions)
    for i, sub in enumerate(defs):
        if isinstance(sub, TimerEventDefinition):
            due = _timer_due(task)  # SpiffWorkflow keeps one event_value on the gateway task
            if due is not None:
                element = getattr(outputs[i], "bpmn_id", None) if len(outputs) == len(defs) else None
                timers.append((str(task.id), element or bpmn_id, due))
        elif getattr(sub, "name", None):
            messages.append(sub.name)


class Engine:
    """Stateless façade over SpiffWorkflow, shared by all requests; caches parsed specs."""

    def __init__(self, helpers: Mapping[str, Callable[..., Any]], timeout_s: float = 1.0) -> None:
        self.helpers = dict(helpers)
        self.timeout_s = timeout_s
        self._specs: dict[int, ParsedDefinition] = {}
        self.definitions: dict[int, Any] = {}  # definition rows (immutable once deployed)
        self.user_ids: dict[str, int] = {}  # user name → id (names are never changed or reused)
        self._lock = threading.Lock()

    # -- specs -------------------------------------------------------------------------------
    def parsed(self, definition_id: int, sources: Mapping[str, str], key: str) -> ParsedDefinition:
        cached = self._specs.get(definition_id)
        if cached is None:
            cached = parse_definition(dict(sources), key)
            with self._lock:
                self._specs[definition_id] = cached
        return cached

    # -- workflows ---------------------------------------------------------------------------
    def script_engine(self, context_factory: Callable[[Any], HandlerContext],
                      helpers: Mapping[str, Callable[..., Any]] | None = None) -> RuntimeScriptEngine:
        """A script engine for one unit of work; ``helpers`` replace same-named shared ones (e.g.
        calendar functions bound to the unit of work's computation log)."""
        return RuntimeScriptEngine({**self.helpers, **helpers} if helpers else self.helpers, self.timeout_s,
                                   context_factory)

    def new(self, parsed: ParsedDefinition, script_engine: RuntimeScriptEngine) -> BpmnWorkflow:
        return BpmnWorkflow(parsed.spec, parsed.subprocess_specs, script_engine=script_engine)

    def load(self, parsed: ParsedDefinition, serialized: str, script_engine: RuntimeScriptEngine) -> BpmnWorkflow:
        dct = json.loads(serialized)
        SERIALIZER.migrate(dct)
        values = take_values(dct)
        wf = SERIALIZER.registry.restore(dct, spec=parsed.spec, subprocess_specs=parsed.subprocess_specs)
        resolve_values(wf, values)
        wf.script_engine = script_engine
        return wf

    def dump(self, wf: BpmnWorkflow) -> str:
        """``serialize_json`` of SpiffWorkflow's serializer (its registry, its encoder for typed
        values), with large values written once and compact UTF-8 JSON."""
        registry = SERIALIZER.registry
        registry._encoder_mode = True  # as serialize_json: the encoder converts typed values
        try:
            dct = SERIALIZER.to_dict(wf)
            dct[SERIALIZER.VERSION_KEY] = SERIALIZER.VERSION
            intern_values(dct, _encode)
            return _encode(dct)
        finally:
            registry._encoder_mode = False

    @staticmethod
    def run(wf: BpmnWorkflow) -> None:
        wf.refresh_timers()
        wf.do_engine_steps()

    @staticmethod
    def snapshot(wf: BpmnWorkflow) -> Snapshot:
        user_tasks: list[TaskInfo] = []
        timers: list[tuple[str, str, datetime]] = []
        errors: list[Any] = []
        active: list[str] = []
        messages: list[str] = []
        for task in wf.get_tasks(state=TaskState.READY | TaskState.WAITING | TaskState.ERROR |
                                 TaskState.STARTED):
            spec = task.task_spec
            bpmn_id = getattr(spec, "bpmn_id", None)
            if task.state == TaskState.ERROR:
                errors.append(task)
            if bpmn_id is None:
                continue
            if task.state == TaskState.READY and spec.manual:
                form = getattr(spec, "form", None)
                user_tasks.append(TaskInfo(
                    task_id=str(task.id), element_id=bpmn_id, name=spec.bpmn_name or bpmn_id,
                    lane=spec.lane, extensions=dict(getattr(spec, "extensions", {}) or {}),
                    form_key=getattr(form, "key", None), data=task.data))
            if task.state == TaskState.WAITING:
                event_def = getattr(spec, "event_definition", None)
                if isinstance(event_def, TimerEventDefinition) or isinstance(event_def, CycleTimerEventDefinition):
                    due = _timer_due(task)
                    if due is not None:
                        timers.append((str(task.id), bpmn_id, due))
                elif isinstance(event_def, MultipleEventDefinition):
                    # event-based gateway: the WAITING gateway holds its catch events' definitions
                    # (wf.waiting_events() misses these timers)
                    _gateway_events(task, spec, event_def, bpmn_id, timers, messages)
                elif event_def is not None and getattr(event_def, "name", None):
                    messages.append(event_def.name)
            if task.state in (TaskState.READY, TaskState.WAITING, TaskState.ERROR, TaskState.STARTED):
                if bpmn_id not in active:
                    active.append(bpmn_id)
        return Snapshot(completed=wf.is_completed(), error_tasks=errors, user_tasks=user_tasks,
                        timers=timers, active_elements=active, waiting_messages=messages)


def instance_variables(wf: BpmnWorkflow) -> dict[str, Any]:
    """An instance's variables: the workflow data, and while it runs, the data of its latest live or
    completed task (where a form's values are before they reach the workflow data)."""
    data = dict(wf.data)
    if wf.is_completed():
        return data
    # a stored finished task keeps no data unless a live one still needs it (processes.engine.compact)
    tasks = [t for t in wf.get_tasks(state=TaskState.READY | TaskState.WAITING | TaskState.COMPLETED)
             if t.data or t.state != TaskState.COMPLETED]
    latest = max(tasks, key=lambda t: t.last_state_change, default=None)
    if latest is not None:
        data.update(latest.data)
    return data


def lookups_from(fn: Callable[..., Any] | None) -> Lookups:
    class _L:
        def query(self, name: str, **params: Any) -> Any:
            if fn is None:
                raise LookupError(f"no lookup '{name}' is available here")
            return fn(name, **params)

    return _L()
