"""Service tasks that call a named Python handler from ``handlers.registry``.

In the Camunda Modeler: Implementation = External, Topic = the handler's name. Optional
``camunda:inputOutput/camunda:inputParameter`` entries are evaluated as (sandboxed) expressions
and passed to the handler on top of the task data. The handler's returned mapping is merged into
the task data. SpiffWorkflow 3.2 masks handler exceptions; here a failure is raised as a
``WorkflowTaskException`` naming the handler and the real exception, and the task goes to ERROR.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.serializer.helpers.spec import TaskSpecConverter
from SpiffWorkflow.bpmn.specs.defaults import ServiceTask
from SpiffWorkflow.camunda.parser.task_spec import CAMUNDA_MODEL_NS, CamundaTaskParser

from handlers.registry import get_handler


class HandlerError(WorkflowTaskException):
    """A handler failed; ``handler`` and ``cause`` name it and the real exception."""

    def __init__(self, task: Any, handler: str, cause: BaseException) -> None:
        super().__init__(f"handler '{handler}' failed: {type(cause).__name__}: {cause}", task=task,
                         exception=cause)
        self.handler = handler
        self.cause = cause


class HandlerServiceTask(ServiceTask):
    def __init__(self, wf_spec: Any, bpmn_id: str, handler: str | None = None,
                 input_params: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(wf_spec, bpmn_id, **kwargs)
        self.handler = handler or ""
        self.input_params = dict(input_params or {})

    def _execute(self, task: Any) -> bool:
        engine = task.workflow.script_engine
        data: dict[str, Any] = dict(task.data)
        for name, expression in self.input_params.items():
            data[name] = engine.evaluate(task, expression)
        try:
            fn = get_handler(self.handler)
            ctx = engine.handler_context(task)
            result = fn(data, ctx)
        except Exception as exc:  # noqa: BLE001 - every handler failure becomes an incident
            raise HandlerError(task, self.handler, exc) from exc
        if result:
            task.data.update(dict(result))
        return True


class HandlerServiceTaskParser(CamundaTaskParser):
    def create_task(self) -> HandlerServiceTask:
        handler = self.node.get(f"{{{CAMUNDA_MODEL_NS}}}topic") or ""
        params: dict[str, str] = {}
        for node in self.xpath(".//camunda:inputOutput/camunda:inputParameter"):
            params[node.get("name")] = (node.text or "").strip()
        return HandlerServiceTask(self.spec, self.bpmn_id, handler=handler, input_params=params,
                                  **self.bpmn_attributes)


class HandlerServiceTaskConverter(TaskSpecConverter):
    def to_dict(self, spec: HandlerServiceTask) -> dict[str, Any]:
        dct = self.get_default_attributes(spec)
        dct["handler"] = spec.handler
        dct["input_params"] = spec.input_params
        return dct

    def from_dict(self, dct: dict[str, Any]) -> HandlerServiceTask:
        return self.task_spec_from_dict(dct)
