"""Tests for the RestrictedPython-based script engine (processes/engine/sandbox.py).

Real SpiffWorkflow workflows (Camunda flavour) are run where the engine integration matters:
script tasks, exclusive gateway conditions, timer expressions, multi-instance cardinality and DMN
cells. The escape catalogue is run both as a script task and as a gateway condition.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from xml.sax.saxutils import escape

import pytest
from SpiffWorkflow.bpmn.script_engine.python_environment import TaskDataEnvironment
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.camunda.parser import CamundaParser
from SpiffWorkflow.camunda.serializer import DEFAULT_CONFIG as CAMUNDA_CONFIG
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.util.task import TaskState

from processes.engine.sandbox import (
    MAX_RANGE,
    SandboxedEnvironment,
    SandboxedScriptEngine,
    SandboxTimeout,
    SandboxViolation,
    _compile,
    _guarded_getattr,
    compile_check,
)

# ---------------------------------------------------------------------------------------------
# BPMN / DMN builders
# ---------------------------------------------------------------------------------------------

_HEADER = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'id="defs" targetNamespace="http://bpmn.io/schema/bpmn">\n'
)


def _script_task(task_id: str, script: str, incoming: str, outgoing: str, inner: str = "") -> str:
    return (
        f'<bpmn:scriptTask id="{task_id}" name="{task_id}" scriptFormat="python">'
        f"<bpmn:incoming>{incoming}</bpmn:incoming><bpmn:outgoing>{outgoing}</bpmn:outgoing>{inner}"
        f"<bpmn:script>{escape(script)}</bpmn:script></bpmn:scriptTask>"
    )


def _linear_process(body: str, first_id: str) -> str:
    """start -> <body elements chained f1 ... > -> end; body must consume 'f0' and produce 'fz'."""
    return (
        _HEADER
        + '<bpmn:process id="proc" isExecutable="true">'
        + '<bpmn:startEvent id="start_evt"><bpmn:outgoing>f0</bpmn:outgoing></bpmn:startEvent>'
        + f'<bpmn:sequenceFlow id="f0" sourceRef="start_evt" targetRef="{first_id}"/>'
        + body
        + '<bpmn:endEvent id="end_evt"><bpmn:incoming>fz</bpmn:incoming></bpmn:endEvent>'
        + "</bpmn:process></bpmn:definitions>"
    )


def script_process(script: str) -> str:
    return _linear_process(
        _script_task("the_script", script, "f0", "fz")
        + '<bpmn:sequenceFlow id="fz" sourceRef="the_script" targetRef="end_evt"/>',
        "the_script",
    )


def gateway_process(condition: str) -> str:
    """Exclusive gateway: 'condition' routes to a script setting route='yes', default route='no'."""
    return (
        _HEADER
        + '<bpmn:process id="proc" isExecutable="true">'
        + '<bpmn:startEvent id="start_evt"><bpmn:outgoing>f0</bpmn:outgoing></bpmn:startEvent>'
        + '<bpmn:sequenceFlow id="f0" sourceRef="start_evt" targetRef="gw"/>'
        + '<bpmn:exclusiveGateway id="gw" default="f_no">'
        + "<bpmn:incoming>f0</bpmn:incoming><bpmn:outgoing>f_yes</bpmn:outgoing>"
        + "<bpmn:outgoing>f_no</bpmn:outgoing></bpmn:exclusiveGateway>"
        + '<bpmn:sequenceFlow id="f_yes" sourceRef="gw" targetRef="yes_task">'
        + f'<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{escape(condition)}'
        + "</bpmn:conditionExpression></bpmn:sequenceFlow>"
        + '<bpmn:sequenceFlow id="f_no" sourceRef="gw" targetRef="no_task"/>'
        + _script_task("yes_task", "route = 'yes'", "f_yes", "f_yes_end")
        + _script_task("no_task", "route = 'no'", "f_no", "f_no_end")
        + '<bpmn:sequenceFlow id="f_yes_end" sourceRef="yes_task" targetRef="end_yes"/>'
        + '<bpmn:sequenceFlow id="f_no_end" sourceRef="no_task" targetRef="end_no"/>'
        + '<bpmn:endEvent id="end_yes"><bpmn:incoming>f_yes_end</bpmn:incoming></bpmn:endEvent>'
        + '<bpmn:endEvent id="end_no"><bpmn:incoming>f_no_end</bpmn:incoming></bpmn:endEvent>'
        + "</bpmn:process></bpmn:definitions>"
    )


def timer_process(time_date_expression: str) -> str:
    return _linear_process(
        '<bpmn:intermediateCatchEvent id="wait"><bpmn:incoming>f0</bpmn:incoming>'
        "<bpmn:outgoing>f1</bpmn:outgoing><bpmn:timerEventDefinition>"
        f'<bpmn:timeDate xsi:type="bpmn:tFormalExpression">{escape(time_date_expression)}</bpmn:timeDate>'
        "</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>"
        '<bpmn:sequenceFlow id="f1" sourceRef="wait" targetRef="after"/>'
        + _script_task("after", "woke = True", "f1", "fz")
        + '<bpmn:sequenceFlow id="fz" sourceRef="after" targetRef="end_evt"/>',
        "wait",
    )


def multi_instance_process(cardinality: str) -> str:
    loop = (
        '<bpmn:multiInstanceLoopCharacteristics isSequential="true" camunda:collection="results" '
        f'camunda:elementVariable="r"><bpmn:loopCardinality>{escape(cardinality)}</bpmn:loopCardinality>'
        "</bpmn:multiInstanceLoopCharacteristics>"
    )
    return _linear_process(
        _script_task("mi", "r = len(items) * 10", "f0", "fz", inner=loop)
        + '<bpmn:sequenceFlow id="fz" sourceRef="mi" targetRef="end_evt"/>',
        "mi",
    )


def dmn_process() -> str:
    return _linear_process(
        '<bpmn:businessRuleTask id="decide" camunda:decisionRef="risk_decision">'
        "<bpmn:incoming>f0</bpmn:incoming><bpmn:outgoing>fz</bpmn:outgoing></bpmn:businessRuleTask>"
        '<bpmn:sequenceFlow id="fz" sourceRef="decide" targetRef="end_evt"/>',
        "decide",
    )


def dmn_table(high_cell: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="dmn_defs" '
        'name="DRD" namespace="http://camunda.org/schema/1.0/dmn">'
        '<decision id="risk_decision" name="Risk"><decisionTable id="tbl">'
        '<input id="in1" label="Amount"><inputExpression id="ie1" typeRef="integer">'
        "<text>amount</text></inputExpression></input>"
        '<output id="out1" label="Risk" name="risk" typeRef="string"/>'
        f'<rule id="r1"><inputEntry id="ie_r1"><text>{escape(high_cell)}</text></inputEntry>'
        '<outputEntry id="oe_r1"><text>"high"</text></outputEntry></rule>'
        '<rule id="r2"><inputEntry id="ie_r2"><text>&lt;= 1000</text></inputEntry>'
        '<outputEntry id="oe_r2"><text>"low"</text></outputEntry></rule>'
        "</decisionTable></decision></definitions>"
    )


def build_workflow(
    bpmn: str,
    engine: SandboxedScriptEngine | None = None,
    data: dict[str, Any] | None = None,
    dmn: str | None = None,
) -> BpmnWorkflow:
    parser = CamundaParser()
    parser.add_bpmn_str(bpmn.encode(), filename="test.bpmn")
    if dmn is not None:
        parser.add_dmn_str(dmn.encode(), filename="test.dmn")
    spec = parser.get_spec("proc")
    wf = BpmnWorkflow(
        spec, parser.get_subprocess_specs("proc"), script_engine=engine or SandboxedScriptEngine()
    )
    if data:
        start = wf.get_tasks(state=TaskState.READY)[0]
        start.set_data(**data)
    return wf


def run(bpmn: str, engine: SandboxedScriptEngine | None = None, **data: Any) -> BpmnWorkflow:
    wf = build_workflow(bpmn, engine, data)
    wf.do_engine_steps()
    return wf


# ---------------------------------------------------------------------------------------------
# Escape catalogue
# ---------------------------------------------------------------------------------------------

# (id, script-task source, gateway-condition source)
ESCAPES: list[tuple[str, str, str]] = [
    ("dunder_import", "result = __import__('os').popen('id').read()", "__import__('os').popen('id')"),
    ("import_stmt", "import os\nresult = os.getcwd()", "import os"),
    ("from_import", "from os import path\nresult = path.sep", "from os import path"),
    ("open_file", "result = open('/etc/passwd').read()", "open('/etc/passwd').read()"),
    (
        "subclasses_walk",
        "result = ().__class__.__base__.__subclasses__()",
        "().__class__.__base__.__subclasses__()",
    ),
    (
        "subclasses_comprehension",
        "result = [c for c in ().__class__.__bases__[0].__subclasses__()]",
        "[c for c in ().__class__.__bases__[0].__subclasses__()]",
    ),
    ("getattr_builtin", "result = getattr(1, '__class__')", "getattr(1, '__class__')"),
    ("type_builtin", "result = type(1)", "type(1)"),
    ("eval_builtin", "result = eval('1')", "eval('1')"),
    ("exec_builtin", "exec('x=1')", "exec('x=1')"),
    ("globals_builtin", "result = globals()", "globals()"),
    ("vars_builtin", "result = vars()", "vars()"),
    ("compile_builtin", "result = compile('1', 'x', 'eval')", "compile('1', 'x', 'eval')"),
    ("lambda_globals", "result = (lambda: 1).__globals__", "(lambda: 1).__globals__"),
    ("func_code", "def f():\n    return 1\nresult = f.__code__", "f.__code__"),
    ("obj_dict", "x = {}\nresult = x.__dict__", "x.__dict__"),
    ("format_self", 'result = "".format.__self__', '"".format.__self__'),
    ("format_attr", "result = '{0.__class__}'.format(1)", "'{0.__class__}'.format(1)"),
    ("format_map", "result = '{x.__class__}'.format_map({'x': 1})", "'{x.__class__}'.format_map({'x': 1})"),
    (
        "gen_frame_globals",
        "result = (x for x in []).gi_frame.f_globals",
        "(x for x in []).gi_frame.f_globals",
    ),
    ("gen_frame_back", "result = (x for x in []).gi_frame.f_back", "(x for x in []).gi_frame.f_back"),
    ("gen_code", "result = (x for x in []).gi_code", "(x for x in []).gi_code"),
    ("frame_builtins", "g = (x for x in [])\nresult = g.gi_frame.f_builtins", "g.gi_frame.f_builtins"),
    (
        "traceback_frame",
        "try:\n    1 / 0\nexcept Exception as e:\n    result = e.__traceback__.tb_frame",
        "[e for e in [ZeroDivisionError()]][0].__traceback__",
    ),
    ("class_def", "class A:\n    pass\nresult = A", "__build_class__(lambda: None, 'A')"),
    ("builtins_name", "result = __builtins__", "__builtins__"),
    ("mro_walk", "result = int.mro()[-1]", "int.mro()[-1]"),
    ("with_statement", "with open('/etc/passwd') as fh:\n    result = fh.read()", "open"),
    ("setattr_builtin", "result = setattr(dict, 'x', 1)", "setattr(dict, 'x', 1)"),
]

# How a blocked attempt may fail: policy violation (compile or run time), syntax error (statements
# in an expression), NameError (the builtin simply does not exist in the sandbox).
BLOCKED_ERROR_TYPES = {"SandboxViolation", "SyntaxError", "NameError"}


@pytest.mark.parametrize("script", [pytest.param(script, id=escape_id) for escape_id, script, _ in ESCAPES])
def test_escape_blocked_in_script_task(script: str) -> None:
    wf = build_workflow(script_process(script))
    with pytest.raises(WorkflowException) as excinfo:
        wf.do_engine_steps()
    err = excinfo.value
    assert getattr(err, "error_type", None) in BLOCKED_ERROR_TYPES, (err, getattr(err, "error_type", None))
    task = wf.get_next_task(spec_name="the_script")
    assert task is not None and task.state == TaskState.ERROR
    assert "result" not in task.data


@pytest.mark.parametrize(
    "condition", [pytest.param(condition, id=escape_id) for escape_id, _, condition in ESCAPES]
)
def test_escape_blocked_in_gateway_condition(condition: str) -> None:
    wf = build_workflow(gateway_process(condition))
    with pytest.raises(WorkflowException) as excinfo:
        wf.do_engine_steps()
    err = excinfo.value
    assert "Error evaluating expression" in str(err)
    assert getattr(err, "error_type", None) in BLOCKED_ERROR_TYPES, (err, getattr(err, "error_type", None))
    assert "route" not in wf.data


@pytest.mark.parametrize(
    "expression", [pytest.param(condition, id=escape_id) for escape_id, _, condition in ESCAPES]
)
def test_escape_blocked_in_direct_evaluate(expression: str) -> None:
    env = SandboxedEnvironment()
    with pytest.raises((SandboxViolation, SyntaxError, NameError)):
        env.evaluate(expression, {"x": {}, "f": len, "g": (i for i in [])})


@pytest.mark.parametrize(
    "attribute",
    [
        "gi_frame",
        "gi_code",
        "gi_yieldfrom",
        "cr_frame",
        "cr_code",
        "ag_frame",
        "tb_frame",
        "tb_next",
        "f_back",
        "f_globals",
        "f_locals",
        "f_builtins",
        "f_code",
        "co_code",
        "mro",
        "__class__",
        "__globals__",
    ],
)
def test_getattr_guard_denies_introspection_attributes_at_run_time(attribute: str) -> None:
    # The compiler already rejects these names when written literally; the run-time guard is the
    # second line of defence (e.g. if a future helper hands out dynamic attribute access).
    gen = (x for x in [])
    with pytest.raises(SandboxViolation):
        _guarded_getattr(gen, attribute)


def test_str_format_blocked_but_fstring_and_percent_work() -> None:
    env = SandboxedEnvironment()
    with pytest.raises(SandboxViolation, match="format"):
        env.evaluate("'{0}'.format(1)", {})
    with pytest.raises(SandboxViolation, match="format"):
        env.evaluate("str.format('{0}', 1)", {})
    assert env.evaluate("f'{n:>4}|{name!r}'", {"n": 7, "name": "a"}) == "   7|'a'"
    assert env.evaluate("'%s-%d' % (name, n)", {"n": 7, "name": "a"}) == "a-7"


def test_escape_does_not_run_side_effect(tmp_path: Any) -> None:
    marker = tmp_path / "pwned"
    script = f"__import__('os').system('touch {marker}')"
    wf = build_workflow(script_process(script))
    with pytest.raises(WorkflowException):
        wf.do_engine_steps()
    assert not marker.exists()


# ---------------------------------------------------------------------------------------------
# Normal behaviour
# ---------------------------------------------------------------------------------------------


def add_working_days(start: str, days: int) -> str:
    """Toy calendar helper: skips Saturdays and Sundays."""
    current = datetime.fromisoformat(start)
    while days > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current.isoformat()


HELPERS: dict[str, Callable[..., Any]] = {"add_working_days": add_working_days}


def test_script_task_normal_behaviour_and_data_cleanup() -> None:
    script = "\n".join(
        [
            "total = price * qty + 1 - 2 / 4",
            "ok = 1 < total <= 1000 and total != 3",
            "data['seen'] = True",
            "items.append(4)",
            "items += [5]",
            "squares = [i * i for i in range(5) if i % 2 == 0]",
            "lookup = {k: v for k, v in zip(['a', 'b'], [1, 2])}",
            "label = f'{applicant.upper()} has {len(items)} items'",
            "due = add_working_days('2024-05-03', 1)",
            "a, (b, c) = 1, (2, 3)",
            "n = 0",
            "for i, v in enumerate(items):",
            "    n += v",
            "def helper(x):",
            "    return x * 2",
            "doubled = helper(n)",
            "biggest = max(sorted(items, reverse=True))",
            "flags = list(map(bool, filter(None, [0, 1, 2])))",
            "when = (datetime(2024, 1, 1, tzinfo=timezone.utc) + timedelta(days=2)).isoformat()",
            "print('printing is harmless')",
            "try:",
            "    boom = 1 / 0",
            "except ZeroDivisionError:",
            "    boom = None",
        ]
    )
    wf = run(
        script_process(script),
        SandboxedScriptEngine(HELPERS),
        price=10,
        qty=3,
        data={},
        items=[1, 2, 3],
        applicant="acme",
    )
    assert wf.is_completed()
    d = wf.data
    assert d["total"] == 30.5 and d["ok"] is True
    assert d["data"] == {"seen": True}
    assert d["items"] == [1, 2, 3, 4, 5]
    assert d["squares"] == [0, 4, 16]
    assert d["lookup"] == {"a": 1, "b": 2}
    assert d["label"] == "ACME has 5 items"
    assert d["due"] == "2024-05-06T00:00:00"  # Friday + 1 working day = Monday
    assert (d["a"], d["b"], d["c"]) == (1, 2, 3)
    assert d["n"] == 15 and d["doubled"] == 30
    assert d["biggest"] == 5 and d["flags"] == [True, True]
    assert d["when"] == "2024-01-03T00:00:00+00:00"
    assert d["boom"] is None
    # Helpers, builtins, guards, the print collector and script-defined functions are not task data.
    for name in ("add_working_days", "__builtins__", "_getattr_", "_write_", "_print", "helper", "_getiter_"):
        assert name not in d
    assert not any(callable(v) for v in d.values())
    # ... so the workflow still serializes.
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(CAMUNDA_CONFIG))
    assert serializer.deserialize_json(serializer.serialize_json(wf)).data["total"] == 30.5


@pytest.mark.parametrize(
    ("condition", "data", "route"),
    [
        ("decision == 'approve'", {"decision": "approve"}, "yes"),
        ("decision == 'approve'", {"decision": "reject"}, "no"),
        ("len(x) >= 10", {"x": list(range(10))}, "yes"),
        ("len(x) >= 10", {"x": [1]}, "no"),
        ("score * 2 > limit and not blocked", {"score": 6, "limit": 10, "blocked": False}, "yes"),
        ("any(d['ok'] for d in docs)", {"docs": [{"ok": False}, {"ok": True}]}, "yes"),
        ("add_working_days(start, 1) > start", {"start": "2024-05-03"}, "yes"),
    ],
)
def test_gateway_conditions(condition: str, data: dict[str, Any], route: str) -> None:
    wf = run(gateway_process(condition), SandboxedScriptEngine(HELPERS), **data)
    assert wf.is_completed()
    assert wf.data["route"] == route


def test_multi_instance_cardinality_expression() -> None:
    wf = run(multi_instance_process("len(items)"), items=["a", "b", "c"])
    assert wf.is_completed()
    children = [t for t in wf.get_tasks(state=TaskState.COMPLETED) if t.task_spec.name == "mi [child]"]
    assert len(children) == 3  # cardinality "len(items)" was evaluated in the sandbox
    assert wf.data["r"] == 30


def test_multi_instance_expression_is_sandboxed() -> None:
    wf = build_workflow(multi_instance_process("len(items.__class__.__subclasses__())"), data={"items": [1]})
    with pytest.raises(WorkflowException) as excinfo:
        wf.do_engine_steps()
    assert getattr(excinfo.value, "error_type", None) == "SandboxViolation"


def test_timer_expression_uses_helper() -> None:
    past = (datetime.now(UTC) - timedelta(days=10)).date().isoformat()
    expression = "add_working_days(start, 1) + '+00:00'"
    wf = run(timer_process(expression), SandboxedScriptEngine(HELPERS), start=past + "T00:00:00")
    wf.refresh_timers()
    wf.do_engine_steps()
    assert wf.is_completed()
    assert wf.data["woke"] is True


def test_timer_expression_is_sandboxed() -> None:
    wf = build_workflow(timer_process("open('/etc/passwd').read()"))
    with pytest.raises(WorkflowException):
        wf.do_engine_steps()
        wf.refresh_timers()
        wf.do_engine_steps()


def test_dmn_cells_run_in_sandbox() -> None:
    engine = SandboxedScriptEngine()
    for amount, risk in ((5000, "high"), (10, "low")):
        wf = build_workflow(dmn_process(), engine, {"amount": amount}, dmn=dmn_table("> 1000"))
        wf.do_engine_steps()
        assert wf.is_completed()
        assert wf.data["risk"] == risk


def test_dmn_cell_escape_blocked() -> None:
    wf = build_workflow(
        dmn_process(), data={"amount": 5}, dmn=dmn_table("().__class__.__base__.__subclasses__() != 1")
    )
    with pytest.raises(WorkflowException) as excinfo:
        wf.do_engine_steps()
    assert getattr(excinfo.value, "error_type", None) == "SandboxViolation"


def test_external_context_is_visible_and_not_stored() -> None:
    env = SandboxedEnvironment()
    assert env.evaluate("dmninputexpr > 3", {}, {"dmninputexpr": 5}) is True
    ctx: dict[str, Any] = {"a": 1}
    env.execute("b = a + obj['v']", ctx, {"obj": {"v": 2}})
    assert ctx == {"a": 1, "b": 3}


def test_task_data_overwriting_helper_is_reported() -> None:
    wf = build_workflow(script_process("x = 1"), SandboxedScriptEngine(HELPERS), {"add_working_days": 3})
    with pytest.raises(WorkflowException, match="overwrites a predefined function"):
        wf.do_engine_steps()


def test_task_data_named_like_date_builtin_shadows_it() -> None:
    env = SandboxedEnvironment()
    ctx: dict[str, Any] = {"date": "2024-01-01"}
    env.execute("copy = date", ctx)
    assert ctx["copy"] == "2024-01-01"


def test_writes_only_into_dicts_and_lists() -> None:
    env = SandboxedEnvironment()
    with pytest.raises(TypeError):
        env.execute("d = datetime(2024, 1, 1)\nd.year = 3", {})
    ctx: dict[str, Any] = {"d": {"k": [1]}}
    env.execute("d['k'][0] = 2\nd['n'] = {}\nd['n']['m'] = 1\ndel d['k']", ctx)
    assert ctx["d"] == {"n": {"m": 1}}


def test_invalid_helpers_rejected() -> None:
    with pytest.raises(ValueError):
        SandboxedEnvironment({"_hidden": len})
    with pytest.raises(ValueError):
        SandboxedEnvironment({"x": 1})  # type: ignore[dict-item]


# ---------------------------------------------------------------------------------------------
# Errors and line numbers
# ---------------------------------------------------------------------------------------------


def test_runtime_error_has_line_number() -> None:
    wf = build_workflow(script_process("a = 1\nb = 2\nc = missing_var + 1"), data={"missing_vaz": 1})
    with pytest.raises(WorkflowException) as excinfo:
        wf.do_engine_steps()
    err: Any = excinfo.value
    assert err.line_number == 3
    assert err.error_line == "c = missing_var + 1"
    assert err.error_type == "NameError"
    assert "Did you mean" in str(err)


def test_policy_violation_has_line_number() -> None:
    wf = build_workflow(script_process("a = 1\nb = a.__class__"))
    with pytest.raises(WorkflowException) as excinfo:
        wf.do_engine_steps()
    err: Any = excinfo.value
    assert err.error_type == "SandboxViolation"
    assert err.line_number == 2
    assert err.error_line == "b = a.__class__"
    assert "starts with" in str(err)


def test_runtime_violation_has_line_number() -> None:
    wf = build_workflow(script_process("a = 1\nb = '{0}'.format(a)"))
    with pytest.raises(WorkflowException) as excinfo:
        wf.do_engine_steps()
    err: Any = excinfo.value
    assert err.error_type == "SandboxViolation"
    assert err.line_number == 2


def test_syntax_error_in_script_has_line_number() -> None:
    wf = build_workflow(script_process("a = 1\nb = = 2"))
    with pytest.raises(WorkflowException) as excinfo:
        wf.do_engine_steps()
    err: Any = excinfo.value
    assert err.error_type == "SyntaxError"
    assert err.line_number == 2


def test_failed_task_can_be_retried() -> None:
    wf = build_workflow(script_process("result = 10 / divisor"), data={"divisor": 0})
    with pytest.raises(WorkflowException):
        wf.do_engine_steps()
    task = wf.get_next_task(spec_name="the_script")
    assert task is not None and task.state == TaskState.ERROR
    wf.reset_from_task_id(task.id)
    task = wf.get_next_task(spec_name="the_script")
    assert task is not None
    task.data["divisor"] = 2  # set after the reset (the reset overwrites data passed to it)
    wf.do_engine_steps()
    assert wf.is_completed() and wf.data["result"] == 5


# ---------------------------------------------------------------------------------------------
# compile_check
# ---------------------------------------------------------------------------------------------


def test_compile_check_ok() -> None:
    assert compile_check("decision == 'approve'", "eval") == []
    assert compile_check("x = [i for i in range(3)]\ny = f'{x}'", "exec") == []
    assert compile_check("add_working_days(start, 5)", "eval") == []


def test_compile_check_syntax_error_line_and_column() -> None:
    issues = compile_check("a = 1\nx = = 1", "exec")
    assert len(issues) == 1
    assert issues[0]["line"] == 2
    assert issues[0]["column"] == 5
    assert "SyntaxError" in issues[0]["message"]


def test_compile_check_bare_camunda_expression_is_reported() -> None:
    issues = compile_check("${approved}", "eval")
    assert issues and issues[0]["line"] == 1


@pytest.mark.parametrize(
    ("source", "mode", "fragment"),
    [
        ("__import__('os')", "eval", "__import__"),
        ("import os", "exec", "Imports are not allowed"),
        ("from os import path", "exec", "Imports are not allowed"),
        ("x = ().__class__", "exec", "__class__"),
        ("(x for x in []).gi_frame", "eval", "gi_frame"),
        ("class A:\n    pass", "exec", "Class definitions"),
        ("try:\n    x = 1\nexcept:\n    pass", "exec", "bare 'except:'"),
        ("try:\n    x = 1\nfinally:\n    x = 2", "exec", "finally"),
        ("with x as y:\n    pass", "exec", "'with'"),
    ],
)
def test_compile_check_policy_violations(source: str, mode: Any, fragment: str) -> None:
    issues = compile_check(source, mode)
    assert issues, source
    assert any(fragment in issue["message"] for issue in issues), issues
    assert all(issue["line"] is not None for issue in issues)


def test_compile_check_violation_has_position() -> None:
    issues = compile_check("a = 1\nb = 2 + __import__('os')", "exec")
    assert issues == [
        {
            "line": 2,
            "column": 9,
            "message": '"__import__" is an invalid variable name because it starts with "_"',
        }
    ]


def test_compile_results_are_cached() -> None:
    env = SandboxedEnvironment()
    source = "cache_probe_value + 1 == 2"
    before = _compile.cache_info()
    for _ in range(5):
        assert env.evaluate(source, {"cache_probe_value": 1}) is True
    after = _compile.cache_info()
    assert after.misses - before.misses == 1
    assert after.hits - before.hits >= 4


# ---------------------------------------------------------------------------------------------
# Resource limits
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def restore_trace() -> Iterator[None]:
    previous = sys.gettrace()
    yield
    sys.settrace(previous)


@pytest.mark.parametrize(
    "script",
    [
        pytest.param("while True: pass", id="one_line_while_pass"),
        pytest.param("while True:\n    pass", id="while_pass"),
        pytest.param("x = 0\nwhile True:\n    x += 1", id="while_counter"),
        pytest.param("while 1: continue", id="while_continue"),
        pytest.param("x = [1 for a in range(10**6) for b in range(10**6)]", id="nested_comprehension"),
        pytest.param(
            "x = 0\nwhile True:\n    try:\n        while True: x += 1\n    except Exception:\n        pass",
            id="catch_and_continue",
        ),
        pytest.param("def f(n):\n    return f(n + 1) + f(n + 1) if n < 60 else 0\nf(0)", id="recursion"),
        pytest.param("def g():\n    while True:\n        yield 1\nfor v in g():\n    pass", id="generator"),
    ],
)
def test_time_limit_stops_runaway_scripts(script: str, restore_trace: None) -> None:
    env = SandboxedEnvironment(timeout_s=0.3)
    before = sys.gettrace()
    started = time.monotonic()
    with pytest.raises(SandboxTimeout, match="time limit of 0.3 s exceeded"):
        env.execute(script, {})
    elapsed = time.monotonic() - started
    assert elapsed < 0.3 + 0.5
    assert sys.gettrace() is before


def test_time_limit_in_expression(restore_trace: None) -> None:
    env = SandboxedEnvironment(timeout_s=0.2)
    started = time.monotonic()
    with pytest.raises(SandboxTimeout):
        env.evaluate("[1 for a in range(10**6) for b in range(10**6)]", {})
    assert time.monotonic() - started < 0.7


def test_time_limit_default_is_one_second_and_script_task_reports_it(restore_trace: None) -> None:
    assert SandboxedEnvironment().timeout_s == 1.0
    wf = build_workflow(
        script_process("a = 1\nwhile True:\n    a = a + 1"), SandboxedScriptEngine(timeout_s=0.2)
    )
    started = time.monotonic()
    with pytest.raises(WorkflowException) as excinfo:
        wf.do_engine_steps()
    assert time.monotonic() - started < 0.7
    err: Any = excinfo.value
    assert err.error_type == "SandboxTimeout"
    assert err.line_number in (2, 3)
    assert "time limit" in str(err)


def test_previous_tracer_is_restored(restore_trace: None) -> None:
    calls: list[str] = []

    def outer_tracer(frame: Any, event: str, arg: Any) -> None:
        calls.append(event)
        return None

    env = SandboxedEnvironment(timeout_s=0.2)
    sys.settrace(outer_tracer)
    try:
        assert env.evaluate("1 + 1", {}) == 2
        assert sys.gettrace() is outer_tracer
        with pytest.raises(SandboxTimeout):
            env.execute("while True: pass", {})
        assert sys.gettrace() is outer_tracer
    finally:
        sys.settrace(None)


def test_no_tracer_left_after_normal_run_or_error() -> None:
    env = SandboxedEnvironment()
    before = sys.gettrace()
    env.evaluate("1 + 1", {})
    with pytest.raises(ZeroDivisionError):
        env.execute("x = 1 / 0", {})
    assert sys.gettrace() is before


def test_time_limit_works_in_worker_thread() -> None:
    env = SandboxedEnvironment(timeout_s=0.2)
    outcome: dict[str, Any] = {}

    def worker() -> None:
        before = sys.gettrace()
        try:
            env.execute("while True: pass", {})
        except SandboxTimeout as err:
            outcome["error"] = err
        outcome["trace_restored"] = sys.gettrace() is before
        outcome["normal"] = env.evaluate("2 * 21", {})

    main_before = sys.gettrace()
    thread = threading.Thread(target=worker)
    started = time.monotonic()
    thread.start()
    thread.join(timeout=5)
    assert not thread.is_alive()
    assert time.monotonic() - started < 0.7
    assert isinstance(outcome.get("error"), SandboxTimeout)
    assert outcome["trace_restored"] is True
    assert outcome["normal"] == 42
    assert sys.gettrace() is main_before  # the worker's tracer never touched this thread


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("sum(range(10**10))", "range"),
        (f"len(range({MAX_RANGE + 1}))", "range"),
        ("10 ** 10 ** 10", "too large"),
        ("pow(10, 10 ** 10)", "too large"),
        ("1 << 10 ** 10", "too large"),
        ("'a' * 10 ** 10", "too long"),
        ("[0] * 10 ** 10", "too long"),
    ],
)
def test_c_level_bombs_fail_fast(expression: str, message: str) -> None:
    env = SandboxedEnvironment()
    started = time.monotonic()
    with pytest.raises(SandboxViolation, match=message):
        env.evaluate(expression, {})
    assert time.monotonic() - started < 0.5


def test_reasonable_arithmetic_still_works() -> None:
    env = SandboxedEnvironment()
    assert env.evaluate("2 ** 100", {}) == 2**100
    assert env.evaluate("pow(3, 4, 5)", {}) == 81 % 5
    assert env.evaluate("sum(range(1000))", {}) == 499500
    assert env.evaluate("'ab' * 3 + 'c'", {}) == "abababc"
    assert env.evaluate("[1, 2] + [3]", {}) == [1, 2, 3]
    assert env.evaluate("1.5 * 2", {}) == 3.0


# ---------------------------------------------------------------------------------------------
# Overhead (printed, not asserted)
# ---------------------------------------------------------------------------------------------


def test_timing_of_simple_condition(capsys: pytest.CaptureFixture[str]) -> None:
    n = 10_000
    context = {"decision": "approve", "amount": 1200}
    expression = "decision == 'approve' and amount > 1000"
    sandboxed = SandboxedEnvironment()
    plain = TaskDataEnvironment()

    def measure(env: Any) -> float:
        env.evaluate(expression, context)
        started = time.perf_counter()
        for _ in range(n):
            env.evaluate(expression, context)
        return (time.perf_counter() - started) / n * 1e6

    sandbox_us = measure(sandboxed)
    plain_us = measure(plain)
    with capsys.disabled():
        print(
            f"\n[sandbox timing] {n} evaluations of {expression!r}: "
            f"sandboxed {sandbox_us:.2f} us/eval, plain TaskDataEnvironment {plain_us:.2f} us/eval"
        )


@pytest.mark.parametrize(
    "script",
    [
        pytest.param(
            "while True:\n    try:\n        try:\n            while True: pass\n"
            "        except BaseException:\n            pass\n    except Exception:\n        pass",
            id="undefined_name_in_except",
        ),
        pytest.param(
            "while True:\n    try:\n        try:\n            while True: pass\n"
            "        except (1 / 0):\n            pass\n    except Exception:\n        pass",
            id="raising_expression_in_except",
        ),
    ],
)
def test_except_clause_cannot_turn_timeout_into_catchable_error(script: str) -> None:
    # Only built-in exception names are accepted in 'except', so this is refused before it runs.
    assert compile_check(script, "exec")
    env = SandboxedEnvironment(timeout_s=0.2)
    with pytest.raises(SandboxViolation, match="except"):
        env.execute(script, {})


def test_except_clause_ignores_rebound_exception_names(restore_trace: None) -> None:
    env = SandboxedEnvironment(timeout_s=0.3)
    ctx: dict[str, Any] = {}
    env.execute("ValueError = 5\ntry:\n    int('x')\nexcept (ValueError, KeyError):\n    caught = True", ctx)
    assert ctx["caught"] is True
    script = (
        "ZeroDivisionError = 5\nwhile True:\n    try:\n        try:\n            while True: pass\n"
        "        except ZeroDivisionError:\n            pass\n    except Exception:\n        pass"
    )
    started = time.monotonic()
    with pytest.raises(SandboxTimeout):
        env.execute(script, {})
    assert time.monotonic() - started < 0.8
