"""The grading child: runs one rebuilt notebook and evaluates its checks in forks of it.

Processes:

``server``
    the fork server (:mod:`.forkserver`), started once per grading run: imports the library,
    installs ``get_ipython``/``display``, pictures the world (:mod:`.snapshot`); forks one ``boot``
    per submission and never runs notebook code.
``boot``
    takes the submission's pipes, directory and environment, reads the job (JSON) on stdin, enters
    new PID and network namespaces when the kernel allows, starts ``init``.
``init``
    PID 1 of the new namespace (otherwise a subreaper): starts ``runner``, tells the grader which
    process it is (the grader reads how it ended from ``/proc``), then becomes ``sleep``. Runs no
    notebook code; nothing in the sandbox can signal or trace it. Boot also becomes ``sleep``.
``runner``
    the sandbox proper (rlimits, Landlock, seccomp, no capabilities): runs the cells. At each test
    cell it forks the process that answers that cell's checks and goes on once it has registered.
``snapshot`` and ``evaluator``
    the fork taken at a test cell, and its forks that evaluate check expressions: see
    :mod:`.evaluation`.

The child never receives expected values; hidden check expressions are not in the job.

The runner's own code (this module) runs among the notebook's code, so it uses a private copy of the
builtins and references to C functions taken at import: a notebook that rebinds ``isinstance``,
``json.dumps`` or ``signal.signal`` does not change what the runner does.
"""
from __future__ import annotations

import builtins as _builtins_module

__builtins__ = dict(vars(_builtins_module))  # this module's own builtins (see the docstring)

import _signal  # noqa: E402 - the C module: ``signal``'s Python wrappers can be rebound
import gc  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import select  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import types  # noqa: E402
from json.encoder import encode_basestring_ascii as _json_string  # noqa: E402
from typing import Any  # noqa: E402

from . import cells, errors, evaluation, linux, probe, shell, snapshot, values  # noqa: E402
from .protocol import CHANNEL_LOST  # noqa: E402
from .landlock import LandlockUnavailable, restrict  # noqa: E402

MAX_ERROR_CHARS = 2000

_write, _pipe, _close, _exit = os.write, os.pipe, os.close, os._exit
_fstat, _open, _dup2, _O_RDWR, _DEVNULL = os.fstat, os.open, os.dup2, os.O_RDWR, os.devnull
_select, _monotonic = select.select, time.monotonic
_sigmask, _valid_signals, _set_handler, _setitimer = (
    _signal.pthread_sigmask, _signal.valid_signals, _signal.signal, _signal.setitimer)
_SIG_BLOCK, _SIG_SETMASK, _SIGALRM, _ITIMER_REAL = (
    _signal.SIG_BLOCK, _signal.SIG_SETMASK, _signal.SIGALRM, _signal.ITIMER_REAL)
_gettrace, _settrace, _getprofile, _setprofile = sys.gettrace, sys.settrace, sys.getprofile, sys.setprofile
_gc_isenabled, _gc_enable, _gc_disable, _GC_CALLBACKS = gc.isenabled, gc.enable, gc.disable, gc.callbacks
_raw_fork = linux.raw_fork
_TimeLimit = probe.TimeLimit


def _json(value: Any) -> str:
    """JSON for the runner's reports (str, int, bool, None, lists of those), without the json module."""
    kind = type(value)
    if value is None or kind is bool:
        return {None: "null", True: "true", False: "false"}[value]
    if kind is int:
        return repr(value)
    if kind is str:
        return _json_string(value)
    if kind is list or kind is tuple:
        return "[" + ", ".join(_json(v) for v in value) + "]"
    return _json_string(repr(value))


class Channel:
    """One JSON object per line, written straight to a file descriptor, with the runner's references."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def send(self, **event: Any) -> None:
        text = "{" + ", ".join(_json_string(k) + ": " + _json(v) for k, v in event.items()) + "}\n"
        data = text.encode("utf-8", "backslashreplace")
        try:
            while data:
                data = data[_write(self.fd, data):]
        except OSError:
            _exit(CHANNEL_LOST)


def _refuse_new_audit_hooks(event: str, args: Any) -> None:
    if event == "sys.addaudithook":
        raise RuntimeError("audit hooks are not available while grading")


def _format_error(exc: BaseException) -> str:
    return errors.format_error(exc, MAX_ERROR_CHARS)


# -- the fork server, and boot ------------------------------------------------------------------------


def serve(sock_fd: int) -> None:
    """The fork server (see :mod:`.forkserver`): prepare once, then fork one ``boot`` per request.

    A request is one JSON header with file descriptors attached: stdin, stdout, stderr, results,
    supervisor, then the hidden-check command pipes. The reply is the boot process's PID.
    """
    import gc
    import socket

    linux.die_with_parent()
    ns, world = _prepare()
    gc.freeze()  # what exists now is never collected: forks do not touch it, and share its pages
    server = socket.socket(fileno=sock_fd)
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(server, 1 << 16, 64)
        except OSError:
            break
        if not message:
            break
        pid = _raw_fork()
        if pid == 0:
            server.close()
            _boot(json.loads(message), fds, ns, world)
        for fd in fds:
            os.close(fd)
        server.sendall(f"{pid}\n".encode())
        while True:  # reap finished boots
            try:
                if os.waitpid(-1, os.WNOHANG)[0] == 0:
                    break
            except ChildProcessError:
                break
    os._exit(0)


def _prepare() -> tuple[dict[str, Any], snapshot.World]:
    """Everything that is the same for every submission: imports, hooks, and the picture of the world."""
    sys.addaudithook(_refuse_new_audit_hooks)
    import autograd_lab  # noqa: F401 - the library, loaded before the picture is taken
    import autograd_lab.nn  # noqa: F401
    import autograd_lab.optim  # noqa: F401
    if cells.torch_is_aliased():
        autograd_lab.install_as_torch()
    if "" not in sys.path:
        sys.path.insert(0, "")  # as in a Jupyter kernel: modules handed in next to the notebook can be imported
    main_module = types.ModuleType("__main__")
    ns = main_module.__dict__
    ns["__builtins__"] = _builtins_module
    sys.modules["__main__"] = main_module
    shell.install()
    values.trust_current_tensor_classes()
    world = snapshot.capture(trust=probe.trust_current_world)
    return ns, world


def _boot(header: dict[str, Any], fds: list[int], ns: dict[str, Any], world: snapshot.World) -> None:
    """One submission: take its pipes, directory and environment, enter new namespaces, start init."""
    try:
        linux.die_with_parent()  # the server dies with the grader, boot with the server, init with boot
        os.setsid()
        for target, fd in zip((0, 1, 2), fds):
            os.dup2(fd, target)
        results, supervisor, *commands = fds[3:]
        os.chdir(header["cwd"])
        os.environ.clear()
        os.environ.update(header["env"])
        if "tempfile" in sys.modules:
            sys.modules["tempfile"].tempdir = None  # found again from TMPDIR, the submission's own
        for stream in (sys.stdout, sys.stderr):
            stream.reconfigure(line_buffering=True)  # type: ignore[attr-defined]
        job = json.loads(sys.stdin.buffer.read())
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, 0)
        os.close(null)
        job["fds"] = {"results": results, "supervisor": supervisor}
        for step, fd in zip(header["command_steps"], commands):
            job["steps"][step]["command_fd"] = fd
        try:
            isolation = linux.enter_sandbox_namespaces()
        except OSError as exc:
            isolation = f"no namespaces ({exc})"
        boot = os.getpid()
        init = _raw_fork()
        if init == 0:
            _init(job, ns, world, isolation, boot)
        Channel(supervisor).send(ev="init", pid=init, isolation=isolation)
        _idle()
    finally:
        os._exit(1)


def _idle() -> None:
    """Wait to be killed, holding no memory of the Python process (``sleep`` replaces it): the runner
    and its forks then own their pages, and touching them costs no copies."""
    evaluation.close_all_but(set())
    try:
        os.execv("/bin/sleep", ["sleep", "2147483647"])
    except OSError:
        while True:
            _signal.pause()


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
        runner = _raw_fork()
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
        _exit(0)


class Runner:
    """Runs the cells in order; at each test cell, forks the process that answers its checks."""

    def __init__(self, job: dict[str, Any], ns: dict[str, Any], world: snapshot.World, results: Channel) -> None:
        self.job, self.ns, self.world, self.results = job, ns, world, results
        self.seconds = float(job["limits"]["cell_timeout"])
        self.streams = (sys.stdout, sys.stderr)

    def run(self) -> None:
        for index, step in enumerate(self.job["steps"]):
            if "run" in step:
                self.results.send(ev="start", step=index)
                outcome = run_cell(step["run"], step.get("label", str(index)), self.ns, self.seconds)
                _reopen_standard_fds()
                self.results.send(ev="end", step=index, **outcome)
            else:
                self.test_cell(index, step)
        self._flush()
        self.results.send(ev="done")

    def _flush(self) -> None:
        for stream in self.streams:
            try:
                stream.flush()
            except BaseException:  # noqa: BLE001
                pass

    def test_cell(self, index: int, step: dict[str, Any]) -> None:
        """Fork the process that answers this test cell's checks; go on once it has registered."""
        fixes = snapshot.changes(self.world)
        registered_r, registered_w = _pipe()
        self._flush()
        paused = _pause()
        try:
            if _raw_fork() == 0:
                _close(registered_r)
                evaluation.serve_test_cell(self.job, index, step, self.ns, fixes, registered_w)
        finally:
            _resume(paused)
        _close(registered_w)
        try:
            _select([registered_r], [], [], evaluation.REGISTRATION_SECONDS)
        finally:
            _close(registered_r)
        self.results.send(ev="test-cell", step=index)


def _reopen_standard_fds() -> None:
    """Put ``/dev/null`` where the notebook closed stdin, stdout or stderr: otherwise the next pipe the
    grader opens would take that number, and writes meant for the notebook's output would go into it."""
    for fd in (0, 1, 2):
        try:
            _fstat(fd)
        except OSError:
            try:
                null = _open(_DEVNULL, _O_RDWR)
            except OSError:
                return
            if null != fd:
                _dup2(null, fd)
                _close(null)


def run_cell(source: str, label: str, ns: dict[str, Any], seconds: float) -> dict[str, Any]:
    """Run one cell's Python in ``ns``; never raises for anything the cell does."""
    filename = f"<cell {label}>"
    errors.remember_cell(filename, source)
    try:
        code = compile(source, filename, "exec")
    except (SyntaxError, ValueError) as exc:
        return {"status": "syntax-error", "error": _format_error(exc)}
    except (RecursionError, MemoryError) as exc:
        return {"status": "syntax-error", "error": f"{values.type_name(exc)}: the cell is too deeply nested (or too long an "
                                                   "expression) for Python to compile it"}
    try:
        _with_alarm(seconds, code, ns)
    except _TimeLimit:
        return {"status": "timeout", "error": f"cell ran longer than {seconds:g} s"}
    except MemoryError as exc:
        return {"status": "memory", "error": _format_error(exc)}
    except BaseException as exc:  # noqa: BLE001 - SystemExit and friends end the cell, not the run
        return {"status": "error", "error": _format_error(exc)}
    return {"status": "ok"}


def _with_alarm(seconds: float, code: Any, ns: dict[str, Any]) -> None:
    """Run ``code`` with a time limit. An alarm the notebook set itself does not count: the limit is
    re-armed for the time that is left."""
    deadline = _monotonic() + seconds

    def on_alarm(signum: int, frame: Any) -> None:
        left = deadline - _monotonic()
        if left > 0:
            _setitimer(_ITIMER_REAL, left)
            return
        raise _TimeLimit()

    previous = _set_handler(_SIGALRM, on_alarm)
    _setitimer(_ITIMER_REAL, seconds)
    try:
        exec(code, ns)  # noqa: S102 - the notebook's code
    finally:
        _setitimer(_ITIMER_REAL, 0)
        _set_handler(_SIGALRM, previous)


def _flush_pending_signal_handlers() -> None:
    """Entering a Python function runs the handlers of signals that already arrived."""


def _pause() -> tuple[Any, ...]:
    """Before forking: no signal handler, trace, profile or gc callback may run in the fork."""
    mask = _sigmask(_SIG_BLOCK, _valid_signals())
    _flush_pending_signal_handlers()
    trace, profile = _gettrace(), _getprofile()
    _settrace(None)
    _setprofile(None)
    _stop_monitoring()
    enabled, callbacks = _gc_isenabled(), _GC_CALLBACKS[:]
    _gc_disable()
    _GC_CALLBACKS.clear()
    return mask, trace, profile, enabled, callbacks


def _resume(paused: tuple[Any, ...]) -> None:
    mask, trace, profile, enabled, callbacks = paused
    _GC_CALLBACKS.extend(callbacks)
    if enabled:
        _gc_enable()
    _settrace(trace)
    _setprofile(profile)
    _sigmask(_SIG_SETMASK, mask)


_MONITORING = getattr(sys, "monitoring", None)


def _stop_monitoring() -> None:
    if _MONITORING is None:
        return
    for tool in range(6):
        try:
            _MONITORING.set_events(tool, 0)
            if _MONITORING.get_tool(tool) is not None:
                _MONITORING.free_tool_id(tool)
        except (ValueError, RuntimeError):
            pass
