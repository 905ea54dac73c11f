"""A traceback for a student's error, written without running any of the student's code.

``traceback.format_exception`` calls the exception's ``__str__`` (and ``repr`` of its arguments) and
reads lines through ``linecache``: a notebook can make each of them hang or raise, or rebind them. Here
frames are read from the traceback objects' C attributes, lines come from the cells' own sources (kept
by :func:`remember_cell`) or the library's files, and the message is the exception's own text only when
that text is made by Python itself from plain arguments.
"""
from __future__ import annotations

import builtins as _builtins_module

__builtins__ = dict(vars(_builtins_module))  # this module's own builtins: a notebook may rebind the shared ones

import types  # noqa: E402
from typing import Any  # noqa: E402

from .values import type_name  # noqa: E402

MAX_FRAMES = 30
_PLAIN = (str, int, float, bool, bytes, type(None))
_C_SLOTS = (types.WrapperDescriptorType, types.MethodDescriptorType, types.BuiltinFunctionType)
_MRO = type.__dict__["__mro__"].__get__
_CLASS_DICT = type.__dict__["__dict__"].__get__
_ARGS = BaseException.__dict__["args"].__get__
_TRACEBACK = BaseException.__dict__["__traceback__"].__get__
_OSERROR_FILENAMES = (OSError.__dict__["filename"].__get__, OSError.__dict__["filename2"].__get__)
_len, _str, _type, _isinstance = len, str, type, isinstance
_GRADER_FILES = "autograd_lab/grading/"

_cell_sources: dict[str, list[str]] = {}


def remember_cell(filename: str, source: str) -> None:
    """Keep a cell's lines, so that frames in ``filename`` show the line that failed."""
    _cell_sources[filename] = source.splitlines()


def _plain(value: Any) -> bool:
    return _type(value) in _PLAIN


def _message_is_safe(exc: BaseException) -> bool:
    """True when ``str(exc)`` runs only Python's own code on plain values."""
    for cls in _MRO(_type(exc)):
        found = _CLASS_DICT(cls).get("__str__")
        if found is not None:
            if not _isinstance(found, _C_SLOTS):
                return False
            break
    if not all(_plain(arg) for arg in _ARGS(exc)):
        return False
    if _isinstance(exc, OSError):
        return all(_plain(get(exc)) for get in _OSERROR_FILENAMES)
    return True


def message(exc: BaseException, limit: int = 2000) -> str:
    """``Type: text`` of an exception; the text only when it is Python's own, from plain arguments."""
    name = type_name(exc)
    text = ""
    if _message_is_safe(exc):
        try:
            text = _str(exc)
        except BaseException:  # noqa: BLE001 - a plain value can still fail to format
            text = ""
    else:
        args = _ARGS(exc)
        if _len(args) == 1 and _type(args[0]) is str:
            text = args[0]
    if _len(text) > limit:
        text = text[:limit] + f"... ({_len(text) - limit} more characters)"
    return f"{name}: {text}" if text else name


def _file_line(path: str, lineno: int) -> str:
    lines = _cell_sources.get(path)
    if lines is not None:
        return lines[lineno - 1].strip() if 0 < lineno <= _len(lines) else ""
    if not path.endswith(".py"):
        return ""
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            for number, line in enumerate(fh, start=1):
                if number == lineno:
                    return line.strip()
    except OSError:
        pass
    return ""


def _syntax_error(exc: SyntaxError) -> str:
    """Python's picture of a syntax error: the line and a caret under the place it stopped."""
    where = f'  File "{exc.filename}", line {exc.lineno}\n' if _type(exc.filename) is str else ""
    text = exc.text if _type(exc.text) is str else ""
    caret = ""
    if text.strip() and _type(exc.offset) is int:
        indent = _len(text) - _len(text.lstrip())
        caret = "    " + " " * max(0, exc.offset - 1 - indent) + "^\n"
    shown = f"    {text.strip()}\n" if text.strip() else ""
    return where + shown + caret + f"{type_name(exc)}: {exc.msg if _type(exc.msg) is str else ''}\n"


def _frame(path: str, lineno: int, name: str) -> str:
    text = _file_line(path, lineno)
    return f'  File "{path}", line {lineno}, in {name}\n' + (f"    {text}\n" if text else "")


def format_error(exc: BaseException, limit: int = 2000) -> str:
    """A traceback of ``exc`` like Python's (innermost frames last), without the grader's own frames."""
    if _type(exc) in (SyntaxError, IndentationError, TabError):
        return _syntax_error(exc)[-limit:]
    places: list[tuple[str, int, str]] = []
    tb = _TRACEBACK(exc)
    while tb is not None:
        code = tb.tb_frame.f_code
        if _GRADER_FILES not in code.co_filename:
            places.append((code.co_filename, tb.tb_lineno, code.co_name))
        tb = tb.tb_next
    skipped = _len(places) - MAX_FRAMES
    if skipped > 0:
        places = places[: MAX_FRAMES // 2] + [("", skipped, "")] + places[-MAX_FRAMES // 2:]
    frames = [_frame(path, lineno, name) if path else f"  ... {lineno} more frames ...\n"
              for path, lineno, name in places]
    head = "Traceback (most recent call last):\n" if frames else ""
    text = head + "".join(frames) + message(exc, limit // 2) + "\n"
    return text if _len(text) <= limit else "..." + text[-limit:]
