"""Resource guards of the script sandbox (see :mod:`processes.engine.sandbox`).

The sandbox stops runaway *Python-level* code with a trace function, but a single C-level call
(``pow(a, b, m)``, ``'x'.ljust(10**9)``, ``sorted(huge)``, ``str(big_list)``) runs to its end
before the tracer sees anything, and holds the GIL meanwhile. So every operator and builtin that
could run long or allocate much is checked here *before* it runs, against the limits below:

1. **Amplifiers** (output much larger than input: ``*``, ``ljust``/``center``/``zfill``,
   ``expandtabs``, ``replace``, ``join``, ``translate``, format widths and precisions in
   f-strings and ``%``, ``int.to_bytes``, ``[*a, *b]``, slice assignment, ``list.extend``) are
   refused when the estimated result exceeds :data:`MAX_STR_LENGTH` / :data:`MAX_SEQUENCE_LENGTH`.
2. **Super-linear work** (three-argument ``pow``, big-integer ``**``/``*``/``<<`` and parsing,
   ``round(int, -n)``, sorting, comparing/hashing/stringifying nested containers, ``sum``,
   ``min``/``max``) is refused when the estimated work exceeds :data:`MAX_WORK` /
   :data:`MAX_SORT_WORK` / :data:`MAX_INT_BITS` / :data:`MAX_POW_MODULUS_BITS`. Structures built
   from repeated references (``[s] * n``) are measured with every reference counted, as a
   comparison or ``str()`` would visit them.
3. **Memory**: the size of every value an operator or builtin creates is charged to a
   per-evaluation budget (:data:`MAX_ALLOCATION`), so a loop that keeps creating large strings
   stops long before the worker runs out of memory.
4. **Task data**: after a script (or an expression that mutated something), the task data must
   stay within :data:`MAX_RESULT_ITEMS` / :data:`MAX_RESULT_CHARS`, checked before the engine
   deep-copies and serialises it.

Every refusal raises :class:`SandboxLimitExceeded`, whose message names the limit. Callables
handed to C code (``map``, ``filter``, ``key=``) are wrapped so that each call is a Python frame:
the time limit can stop it and its calls are guarded too.

Calibrated on a 2-core machine: the largest operation each limit admits takes well under 0.1 s,
measuring a nested structure (up to MAX_WALK elements) included (in Python: other threads keep
running meanwhile). Not covered: values built by list/dict/set displays and comprehensions are
not charged to the memory budget (they are bounded by the time limit, a few million elements per
second, and by the task data check); helpers (calendar functions) are trusted code.
"""

from __future__ import annotations

import builtins
import math
import operator
import re
import sys
import threading
from collections.abc import Callable, Iterable
from datetime import date, datetime, time, timezone
from itertools import islice
from types import BuiltinFunctionType, FunctionType, MethodDescriptorType, MethodType
from typing import Any

# SpiffWorkflow's PythonScriptEngine finds the failing line by looking for this file name in the
# traceback, so sandboxed code must be compiled with it.
SANDBOX_FILENAME = "<string>"

#: Longest str / bytes one operation may produce (characters or bytes).
MAX_STR_LENGTH = 1_000_000
#: Most elements one operation may put into a list, tuple, set or dict.
MAX_SEQUENCE_LENGTH = 1_000_000
#: Largest ``range()`` a sandboxed script may create.
MAX_RANGE = 1_000_000
#: Largest integer (in bits) an operation may produce (``**``, ``*``, ``<<``, ``int()``, ...).
MAX_INT_BITS = 100_000
#: Decimal digits an integer may have when converted to or from text (CPython's own default).
MAX_INT_DIGITS = 4_300
#: ``pow(base, exp, mod)``: exponent and modulus at most this many bits (2048: ~15 ms).
MAX_POW_MODULUS_BITS = 2_048
#: Values one operation may visit: comparing, hashing, ``str()`` of containers, ``sum``, ``min``.
#: (Long strings and big integers count as several values.)
MAX_WORK = 2_000_000
#: Measuring a *nested* structure walks it in Python, ~0.9 us per element under the tracer, so the
#: walk stops after this many elements (~0.1 s) and the operation is refused (task data may not
#: hold more anyway); flat lists of numbers or strings are measured at C speed up to MAX_WORK.
MAX_WALK = 100_000
#: ``sorted()`` / ``list.sort()``: values × log2(length) (about 0.1 s of comparisons).
MAX_SORT_WORK = 8_000_000
#: Bytes (estimated) the values created by one evaluation may take in total.
MAX_ALLOCATION = 64 * 1024 * 1024
#: Task data after a script: values (every nested element counts).
MAX_RESULT_ITEMS = 100_000
#: Task data after a script: characters of its text form (roughly its JSON size).
MAX_RESULT_CHARS = 2_000_000
#: A strftime() format may be at most this long (its output is bounded by 256 × its length).
MAX_STRFTIME_FORMAT = 1_000


class SandboxViolation(Exception):
    """Sandboxed code tried something the sandbox policy does not allow."""

    def __init__(self, message: str, lineno: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.lineno = lineno
        self.column = column


class SandboxLimitExceeded(SandboxViolation):
    """An operation would exceed one of the sandbox's resource limits.

    ``limit`` names it (e.g. "string length"), ``maximum`` is its value, ``unit`` its unit.
    """

    def __init__(self, limit: str, maximum: int, unit: str, detail: str) -> None:
        self.limit = limit
        self.maximum = maximum
        self.unit = unit
        super().__init__(f"Script exceeds a sandbox limit: {limit} limit is {maximum} {unit} ({detail}).")


def _too_long_str(what: str, size: int) -> SandboxLimitExceeded:
    return SandboxLimitExceeded("string length", MAX_STR_LENGTH, "characters",
                                f"{what} would be too long: {size}")


def _too_long_seq(what: str, size: int) -> SandboxLimitExceeded:
    return SandboxLimitExceeded("sequence length", MAX_SEQUENCE_LENGTH, "elements",
                                f"{what} would be too long: {size}")


def _too_large_int(what: str, bits: int) -> SandboxLimitExceeded:
    return SandboxLimitExceeded("integer size", MAX_INT_BITS, "bits", f"{what} would be too large: {bits} bits")


def _too_much_work(what: str) -> SandboxLimitExceeded:
    return SandboxLimitExceeded("work", MAX_WORK, "values", f"{what} would examine more values")


# ---------------------------------------------------------------------------------------------
# Per-evaluation state (allocation budget, mutation flag)
# ---------------------------------------------------------------------------------------------


class Budget:
    """What one evaluation has used so far. Installed by the environment for the call's duration."""

    __slots__ = ("allocated", "mutated")

    def __init__(self) -> None:
        self.allocated = 0
        self.mutated = False


class _State(threading.local):
    budget: Budget | None = None


_STATE = _State()


def install_budget(budget: Budget | None) -> Budget | None:
    """Make ``budget`` the current thread's budget; returns the previous one (to restore)."""
    previous = _STATE.budget
    _STATE.budget = budget
    return previous


def _memory_exceeded() -> SandboxLimitExceeded:
    return SandboxLimitExceeded("memory", MAX_ALLOCATION // (1024 * 1024), "MB per evaluation",
                                "the values created by this evaluation would take more")


def _charge(size: int) -> None:
    budget = _STATE.budget
    if budget is not None:
        budget.allocated += size
        if budget.allocated > MAX_ALLOCATION:
            raise _memory_exceeded()


def _mark_mutated() -> None:
    budget = _STATE.budget
    if budget is not None:
        budget.mutated = True


_CHARGED_TYPES = frozenset({str, bytes, bytearray, list, tuple, dict, set, frozenset})


def _charge_new(result: Any, *inputs: Any) -> Any:
    """Charge ``result`` (a value just created) unless it is one of the inputs (``str(s)``
    returns ``s``). Integers count only when big: ``i + 1`` in a loop is not an allocation issue."""
    t = type(result)
    if t in _CHARGED_TYPES:
        for value in inputs:
            if result is value:
                return result
        _charge(sys.getsizeof(result))
    elif t is int and result.bit_length() > 8192:
        _charge(sys.getsizeof(result))
    return result


# ---------------------------------------------------------------------------------------------
# Measuring values
# ---------------------------------------------------------------------------------------------

_INF = sys.maxsize
_NONE_TYPE = type(None)
_FLOATISH = frozenset({float, bool, _NONE_TYPE})
_INTISH = frozenset({int, bool})
_NUMBERS = frozenset({int, float, bool, complex})
_CONTAINERS = frozenset({list, tuple, set, frozenset, dict})
_DICT_VIEWS = frozenset({type({}.keys()), type({}.values()), type({}.items())})


def _digits(bits: int) -> int:
    """Upper bound of the decimal digits (and sign) of an integer of ``bits`` bits."""
    return (bits * 78 >> 8) + 2


def _flat_measure(seq: Any) -> tuple[int, int] | None:
    """(values, characters) of a long flat sequence at C speed, or None if it is not flat."""
    kinds = set(map(type, seq))
    n = len(seq)
    if kinds <= _FLOATISH:
        return n, 24 * n
    if kinds <= _INTISH:
        bits = max(map(int.bit_length, seq))
        return n * (1 + (bits >> 10)), n * _digits(bits)
    if len(kinds) == 1 and (str in kinds or bytes in kinds):
        total = sum(map(len, seq))
        return n + (total >> 8), total + 4 * n
    return None


def measure(value: Any, max_values: int = MAX_WORK, max_chars: int = _INF) -> tuple[int, int]:
    """Estimate ``(values, characters)`` of ``value``.

    *values*: elements a comparison, hash or serialisation would visit (every reference counted
    each time it occurs; long strings and big integers count extra); *characters*: the length of
    its text (``str()``, ``repr()``, about its JSON size). Stops early, returning a result above a
    maximum, as soon as one is exceeded or more than MAX_WALK elements were walked.
    """
    values = 0
    chars = 0
    walked = 0
    stack = [value]
    pop = stack.pop
    extend = stack.extend
    while stack:
        v = pop()
        t = type(v)
        values += 1
        walked += 1
        if walked > MAX_WALK:
            return max(values, max_values + 1), chars
        if t is str or t is bytes:
            n = len(v)
            values += n >> 8
            chars += n + 3
        elif t is int or t is bool:
            bits = v.bit_length()
            values += bits >> 10
            chars += _digits(bits)
        elif t is float or v is None:
            chars += 24
        elif t is list or t is tuple or t is set or t is frozenset:
            n = len(v)
            chars += 2 + 2 * n
            flat = _flat_measure(v) if n > 32 else None
            if flat is None:
                extend(v)
            else:
                values += flat[0]
                chars += flat[1]
        elif t is dict:
            chars += 2 + 4 * len(v)
            extend(v.keys())
            extend(v.values())
        elif t in _DICT_VIEWS:
            chars += 16 + 4 * len(v)
            extend(v)
        elif isinstance(v, BaseException):
            chars += len(t.__name__) + 2
            extend(v.args)
        elif t is timezone:
            chars += 64 + len(v.tzname(None))
        elif isinstance(v, (datetime, time)) and type(v.tzinfo) is timezone:
            chars += 96 + len(v.tzinfo.tzname(None))  # type: ignore[union-attr]
        else:  # dates, ranges, complex numbers, functions, iterators: short reprs
            chars += 100
        if values > max_values or chars > max_chars:
            break
    return values, chars


def check_work(value: Any, what: str) -> int:
    """Refuse ``what`` if it would visit more than MAX_WORK values of ``value``."""
    values, _ = measure(value, MAX_WORK)
    if values > MAX_WORK:
        raise _too_much_work(what)
    return values


# Bits of the largest integer with MAX_INT_DIGITS decimal digits (checked here as well, so that the
# limit holds even if the interpreter's own, sys.set_int_max_str_digits(), is raised).
_INT_TEXT_BITS = int(MAX_INT_DIGITS * math.log2(10))


def text_size(value: Any, formatted: bool = False) -> int:
    """Upper estimate of ``len(str(value))`` (``formatted``: with a numeric format such as
    ``:f`` / ``%d`` / ``:b``, which can make numbers longer)."""
    t = type(value)
    if t is str or t is bytes:
        return len(value)
    if t is int or t is bool:
        bits = value.bit_length()
        if bits > _INT_TEXT_BITS:
            raise SandboxLimitExceeded("integer text", MAX_INT_DIGITS, "digits",
                                       "an integer would be converted to too many digits")
        return bits + 3 if formatted else _digits(bits)
    if t is float:
        return 330 if formatted else 24  # '%f' % 1e308 has 316 characters
    values, chars = measure(value, MAX_WORK, MAX_STR_LENGTH)
    if values > MAX_WORK:
        raise _too_much_work("converting a value to text")
    return chars


def check_text(value: Any, what: str, factor: int = 1) -> int:
    """Refuse converting ``value`` to text if the text would exceed MAX_STR_LENGTH."""
    size = text_size(value) * factor
    if size > MAX_STR_LENGTH:
        raise _too_long_str(what, size)
    return size


def check_key(key: Any) -> Any:
    """Hashing a tuple visits all its elements (nested tuples too, aliases every time)."""
    if type(key) is tuple:
        check_work(key, "hashing a tuple")
    return key


def _check_str_length(size: int, what: str) -> None:
    if size > MAX_STR_LENGTH:
        raise _too_long_str(what, size)


def _check_seq_length(size: int, what: str) -> None:
    if size > MAX_SEQUENCE_LENGTH:
        raise _too_long_seq(what, size)


def _check_int_bits(bits: int, what: str) -> None:
    if bits > MAX_INT_BITS:
        raise _too_large_int(what, bits)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _as_index(value: Any) -> int | None:
    return value if isinstance(value, int) else None


# ---------------------------------------------------------------------------------------------
# Materialising iterables, callables handed to C code
# ---------------------------------------------------------------------------------------------

_SIZED = frozenset({list, tuple, str, bytes, dict, set, frozenset, range}) | _DICT_VIEWS
_CHUNK = 4096


def materialise(iterable: Any, what: str) -> list[Any]:
    """``list(iterable)``, refusing more than MAX_SEQUENCE_LENGTH elements *before* building it
    when the length is known, and chunk by chunk otherwise (zip, map, generators)."""
    if type(iterable) in _SIZED:
        _check_seq_length(len(iterable), what)
        items = list(iterable)
    else:
        items = []
        it = iter(iterable)
        while True:
            chunk = list(islice(it, _CHUNK))
            items += chunk
            _check_seq_length(len(items), what)
            if len(chunk) < _CHUNK:
                break
    _charge(sys.getsizeof(items))
    return items


def traced(func: Any) -> Any:
    """A Python-level stand-in for ``func`` to hand to C code (map, filter, key=): each call is a
    new frame, which the time limit sees, and goes through :func:`sandbox_call`."""
    if type(func) is FunctionType and func.__code__.co_filename == SANDBOX_FILENAME:
        return func  # sandboxed code: traced line by line, its calls are guarded already
    if func is None:
        return None

    def call(*args: Any, **kwargs: Any) -> Any:
        return sandbox_call(func, *args, **kwargs)

    return call


class SandboxMap(map):
    """``map`` whose function is called through :func:`traced`."""

    def __new__(cls, func: Any, *iterables: Any) -> SandboxMap:
        return super().__new__(cls, traced(func), *iterables)


class SandboxFilter(filter):
    """``filter`` whose function is called through :func:`traced`."""

    def __new__(cls, func: Any, iterable: Any) -> SandboxFilter:
        return super().__new__(cls, traced(func), iterable)


SandboxMap.__name__ = SandboxMap.__qualname__ = "map"
SandboxFilter.__name__ = SandboxFilter.__qualname__ = "filter"


# ---------------------------------------------------------------------------------------------
# Builtins replaced by guarded versions
# ---------------------------------------------------------------------------------------------

_MISSING: Any = object()


def _keys_for(items: list[Any], key: Any) -> list[Any]:
    if key is None:
        return items
    keyf = traced(key)
    keys = [keyf(x) for x in items]
    _charge(sys.getsizeof(keys))
    return keys


def _sorted_items(items: list[Any], key: Any, reverse: Any, what: str) -> list[Any]:
    keys = _keys_for(items, key)
    values, _ = measure(keys, MAX_WORK)
    if values > MAX_WORK:
        raise _too_much_work(what)
    work = values * max(1, math.ceil(math.log2(max(len(keys), 2))))
    if work > MAX_SORT_WORK:
        raise SandboxLimitExceeded("sort work", MAX_SORT_WORK, "comparisons",
                                   f"{what} of {len(items)} values would need about {work}")
    if key is None:
        result = sorted(items, reverse=reverse)
    else:  # same order as sorted(items, key=key, reverse=reverse), keys computed once above
        order = sorted(range(len(items)), key=keys.__getitem__, reverse=reverse)
        result = [items[i] for i in order]
    _charge(sys.getsizeof(result))
    return result


def sandbox_sorted(iterable: Iterable[Any], /, *, key: Any = None, reverse: Any = False) -> list[Any]:
    return _sorted_items(materialise(iterable, "sorted()"), key, reverse, "sorted()")


def _extreme(fn: Callable[..., Any], name: str, args: tuple[Any, ...], key: Any, default: Any) -> Any:
    if not args:
        raise TypeError(f"{name} expected at least 1 argument, got 0")
    if len(args) == 1:
        items = materialise(args[0], f"{name}()")
    else:
        if default is not _MISSING:
            raise TypeError(f"Cannot specify a default for {name}() with multiple positional arguments")
        items = list(args)
    if not items:
        if default is _MISSING:
            raise ValueError(f"{name}() arg is an empty sequence")
        return default
    keys = _keys_for(items, key)
    check_work(keys, f"{name}()")
    if key is None:
        return fn(items)
    return items[fn(range(len(items)), key=keys.__getitem__)]  # first of equal keys, like min/max


def sandbox_min(*args: Any, key: Any = None, default: Any = _MISSING) -> Any:
    return _extreme(min, "min", args, key, default)


def sandbox_max(*args: Any, key: Any = None, default: Any = _MISSING) -> Any:
    return _extreme(max, "max", args, key, default)


def sandbox_sum(iterable: Iterable[Any], /, start: Any = 0) -> Any:
    if isinstance(start, str):
        raise TypeError("sum() can't sum strings [use ''.join(seq) instead]")
    if isinstance(start, (bytes, bytearray)):
        raise TypeError("sum() can't sum bytes [use b''.join(seq) instead]")
    items = materialise(iterable, "sum()")
    if type(start) in _NUMBERS and set(map(type, items)) <= _NUMBERS:
        check_work(items, "sum()")
        return _charge_new(sum(items, start))
    total = start  # lists, tuples, timedeltas: one guarded '+' at a time (interruptible)
    for item in items:
        total = sandbox_binop("+", total, item)
    return total


def _guarded_repr(func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    if len(args) == 1:
        check_text(args[0], "repr()")
    return _charge_new(func(*args, **kwargs))


def _guarded_hash(func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    if len(args) == 1:
        check_work(args[0], "hash()")
    return func(*args, **kwargs)


def _guarded_round(func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    number: Any = args[0] if args else kwargs.get("number")
    ndigits: Any = args[1] if len(args) > 1 else kwargs.get("ndigits")
    # round(int, -n) computes 10**n
    if _is_int(number) and _is_int(ndigits) and ndigits < 0:
        _check_int_bits(int(-ndigits * 3.33), "round() with a large negative ndigits")
    return _charge_new(func(*args, **kwargs))


def guarded_pow(base: Any, exp: Any, mod: Any = None) -> Any:
    """``pow``: two arguments as ``**``; with a modulus, bounded exponent and modulus sizes.

    pow(b, e, m) does one modular multiplication per bit of e, each quadratic in the size of m:
    pow(7**3000, 7**3000, 7**3000+2) (8 400 bits) ran for 8 s, 100 000-bit operands for an hour.
    """
    if mod is None:
        return sandbox_binop("**", base, exp)
    if _is_int(exp) and _is_int(mod):
        for name, number in (("exponent", exp), ("modulus", mod)):
            if number.bit_length() > MAX_POW_MODULUS_BITS:
                raise SandboxLimitExceeded("pow() modulus and exponent size", MAX_POW_MODULUS_BITS, "bits",
                                           f"the {name} has {number.bit_length()} bits")
    return pow(base, exp, mod)


def limited_range(*args: int) -> range:
    """``range`` capped at MAX_RANGE elements (C loops over it cannot be interrupted)."""
    result = range(*args)
    try:
        length = len(result)
    except OverflowError:
        length = MAX_RANGE + 1
    if length > MAX_RANGE:
        raise SandboxLimitExceeded("range size", MAX_RANGE, "elements",
                                   f"range() with {length} elements would be too long")
    return result


# ---------------------------------------------------------------------------------------------
# Operators
# ---------------------------------------------------------------------------------------------

_TEXT = (str, bytes)
_SEQUENCES = (str, bytes, list, tuple)


_SMALL_RESULTS = frozenset({int, float, bool, complex, _NONE_TYPE})


def sandbox_binop(symbol: str, left: Any, right: Any) -> Any:
    """Guard for ``+ - * % ** << | & ^``: refuse results too large to compute in time, charge
    the rest to the evaluation's memory budget."""
    tl = type(left)
    tr = type(right)
    if tl is int and tr is int:  # the common case, kept free of further calls
        if symbol == "*":
            if left.bit_length() + right.bit_length() > MAX_INT_BITS:
                raise _too_large_int("result of '*'", left.bit_length() + right.bit_length())
        elif symbol == "**":
            if right > 0 and abs(left) > 1:
                _check_int_bits(math.ceil(right * math.log2(abs(left))), "result of '**'")
        elif symbol == "<<":
            if left != 0 and right > 0:
                _check_int_bits(left.bit_length() + right, "result of '<<'")
        result = _BINOPS[symbol](left, right)
        if symbol in _GROWING and result.bit_length() > 8192:
            _charge(sys.getsizeof(result))
        return result
    if symbol == "+":
        if isinstance(left, _SEQUENCES) and isinstance(right, _SEQUENCES):
            size = len(left) + len(right)
            if isinstance(left, _TEXT):
                _check_str_length(size, "'+'")
            else:
                _check_seq_length(size, "'+'")
    elif symbol == "*":
        if isinstance(left, _SEQUENCES) and _is_int(right):
            _check_repeat(left, right)
        elif _is_int(left) and isinstance(right, _SEQUENCES):
            _check_repeat(right, left)
        elif _is_int(left) and _is_int(right):  # bools
            _check_int_bits(left.bit_length() + right.bit_length(), "result of '*'")
    elif symbol == "%":
        if tl is str or tl is bytes:
            check_percent_format(left, right)
    elif symbol == "**":
        if _is_int(left) and _is_int(right) and right > 0 and abs(left) > 1:
            _check_int_bits(math.ceil(right * math.log2(abs(left))), "result of '**'")
    elif symbol == "<<":
        if _is_int(left) and _is_int(right) and left != 0 and right > 0:
            _check_int_bits(left.bit_length() + right, "result of '<<'")
    result = _BINOPS[symbol](left, right)
    if type(result) in _CHARGED_TYPES and result is not left and result is not right:
        budget = _STATE.budget
        if budget is not None:
            budget.allocated += sys.getsizeof(result)
            if budget.allocated > MAX_ALLOCATION:
                raise _memory_exceeded()
    return result


_BINOPS: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "%": operator.mod,
    "**": operator.pow,
    "<<": operator.lshift,
    "|": operator.or_,
    "&": operator.and_,
    "^": operator.xor,
}
_GROWING = frozenset({"*", "**", "<<"})


def _check_repeat(seq: Any, times: int) -> None:
    size = len(seq) * times
    if isinstance(seq, _TEXT):
        _check_str_length(size, "result of '*'")
    else:
        _check_seq_length(size, "result of '*'")


_INPLACE: dict[str, Callable[[Any, Any], Any]] = {
    "+=": lambda a, b: sandbox_binop("+", a, b),
    "-=": lambda a, b: sandbox_binop("-", a, b),
    "*=": lambda a, b: sandbox_binop("*", a, b),
    "/=": operator.truediv,
    "//=": operator.floordiv,
    "%=": lambda a, b: sandbox_binop("%", a, b),
    "**=": lambda a, b: sandbox_binop("**", a, b),
    "<<=": lambda a, b: sandbox_binop("<<", a, b),
    ">>=": operator.rshift,
    "|=": lambda a, b: sandbox_binop("|", a, b),
    "^=": lambda a, b: sandbox_binop("^", a, b),
    "&=": lambda a, b: sandbox_binop("&", a, b),
    "@=": operator.matmul,
}


def guarded_inplacevar(op: str, target: Any, value: Any) -> Any:
    func = _INPLACE.get(op)
    if func is None:
        raise SandboxViolation(f"Augmented assignment {op!r} is not allowed.")
    # Mutate lists in place like Python does ("lst += [1]" keeps the identity).
    if op == "+=" and isinstance(target, list):
        items = materialise(value, "'+='")
        _check_seq_length(len(target) + len(items), "result of '+='")
        _mark_mutated()
        target += items
        return target
    return func(target, value)


_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def sandbox_compare(symbol: str, left: Any, right: Any) -> Any:
    """One comparison (``a == b``, ``a in b``, ...). Comparing containers visits their elements
    in C, so nested or repeated structures are measured first."""
    tl = type(left)
    tr = type(right)
    if tl not in _CONTAINERS and tr not in _CONTAINERS:  # the common case
        if symbol == "in":
            return operator.contains(right, left)
        if symbol == "not in":
            return not operator.contains(right, left)
        return _COMPARE[symbol](left, right)
    if tl in _CONTAINERS:
        check_work(left, f"'{symbol}'")
    tr = type(right)
    if tr in _CONTAINERS:
        if symbol in ("in", "not in") and tr is not list and tr is not tuple:
            pass  # a hash lookup: only the left operand is visited
        else:
            check_work(right, f"'{symbol}'")
            if symbol in ("in", "not in"):
                _check_scan(left, len(right), f"'{symbol}'")
    if symbol == "in":
        return operator.contains(right, left)
    if symbol == "not in":
        return not operator.contains(right, left)
    return _COMPARE[symbol](left, right)


def sandbox_operand(value: Any) -> Any:
    """Operand of a chained comparison (``a < b < c``): containers are measured."""
    if type(value) in _CONTAINERS:
        check_work(value, "a comparison")
    return value


def sandbox_unpack(value: Any, hashed: bool = False) -> Any:
    """``*value`` inside a list, tuple or set display (``[*a, *a]`` doubles ``a``)."""
    items = materialise(value, "unpacking with '*'")
    if hashed:
        check_work(items, "a set display")
    return items


def sandbox_fstring(*pieces: str) -> str:
    """The pieces of an f-string, joined once their total length is known to be allowed."""
    total = sum(map(len, pieces))
    if total > MAX_STR_LENGTH:
        raise _too_long_str("an f-string", total)
    budget = _STATE.budget
    if budget is not None:
        budget.allocated += total + 49
        if budget.allocated > MAX_ALLOCATION:
            raise _memory_exceeded()
    return "".join(pieces)


# ---------------------------------------------------------------------------------------------
# Formatting: f-string format specs, %-formatting, strftime
# ---------------------------------------------------------------------------------------------

_DIGITS = re.compile(r"\d+")


def _number_in_spec(digits: str | bytes) -> int:
    return int(digits) if len(digits) <= 9 else MAX_STR_LENGTH + 1


def _strftime_size(value: Any, fmt: str) -> int:
    """strftime's output is at most 256 × the format's length (CPython gives up beyond that);
    %Z inserts the time zone name, which a script can make long."""
    if len(fmt) > MAX_STRFTIME_FORMAT:
        raise SandboxLimitExceeded("strftime() format length", MAX_STRFTIME_FORMAT, "characters",
                                   f"the format has {len(fmt)}")
    size = 256 * len(fmt) + 64
    tzinfo = getattr(value, "tzinfo", None)
    if type(tzinfo) is timezone and "Z" in fmt:
        size += fmt.count("%") * len(tzinfo.tzname(None))
    return size


_SCALAR_FORMAT = frozenset({str, float, bool, _NONE_TYPE})


def sandbox_format(value: Any, conversion: int, spec: str) -> str:
    """One replacement field of an f-string: ``{value!conversion:spec}``.

    Widths and precisions are refused before formatting: ``f'{1:{10**9}}'`` would allocate 1 GB.
    """
    tv = type(value)
    if conversion == -1 and tv in _SCALAR_FORMAT and (not spec or len(spec) < 8 and spec.isalpha()):
        return format(value, spec)  # {n}, {x:d}: bounded by the value's own size
    if conversion == 115:  # !s
        check_text(value, "an f-string")
        value = str(value)
    elif conversion == 114:  # !r
        check_text(value, "an f-string")
        value = repr(value)
    elif conversion == 97:  # !a: non-ASCII characters become escapes of up to 10 characters
        check_text(value, "an f-string", factor=10)
        value = ascii(value)
    if not spec:
        if type(value) is str:
            return value
        check_text(value, "an f-string")
        return _charge_new(format(value), value)  # type: ignore[no-any-return]
    if not isinstance(spec, str):  # pragma: no cover - the compiler only passes f-string text
        raise TypeError("format spec must be a string")
    if isinstance(value, (date, time)):
        size = _strftime_size(value, spec)
    else:
        size = text_size(value, formatted=True)
        for digits in _DIGITS.findall(spec):
            number = _number_in_spec(digits)
            if number > MAX_STR_LENGTH:
                raise _too_long_str(f"the format spec {spec[:40]!r}", number)
            size += number
    _check_str_length(size, f"formatting with {spec[:40]!r}")
    return _charge_new(format(value, spec), value)  # type: ignore[no-any-return]


_PERCENT = r"%(?:\((?P<key>[^)]*)\))?[-#0 +]*(?P<width>\*|\d+)?(?:\.(?P<prec>\*|\d*))?[hlL]?(?P<conv>.?)"
_PERCENT_STR = re.compile(_PERCENT, re.S)
_PERCENT_BYTES = re.compile(_PERCENT.encode(), re.S)


def check_percent_format(fmt: str | bytes, args: Any) -> int:
    """``fmt % args``: refuse huge widths/precisions (``'%*d' % (10**9, 1)``) and results."""
    pattern: re.Pattern[Any] = _PERCENT_STR if isinstance(fmt, str) else _PERCENT_BYTES
    positional = args if type(args) is tuple else (args,)
    mapping = args if isinstance(args, dict) else None
    star = "*" if isinstance(fmt, str) else b"*"
    percent = "%" if isinstance(fmt, str) else b"%"
    index = 0
    total = len(fmt)
    for match in pattern.finditer(fmt):  # type: ignore[arg-type]
        size = 0
        for part in (match.group("width"), match.group("prec")):
            if not part:
                continue
            if part == star:
                number = positional[index] if index < len(positional) else 0
                index += 1
                number = abs(number) if _is_int(number) else 0
            else:
                number = _number_in_spec(part)
            if number > MAX_STR_LENGTH:
                raise _too_long_str("a '%' format width or precision", number)
            size += number
        if match.group("conv") == percent:
            continue
        key = match.group("key")
        if key is not None:
            value = mapping.get(key) if mapping is not None else None
        else:
            value = positional[index] if index < len(positional) else None
            index += 1
        total += size + text_size(value, formatted=True)
        _check_str_length(total, "'%' formatting")
    return total


# ---------------------------------------------------------------------------------------------
# Calls: builtins, types and methods
# ---------------------------------------------------------------------------------------------

Guard = Callable[[Any, Any, tuple[Any, ...], dict[str, Any]], Any]


def _text_of(owner: Any, s: str) -> Any:
    return s.encode() if isinstance(owner, (bytes, bytearray)) else s


def _width_guard(bound: Any, owner: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    width = _as_index(args[0]) if args else None
    if width is not None:
        _check_str_length(width, f"{bound.__name__}({width})")
    return _charge_new(bound(*args, **kwargs), owner)


def _expandtabs_guard(bound: Any, owner: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    tabsize = _as_index(args[0] if args else kwargs.get("tabsize", 8))
    if tabsize is not None:
        tabs = owner.count(_text_of(owner, "\t"))
        _check_str_length(len(owner) + tabs * max(tabsize, 0), f"expandtabs({tabsize})")
    return _charge_new(bound(*args, **kwargs), owner)


def _replace_guard(bound: Any, owner: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    if len(args) >= 2 and type(args[0]) is type(owner) and type(args[1]) is type(owner):
        old, new = args[0], args[1]
        count = _as_index(args[2] if len(args) > 2 else kwargs.get("count", -1))
        hits = owner.count(old) if old else len(owner) + 1
        if count is not None and count >= 0:
            hits = min(hits, count)
        _check_str_length(len(owner) + hits * (len(new) - len(old)), "replace()")
    return _charge_new(bound(*args, **kwargs), owner)


def _join_guard(bound: Any, owner: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    if len(args) != 1 or kwargs:
        return bound(*args, **kwargs)
    items = materialise(args[0], "join()")
    try:
        size = sum(map(len, items)) + len(owner) * max(len(items) - 1, 0)
    except TypeError:
        size = 0  # not all strings: join raises its own TypeError
    _check_str_length(size, "join()")
    return _charge_new(bound(items), owner)


def _translate_guard(bound: Any, owner: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    table = args[0] if args else None
    if isinstance(owner, str) and isinstance(table, (dict, list, tuple)):
        values = table.values() if isinstance(table, dict) else table
        check_work(table, "translate()")
        longest = max((len(v) for v in values if isinstance(v, str)), default=1)
        _check_str_length(len(owner) * max(longest, 1), "translate()")
    return _charge_new(bound(*args, **kwargs), owner)


def _split_guard(bound: Any, owner: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    result = bound(*args, **kwargs)
    _charge(sys.getsizeof(result) + sum(map(sys.getsizeof, result)))
    return result


def _to_bytes_guard(bound: Any, owner: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    length = _as_index(args[0] if args else kwargs.get("length", 1))
    if length is not None:
        _check_str_length(length, f"to_bytes({length})")
    return _charge_new(bound(*args, **kwargs))


def _from_bytes_guard(bound: Any, owner: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    if args:
        data = materialise(args[0], "from_bytes()") if type(args[0]) not in _SIZED else args[0]
        _check_int_bits(8 * len(data), "from_bytes()")
        args = (data, *args[1:])
    return _charge_new(bound(*args, **kwargs))


def _extend_guard(bound: Any, owner: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    if len(args) != 1:
        return bound(*args, **kwargs)
    items = materialise(args[0], "extend()")
    _check_seq_length(len(owner) + len(items), "extend()")
    return bound(items)


def _sort_guard(bound: Any, owner: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    if args or set(kwargs) - {"key", "reverse"}:
        return bound(*args, **kwargs)  # list.sort's own TypeError
    owner[:] = _sorted_items(list(owner), kwargs.get("key"), kwargs.get("reverse", False), "sort()")
    return None


def _search_guard(bound: Any, owner: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    what = f"{bound.__name__}()"
    check_work(owner, what)
    if args:
        _check_scan(args[0], len(owner), what)
    return bound(*args, **kwargs)


def _check_scan(needle: Any, length: int, what: str) -> None:
    """Looking for a container in a list of ``length`` elements compares it up to ``length`` times."""
    if type(needle) in _CONTAINERS and check_work(needle, what) * length > MAX_WORK:
        raise _too_much_work(what)


def _key_guard(bound: Any, owner: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    if args:
        check_key(args[0])
    return _charge_new(bound(*args, **kwargs), owner)


def _hashed_items(arg: Any, what: str) -> Any:
    """An iterable whose elements will be hashed: materialised and measured (sets and dicts
    hold hashed elements already)."""
    if type(arg) in (set, frozenset, dict):
        return arg
    items = materialise(arg, what)
    check_work(items, what)
    return items


def _set_bulk_guard(bound: Any, owner: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """set.union / set.update / ...: every argument's elements are hashed."""
    checked = [_hashed_items(arg, f"{bound.__name__}()") for arg in args]
    return _charge_new(bound(*checked, **kwargs), owner, *checked)


def _first_arg_hashed_guard(bound: Any, owner: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """dict.update(pairs) / dict.fromkeys(keys, value): the first argument's elements are hashed."""
    if args:
        args = (_hashed_items(args[0], f"{bound.__name__}()"), *args[1:])
    return _charge_new(bound(*args, **kwargs), owner, *args)


def _copy_guard(bound: Any, owner: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    return _charge_new(bound(*args, **kwargs), owner)


def _strftime_guard(bound: Any, owner: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    fmt = args[0] if args else kwargs.get("format")
    if isinstance(fmt, str):
        _check_str_length(_strftime_size(owner, fmt), "strftime()")
    return _charge_new(bound(*args, **kwargs))


def _strptime_guard(bound: Any, owner: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    for value in args:
        if isinstance(value, str) and len(value) > MAX_STRFTIME_FORMAT:
            raise SandboxLimitExceeded("strptime() argument length", MAX_STRFTIME_FORMAT, "characters",
                                       f"an argument has {len(value)}")
    return bound(*args, **kwargs)


_TEXT_METHODS: dict[str, Guard] = {
    "ljust": _width_guard,
    "rjust": _width_guard,
    "center": _width_guard,
    "zfill": _width_guard,
    "expandtabs": _expandtabs_guard,
    "replace": _replace_guard,
    "join": _join_guard,
    "translate": _translate_guard,
    "split": _split_guard,
    "rsplit": _split_guard,
    "splitlines": _split_guard,
}

_METHOD_GUARDS: dict[tuple[type, str], Guard] = {
    **{(str, name): guard for name, guard in _TEXT_METHODS.items()},
    **{(bytes, name): guard for name, guard in _TEXT_METHODS.items()},
    **{(bytearray, name): guard for name, guard in _TEXT_METHODS.items()},
    (int, "to_bytes"): _to_bytes_guard,
    (int, "from_bytes"): _from_bytes_guard,
    (list, "extend"): _extend_guard,
    (list, "sort"): _sort_guard,
    (list, "count"): _search_guard,
    (list, "index"): _search_guard,
    (list, "remove"): _search_guard,
    (tuple, "count"): _search_guard,
    (tuple, "index"): _search_guard,
    (dict, "get"): _key_guard,
    (dict, "pop"): _key_guard,
    (dict, "setdefault"): _key_guard,
    (dict, "update"): _first_arg_hashed_guard,
    (dict, "fromkeys"): _first_arg_hashed_guard,
    (list, "copy"): _copy_guard,
    (dict, "copy"): _copy_guard,
    (set, "copy"): _copy_guard,
    (set, "add"): _key_guard,
    (set, "discard"): _key_guard,
    (set, "remove"): _key_guard,
    **{(set, name): _set_bulk_guard for name in (
        "update", "union", "intersection", "difference", "symmetric_difference", "issubset",
        "issuperset", "isdisjoint", "intersection_update", "difference_update",
        "symmetric_difference_update")},
    (date, "strftime"): _strftime_guard,
    (time, "strftime"): _strftime_guard,
    (datetime, "strptime"): _strptime_guard,
}

_MUTABLE = frozenset({list, dict, set, bytearray})
_method_guard_cache: dict[tuple[type, str], Guard | None] = {}


def _method_guard(cls: type, name: str) -> Guard | None:
    key = (cls, name)
    try:
        return _method_guard_cache[key]
    except KeyError:
        pass
    found: Guard | None = None
    for klass in cls.__mro__:
        found = _METHOD_GUARDS.get((klass, name))
        if found is not None:
            break
    _method_guard_cache[key] = found
    return found


def _guard_str(cls: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    if len(args) == 1 and not kwargs:
        value = args[0]
        if type(value) in _SMALL_RESULTS and not (type(value) is int and value.bit_length() > _INT_TEXT_BITS):
            return str(value)
        if type(value) is str:
            return value
        check_text(value, "str()")
    return _charge_new(cls(*args, **kwargs), *args)


def _guard_int(cls: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    if args and type(args[0]) in _SMALL_RESULTS:
        return cls(*args, **kwargs)
    if args and isinstance(args[0], (str, bytes, bytearray)):
        base = args[1] if len(args) > 1 else kwargs.get("base", 10)
        if _is_int(base) and (base == 0 or 2 <= base <= 36):
            bits_per_char = 4 if base == 0 else math.log2(base)
            _check_int_bits(int(len(args[0]) * bits_per_char), "int() of a long text")
    return _charge_new(cls(*args, **kwargs))


def _guard_list(cls: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    if len(args) != 1 or kwargs:
        return cls(*args, **kwargs)
    items = materialise(args[0], f"{cls.__name__}()")
    return items if cls is list else _charge_new(cls(items))


def _guard_hashed(cls: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    if not args or type(args[0]) is dict:
        return _charge_new(cls(*args, **kwargs), *args)
    items = materialise(args[0], f"{cls.__name__}()")
    check_work(items, f"{cls.__name__}()")
    return _charge_new(cls(items, *args[1:], **kwargs))


_TYPE_GUARDS: dict[Any, Callable[[Any, tuple[Any, ...], dict[str, Any]], Any]] = {
    str: _guard_str,
    int: _guard_int,
    list: _guard_list,
    tuple: _guard_list,
    set: _guard_hashed,
    frozenset: _guard_hashed,
    dict: _guard_hashed,
}

_FUNCTION_GUARDS: dict[Any, Callable[[Any, tuple[Any, ...], dict[str, Any]], Any]] = {
    builtins.repr: _guarded_repr,
    builtins.hash: _guarded_hash,
    builtins.round: _guarded_round,
}


def sandbox_call(func: Any, /, *args: Any, **kwargs: Any) -> Any:
    """Every call in sandboxed code: ``f(a, b)`` is compiled as ``sandbox_call(f, a, b)``.

    Python functions (the script's own, helpers, the guarded builtins) are called as they are.
    Builtin functions, types and methods are looked up in the guard tables, checked and called,
    and what they return is charged to the evaluation's allocation budget.
    """
    # Written for speed (it runs for every call): each nested Python call costs ~0.7 us under the
    # tracer, so the common cases are handled inline.
    t = type(func)
    if t is FunctionType or t is MethodType:
        return func(*args, **kwargs)
    if t is BuiltinFunctionType:
        owner = func.__self__
        if owner is _BUILTINS_MODULE or owner is None:
            # len, abs, isinstance, chr, hex, divmod, ...: small results; repr, hash, round: guarded
            guard = _FUNCTION_GUARDS.get(func)
            if guard is not None:
                return guard(func, args, kwargs)
            return func(*args, **kwargs)
        cls = owner if type(owner) is type else type(owner)
        key = (cls, func.__name__)
        method_guard = _method_guard_cache[key] if key in _method_guard_cache else _method_guard(cls, key[1])
        if cls in _MUTABLE:
            # list.append, dict.get, ...: may change task data in place; what they return (if
            # anything) is usually an element that exists already, so it is not charged.
            budget = _STATE.budget
            if budget is not None:
                budget.mutated = True
            if method_guard is not None:
                return method_guard(func, owner, args, kwargs)
            return func(*args, **kwargs)
        if method_guard is not None:
            return method_guard(func, owner, args, kwargs)
        result = func(*args, **kwargs)
    elif t is type:  # str(x), int(x), list(x), datetime(...), ValueError(...)
        if (len(args) == 1 and not kwargs and type(args[0]) in _SMALL_RESULTS and func in _SCALAR_TYPES
                and not (func is str and type(args[0]) is int and args[0].bit_length() > _INT_TEXT_BITS)):
            return func(args[0])  # str(1), int(2.5), float(3): small and bounded
        type_guard = _TYPE_GUARDS.get(func)
        if type_guard is not None:
            return type_guard(func, args, kwargs)
        return func(*args, **kwargs)
    elif t is MethodDescriptorType:  # str.join(sep, items): unbound method of a builtin type
        if args and isinstance(args[0], func.__objclass__):
            return sandbox_call(func.__get__(args[0]), *args[1:], **kwargs)
        return func(*args, **kwargs)
    else:
        return func(*args, **kwargs)
    # charge what a method of str, bytes, datetime, ... created
    if type(result) in _CHARGED_TYPES and result is not owner:
        budget = _STATE.budget
        if budget is not None:
            budget.allocated += sys.getsizeof(result)
            if budget.allocated > MAX_ALLOCATION:
                raise _memory_exceeded()
    return result


_BUILTINS_MODULE = builtins
_SCALAR_TYPES = frozenset({str, int, float, bool, complex})


# ---------------------------------------------------------------------------------------------
# Item access and stores
# ---------------------------------------------------------------------------------------------


def guarded_getitem(obj: Any, index: Any) -> Any:
    t = type(index)
    if t is slice:
        return _charge_new(obj[index], obj)
    if t is tuple:
        check_key(index)
    return obj[index]


class StoreTarget(tuple):  # type: ignore[type-arg]
    """``x[k] = v`` / ``del x[k]`` in sandboxed code go through ``StoreTarget((x,))[k] = v``
    (``x`` has passed the write guard): a slice assignment may not grow a list past the limit,
    a tuple key is measured before it is hashed. A tuple subclass, so that creating one costs no
    Python frame. (Item stores are statements, so expressions never mutate task data this way.)"""

    __slots__ = ()

    def __setitem__(self, key: Any, value: Any) -> None:
        obj = tuple.__getitem__(self, 0)
        if type(key) is slice and isinstance(obj, list):
            items = materialise(value, "slice assignment")
            removed = len(range(*key.indices(len(obj))))
            _check_seq_length(len(obj) - removed + len(items), "slice assignment")
            obj[key] = items
            return
        if type(key) is tuple:
            check_key(key)
        obj[key] = value

    def __delitem__(self, key: Any) -> None:
        obj = tuple.__getitem__(self, 0)
        if type(key) is tuple:
            check_key(key)
        del obj[key]


# ---------------------------------------------------------------------------------------------
# Task data size
# ---------------------------------------------------------------------------------------------


def check_result(data: Any, what: str) -> None:
    """Refuse task data (or an expression's value) too large to copy and serialise quickly."""
    values, chars = measure(data, MAX_RESULT_ITEMS, MAX_RESULT_CHARS)
    if values > MAX_RESULT_ITEMS:
        raise SandboxLimitExceeded("task data size", MAX_RESULT_ITEMS, "values",
                                   f"{what} would hold more values")
    if chars > MAX_RESULT_CHARS:
        raise SandboxLimitExceeded("task data size", MAX_RESULT_CHARS, "characters",
                                   f"{what} would be longer as text")


def oversized_keys(data: dict[str, Any]) -> list[str]:
    """Keys of ``data`` whose values alone break a task data limit, largest first."""
    sizes = []
    for key, value in data.items():
        values, chars = measure(value, MAX_RESULT_ITEMS, MAX_RESULT_CHARS)
        sizes.append((max(values / MAX_RESULT_ITEMS, chars / MAX_RESULT_CHARS), key))
    sizes.sort(reverse=True)
    return [key for _, key in sizes]
