"""Run one submission in a sandboxed process tree and collect plain answers (see :mod:`.child`).

The grader side of a run has three phases:

1. the notebook runs; stdout/stderr, cell reports and public answers are collected (limits: time per
   cell and per submission, bytes of output);
2. the run is sealed: output stops being recorded, every process of the sandbox except the test
   cells' snapshots is killed, public answers are settled (exactly one per check);
3. hidden checks are sent to the snapshots one at a time and their answers collected; then every
   process of the sandbox is ended and any survivor is reported.
"""
from __future__ import annotations

import json
import os
import selectors
import shutil
import signal
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import forkserver, processes
from .evaluation import REGISTRATION_SECONDS
from .protocol import CHANNEL_LOST, Ledger, Probe, StepEvent
from .values import EvalError
from .workfiles import copy_submitted_files

_PACKAGE_DIR = Path(__file__).resolve().parent.parent
_ROOT = _PACKAGE_DIR.parent
_SYSTEM_DIRS = ["/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin", "/etc", "/sys", "/dev"]
GRACE = 2.0

__all__ = ["Limits", "RunResult", "StepEvent", "readable_paths", "run_job"]


@dataclass(frozen=True)
class Limits:
    """Resource limits for one submission."""

    cell_timeout: float = 30.0
    total_timeout: float = 300.0
    memory_bytes: int = 2 * 1024**3
    max_output_bytes: int = 1_000_000
    kept_output_chars: int = 10_000
    file_bytes: int = 64 * 1024**2


@dataclass
class RunResult:
    """Everything the grader learned from one run."""

    steps: list[StepEvent]
    status: str
    detail: str = ""
    stdout: str = ""
    stderr: str = ""
    returncode: int | None = None  # the runner's wait status (os.waitpid), None if it was not seen
    sandbox: str = ""
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


def _inside(path: Path, parent: Path) -> bool:
    try:
        path.resolve().relative_to(parent.resolve())
        return True
    except ValueError:
        return False


def readable_paths(protected: list[Path]) -> list[str]:
    """Directories the child may read: the interpreter, libraries and the autograd_lab package."""
    candidates = _SYSTEM_DIRS + [sys.prefix, sys.base_prefix, sys.exec_prefix] + [p for p in sys.path if p]
    out: list[str] = [str(_PACKAGE_DIR)]
    for entry in candidates:
        path = Path(entry)
        if not path.exists() or any(_inside(p, path) for p in protected):
            continue
        if path.resolve() == _ROOT and path.name not in ("site-packages", "dist-packages"):
            continue
        if str(path) not in out:
            out.append(str(path))
    return out


def _split(steps: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[int, Probe]]:
    """What the child receives (hidden expressions removed) and what the grader keeps."""
    child_steps: list[dict[str, Any]] = []
    probes: dict[int, Probe] = {}
    for index, step in enumerate(steps):
        if "run" in step:
            child_steps.append({"run": step["run"], "label": step.get("label", str(index))})
            continue
        probe = Probe(index, str(step["probe"]), tuple(step.get("public", ())), tuple(step.get("hidden", ())))
        probes[index] = probe
        child_steps.append({key: step[key] for key in ("probe", "public", "helpers", "helper_names",
                                                       "answer_names") if key in step})
    return child_steps, probes


def run_job(steps: list[dict[str, Any]], limits: Limits, protected: list[Path] | None = None,
            files: Path | None = None, notebook: Path | None = None) -> RunResult:
    """Run ``steps`` in a sandbox: ``{"run": code}`` cells and ``{"probe": qid, "public": [...],
    "hidden": [...], "helpers": code, "helper_names": [...], "answer_names": [...]}`` test cells.
    The files under ``files`` (the student's folder, but ``notebook``) are copied where the notebook runs."""
    child_steps, probes = _split(steps)
    workdir = tempfile.mkdtemp(prefix="autograd-lab-grade-")
    try:
        copy_notes = copy_submitted_files(files, Path(workdir), notebook) if files is not None else []
    except BaseException:
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    results_r, results_w = os.pipe()
    supervisor_r, supervisor_w = os.pipe()
    commands: dict[int, tuple[int, int]] = {i: os.pipe() for i, p in probes.items() if p.hidden}
    job = {
        "steps": child_steps,
        "limits": {"cell_timeout": limits.cell_timeout, "memory_bytes": limits.memory_bytes,
                   "cpu_seconds": int(limits.total_timeout) + 5, "file_bytes": limits.file_bytes},
        "readable": readable_paths(protected or []),
        "writable": [workdir, os.devnull],
    }
    child_fds = [results_w, supervisor_w, *(r for r, _ in commands.values())]
    session: _Session | None = None
    try:
        child = forkserver.server().spawn(cwd=workdir, env=forkserver.child_env(workdir), fds=child_fds,
                                          command_steps=list(commands))
    except BaseException:
        for fd in (results_r, supervisor_r, *child_fds, *(w for _, w in commands.values())):
            os.close(fd)
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    for fd in child_fds:
        os.close(fd)
    try:
        session = _Session(child, len(steps), probes, limits, results_r, supervisor_r,
                           {i: w for i, (_, w) in commands.items()})
        threading.Thread(target=_feed, args=(child.stdin, json.dumps(job).encode()), daemon=True).start()
        result = session.run()
        result.notes[:0] = copy_notes
        return result
    finally:
        if session is not None:
            session.close()
        else:
            child.kill()
            child.close()
            os.close(child.stdin)
        for fd in (results_r, supervisor_r):
            os.close(fd)
        shutil.rmtree(workdir, ignore_errors=True)


def _feed(fd: int, data: bytes) -> None:
    try:
        while data:
            data = data[os.write(fd, data):]
    except OSError:
        pass
    finally:
        os.close(fd)


class _Session:
    """One run, phase by phase (see the module docstring)."""

    def __init__(self, proc: forkserver.Child, n_steps: int, probes: dict[int, Probe], limits: Limits,
                 results_fd: int, supervisor_fd: int, commands: dict[int, int]) -> None:
        self.proc, self.limits, self.probes, self.commands = proc, limits, probes, commands
        self.ledger = Ledger(n_steps, probes)
        self.started = time.monotonic()
        self.output = {"stdout": bytearray(), "stderr": bytearray()}
        self.total_output = 0
        self.recording = True
        self.init_pid: int | None = None
        self.runner_pid: int | None = None
        self.runner_ns_pid: int | None = None
        self.isolation = ""
        self.runner_status: int | None = None
        self.running_since = (None, 0.0)
        self.spared: dict[int, int] = {}
        self.notes: list[str] = []
        self.selector = selectors.DefaultSelector()
        self.selector.register(proc.stdout, selectors.EVENT_READ, "stdout")
        self.selector.register(proc.stderr, selectors.EVENT_READ, "stderr")
        self.selector.register(results_fd, selectors.EVENT_READ, "results")
        self.selector.register(supervisor_fd, selectors.EVENT_READ, "supervisor")
        self._supervisor_pending = b""

    # -- reading ---------------------------------------------------------------------------------------

    def drain(self) -> None:
        """Read whatever is already waiting in the pipes."""
        while self.pump(0.0):
            pass

    def pump(self, timeout: float) -> bool:
        ready = self.selector.select(timeout=max(0.0, timeout))
        for key, _ in ready:
            try:
                data = os.read(key.fd, 1 << 20)
            except OSError:
                data = b""
            if not data:
                self.selector.unregister(key.fd)
            elif key.data == "results":
                self.ledger.feed(data)
            elif key.data == "supervisor":
                self._supervisor(data)
            else:
                self._output(key.data, data)
        running = self.ledger.running
        if running != self.running_since[0]:
            self.running_since = (running, time.monotonic())
        return bool(ready)

    def _output(self, name: str, data: bytes) -> None:
        if not self.recording:
            return
        self.total_output += len(data)
        buf = self.output[name]
        room = self.limits.kept_output_chars - len(buf)
        if room > 0:
            buf.extend(data[:room])

    def _supervisor(self, data: bytes) -> None:
        self._supervisor_pending += data
        while b"\n" in self._supervisor_pending:
            line, self._supervisor_pending = self._supervisor_pending.split(b"\n", 1)
            event = json.loads(line)
            if event.get("ev") == "init":  # from boot (init's report may come first)
                self.init_pid, self.isolation = int(event["pid"]), str(event["isolation"])
            elif event.get("ev") == "runner":
                self.runner_ns_pid = int(event["pid"])

    def _runner_ended(self) -> bool:
        """Whether the runner has ended (read from /proc: it stays a zombie, init never reaps it)."""
        if self.runner_pid is None and self.runner_ns_pid is not None and self.init_pid is not None:
            found = processes.all_processes()
            self.runner_pid = next((pid for pid, proc in found.items()
                                    if proc.ppid == self.init_pid and processes.namespace_pid(pid) == self.runner_ns_pid),
                                   None)
        if self.runner_status is None and self.runner_pid is not None:
            self.runner_status = processes.exit_status(self.runner_pid)
        return self.runner_status is not None

    @property
    def namespaced(self) -> bool:
        """Whether the sandbox has its own PID namespace (then ending init ends everything)."""
        return self.isolation.endswith("pid+net namespaces")

    # -- phases ----------------------------------------------------------------------------------------

    def run(self) -> RunResult:
        status, detail = self._notebook()
        self.recording = False
        self._seal()
        self._hidden()
        sandbox = self.ledger.sandbox or self.isolation
        if any(part.startswith("no ") for part in sandbox.split("; ")):
            self.notes.append(f"sandbox: {sandbox}")
        self.notes[:0] = self.ledger.notes()
        return RunResult(
            steps=self._steps(status), status=status, detail=detail,
            stdout=self.output["stdout"].decode("utf-8", "replace"),
            stderr=self.output["stderr"].decode("utf-8", "replace"),
            returncode=self.runner_status, sandbox=sandbox,
            seconds=time.monotonic() - self.started, notes=self.notes,
        )

    def _notebook(self) -> tuple[str, str]:
        limits = self.limits
        done_at: float | None = None
        while True:
            now = time.monotonic()
            if self._runner_ended():
                self.drain()
                return self._ended()
            if not self.proc.running():
                return "crashed", "the grading process ended unexpectedly"
            if self.ledger.done:
                done_at = done_at or now
                if now - done_at > GRACE:
                    return "ok", ""
            if now >= self.started + limits.total_timeout:
                return "timeout", "total time limit"
            step, since = self.running_since
            if step is not None and now - since > limits.cell_timeout + GRACE:
                return "timeout", f"a cell ran longer than {limits.cell_timeout:g} s"
            if self.total_output > limits.max_output_bytes:
                return "output-limit", f"printed more than {limits.max_output_bytes} bytes"
            self.pump(0.005 if self.ledger.done else 0.1)

    def _ended(self) -> tuple[str, str]:
        if self.ledger.done:
            return "ok", ""
        status = self.runner_status or 0
        if not self.ledger.ready:
            return "crashed", f"the grading process failed to start ({_describe(status)})"
        if os.WIFSIGNALED(status):
            name = _signal_name(os.WTERMSIG(status))
            if name == "SIGXCPU":
                return "timeout", "CPU time limit"
            if name == "SIGXFSZ":
                return "output-limit", "wrote too large a file"
            if name == "SIGKILL":
                return "killed", "killed (possibly out of memory)"
            return "crashed", f"the Python process died with {name}"
        if os.WEXITSTATUS(status) == CHANNEL_LOST:
            return "exited", ("the notebook closed the pipe the grader reads its results from (a file descriptor it "
                              "did not open, e.g. with os.closerange), so the cells after that were not graded")
        return "exited", f"the notebook ended the Python process (exit code {os.WEXITSTATUS(status)})"

    def _root(self) -> int:
        return self.init_pid if self.init_pid is not None else self.proc.pid

    def _seal(self) -> None:
        """Kill everything but the test cells' forks, let them finish the public checks, settle the answers."""
        deadline = time.monotonic() + REGISTRATION_SECONDS
        while any(step not in self.ledger.snapshots for step in self.ledger.forked) and time.monotonic() < deadline:
            self.pump(0.01)  # the runner announces a test cell's fork once it has registered: this is a backstop
        table = processes.descendants(self._root())
        by_ns_pid = {processes.namespace_pid(pid): pid for pid in table}
        for step in self.probes:
            registered = self.ledger.valid_snapshot(step)
            if registered is not None and registered in by_ns_pid:
                self.spared[step] = by_ns_pid[registered]
        # The forks' own evaluators may be answering public checks: they are spared too.
        processes.kill_descendants(self._root(), frozenset(self.spared.values()), spare_children=True)
        waiting = [s for s in self.spared if s not in self.ledger.public_done]
        budget = sum(len(self.probes[s].public) for s in waiting) * (self.limits.cell_timeout + 2 * GRACE)
        deadline = time.monotonic() + budget
        while time.monotonic() < deadline and any(
                s not in self.ledger.public_done and self._alive(s) for s in waiting):
            self.pump(0.01)
        self.drain()
        self.ledger.close_public()

    def _alive(self, step: int) -> bool:
        pid = self.spared.get(step)
        return pid is not None and processes.running(pid)

    def _hidden(self) -> None:
        """Send each snapshot all of its hidden checks (it evaluates them one by one, each in an
        evaluator of its own) and collect exactly one answer per check."""
        sent: list[tuple[int, int]] = []
        budget = 0.0
        for step, probe in self.probes.items():
            if not probe.hidden:
                continue
            fd = self.commands.pop(step)
            try:
                if self._alive(step):
                    commands = "".join(json.dumps({"index": i, "expr": e}) + "\n" for i, e in enumerate(probe.hidden))
                    _write_all(fd, commands.encode())
                    for index in range(len(probe.hidden)):
                        self.ledger.ask(step, index)
                        sent.append((step, index))
                    budget = max(budget, len(probe.hidden) * (self.limits.cell_timeout + 3 * GRACE))
            except OSError:
                pass
            finally:
                os.close(fd)  # end of the commands: the snapshot leaves once it has answered them
        deadline = time.monotonic() + budget
        while time.monotonic() < deadline:
            waiting = {step for step, index in sent if self.ledger.take_hidden(step, index) is None}
            if not waiting or not any(self._alive(step) for step in waiting):
                break
            self.pump(0.05)
        self.drain()
        for step, probe in self.probes.items():
            for index in range(len(probe.hidden)):
                value = self.ledger.take_hidden(step, index)
                if value is None:
                    reason = "no answer in time" if (step, index) in sent else "the notebook did not reach this check"
                    value = EvalError(f"not evaluated: {reason}")
                self.ledger.record_hidden(step, index, value)

    def _steps(self, status: str) -> list[StepEvent]:
        steps = self.ledger.steps
        for step in steps:
            if step.status == "running":
                step.status = status
        return steps

    def close(self) -> None:
        """End every process of the sandbox and report any that survived.

        In a PID namespace, killing its init ends everything in it; otherwise the tree under init is
        killed first (init is a subreaper, so escaped processes are still in it).
        """
        root = self._root()
        seen = list(processes.descendants(root).values())
        if not self.namespaced:
            seen += processes.kill_descendants(root)
        for fd in self.commands.values():
            os.close(fd)
        self.commands.clear()
        for pid in ([self.init_pid] if self.init_pid is not None else []):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        self.proc.kill()
        self.proc.wait(GRACE)
        self.selector.close()
        self.proc.close()
        survivors = processes.wait_gone(seen, 1.0)
        if survivors:
            self.notes.append(f"{len(survivors)} process(es) started by the notebook could not be ended")


def _write_all(fd: int, data: bytes) -> None:
    while data:
        data = data[os.write(fd, data):]


def _signal_name(signum: int) -> str:
    return signal.Signals(signum).name if signum in signal.valid_signals() else str(signum)


def _describe(status: int) -> str:
    if os.WIFSIGNALED(status):
        return _signal_name(os.WTERMSIG(status))
    return f"exit code {os.WEXITSTATUS(status)}"
