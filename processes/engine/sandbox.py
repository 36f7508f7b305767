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
* ``**``, ``*``, ``+`` and ``<<`` go through a guard that refuses results that are absurdly large
  (huge integers or sequences), because such operations run in C and cannot be interrupted.

At run time:

* attribute access goes through :func:`_guarded_getattr` (RestrictedPython's ``safer_getattr``
  plus a denylist of introspection attributes, and no ``str.format``);
* writes are only allowed into ``dict`` and ``list`` objects (``data['x'] = 1``, ``lst.append(1)``);
* ``range()`` is capped at :data:`MAX_RANGE` elements so that ``sum(range(10**10))`` - a loop in C
  that no trace function can interrupt - fails immediately instead of hanging the worker;
* execution time is bounded: a trace function, installed with ``sys.settrace`` only for the
  duration of the call and only on the current thread, stops sandboxed code after ``timeout_s``.

Not covered: memory exhaustion through C-level string methods with huge arguments
(``'x'.ljust(10**10)``, repeated ``str.replace`` growth). Run workers with an address-space limit
(``RLIMIT_AS``) if diagrams come from untrusted authors.
"""

from __future__ import annotations

import ast
import functools
import operator
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
from SpiffWorkflow.bpmn.script_engine.python_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

__all__ = [
    "MAX_INT_BITS",
    "MAX_RANGE",
    "MAX_SEQUENCE_LENGTH",
    "SandboxTimeout",
    "SandboxViolation",
    "SandboxedEnvironment",
    "SandboxedScriptEngine",
    "compile_check",
]

Mode = Literal["eval", "exec"]

#: Largest ``range()`` a sandboxed script may create.
MAX_RANGE = 10**6
#: Largest sequence (str, list, tuple, bytes) ``*`` / ``+`` may produce.
MAX_SEQUENCE_LENGTH = 10**7
#: Largest integer (in bits) ``**``, ``*`` and ``<<`` may produce.
MAX_INT_BITS = 100_000

# SpiffWorkflow's PythonScriptEngine finds the failing line by looking for this file name in the
# traceback, so sandboxed code must be compiled with it.
_FILENAME = "<string>"

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


class SandboxViolation(Exception):
    """Sandboxed code tried something the sandbox policy does not allow."""

    def __init__(self, message: str, lineno: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.lineno = lineno
        self.column = column


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
    ast.LShift: "<<",
}


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

    def visit_BinOp(self, node: ast.BinOp) -> Any:
        node = self.node_contents_visit(node)
        symbol = _GUARDED_BINOPS.get(type(node.op))
        if symbol is None:
            return node
        call = ast.Call(
            func=ast.Name("_sandbox_binop_", ast.Load()),
            args=[ast.Constant(symbol), node.left, node.right],
            keywords=[],
        )
        copy_locations(call, node)
        return call


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


def _guarded_getitem(obj: Any, index: Any) -> Any:
    return obj[index]


def _guarded_apply(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return func(*args, **kwargs)


def _check_int_bits(bits: int, symbol: str) -> None:
    if bits > MAX_INT_BITS:
        raise SandboxViolation(f"Result of '{symbol}' would be too large (more than {MAX_INT_BITS} bits).")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


_SEQUENCES = (str, bytes, list, tuple)


def _sandbox_binop(symbol: str, left: Any, right: Any) -> Any:
    """Guard for ``**``, ``*``, ``+``, ``<<``: refuse results too large to compute in time."""
    if symbol == "**":
        if _is_int(left) and _is_int(right) and right > 0 and abs(left) > 1:
            _check_int_bits(left.bit_length() * right, symbol)
        return left**right
    if symbol == "*":
        if _is_int(left) and _is_int(right):
            _check_int_bits(left.bit_length() + right.bit_length(), symbol)
        elif isinstance(left, _SEQUENCES) and _is_int(right):
            _check_length(len(left) * right, symbol)
        elif _is_int(left) and isinstance(right, _SEQUENCES):
            _check_length(len(right) * left, symbol)
        return left * right
    if symbol == "+":
        if isinstance(left, _SEQUENCES) and isinstance(right, _SEQUENCES):
            _check_length(len(left) + len(right), symbol)
        return left + right
    if symbol == "<<":
        if _is_int(left) and _is_int(right) and left != 0:
            _check_int_bits(left.bit_length() + right, symbol)
        return left << right
    raise SandboxViolation(f"Unknown operator {symbol!r}")  # pragma: no cover


def _check_length(length: int, symbol: str) -> None:
    if length > MAX_SEQUENCE_LENGTH:
        raise SandboxViolation(
            f"Result of '{symbol}' would be too long (more than {MAX_SEQUENCE_LENGTH} elements)."
        )


_INPLACE_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "+=": lambda a, b: _sandbox_binop("+", a, b),
    "-=": operator.sub,
    "*=": lambda a, b: _sandbox_binop("*", a, b),
    "/=": operator.truediv,
    "//=": operator.floordiv,
    "%=": operator.mod,
    "**=": lambda a, b: _sandbox_binop("**", a, b),
    "<<=": lambda a, b: _sandbox_binop("<<", a, b),
    ">>=": operator.rshift,
    "|=": operator.or_,
    "^=": operator.xor,
    "&=": operator.and_,
    "@=": operator.matmul,
}


def _guarded_inplacevar(op: str, target: Any, value: Any) -> Any:
    func = _INPLACE_OPS.get(op)
    if func is None:
        raise SandboxViolation(f"Augmented assignment {op!r} is not allowed.")
    # Mutate lists in place like Python does ("lst += [1]" keeps the identity).
    if op == "+=" and isinstance(target, list):
        _check_length(len(target) + len(value), "+=")
        target += value
        return target
    return func(target, value)


def _limited_range(*args: int) -> range:
    """``range`` capped at MAX_RANGE elements (C loops over it cannot be interrupted)."""
    result = range(*args)
    try:
        length = len(result)
    except OverflowError:
        length = MAX_RANGE + 1
    if length > MAX_RANGE:
        raise SandboxViolation(f"range() with more than {MAX_RANGE} elements is not allowed.")
    return result


def _guarded_pow(base: Any, exp: Any, mod: Any = None) -> Any:
    if mod is None:
        return _sandbox_binop("**", base, exp)
    return pow(base, exp, mod)


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
    "min": min,
    "max": max,
    "sum": sum,
    "abs": abs,
    "round": round,
    "sorted": sorted,
    "any": any,
    "all": all,
    "range": _limited_range,
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
    "map": map,
    "filter": filter,
    "pow": _guarded_pow,
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

# Names RestrictedPython-compiled code looks up in its globals.
_GUARDS: dict[str, Any] = {
    "__builtins__": _BUILTINS,
    "_getattr_": _guarded_getattr,
    "_getitem_": _guarded_getitem,
    "_getiter_": iter,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_write_": full_write_guard,
    "_inplacevar_": _guarded_inplacevar,
    "_apply_": _guarded_apply,
    "_print_": PrintCollector,
    "_sandbox_binop_": _sandbox_binop,
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
        return self._run(code, namespace, "eval")

    def execute(
        self, script: str, context: dict[str, Any], external_context: dict[str, Any] | None = None
    ) -> bool:
        external_context = external_context or {}
        self.check_for_overwrite(context, external_context)
        code = _compiled_or_raise(script, "exec")  # before touching the task data
        context.update(self.globals)
        context.update(external_context)
        context.update(_GUARDS)
        try:
            self._run(code, context, "exec")
        finally:
            self._remove_globals_and_functions_from_context(context, external_context)
        return True

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

    def _run(self, code: CodeType, namespace: dict[str, Any], mode: Mode) -> Any:
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
