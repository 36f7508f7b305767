"""Sandboxed script engine for SpiffWorkflow.

Every piece of user-supplied Python that SpiffWorkflow runs (script tasks, gateway conditions, timer
expressions, DMN cells, multi-instance cardinality/collection/completion expressions) goes through
``PythonScriptEngine.evaluate``/``execute`` and from there into the engine's *environment*. The
stock ``TaskDataEnvironment`` uses plain ``eval``/``exec``; :class:`SandboxedEnvironment` compiles
the source with RestrictedPython instead and runs it with a restricted set of builtins and guards.

Policy (enforced at compile time by :class:`_SandboxPolicy`, a RestrictedPython policy subclass):

* no imports, no names or attributes starting with ``_``, no frame/code introspection attributes;
* no ``class`` statements, no ``with`` statements, no ``try ... finally``, no bare ``except:``, and
  ``except`` clauses may only name built-in exception classes (rewritten to a lookup the script
  cannot rebind); otherwise a script could survive or outlive the time-limit interruption;
* a cheap statement is prepended to every loop body, because CPython 3.11 emits no trace event
  for ``while True: pass`` (a jump to itself);
* operations that run in C, and so cannot be interrupted by the time limit, are compiled into
  calls of the resource guards in :mod:`processes.engine.sandbox_guards`: every call
  (``f(x)`` → ``_sandbox_call_(f, x)``), the operators ``+ - * % ** << | & ^``, comparisons,
  f-string fields, ``*x`` in displays, dict/set keys and item assignment.

At run time:

* attribute access goes through :func:`_guarded_getattr` (RestrictedPython's ``safer_getattr``
  plus a denylist of introspection attributes, and no ``str.format``);
* writes are only allowed into ``dict`` and ``list`` objects (``data['x'] = 1``, ``lst.append(1)``);
* every builtin, method and operator that could run long or allocate much is checked against the
  limits in :mod:`processes.engine.sandbox_guards` *before* it runs (``range()`` at most
  :data:`MAX_RANGE` elements, strings at most :data:`MAX_STR_LENGTH`, three-argument ``pow``,
  format widths, sorting, ...), and what it creates is charged to a per-evaluation memory budget;
* execution time is bounded: a trace function, installed with ``sys.settrace`` only for the
  duration of the call and only on the current thread, stops sandboxed code after ``timeout_s``;
* after a script, the task data must stay small enough to copy and serialise quickly
  (:data:`MAX_RESULT_ITEMS`, :data:`MAX_RESULT_CHARS`); a script that breaks it fails here, and
  the values it added are taken back out of the task data.

A broken limit raises :class:`SandboxLimitExceeded` (a :class:`SandboxViolation`) whose message
names the limit; the engine turns it into an incident on the element. The guards bound single
operations and the memory one evaluation creates; a worker process limit (``MemoryMax`` in the
systemd unit) remains the last line of defence.
"""

from __future__ import annotations

import ast
import functools
import re
import sys
import time
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta, timezone
from types import CodeType, FrameType, TracebackType
from typing import Any, Literal

from RestrictedPython import compile_restricted_eval, compile_restricted_exec, safe_builtins
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safer_getattr_raise,
)
from RestrictedPython.PrintCollector import PrintCollector
from RestrictedPython.transformer import INSPECT_ATTRIBUTES, RestrictingNodeTransformer, copy_locations
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine.python_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment
from SpiffWorkflow.exceptions import SpiffWorkflowException

from processes.engine import sandbox_guards as guards
from processes.engine.sandbox_guards import (
    MAX_INT_BITS,
    MAX_RANGE,
    MAX_RESULT_CHARS,
    MAX_RESULT_ITEMS,
    MAX_SEQUENCE_LENGTH,
    MAX_STR_LENGTH,
    SANDBOX_FILENAME,
    SandboxLimitExceeded,
    SandboxViolation,
)

__all__ = [
    "MAX_INT_BITS",
    "MAX_RANGE",
    "MAX_RESULT_CHARS",
    "MAX_RESULT_ITEMS",
    "MAX_SEQUENCE_LENGTH",
    "MAX_STR_LENGTH",
    "SandboxLimitExceeded",
    "SandboxTimeout",
    "SandboxViolation",
    "SandboxedEnvironment",
    "SandboxedScriptEngine",
    "compile_check",
]

Mode = Literal["eval", "exec"]

_FILENAME = SANDBOX_FILENAME

# Attributes that give access to frames, code objects, globals or the class hierarchy. Names
# starting with "_" are refused anyway; these are the ones that do not.
_DENIED_ATTRIBUTES: frozenset[str] = frozenset(INSPECT_ATTRIBUTES) | {
    "gi_frame",
    "gi_code",
    "gi_yieldfrom",
    "cr_frame",
    "cr_code",
    "cr_await",
    "cr_origin",
    "ag_frame",
    "ag_code",
    "ag_await",
    "tb_frame",
    "tb_next",
    "f_back",
    "f_builtins",
    "f_code",
    "f_globals",
    "f_locals",
    "f_trace",
    "co_code",
    "func_globals",
    "func_code",
    "mro",
    "format",
    "format_map",
}


class SandboxTimeout(SandboxViolation):
    """Sandboxed code ran longer than the configured time limit."""


class _TimeLimitSignal(BaseException):
    """Raised by the tracer inside sandboxed code.

    It derives from BaseException and neither BaseException nor bare ``except:`` is available to
    sandboxed code, so a script cannot catch it. The environment converts it to SandboxTimeout.
    """


# ---------------------------------------------------------------------------------------------
# Compile-time policy
# ---------------------------------------------------------------------------------------------

_ISSUE_RE = re.compile(r"^Line (?P<line>\d+|None)(?::(?P<col>\d+))?: (?P<msg>.*)$", re.DOTALL)

_GUARDED_BINOPS: dict[type[ast.operator], str] = {
    ast.Pow: "**",
    ast.Mult: "*",
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mod: "%",
    ast.LShift: "<<",
    ast.BitOr: "|",
    ast.BitAnd: "&",
    ast.BitXor: "^",
}

_COMPARE_OPS: dict[type[ast.cmpop], str] = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.In: "in",
    ast.NotIn: "not in",
}


def _guard_call(name: str, args: list[ast.expr], where: Any) -> ast.Call:
    call = ast.Call(func=ast.Name(name, ast.Load()), args=args, keywords=[])
    copy_locations(call, where)
    return call


class _SandboxPolicy(RestrictingNodeTransformer):
    """RestrictedPython's policy plus the rules this sandbox needs on top of it."""

    def error(self, node: ast.AST, info: str) -> None:
        # Same format as the base class, plus the (1-based) column, parsed back in _parse_issue.
        lineno = getattr(node, "lineno", None)
        col = getattr(node, "col_offset", None)
        where = f"{lineno}:{col + 1}" if lineno is not None and col is not None else f"{lineno}"
        self.errors.append(f"Line {where}: {info}")

    def visit_Import(self, node: ast.Import) -> Any:
        self.error(node, "Imports are not allowed.")
        return node

    def visit_ImportFrom(self, node: ast.ImportFrom) -> Any:
        self.error(node, "Imports are not allowed.")
        return node

    def visit_ClassDef(self, node: ast.ClassDef) -> Any:
        self.error(node, "Class definitions are not allowed.")
        return node

    def visit_With(self, node: ast.With) -> Any:
        self.error(node, "'with' statements are not allowed.")
        return node

    def visit_Try(self, node: ast.Try) -> Any:
        if node.finalbody:
            self.error(node, "'try ... finally' is not allowed.")
        node = self.node_contents_visit(node)
        for handler in node.handlers:
            if handler.type is None:
                self.error(handler, "A bare 'except:' is not allowed; use 'except Exception:'.")
            else:
                handler.type = self._rewrite_handler_type(handler, handler.type)
        return node

    def _rewrite_handler_type(self, handler: ast.ExceptHandler, type_node: ast.expr) -> ast.expr:
        """Only built-in exception names may be caught, looked up in a table the script cannot touch.

        If evaluating an ``except`` clause could raise (an undefined or rebound name, ``1/0``), a
        script could turn the time-limit signal into a catchable exception and keep running.
        """
        names = type_node.elts if isinstance(type_node, ast.Tuple) else [type_node]
        lookups: list[ast.expr] = []
        for name_node in names:
            if not isinstance(name_node, ast.Name) or name_node.id not in _CATCHABLE:
                self.error(
                    handler,
                    "'except' may only name built-in exception classes (for example 'except ValueError:').",
                )
                return type_node
            lookup = ast.Subscript(
                value=ast.Name("_sandbox_exceptions_", ast.Load()),
                slice=ast.Constant(name_node.id),
                ctx=ast.Load(),
            )
            copy_locations(lookup, name_node)
            lookups.append(lookup)
        if isinstance(type_node, ast.Tuple):
            result: ast.expr = ast.Tuple(elts=lookups, ctx=ast.Load())
            copy_locations(result, type_node)
            return result
        return lookups[0]

    def visit_While(self, node: ast.While) -> Any:
        node = self.node_contents_visit(node)
        self._prepend_tick(node)
        return node

    def visit_For(self, node: ast.For) -> Any:
        result = super().visit_For(node)
        if isinstance(result, ast.For):
            self._prepend_tick(result)
        return result

    @staticmethod
    def _prepend_tick(node: ast.While | ast.For) -> None:
        # CPython 3.11 emits no trace "line" event for a loop whose body compiles to nothing
        # ("while True: pass" is a jump to itself), so such a loop could not be interrupted.
        # A cheap name load at the top of every loop body gives each iteration a line event.
        tick = ast.Expr(value=ast.Name("_getiter_", ast.Load()))
        copy_locations(tick, node.body[0] if node.body else node)
        node.body.insert(0, tick)

    # The rewrites below route operations that run in C through the resource guards
    # (processes/engine/sandbox_guards.py); the guard calls are new nodes, never visited again.

    def visit_BinOp(self, node: ast.BinOp) -> Any:
        node = self.node_contents_visit(node)
        symbol = _GUARDED_BINOPS.get(type(node.op))
        if symbol is None:
            return node
        return _guard_call("_sandbox_binop_", [ast.Constant(symbol), node.left, node.right], node)

    def visit_Call(self, node: ast.Call) -> Any:
        # f(a, *b, k=c) -> _sandbox_call_(f, a, *b, k=c); RestrictedPython already rewrites
        # calls with *args/**kwargs to _apply_(f, ...), which is the same guard.
        result: Any = super().visit_Call(node)
        if isinstance(result.func, ast.Name) and result.func.id == "_apply_":
            result.func.id = "_sandbox_call_"
            return result
        result.args.insert(0, result.func)
        result.func = ast.Name("_sandbox_call_", ast.Load())
        copy_locations(result.func, node)
        return result

    def visit_Compare(self, node: ast.Compare) -> Any:
        node = self.node_contents_visit(node)
        if len(node.ops) == 1:
            symbol = _COMPARE_OPS.get(type(node.ops[0]))
            if symbol is None:  # 'is' / 'is not'
                return node
            return _guard_call("_sandbox_compare_", [ast.Constant(symbol), node.left, node.comparators[0]], node)
        # a < b < c: keep Python's chaining, measure the operands
        node.left = _guard_call("_sandbox_operand_", [node.left], node.left)
        node.comparators = [_guard_call("_sandbox_operand_", [c], c) for c in node.comparators]
        return node

    def visit_FormattedValue(self, node: ast.FormattedValue) -> Any:
        # {value!r:spec} -> _sandbox_format_(value, conversion, spec); the enclosing JoinedStr
        # becomes _sandbox_fstring_(pieces...), so these calls are never left inside a JoinedStr.
        node = self.node_contents_visit(node)
        spec: ast.expr = node.format_spec if node.format_spec is not None else ast.Constant("")
        return _guard_call("_sandbox_format_", [node.value, ast.Constant(node.conversion), spec], node)

    def visit_JoinedStr(self, node: ast.JoinedStr) -> Any:
        node = self.node_contents_visit(node)
        return _guard_call("_sandbox_fstring_", list(node.values), node)

    def _guard_starred(self, elts: list[ast.expr], hashed: bool) -> None:
        for elt in elts:
            if isinstance(elt, ast.Starred):
                elt.value = _guard_call("_sandbox_unpack_", [elt.value, ast.Constant(hashed)], elt.value)

    def visit_List(self, node: ast.List) -> Any:
        node = self.node_contents_visit(node)
        if isinstance(node.ctx, ast.Load):
            self._guard_starred(node.elts, hashed=False)
        return node

    def visit_Tuple(self, node: ast.Tuple) -> Any:
        node = self.node_contents_visit(node)
        if isinstance(node.ctx, ast.Load):
            self._guard_starred(node.elts, hashed=False)
        return node

    def visit_Set(self, node: ast.Set) -> Any:
        node = self.node_contents_visit(node)
        self._guard_starred(node.elts, hashed=True)
        node.elts = [e if isinstance(e, ast.Starred) else _guard_call("_sandbox_key_", [e], e) for e in node.elts]
        return node

    def visit_Dict(self, node: ast.Dict) -> Any:
        node = self.node_contents_visit(node)
        node.keys = [k if k is None else _guard_call("_sandbox_key_", [k], k) for k in node.keys]
        return node

    def visit_SetComp(self, node: ast.SetComp) -> Any:
        result: Any = super().visit_SetComp(node)
        result.elt = _guard_call("_sandbox_key_", [result.elt], result.elt)
        return result

    def visit_DictComp(self, node: ast.DictComp) -> Any:
        result: Any = super().visit_DictComp(node)
        result.key = _guard_call("_sandbox_key_", [result.key], result.key)
        return result

    def visit_Subscript(self, node: ast.Subscript) -> Any:
        # x[k] = v / del x[k] -> _sandbox_store_((_write_(x),))[k] = v (slice growth, tuple keys);
        # a literal key (data['x'] = 1) needs neither check.
        result: Any = super().visit_Subscript(node)
        if (isinstance(result, ast.Subscript) and isinstance(result.ctx, (ast.Store, ast.Del))
                and not isinstance(result.slice, ast.Constant)):
            target = ast.Tuple(elts=[result.value], ctx=ast.Load())
            copy_locations(target, result.value)
            result.value = _guard_call("_sandbox_store_", [target], result.value)
        return result


def _parse_issue(text: str) -> dict[str, Any]:
    match = _ISSUE_RE.match(text)
    if not match:
        return {"line": None, "column": None, "message": text}
    line = match.group("line")
    col = match.group("col")
    return {
        "line": int(line) if line != "None" else None,
        "column": int(col) if col else None,
        "message": match.group("msg"),
    }


@functools.lru_cache(maxsize=4096)
def _compile(
    source: str, mode: Mode
) -> tuple[CodeType | None, tuple[tuple[int | None, int | None, str], ...]]:
    """Compile ``source`` under the sandbox policy; cached by (source, mode).

    Returns the code object, or ``None`` and the issues (line, column, message).
    """
    try:
        tree = ast.parse(source, filename=_FILENAME, mode=mode)
    except SyntaxError as err:
        return None, ((err.lineno, err.offset, f"SyntaxError: {err.msg}"),)
    compiler = compile_restricted_eval if mode == "eval" else compile_restricted_exec
    result = compiler(tree, filename=_FILENAME, policy=_SandboxPolicy)  # type: ignore[arg-type]
    if result.errors or result.code is None:
        issues = tuple(
            (parsed["line"], parsed["column"], parsed["message"])
            for parsed in (_parse_issue(e) for e in result.errors)
        )
        return None, issues or ((None, None, "Compilation failed."),)
    return result.code, ()


def _compiled_or_raise(source: str, mode: Mode) -> CodeType:
    if not isinstance(source, str):
        raise TypeError(f"Expected source text, got {type(source).__name__}")
    code, issues = _compile(source, mode)
    if code is not None:
        return code
    line, col, message = issues[0]
    if message.startswith("SyntaxError: "):
        err = SyntaxError(message[len("SyntaxError: ") :], (_FILENAME, line or 0, col or 0, None))
        raise err
    text = "; ".join(m for _, _, m in issues)
    raise SandboxViolation(f"Not allowed: {text}", lineno=line, column=col)


def compile_check(source: str, mode: Literal["eval", "exec"]) -> list[dict[str, Any]]:
    """Check ``source`` for syntax errors and sandbox policy violations without running it.

    Returns ``[]`` when the source compiles, otherwise a list of
    ``{"line": int | None, "column": int | None, "message": str}`` (line and column 1-based).
    Meant for deploy-time validation of conditions, scripts and timer expressions.
    """
    if mode not in ("eval", "exec"):
        raise ValueError(f"mode must be 'eval' or 'exec', not {mode!r}")
    _, issues = _compile(source, mode)
    return [{"line": line, "column": col, "message": message} for line, col, message in issues]


# ---------------------------------------------------------------------------------------------
# Run-time guards
# ---------------------------------------------------------------------------------------------


def _guarded_getattr(obj: Any, name: str, default: Any = None) -> Any:
    """``_getattr_`` guard: no ``_`` names, no introspection attributes, no ``str.format``."""
    if not isinstance(name, str):
        raise SandboxViolation("Attribute names must be strings.")
    if name.startswith("_"):
        raise SandboxViolation(f'Access to attribute "{name}" is not allowed (name starts with "_").')
    if name in _DENIED_ATTRIBUTES:
        if name in ("format", "format_map"):
            if isinstance(obj, str) or (isinstance(obj, type) and issubclass(obj, str)):
                raise SandboxViolation("str.format() is not allowed; use an f-string instead.")
        else:
            raise SandboxViolation(f'Access to attribute "{name}" is not allowed.')
    try:
        return safer_getattr_raise(obj, name)
    except NotImplementedError as err:  # RestrictedPython's own format/Formatter refusal
        raise SandboxViolation(str(err)) from None


# Builtins that must never be reachable; checked when the builtins are assembled.
_FORBIDDEN_BUILTINS = frozenset(
    {
        "__import__",
        "open",
        "eval",
        "exec",
        "compile",
        "getattr",
        "setattr",
        "delattr",
        "type",
        "vars",
        "globals",
        "locals",
        "dir",
        "input",
        "breakpoint",
        "memoryview",
        "object",
        "super",
        "__build_class__",
        # Not catchable from a script, so that the time-limit signal cannot be swallowed.
        "BaseException",
        "KeyboardInterrupt",
        "SystemExit",
        "GeneratorExit",
    }
)

_EXTRA_BUILTINS: dict[str, Any] = {
    "len": len,
    "min": guards.sandbox_min,
    "max": guards.sandbox_max,
    "sum": guards.sandbox_sum,
    "abs": abs,
    "round": round,
    "sorted": guards.sandbox_sorted,
    "any": any,
    "all": all,
    "range": guards.limited_range,
    "enumerate": enumerate,
    "zip": zip,
    "int": int,
    "float": float,
    "str": str,
    "bool": bool,
    "list": list,
    "dict": dict,
    "set": set,
    "tuple": tuple,
    "isinstance": isinstance,
    "map": guards.SandboxMap,
    "filter": guards.SandboxFilter,
    "pow": guards.guarded_pow,
    # Date helpers as classes (not modules). They are builtins rather than globals so that task
    # data with a key such as "date" simply shadows them instead of being reported as a clash.
    "datetime": datetime,
    "date": date,
    "timedelta": timedelta,
    "timezone": timezone,
}


def _build_builtins() -> dict[str, Any]:
    builtins = {k: v for k, v in safe_builtins.items() if k not in _FORBIDDEN_BUILTINS}
    builtins.update(_EXTRA_BUILTINS)
    leaked = _FORBIDDEN_BUILTINS.intersection(builtins)
    if leaked:  # pragma: no cover - guards against a RestrictedPython upgrade adding them
        raise RuntimeError(f"Forbidden builtins present: {sorted(leaked)}")
    return builtins


_BUILTINS = _build_builtins()

# Exception classes a script may name in an ``except`` clause (all subclasses of Exception).
_CATCHABLE: dict[str, type[Exception]] = {
    name: value
    for name, value in _BUILTINS.items()
    if isinstance(value, type) and issubclass(value, Exception)
}



class _SandboxPrintCollector(PrintCollector):
    """``print`` / ``printed``: each printed value is measured, the collected text is capped."""

    def __init__(self, _getattr_: Any = None) -> None:
        super().__init__(_getattr_)
        self.length = 0

    def write(self, text: str) -> None:
        self.length += len(text)
        if self.length > MAX_STR_LENGTH:
            raise SandboxLimitExceeded("string length", MAX_STR_LENGTH, "characters",
                                       "the printed text would be too long")
        guards._charge(sys.getsizeof(text))
        super().write(text)

    def _call_print(self, *objects: Any, **kwargs: Any) -> None:
        for value in (*objects, kwargs.get("sep"), kwargs.get("end")):
            guards.check_text(value, "print()")
        super()._call_print(*objects, **kwargs)


# Names RestrictedPython-compiled code (and the rewrites of _SandboxPolicy) look up in its globals.
_GUARDS: dict[str, Any] = {
    "__builtins__": _BUILTINS,
    "_getattr_": _guarded_getattr,
    "_getitem_": guards.guarded_getitem,
    "_getiter_": iter,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_write_": full_write_guard,
    "_inplacevar_": guards.guarded_inplacevar,
    "_apply_": guards.sandbox_call,
    "_print_": _SandboxPrintCollector,
    "_sandbox_binop_": guards.sandbox_binop,
    "_sandbox_call_": guards.sandbox_call,
    "_sandbox_compare_": guards.sandbox_compare,
    "_sandbox_operand_": guards.sandbox_operand,
    "_sandbox_format_": guards.sandbox_format,
    "_sandbox_fstring_": guards.sandbox_fstring,
    "_sandbox_unpack_": guards.sandbox_unpack,
    "_sandbox_key_": guards.check_key,
    "_sandbox_store_": guards.StoreTarget,
    "_sandbox_exceptions_": _CATCHABLE,
}
# Names the sandbox may leave behind in a script's namespace (print collector).
_RESERVED_NAMES = frozenset(_GUARDS) | {"_print"}


def _sandbox_lineno(tb: TracebackType | None) -> int | None:
    """Line of the innermost sandboxed frame in a traceback."""
    line: int | None = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == _FILENAME:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


# ---------------------------------------------------------------------------------------------
# Environment and engine
# ---------------------------------------------------------------------------------------------


class SandboxedEnvironment(BasePythonScriptEngineEnvironment):
    """SpiffWorkflow script environment running everything under RestrictedPython.

    ``helpers`` (name -> callable) are available to every script and expression, like the globals
    of ``TaskDataEnvironment``. ``timeout_s`` bounds each single evaluation / execution.
    """

    def __init__(
        self, helpers: Mapping[str, Callable[..., Any]] | None = None, timeout_s: float = 1.0
    ) -> None:
        helpers = dict(helpers or {})
        for name, func in helpers.items():
            if not name.isidentifier() or name.startswith("_"):
                raise ValueError(f"Helper name {name!r} is not usable from a sandboxed script.")
            if not callable(func):
                raise ValueError(f"Helper {name!r} is not callable.")
        if timeout_s <= 0:
            raise ValueError("timeout_s must be positive.")
        super().__init__(helpers)
        self.timeout_s = timeout_s

    # -- SpiffWorkflow interface ------------------------------------------------------------

    def evaluate(
        self, expression: str, context: dict[str, Any], external_context: dict[str, Any] | None = None
    ) -> Any:
        code = _compiled_or_raise(expression, "eval")
        namespace: dict[str, Any] = dict(self.globals)
        namespace.update(external_context or {})
        namespace.update(context)
        namespace.update(_GUARDS)  # last: task data can never replace a guard
        budget = guards.Budget()
        failed = True
        try:
            result = self._run(code, namespace, "eval", budget)
            failed = False
        finally:
            if budget.mutated:  # e.g. "items.extend(...) or True": task data changed in place
                self._keep_task_data_small(context, dict(context), failed)
        guards.check_result(result, "the expression's value")
        return result

    def execute(
        self, script: str, context: dict[str, Any], external_context: dict[str, Any] | None = None
    ) -> bool:
        external_context = external_context or {}
        self.check_for_overwrite(context, external_context)
        code = _compiled_or_raise(script, "exec")  # before touching the task data
        before = dict(context)
        context.update(self.globals)
        context.update(external_context)
        context.update(_GUARDS)
        failed = True
        try:
            self._run(code, context, "exec", guards.Budget())
            failed = False
        finally:
            self._remove_globals_and_functions_from_context(context, external_context)
            self._keep_task_data_small(context, before, failed)
        return True

    @staticmethod
    def _keep_task_data_small(context: dict[str, Any], before: dict[str, Any], failed: bool) -> None:
        """Refuse task data too large to deep-copy and serialise quickly (the engine does both on
        every step), before the engine sees it. The values the script added or replaced are
        taken back out; values that grew in place and alone break the limit are replaced by a
        note. Raises SandboxLimitExceeded unless the script failed already (its error wins)."""
        try:
            guards.check_result(context, "the task data")
            return
        except SandboxLimitExceeded as exc:
            error = exc
        for key in list(context):
            if key not in before:
                del context[key]
            elif context[key] is not before[key]:
                context[key] = before[key]
        for key in guards.oversized_keys(context):
            try:
                guards.check_result(context, "the task data")
                break
            except SandboxLimitExceeded:
                context[key] = "<removed: exceeded the sandbox task data limit>"
        if not failed:
            raise error

    def call_service(self, context: dict[str, Any], **kwargs: Any) -> Any:
        raise NotImplementedError("Service tasks are not run by the sandboxed environment.")

    # -- TaskDataEnvironment-compatible helpers ---------------------------------------------

    def _remove_globals_and_functions_from_context(
        self, context: dict[str, Any], external_context: Mapping[str, Any] | None = None
    ) -> None:
        """Drop builtins, guards, helpers, external context and any callable from the task data."""
        for key in list(context):
            if (
                key in _RESERVED_NAMES
                or key in self.globals
                or (external_context and key in external_context)
                or callable(context[key])
            ):
                context.pop(key)

    def check_for_overwrite(self, context: Mapping[str, Any], external_context: Mapping[str, Any]) -> None:
        """Fail fast when task data would shadow a helper (as TaskDataEnvironment does)."""
        clashes = set(self.globals).intersection(context)
        clashes.update(set(external_context).intersection(context))
        clashes.update(_RESERVED_NAMES.intersection(context))
        if clashes:
            raise ValueError(
                "You have task data that overwrites a predefined function(s). Please change the "
                f"following variable or field name(s) to something else: {clashes}"
            )

    # -- time limit -------------------------------------------------------------------------

    def _run(self, code: CodeType, namespace: dict[str, Any], mode: Mode, budget: guards.Budget) -> Any:
        timeout = self.timeout_s
        deadline = time.monotonic() + timeout

        def local_trace(frame: FrameType, event: str, arg: Any) -> Any:
            # Cost is dominated by the trace call itself (~1 us per line event), not by the clock.
            if time.monotonic() > deadline:
                raise _TimeLimitSignal
            return local_trace

        def global_trace(frame: FrameType, event: str, arg: Any) -> Any:
            # Called for every new frame. Only sandboxed frames get line tracing; trusted helper
            # code runs at full speed but is still checked each time it calls something.
            if time.monotonic() > deadline:
                raise _TimeLimitSignal
            if frame.f_code.co_filename == _FILENAME:
                return local_trace
            return None

        previous = sys.gettrace()
        previous_budget = guards.install_budget(budget)
        sys.settrace(global_trace)
        try:
            if mode == "eval":
                return eval(code, namespace)  # noqa: S307 - RestrictedPython-compiled code
            exec(code, namespace)  # noqa: S102 - RestrictedPython-compiled code
            return None
        except _TimeLimitSignal as signal:
            lineno = _sandbox_lineno(signal.__traceback__)
            where = f" (stopped at line {lineno})" if lineno else ""
            raise SandboxTimeout(
                f"Execution time limit of {timeout:g} s exceeded{where}.", lineno=lineno
            ) from None
        finally:
            # CPython removes a trace function that raised; restore the caller's either way.
            sys.settrace(previous)
            guards.install_budget(previous_budget)


class SandboxedScriptEngine(PythonScriptEngine):
    """PythonScriptEngine whose scripts and expressions run in a :class:`SandboxedEnvironment`.

    Errors surface exactly as with the stock engine: ``execute`` raises ``WorkflowTaskException``
    with ``line_number``/``error_line`` (``error_type`` "SandboxViolation", "SandboxTimeout",
    "NameError", ...), ``evaluate`` raises ``WorkflowTaskException("Error evaluating expression
    ...")`` wrapping the original exception.
    """

    def __init__(
        self, helpers: Mapping[str, Callable[..., Any]] | None = None, timeout_s: float = 1.0
    ) -> None:
        super().__init__(environment=SandboxedEnvironment(helpers, timeout_s=timeout_s))

    def get_error_line_number_and_content(self, script: str, err: Exception) -> tuple[int, str]:
        if isinstance(err, SandboxViolation) and err.lineno:
            lines = script.splitlines()
            error_line = lines[err.lineno - 1] if 0 < err.lineno <= len(lines) else ""
            return err.lineno, error_line
        line_number, error_line = super().get_error_line_number_and_content(script, err)
        return line_number or 0, error_line

    def evaluate(self, task: Any, expression: str, external_context: dict[str, Any] | None = None) -> Any:
        """As the stock engine, but when the sandbox refused the expression the message says why
        (the stock message, "Error evaluating expression '...'", names no limit)."""
        try:
            return self.environment.evaluate(expression, task.data, external_context)
        except SpiffWorkflowException as se:
            se.add_note(f"Error evaluating expression '{expression}'")
            raise se
        except SandboxViolation as err:
            raise WorkflowTaskException(
                f"Error evaluating expression '{expression}': {err.message}", task=task, exception=err
            ) from err
        except Exception as err:
            raise WorkflowTaskException(f"Error evaluating expression '{expression}'", task=task,
                                        exception=err) from err

    def create_task_exec_exception(self, task: Any, script: str, err: Exception) -> Exception:
        """As the stock engine, which concatenates ``err.args[0]`` and so fails with a TypeError
        (no incident, a crashed request) on ``raise ValueError(1)``; long messages are cut."""
        if not isinstance(err, SpiffWorkflowException) and err.args and not (
            isinstance(err.args[0], str) and len(err.args[0]) <= _MAX_MESSAGE
        ):
            first = err.args[0]
            text = first if isinstance(first, str) else _short_repr(first)
            err.args = (text[:_MAX_MESSAGE] + (" ..." if len(text) > _MAX_MESSAGE else ""), *err.args[1:])
        return super().create_task_exec_exception(task, script, err)  # type: ignore[no-any-return]


_MAX_MESSAGE = 1000


def _short_repr(value: Any) -> str:
    """repr() of what a script raised, without letting a huge value cost anything."""
    try:
        guards.check_text(value, "an error message")
        return repr(value)
    except Exception:  # noqa: BLE001 - too large, or its repr fails
        return f"<{type(value).__name__}>"
