"""Start each submission's sandbox as a fork of one pristine process instead of a new interpreter.

Starting Python and importing NumPy and the library is most of the cost of grading a small notebook.
The fork server does it once per grading run (and pictures the world once, see :mod:`.snapshot`),
then forks one process per submission (``boot`` in :mod:`.child`), which applies that submission's
isolation itself. The server never runs notebook code, so every fork starts from the same clean state.
"""
from __future__ import annotations

import atexit
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from . import processes

_ROOT = Path(__file__).resolve().parent.parent.parent
_SERVE = (
    "import sys; sys.path.insert(0, {root!r}); "
    "from autograd_lab.grading.child import serve; serve(int(sys.argv[1]))"
)


class Child:
    """A submission's first process (``boot``): the fork server's child, watched through ``/proc``.

    ``stdin`` belongs to whoever writes the job (and closes it); :meth:`close` closes the output pipes.
    """

    def __init__(self, pid: int, stdin: int, stdout: int, stderr: int) -> None:
        self.pid, self.stdin, self.stdout, self.stderr = pid, stdin, stdout, stderr
        self._proc = processes.Proc(pid, 0, 0)
        started = processes.all_processes().get(pid)
        if started is not None:
            self._proc = started

    def running(self) -> bool:
        return processes.alive(self._proc) and processes.exit_status(self.pid) is None

    def kill(self) -> None:
        if processes.alive(self._proc):  # the same process, not a reused PID
            try:
                os.kill(self.pid, signal.SIGKILL)
            except OSError:
                pass

    def wait(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while self.running() and time.monotonic() < deadline:
            time.sleep(0.005)
        return not self.running()

    def close(self) -> None:
        for fd in (self.stdout, self.stderr):
            os.close(fd)


class ForkServer:
    """The pristine process and the one socket requests go through (one request at a time)."""

    def __init__(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock = ours
        # Single-threaded BLAS: a fork has only the forking thread, so a thread pool would be lost.
        self.proc = subprocess.Popen(
            [sys.executable, "-I", "-c", _SERVE.format(root=str(_ROOT)), str(theirs.fileno())],
            stdin=subprocess.DEVNULL, pass_fds=(theirs.fileno(),), start_new_session=True,
            env=child_env(os.devnull),
        )
        theirs.close()
        self.lock = threading.Lock()

    def alive(self) -> bool:
        return self.proc.poll() is None

    def spawn(self, *, cwd: str, env: dict[str, str], fds: list[int], command_steps: list[int]) -> Child:
        """Fork a ``boot`` for one submission. ``fds``: results, supervisor, then the command pipes;
        stdin, stdout and stderr are made here. Closes nothing of ``fds``."""
        stdin_r, stdin_w = os.pipe()
        stdout_r, stdout_w = os.pipe()
        stderr_r, stderr_w = os.pipe()
        header = json.dumps({"cwd": cwd, "env": env, "command_steps": command_steps}).encode()
        try:
            with self.lock:
                socket.send_fds(self.sock, [header], [stdin_r, stdout_w, stderr_w, *fds])
                reply = b""
                while not reply.endswith(b"\n"):
                    chunk = self.sock.recv(64)
                    if not chunk:
                        raise OSError("the grading fork server ended")
                    reply += chunk
        except BaseException:
            for fd in (stdin_w, stdout_r, stderr_r):
                os.close(fd)
            raise
        finally:
            for fd in (stdin_r, stdout_w, stderr_w):
                os.close(fd)
        return Child(int(reply), stdin_w, stdout_r, stderr_r)

    def stop(self) -> None:
        self.sock.close()
        try:
            self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


_server: ForkServer | None = None
_server_lock = threading.Lock()


def server() -> ForkServer:
    """The running fork server, started on first use (and again if it ended)."""
    global _server
    with _server_lock:
        if _server is None or not _server.alive():
            _server = ForkServer()
        return _server


@atexit.register
def _stop() -> None:
    if _server is not None:
        _server.stop()


def child_env(workdir: str) -> dict[str, Any]:
    """The environment of a submission's processes."""
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
