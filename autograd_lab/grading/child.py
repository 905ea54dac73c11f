"""The grading child: runs one rebuilt notebook and evaluates its checks in forks of it.

Started by :mod:`.sandbox` as ``python -I -c BOOT``; the job (JSON) arrives on stdin. Processes:

``boot``
    imports the library, installs ``get_ipython``/``display``, pictures the world
    (:mod:`.snapshot`), enters new PID and network namespaces when the kernel allows, starts ``init``.
``init``
    PID 1 of the new namespace (otherwise a subreaper): starts ``runner``, adopts orphans, reports
    on the supervisor channel how ``runner`` ended. Runs no notebook code; nothing in the sandbox can
    signal or trace it.
``runner``
    the sandbox proper (rlimits, Landlock, seccomp, no capabilities): runs the cells. At each test
    cell it forks a ``snapshot`` and waits until the public checks are answered.
``snapshot``
    a single-threaded copy of the runner at the test cell. It resets signal handlers and hooks,
    restores the world, evaluates each public check in its own ``evaluator`` fork, then waits on its
    command pipe for the hidden checks, which the grader sends one at a time only after the runner
    and every other process have ended and the notebook's output is sealed.
``evaluator``
    a fork of the snapshot that evaluates one check expression and writes exactly one answer.

The child never receives expected values; hidden check expressions are not in the job.
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
import traceback
import types
from typing import Any

from . import linux, probe, shell, snapshot, values
from .landlock import LandlockUnavailable, restrict

MAX_ERROR_CHARS = 2000

GRACE = 1.0


class Channel:
    """One JSON object per line, written straight to a file descriptor."""

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


def _refuse_new_audit_hooks(event: str, args: Any) -> None:
    if event == "sys.addaudithook":
        raise RuntimeError("audit hooks are not available while grading")


def _fork() -> int:
    try:
        return linux.raw_fork()
    except linux.Unsupported:
        return os.fork()


def _close_all_but(keep: set[int]) -> None:
    low = 0
    for fd in sorted(keep) + [resource.getrlimit(resource.RLIMIT_NOFILE)[0]]:
        if fd > low:
            os.closerange(low, fd)
        low = fd + 1


def _format_error(exc: BaseException) -> str:
    lines = traceback.format_exception(type(exc), exc, exc.__traceback__)
    kept = [line for line in lines if "autograd_lab/grading/" not in line]
    text = "".join(kept)
    return text if len(text) <= MAX_ERROR_CHARS else "..." + text[-MAX_ERROR_CHARS:]


# -- boot ---------------------------------------------------------------------------------------------


def main() -> None:
    job = json.loads(sys.stdin.buffer.read())
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.close(null)
    sys.addaudithook(_refuse_new_audit_hooks)
    import autograd_lab  # noqa: F401 - the library, loaded before the picture is taken
    import autograd_lab.nn  # noqa: F401
    import autograd_lab.optim  # noqa: F401
    for stream in (sys.stdout, sys.stderr):
        stream.reconfigure(line_buffering=True)  # type: ignore[attr-defined]
    main_module = types.ModuleType("__main__")
    ns = main_module.__dict__
    ns["__builtins__"] = builtins
    sys.modules["__main__"] = main_module
    shell.install(ns)
    values.trust_current_tensor_classes()
    world = snapshot.capture(trust=probe.trust_current_world)
    try:
        isolation = linux.enter_sandbox_namespaces()
    except OSError as exc:
        isolation = f"no namespaces ({exc})"
    boot = os.getpid()
    init = _fork()
    if init == 0:
        _init(job, ns, world, isolation, boot)
    Channel(job["fds"]["supervisor"]).send(ev="init", pid=init, isolation=isolation)
    _idle()


def _idle() -> None:
    """Wait to be killed, holding no memory of the Python process (``sleep`` replaces it): the runner
    and its forks then own their pages, and touching them costs no copies."""
    _close_all_but(set())
    try:
        os.execv("/bin/sleep", ["sleep", "2147483647"])
    except OSError:
        while True:
            signal.pause()


# -- init ---------------------------------------------------------------------------------------------


def _init(job: dict[str, Any], ns: dict[str, Any], world: snapshot.World, isolation: str, boot: int) -> None:
    """PID 1 of the sandbox's namespace (or its subreaper): start the runner, say which it is, idle."""
    try:
        linux.die_with_parent()  # survives exec: killing boot ends init, and with it the namespace
        if os.getppid() not in (boot, 0):
            os._exit(1)
        for step in (linux.become_subreaper, linux.make_undumpable):
            try:
                step()
            except OSError:
                pass
        runner = _fork()
        if runner == 0:
            _runner(job, ns, world, isolation)
        Channel(job["fds"]["supervisor"]).send(ev="runner", pid=runner)
        _idle()
    finally:
        os._exit(1)


# -- runner -------------------------------------------------------------------------------------------


def _set_limits(limits: dict[str, Any]) -> None:
    def limit(which: int, value: int | None) -> None:
        if value:
            soft, hard = resource.getrlimit(which)
            cap = value if hard == resource.RLIM_INFINITY else min(value, hard)
            resource.setrlimit(which, (cap, cap))

    limit(resource.RLIMIT_AS, limits.get("memory_bytes"))
    limit(resource.RLIMIT_CPU, limits.get("cpu_seconds"))
    limit(resource.RLIMIT_FSIZE, limits.get("file_bytes"))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _confine(job: dict[str, Any], isolation: str) -> str:
    """Limits, Landlock, seccomp and no capabilities; returns what applied, for the gradebook."""
    _set_limits(job["limits"])
    parts = [isolation]
    own_proc = [f"/proc/{os.readlink('/proc/self')}", "/proc/cpuinfo", "/proc/meminfo", "/proc/stat"]
    try:
        parts.append(restrict(job["readable"] + own_proc, job["writable"]))
    except (LandlockUnavailable, OSError) as exc:
        parts.append(f"no landlock ({exc})")
    try:
        parts.append(linux.install_seccomp_filter())
    except OSError as exc:
        parts.append(f"no seccomp ({exc})")
    try:
        linux.drop_capabilities()
    except OSError as exc:
        parts.append(f"capabilities kept ({exc})")
    return "; ".join(parts)


def _runner(job: dict[str, Any], ns: dict[str, Any], world: snapshot.World, isolation: str) -> None:
    try:
        os.close(job["fds"]["supervisor"])
        sandbox = _confine(job, isolation)
        results = Channel(job["fds"]["results"])
        results.send(ev="ready", sandbox=sandbox)
        Runner(job, ns, world, results).run()
    finally:
        os._exit(0)


class Runner:
    """Runs the cells in order; at each test cell, has the public checks answered (and keeps a
    snapshot for the hidden ones)."""

    def __init__(self, job: dict[str, Any], ns: dict[str, Any], world: snapshot.World, results: Channel) -> None:
        self.job, self.ns, self.world, self.results = job, ns, world, results
        self.seconds = float(job["limits"]["cell_timeout"])
        self.streams = (sys.stdout, sys.stderr)

    def run(self) -> None:
        for index, step in enumerate(self.job["steps"]):
            if "run" in step:
                self.results.send(ev="start", step=index)
                outcome = run_cell(step["run"], step.get("label", str(index)), self.ns, self.seconds)
                self.results.send(ev="end", step=index, **outcome)
            else:
                self.test_cell(index, step)
        self.results.send(ev="done")
        for stream in self.streams:
            try:
                stream.flush()
            except BaseException:  # noqa: BLE001
                pass

    def test_cell(self, index: int, step: dict[str, Any]) -> None:
        checks = Checks(self.job, index, step, self.ns, self.world, self.results,
                        restore=not snapshot.unchanged(self.world), streams=self.streams)
        if step.get("command_fd") is None:
            checks.answer_public()
            return
        done_r, done_w = os.pipe()
        paused = _pause(self.streams)
        try:
            pid = _fork()
            if pid == 0:
                os.close(done_r)
                checks.keep_as_snapshot(done_w)
        finally:
            _resume(paused)
        os.close(done_w)
        budget = len(step.get("public", ())) * (self.seconds + 2 * GRACE) + 5.0
        try:
            select.select([done_r], [], [], budget)
        finally:
            os.close(done_r)


def run_cell(source: str, label: str, ns: dict[str, Any], seconds: float) -> dict[str, Any]:
    """Run one cell's Python in ``ns``; never raises for anything the cell does."""
    try:
        code = compile(source, f"<cell {label}>", "exec")
    except (SyntaxError, ValueError) as exc:
        return {"status": "syntax-error", "error": _format_error(exc)}
    try:
        probe.with_time_limit(seconds, lambda: exec(code, ns))  # noqa: S102 - the notebook's code
    except probe.TimeLimit:
        return {"status": "timeout", "error": f"cell ran longer than {seconds:g} s"}
    except MemoryError as exc:
        return {"status": "memory", "error": _format_error(exc)}
    except BaseException as exc:  # noqa: BLE001 - SystemExit and friends end the cell, not the run
        return {"status": "error", "error": _format_error(exc)}
    return {"status": "ok"}


def _flush_pending_signal_handlers() -> None:
    """Entering a Python function runs the handlers of signals that already arrived."""


def _pause(streams: tuple[Any, ...]) -> tuple[Any, ...]:
    """Before forking a snapshot: no signal, trace, profile or gc callback may run in the fork."""
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, signal.valid_signals())
    _flush_pending_signal_handlers()
    for stream in streams:
        try:
            stream.flush()
        except BaseException:  # noqa: BLE001
            pass
    trace, profile = sys.gettrace(), sys.getprofile()
    sys.settrace(None)
    sys.setprofile(None)
    _stop_monitoring()
    enabled, callbacks = gc.isenabled(), gc.callbacks[:]
    gc.disable()
    gc.callbacks.clear()
    return mask, trace, profile, enabled, callbacks


def _resume(paused: tuple[Any, ...]) -> None:
    mask, trace, profile, enabled, callbacks = paused
    gc.callbacks.extend(callbacks)
    if enabled:
        gc.enable()
    sys.settrace(trace)
    sys.setprofile(profile)
    signal.pthread_sigmask(signal.SIG_SETMASK, mask)


def _stop_monitoring() -> None:
    monitoring = getattr(sys, "monitoring", None)
    if monitoring is None:
        return
    for tool in range(6):
        try:
            monitoring.set_events(tool, 0)
            if monitoring.get_tool(tool) is not None:
                monitoring.free_tool_id(tool)
        except (ValueError, RuntimeError):
            pass


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


# -- checks, snapshot and evaluator --------------------------------------------------------------------


def _clean_fork_state(world: snapshot.World, restore: bool, keep: list[Any]) -> None:
    """First steps of every fork that evaluates checks: default signals, no hooks, the world put back."""
    _default_signals()
    if restore:
        snapshot.restore(world, keep)
    gc.disable()
    sys.settrace(None)
    sys.setprofile(None)
    _fresh_streams()


class Checks:
    """Evaluates one test cell's check expressions in forks of a clean process.

    The public checks of a cell share one evaluator (a new one takes over after a check that hangs
    or crashes: it fails only that check). Each hidden check gets an evaluator of its own, so nothing
    a check runs can change what the next hidden check sees.
    """

    def __init__(self, job: dict[str, Any], index: int, step: dict[str, Any], ns: dict[str, Any],
                 world: snapshot.World, results: Channel, *, restore: bool, streams: tuple[Any, ...]) -> None:
        self.index, self.step, self.ns, self.world, self.results = index, step, ns, world, results
        self.seconds = float(job["limits"]["cell_timeout"])
        self.restore, self.streams = restore, streams
        self.kept: list[Any] = []
        self.helpers: dict[str, Any] | None = None

    def keep_as_snapshot(self, done_w: int) -> None:
        """In the fork made at the test cell: answer the public checks, then serve the hidden ones."""
        try:
            command_fd = int(self.step["command_fd"])
            _close_all_but({self.results.fd, done_w, command_fd, 1, 2})
            try:
                linux.make_undumpable()
            except OSError:
                pass
            _clean_fork_state(self.world, self.restore, self.kept)
            self.restore, self.streams = False, ()
            self.helpers = self._helpers()
            self.results.send(ev="snapshot", step=self.index, pid=os.getpid())
            self.answer_public()
            self.results.send(ev="public-done", step=self.index)
            os.write(done_w, b".")
            os.close(done_w)
            for command in _lines(command_fd):
                self._send("hidden", int(command["index"]), self._evaluate([str(command["expr"])], hidden=True)[0])
        finally:
            os._exit(0)

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

    def _send(self, kind: str, k: int, answer: tuple[str, list[str]]) -> None:
        value, warnings = answer
        self.results.send(value, ev="answer", step=self.index, kind=kind, index=k, warnings=warnings)

    def _evaluate(self, exprs: list[str], *, hidden: bool) -> list[tuple[str, list[str]]]:
        """Answers for the first expressions of ``exprs`` (at least one) from one evaluator."""
        read_fd, write_fd = os.pipe()
        paused = _pause(self.streams) if self.streams else None
        try:
            pid = _fork()
            if pid == 0:
                os.close(read_fd)
                self._evaluator(exprs, write_fd, hidden)
        finally:
            if paused is not None:
                _resume(paused)
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
            _close_all_but({write_fd, 1, 2})
            if hidden:
                null = os.open(os.devnull, os.O_RDWR)
                for fd in (0, 1, 2):
                    os.dup2(null, fd)
                try:
                    linux.forbid_new_processes()
                except OSError:
                    pass
            if self.helpers is None:
                _clean_fork_state(self.world, self.restore, self.kept)
                self.helpers = self._helpers()
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
            if reaped != pid:
                continue
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


