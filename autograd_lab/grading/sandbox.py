"""Run a grading job in a child process with time, memory and output limits."""
from __future__ import annotations

import json
import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .values import _decode

_PACKAGE_DIR = Path(__file__).resolve().parent.parent
_ROOT = _PACKAGE_DIR.parent
_BOOT = (
    "import sys; sys.path.insert(0, {root!r}); "
    "from autograd_lab.grading.child import main; main()"
)
_SYSTEM_DIRS = ["/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin", "/etc", "/sys", "/dev"]


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
class StepEvent:
    """What the child reported for one step."""

    status: str = "not-run"
    error: str = ""
    values: dict[str, Any] | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass
class RunResult:
    """Everything the parent learned from one child run."""

    steps: list[StepEvent]
    status: str
    detail: str = ""
    stdout: str = ""
    stderr: str = ""
    returncode: int | None = None
    sandbox: str = ""
    seconds: float = 0.0


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


class _Collector:
    def __init__(self, n_steps: int, limits: Limits) -> None:
        self.steps = [StepEvent() for _ in range(n_steps)]
        self.limits = limits
        self.buffers = {"stdout": bytearray(), "stderr": bytearray()}
        self.total_output = 0
        self.pending = b""
        self.current: int | None = None
        self.started_at = time.monotonic()
        self.done = False
        self.sandbox = ""

    def output(self, name: str, data: bytes) -> None:
        self.total_output += len(data)
        buf = self.buffers[name]
        room = self.limits.kept_output_chars - len(buf)
        if room > 0:
            buf.extend(data[:room])

    def results(self, data: bytes) -> None:
        self.pending += data
        if len(self.pending) > 256 * 1024**2:
            raise ValueError("result stream too large")
        while b"\n" in self.pending:
            line, self.pending = self.pending.split(b"\n", 1)
            self._event(json.loads(line))

    def _event(self, event: dict[str, Any]) -> None:
        kind = event.get("ev")
        step = event.get("step")
        if kind == "ready":
            self.sandbox = str(event.get("sandbox", ""))
        elif kind == "done":
            self.done = True
        elif isinstance(step, int) and 0 <= step < len(self.steps):
            target = self.steps[step]
            if kind == "start":
                self.current, self.started_at = step, time.monotonic()
                target.status = "running"
            elif kind == "end":
                target.status = str(event.get("status", "error"))
                target.error = str(event.get("error", ""))[:4000]
                self.current = None
            elif kind == "answers":
                target.status = "ok"
                target.values = {str(k): _decode(v) for k, v in event.get("values", [])}
                target.warnings = [str(w) for w in event.get("warnings", [])][:20]
                self.current = None


def _kill(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.kill()
    except ProcessLookupError:
        pass


def _child_env(workdir: str) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": workdir,
        "TMPDIR": workdir,
        "LANG": "C.UTF-8",
        "AUTOGRAD_LAB_GRADING": "1",
        "MPLBACKEND": "Agg",
    }
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = "1"
    return env


def run_job(steps: list[dict[str, Any]], limits: Limits, protected: list[Path] | None = None) -> RunResult:
    """Run ``steps`` (``{"run": code}`` or ``{"probe": qid, "exprs": [...]}``) in a sandboxed child."""
    workdir = tempfile.mkdtemp(prefix="autograd-lab-grade-")
    read_fd, write_fd = os.pipe()
    job = {
        "steps": steps,
        "cell_timeout": limits.cell_timeout,
        "memory_bytes": limits.memory_bytes,
        "cpu_seconds": int(limits.total_timeout) + 5,
        "file_bytes": limits.file_bytes,
        "readable": readable_paths(protected or []),
        "writable": [workdir, os.devnull],
        "root": str(_ROOT),
    }
    started = time.monotonic()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-I", "-c", _BOOT.format(root=str(_ROOT)), str(write_fd)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            pass_fds=(write_fd,), cwd=workdir, env=_child_env(workdir), start_new_session=True,
        )
    finally:
        os.close(write_fd)
    try:
        return _watch(proc, read_fd, json.dumps(job).encode(), len(steps), limits, started)
    finally:
        _kill(proc)
        proc.wait()
        os.close(read_fd)
        shutil.rmtree(workdir, ignore_errors=True)


def _feed(proc: subprocess.Popen[bytes], data: bytes) -> None:
    assert proc.stdin is not None
    try:
        proc.stdin.write(data)
        proc.stdin.close()
    except (BrokenPipeError, OSError):
        pass


def _watch(
    proc: subprocess.Popen[bytes], read_fd: int, job: bytes, n_steps: int, limits: Limits, started: float
) -> RunResult:
    assert proc.stdout is not None and proc.stderr is not None
    feeder = threading.Thread(target=_feed, args=(proc, job), daemon=True)
    feeder.start()
    collector = _Collector(n_steps, limits)
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout.fileno(), selectors.EVENT_READ, "stdout")
    sel.register(proc.stderr.fileno(), selectors.EVENT_READ, "stderr")
    sel.register(read_fd, selectors.EVENT_READ, "results")
    status, detail = "", ""
    grace = 2.0
    exited_at: float | None = None
    while sel.get_map():
        now = time.monotonic()
        limit_at = started + limits.total_timeout
        if collector.current is not None:
            limit_at = min(limit_at, collector.started_at + limits.cell_timeout + grace)
        if now >= limit_at:
            status = "timeout"
            detail = ("total time limit" if now >= started + limits.total_timeout
                      else f"a cell ran longer than {limits.cell_timeout:g} s")
            break
        if exited_at is None and proc.poll() is not None:
            exited_at = now
        if exited_at is not None and now - exited_at > 1.0:
            break
        for key, _ in sel.select(timeout=min(0.5, limit_at - now)):
            data = os.read(key.fd, 65536)
            if not data:
                sel.unregister(key.fd)
                continue
            if key.data == "results":
                try:
                    collector.results(data)
                except Exception as exc:  # noqa: BLE001 - the stream is written by untrusted code
                    status, detail = "protocol-error", f"unreadable result stream: {type(exc).__name__}"
                    sel.unregister(key.fd)
            else:
                collector.output(key.data, data)
                if collector.total_output > limits.max_output_bytes:
                    status, detail = "output-limit", f"printed more than {limits.max_output_bytes} bytes"
                    break
        if status:
            break
    sel.close()
    _kill(proc)
    returncode = proc.wait()
    if not status:
        status, detail = _exit_status(collector, returncode, limits)
    for step in collector.steps:
        if step.status == "running":
            step.status = status
    return RunResult(
        steps=collector.steps, status=status, detail=detail,
        stdout=collector.buffers["stdout"].decode("utf-8", "replace"),
        stderr=collector.buffers["stderr"].decode("utf-8", "replace"),
        returncode=returncode, sandbox=collector.sandbox, seconds=time.monotonic() - started,
    )


def _exit_status(collector: _Collector, returncode: int, limits: Limits) -> tuple[str, str]:
    if collector.done:
        return "ok", ""
    if returncode < 0:
        name = signal.Signals(-returncode).name if -returncode in signal.valid_signals() else str(-returncode)
        if name in ("SIGXCPU",):
            return "timeout", "CPU time limit"
        if name == "SIGXFSZ":
            return "output-limit", "wrote too large a file"
        if name == "SIGKILL":
            return "killed", "killed (possibly out of memory)"
        return "crashed", f"the Python process died with {name}"
    if collector.sandbox == "":
        return "crashed", f"the grading process failed to start (exit code {returncode})"
    return "exited", f"the notebook ended the Python process (exit code {returncode})"
