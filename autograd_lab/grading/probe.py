"""Evaluate check expressions (``"x.grad"``, ``"isinstance(opt, torch.optim.SGD)"``) on a notebook's
values and turn the results into plain data.

An expression is compiled with every value it reads (names, attributes, items, call results) passed
through :func:`read` and every comparison through :func:`compare_chain`. In the grading child
(:func:`trust_current_world` was called before notebook code ran) that means:

- instances of classes made by the notebook that subclass ``int``/``float``/``str``/containers are
  read as the plain base value, so a lying ``__eq__``/``__lt__``/``strip`` is never used;
- instances of Tensor subclasses made by the notebook are read as the library class;
- names resolve in the instructor's order (see :func:`check_globals`): ``isinstance``,
  ``torch``, helpers from locked cells cannot be replaced by the notebook, while the names the
  solution defines are the student's.

In a notebook (``check``/``expect``) nothing is trusted more than the notebook itself, and names
resolve as in Python.
"""
from __future__ import annotations

import ast
import builtins
import operator
import signal
import threading
import types
import warnings
from typing import Any, Callable, Iterable, Mapping, TypeVar

import numpy as np

from .._numpy_warnings import ignore_numpy_warnings_from_the_package
from .._tensor import Tensor
from .values import EvalError, as_library_tensor, to_plain, type_name

T = TypeVar("T")

_READ, _COMPARE = "__check_read__", "__check_compare__"
_MRO = type.__dict__["__mro__"].__get__
_INT_VALUE, _FLOAT_VALUE, _STR_VALUE = int.__int__, float.__float__, str.__str__
_COMPLEX_REAL, _COMPLEX_IMAG = complex.__dict__["real"].__get__, complex.__dict__["imag"].__get__
_EXACT = frozenset({int, float, complex, str, bool, type(None), list, tuple, dict, set, frozenset, bytes,
                    types.ModuleType, types.FunctionType, types.BuiltinFunctionType, type, np.ndarray, Tensor})
_COMPARISONS: dict[str, Callable[[Any, Any], Any]] = {
    "Eq": operator.eq, "NotEq": operator.ne, "Lt": operator.lt, "LtE": operator.le, "Gt": operator.gt,
    "GtE": operator.ge, "Is": operator.is_, "IsNot": operator.is_not,
    "In": lambda a, b: operator.contains(b, a), "NotIn": lambda a, b: not operator.contains(b, a),
}
_SETTLE_LIMIT = 100_000

_trusted_classes: frozenset[type] = frozenset()


class TimeLimit(BaseException):
    """Raised inside code that ran past its time limit (a BaseException so ``except Exception`` misses it)."""


def _on_alarm(signum: int, frame: Any) -> None:
    raise TimeLimit()


def with_time_limit(seconds: float, fn: Callable[[], T]) -> T:
    """Run ``fn`` and raise :class:`TimeLimit` after ``seconds`` (only in the main thread on Unix)."""
    if seconds <= 0 or not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        return fn()
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return fn()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def trust_current_world(classes: Iterable[type]) -> None:
    """Grading child only: the classes that exist before notebook code runs are the trusted ones."""
    global _trusted_classes
    _trusted_classes = frozenset(classes) | _EXACT


# -- reading values ---------------------------------------------------------------------------------


def _plain_scalar(value: Any, mro: tuple[type, ...]) -> Any:
    if int in mro:
        return _INT_VALUE(value)
    if float in mro:
        return _FLOAT_VALUE(value)
    if str in mro:
        return _STR_VALUE(value)
    if complex in mro:
        return complex(_COMPLEX_REAL(value), _COMPLEX_IMAG(value))
    return None


def _rebuilt(value: Any, mro: tuple[type, ...], item: Callable[[Any], Any]) -> Any:
    if list in mro:
        return [item(v) for v in list.__iter__(value)]
    if tuple in mro:
        return tuple(item(v) for v in tuple.__iter__(value))
    if dict in mro:
        return {item(k): item(v) for k, v in dict.items(value)}
    if set in mro:
        return {item(v) for v in set.__iter__(value)}
    if frozenset in mro:
        return frozenset(item(v) for v in frozenset.__iter__(value))
    return None


def read(value: Any) -> Any:
    """What a check sees of ``value`` (see the module docstring); the value itself outside the grader."""
    trusted = _trusted_classes
    cls = type(value)
    if not trusted or cls in trusted:
        return value
    mro = _MRO(cls)
    if Tensor in mro:
        return as_library_tensor(value)
    scalar = _plain_scalar(value, mro)
    if scalar is not None:
        return scalar
    rebuilt = _rebuilt(value, mro, read)
    return value if rebuilt is None else rebuilt


def _settle(value: Any, budget: list[int]) -> Any:
    """``read``, and for builtin containers also every item inside, so comparisons use plain values."""
    value = read(value)
    cls = type(value)
    if cls in (list, tuple, dict, set, frozenset):
        budget[0] -= len(value)
        if budget[0] < 0:
            raise ValueError("comparison of a container too large for a check")
        rebuilt = _rebuilt(value, (cls,), lambda v: _settle(v, budget))
        return rebuilt
    return value


def compare_chain(ops: tuple[str, ...], *operands: Any) -> Any:
    """``a < b <= c`` with operands settled first (in the grader); returns what Python would."""
    if _trusted_classes:
        budget = [_SETTLE_LIMIT]
        operands = tuple(_settle(v, budget) for v in operands)
    result: Any = True
    for index, op in enumerate(ops):
        result = _COMPARISONS[op](operands[index], operands[index + 1])
        if index < len(ops) - 1 and not result:
            return result
    return result


def strict_isinstance(obj: Any, classinfo: Any) -> bool:
    """``isinstance`` that asks the object's real class (a ``__class__`` property cannot lie)."""
    return issubclass(type(obj), classinfo)


# -- compiling --------------------------------------------------------------------------------------


class _Rewrite(ast.NodeTransformer):
    def _wrap(self, node: ast.expr) -> ast.expr:
        return ast.copy_location(ast.Call(ast.Name(_READ, ast.Load()), [node], []), node)

    def visit_Name(self, node: ast.Name) -> ast.expr:
        return self._wrap(node) if isinstance(node.ctx, ast.Load) else node

    def _visit_loaded(self, node: ast.expr) -> ast.expr:
        self.generic_visit(node)
        return self._wrap(node) if isinstance(getattr(node, "ctx", ast.Load()), ast.Load) else node

    visit_Attribute = visit_Subscript = visit_Call = _visit_loaded

    def visit_Compare(self, node: ast.Compare) -> ast.expr:
        self.generic_visit(node)
        ops = ast.Constant(tuple(type(op).__name__ for op in node.ops))
        call = ast.Call(ast.Name(_COMPARE, ast.Load()), [ops, node.left, *node.comparators], [])
        return ast.copy_location(call, node)


_compiled: dict[str, types.CodeType] = {}


def compile_check(expr: str) -> types.CodeType:
    """Compile a check expression for :func:`evaluate`; raises SyntaxError for a bad one."""
    code = _compiled.get(expr)
    if code is None:
        tree = _Rewrite().visit(ast.parse(expr, mode="eval"))
        code = compile(ast.fix_missing_locations(tree), "<check>", "eval")
        if len(_compiled) < 10_000:
            _compiled[expr] = code
    return code


def check_globals(namespace: Mapping[str, Any], helpers: Mapping[str, Any] | None = None,
                  answer_names: Iterable[str] = ()) -> dict[str, Any]:
    """The names a check expression sees.

    In the grader (``helpers`` given): the names the solution defines come from the notebook
    (``namespace``), then the locked cells' imports and functions (``helpers``), then the builtins
    (with a strict ``isinstance``), then anything else the notebook defined. In a notebook: as Python.
    """
    env = dict(namespace)
    if helpers is not None:
        safe_builtins = dict(vars(builtins))
        safe_builtins["isinstance"] = strict_isinstance
        env.update(safe_builtins)
        env.update(helpers)
        env.update({name: namespace[name] for name in answer_names if name in namespace})
        env["__builtins__"] = safe_builtins
    env[_READ] = read
    env[_COMPARE] = compare_chain
    return env


def error_text(exc: BaseException) -> str:
    """``Type: message`` for an exception, without running the exception's own ``__str__``."""
    args = BaseException.__dict__["args"].__get__(exc)
    message = args[0] if len(args) == 1 and type(args[0]) is str else ""
    return f"{type_name(exc)}: {message}"[:300] if message else type_name(exc)


def evaluate(exprs: list[str], ns: Mapping[str, Any], *, helpers: Mapping[str, Any] | None = None,
             answer_names: Iterable[str] = ()) -> tuple[dict[str, Any], list[str]]:
    """Evaluate each expression; return plain values (or :class:`EvalError`) and warning texts."""
    env = check_globals(ns, helpers, answer_names)
    values: dict[str, Any] = {}
    caught: list[str] = []
    for expr in exprs:
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            ignore_numpy_warnings_from_the_package()  # PyTorch's silence on inf and nan holds in checks too
            try:
                values[expr] = to_plain(read(eval(compile_check(expr), env)))  # noqa: S307 - instructor code
            except TimeLimit:
                raise
            except BaseException as exc:  # noqa: BLE001 - a student's value may raise anything
                values[expr] = EvalError(error_text(exc))
        caught.extend(_warning_text(w) for w in seen)
    return values, caught


def _warning_text(w: warnings.WarningMessage) -> str:
    message = w.message
    return error_text(message) if isinstance(message, BaseException) else f"Warning: {message}"[:300]
