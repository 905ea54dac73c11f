"""Evaluating a test cell's checks, in forks of the runner taken at the test cell (see :mod:`.child`).

:func:`serve_test_cell` runs in the fork made at the test cell. It first puts the world back (if the
notebook changed it), so everything here runs with the library, the builtins and this package as
they were before the notebook ran. It then answers the public checks, each test cell's in one
evaluator fork (a new one takes over after a check that hangs or crashes: it fails only that check),
while the runner goes on with the notebook. When the cell has hidden checks, it stays as the cell's
*snapshot*: it waits on its command pipe for the hidden checks, which the grader sends only after the
runner and every other process have ended and the notebook's output is sealed. Each hidden check gets an evaluator of its
own that cannot start processes and whose output goes nowhere, so nothing a check runs can change
what the next one sees or reach the student.
"""
from __future__ import annotations

import builtins
import gc
import io
import json
import os
import resource
import select
import signal
import sys
import time
import warnings
from typing import Any

from . import linux, probe, snapshot, values
from .landlock import confine_further

GRACE = 1.0
REGISTRATION_SECONDS = 10.0  # a test cell's fork registers within this (it runs no notebook code first)


class Results:
    """The result channel to the grader: one JSON object per line."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def send(self, value: str | None = None, **event: Any) -> None:
        text = json.dumps(event, allow_nan=False)
        if value is not None:
            text = text[:-1] + ', "value": ' + value + "}"
        data = (text + "\n").encode("utf-8", "backslashreplace")
        try:
            while data:
                data = data[os.write(self.fd, data):]
        except OSError:
            os._exit(3)


def close_all_but(keep: set[int]) -> None:
    """Close every file descriptor not in ``keep``."""
    low = 0
    for fd in sorted(keep) + [resource.getrlimit(resource.RLIMIT_NOFILE)[0]]:
        if fd > low:
            os.closerange(low, fd)
        low = fd + 1


def _default_signals() -> None:
    for sig in signal.valid_signals():
        try:
            signal.signal(sig, signal.SIG_IGN if sig == signal.SIGPIPE else signal.SIG_DFL)
        except (OSError, ValueError, RuntimeError):
            pass
    signal.set_wakeup_fd(-1)
    signal.pthread_sigmask(signal.SIG_SETMASK, [])


def _fresh_streams() -> None:
    def stream(fd: int) -> io.TextIOWrapper:
        raw = io.FileIO(fd, "w", closefd=False)
        return io.TextIOWrapper(raw, encoding="utf-8", errors="backslashreplace", line_buffering=True,
                                write_through=True)

    sys.stdout, sys.stderr = stream(1), stream(2)


def serve_test_cell(job: dict[str, Any], index: int, step: dict[str, Any], ns: dict[str, Any],
                    fixes: list[snapshot.Fix], registered_w: int) -> None:
    """The fork made at a test cell (see the module docstring); never returns. ``fixes`` put back
    what the notebook changed of the world (:func:`.snapshot.changes`); closing ``registered_w`` tells
    the runner this fork has registered with the grader."""
    try:
        kept: list[Any] = []
        for fix in fixes:  # first: signals are still blocked, gc and hooks are off
            fix(kept)
        if fixes and hasattr(warnings, "_filters_mutated"):
            warnings._filters_mutated()
        _default_signals()
        sys.settrace(None)
        sys.setprofile(None)
        results = Results(job["fds"]["results"])
        command_fd = step.get("command_fd")
        close_all_but({results.fd, registered_w, 1, 2} | ({command_fd} if command_fd is not None else set()))
        try:
            linux.make_undumpable()
        except OSError:
            pass
        _fresh_streams()
        checks = Checks(job, index, step, ns, results)
        results.send(ev="snapshot", step=index, pid=os.getpid())
        os.close(registered_w)
        checks.answer_public()
        results.send(ev="public-done", step=index)
        if command_fd is not None:
            for command in _lines(command_fd):
                checks.answer_hidden(int(command["index"]), str(command["expr"]))
    finally:
        os._exit(0)


class Checks:
    """Evaluates one test cell's check expressions in evaluator forks of this (clean) process."""

    def __init__(self, job: dict[str, Any], index: int, step: dict[str, Any], ns: dict[str, Any],
                 results: Results) -> None:
        self.index, self.step, self.ns, self.results = index, step, ns, results
        self.seconds = float(job["limits"]["cell_timeout"])
        self.helpers = self._helpers()

    def _helpers(self) -> dict[str, Any]:
        """The locked cells' imports and functions, made afresh from the instructor's source."""
        env = dict(self.ns)
        env["__builtins__"] = builtins
        try:
            exec(compile(self.step.get("helpers", ""), "<locked cells>", "exec"), env)  # noqa: S102
        except BaseException:  # noqa: BLE001 - then checks see the notebook's names
            return {}
        return {name: env[name] for name in self.step.get("helper_names", ()) if name in env}

    def answer_public(self) -> None:
        exprs = list(self.step.get("public", ()))
        done = 0
        while done < len(exprs):
            for answer in self._evaluate(exprs[done:], hidden=False):
                self._send("public", done, answer)
                done += 1

    def answer_hidden(self, k: int, expr: str) -> None:
        self._send("hidden", k, self._evaluate([expr], hidden=True)[0])

    def _send(self, kind: str, k: int, answer: tuple[str, list[str]]) -> None:
        value, warnings = answer
        self.results.send(value, ev="answer", step=self.index, kind=kind, index=k, warnings=warnings)

    def _evaluate(self, exprs: list[str], *, hidden: bool) -> list[tuple[str, list[str]]]:
        """Answers for the first expressions of ``exprs`` (at least one) from one evaluator."""
        read_fd, write_fd = os.pipe()
        pid = linux.raw_fork()
        if pid == 0:
            os.close(read_fd)
            self._evaluator(exprs, write_fd, hidden)
        os.close(write_fd)
        try:
            return _answers(read_fd, pid, len(exprs), self.seconds)
        finally:
            os.close(read_fd)
            for kill in (os.killpg, os.kill):
                try:
                    kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass

    def _evaluator(self, exprs: list[str], write_fd: int, hidden: bool) -> None:
        try:
            os.setpgid(0, 0)
            close_all_but({write_fd, 1, 2})
            if hidden:
                null = os.open(os.devnull, os.O_RDWR)
                for fd in (0, 1, 2):
                    os.dup2(null, fd)
                try:
                    linux.forbid_new_processes()
                except OSError:
                    pass
            try:  # the evaluator cannot signal the snapshot; a hidden check cannot leave files behind
                confine_further(writes=not hidden)
            except OSError:
                pass
            names = self.step.get("answer_names", ())
            for index, expr in enumerate(exprs):
                answer: Any
                caught: list[str] = []
                try:
                    found, caught = probe.with_time_limit(self.seconds, lambda: probe.evaluate(
                        [expr], self.ns, helpers=self.helpers, answer_names=names))
                    answer = found[expr]
                except probe.TimeLimit:
                    answer = values.EvalError(f"evaluating the check took longer than {self.seconds:g} s")
                line = json.dumps({"index": index, "warnings": [] if hidden else caught[:20]})[:-1]
                data = (line + ', "value": ' + values.encode(answer) + "}\n").encode()
                while data:
                    data = data[os.write(write_fd, data):]
        finally:
            os._exit(0)


def _lines(fd: int) -> Any:
    pending = b""
    while True:
        chunk = os.read(fd, 65536)
        if not chunk:
            return
        pending += chunk
        while b"\n" in pending:
            line, pending = pending.split(b"\n", 1)
            yield json.loads(line)


def _answers(fd: int, pid: int, count: int, seconds: float) -> list[tuple[str, list[str]]]:
    """Read an evaluator's answers, one line per expression in order, each within ``seconds``.

    Stops at the first expression that takes too long, ends the process without an answer, or is
    answered by anything but exactly one line in order: that expression gets an error, and the
    caller continues with the next one in a new evaluator.
    """
    answers: list[tuple[str, list[str]]] = []
    pending = b""
    deadline = time.monotonic() + seconds + GRACE
    exited: int | None = None
    while len(answers) < count:
        if b"\n" in pending:
            line, pending = pending.split(b"\n", 1)
            answer = _parse_answer(line, len(answers))
            answers.append(answer if answer is not None else _error("the check's process wrote something else"))
            if answer is None:
                return answers
            deadline = time.monotonic() + seconds + GRACE
            continue
        left = deadline - time.monotonic()
        if left <= 0:
            return answers + [_error(f"evaluating the check took longer than {seconds:g} s")]
        ready, _, _ = select.select([fd], [], [], min(left, 0.2))
        chunk = os.read(fd, 1 << 20) if ready else None
        if chunk:
            pending += chunk
            if len(pending) > values.MAX_MESSAGE_BYTES + 65536:
                return answers + [_error("the answer is too large to send")]
            continue
        if chunk is None and exited is None:
            reaped, code = os.waitpid(pid, os.WNOHANG)
            if reaped == pid:
                exited = code
            continue
        if exited is None:
            _, exited = os.waitpid(pid, 0)
        return answers + [_error(f"evaluating the check ended the Python process ({_how(exited)})")]
    return answers


def _error(message: str) -> tuple[str, list[str]]:
    return values.encode(values.EvalError(message)), []


def _how(status: int) -> str:
    if os.WIFSIGNALED(status):
        signum = os.WTERMSIG(status)
        return signal.Signals(signum).name if signum in signal.valid_signals() else f"signal {signum}"
    return f"exit code {os.WEXITSTATUS(status)}"


def _parse_answer(line: bytes, index: int) -> tuple[str, list[str]] | None:
    """One evaluator line, re-encoded; None unless it is the answer for ``index``."""
    try:
        payload = json.loads(line)
        if payload.get("index") != index:
            return None
        value = json.dumps(payload["value"], allow_nan=False)
        warnings = [str(w)[:300] for w in payload.get("warnings", [])][:20]
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
        return None
    return value, warnings
