"""The grading child: runs one rebuilt notebook in a fresh interpreter and reports plain answers.

Started by :mod:`.sandbox` as ``python -I -c BOOT FD``. Reads the job (JSON) from stdin, applies
resource limits and the Landlock sandbox, runs each step and writes JSON lines to file descriptor FD.
It never sees expected values or assertions: only code to run and expressions to evaluate.
"""
from __future__ import annotations

import builtins
import json
import os
import resource
import sys
import traceback
import types
from typing import Any, TextIO

from .landlock import LandlockUnavailable, restrict
from .spec import strip_magics
from .probe import TimeLimit, evaluate, with_time_limit
from .values import EvalError, _encode

MAX_ERROR_CHARS = 2000


def _emit(out: TextIO, **event: Any) -> None:
    try:
        out.write(json.dumps(event, allow_nan=False) + "\n")
        out.flush()
    except (OSError, ValueError):
        os._exit(3)


def _set_limits(job: dict[str, Any]) -> None:
    def limit(which: int, value: int | None) -> None:
        if value:
            soft, hard = resource.getrlimit(which)
            cap = value if hard == resource.RLIM_INFINITY else min(value, hard)
            resource.setrlimit(which, (cap, cap))

    limit(resource.RLIMIT_AS, job.get("memory_bytes"))
    limit(resource.RLIMIT_CPU, job.get("cpu_seconds"))
    limit(resource.RLIMIT_FSIZE, job.get("file_bytes"))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _format_error(exc: BaseException) -> str:
    lines = traceback.format_exception(type(exc), exc, exc.__traceback__)
    kept = [line for line in lines if "autograd_lab/grading/child.py" not in line]
    text = "".join(kept)
    return text if len(text) <= MAX_ERROR_CHARS else "..." + text[-MAX_ERROR_CHARS:]


def _run_cell(source: str, label: str, ns: dict[str, Any], seconds: float) -> dict[str, Any]:
    code_text, magics = strip_magics(source)
    result: dict[str, Any] = {"status": "ok"}
    if magics:
        result["magics"] = magics
    try:
        code = compile(code_text, f"<cell {label}>", "exec")
    except (SyntaxError, ValueError) as exc:
        return {"status": "syntax-error", "error": _format_error(exc)}
    try:
        with_time_limit(seconds, lambda: exec(code, ns))
    except TimeLimit:
        result = {"status": "timeout", "error": f"cell ran longer than {seconds:g} s"}
    except MemoryError as exc:
        result = {"status": "memory", "error": _format_error(exc)}
    except BaseException as exc:  # noqa: BLE001 - SystemExit and friends end the cell, not the run
        result = {"status": "error", "error": _format_error(exc)}
    return result


def main() -> None:
    out = os.fdopen(int(sys.argv[1]), "w", encoding="utf-8")
    job = json.loads(sys.stdin.read())
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    try:
        import autograd_lab  # noqa: F401 - warm the import before the sandbox closes
    except Exception:  # noqa: BLE001
        pass
    root = job.get("root")
    if root in sys.path:
        sys.path.remove(root)
    _set_limits(job)
    try:
        own_proc = [f"/proc/{os.getpid()}", "/proc/cpuinfo", "/proc/meminfo", "/proc/stat"]
        sandbox = restrict(job.get("readable", []) + own_proc, job.get("writable", []))
    except (LandlockUnavailable, OSError) as exc:
        sandbox = f"none ({exc})"
    main_module = types.ModuleType("__main__")
    main_module.__dict__["__builtins__"] = builtins
    sys.modules["__main__"] = main_module
    ns = main_module.__dict__
    _emit(out, ev="ready", sandbox=sandbox)
    seconds = float(job.get("cell_timeout", 30))
    for index, step in enumerate(job["steps"]):
        _emit(out, ev="start", step=index)
        if "run" in step:
            result = _run_cell(step["run"], step.get("label", str(index)), ns, seconds)
            _emit(out, ev="end", step=index, **result)
        else:
            try:
                values, caught = with_time_limit(seconds, lambda: evaluate(step["exprs"], ns))
            except TimeLimit:
                values = {e: EvalError("evaluation timed out") for e in step["exprs"]}
                caught = []
            payload = [[expr, _encode(value)] for expr, value in values.items()]
            _emit(out, ev="answers", step=index, qid=step["probe"], values=payload, warnings=caught[:20])
    _emit(out, ev="done")
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:  # noqa: BLE001 - the student may have replaced the streams
            pass
    os._exit(0)
