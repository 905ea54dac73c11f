"""Find and end the processes of one grading sandbox, from outside it, through ``/proc``.

The sandbox's ``init`` process is either PID 1 of its own PID namespace or a child subreaper, so every
process started inside (double forks and ``setsid`` included) stays among its descendants.
"""
from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Proc:
    """A process as ``/proc`` shows it: start time tells a reused PID apart."""

    pid: int
    ppid: int
    start: int
    ended: bool = False  # a zombie: it has exited but is not reaped


def _stat(pid: int, with_zombies: bool = False) -> Proc | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            text = fh.read().decode("ascii", "replace")
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()
    ended = fields[0] in ("Z", "X")
    if ended and not with_zombies:
        return None
    return Proc(pid, int(fields[1]), int(fields[19]), ended)


def all_processes() -> dict[int, Proc]:
    """Every process on the machine, zombies included."""
    out: dict[int, Proc] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            proc = _stat(int(name), with_zombies=True)
            if proc is not None:
                out[proc.pid] = proc
    return out


def descendants(root: int, table: dict[int, Proc] | None = None) -> dict[int, Proc]:
    """The live descendants of ``root`` (not ``root`` itself), also those under a zombie parent."""
    table = all_processes() if table is None else table
    children: dict[int, list[int]] = {}
    for proc in table.values():
        children.setdefault(proc.ppid, []).append(proc.pid)
    found: dict[int, Proc] = {}
    seen: set[int] = set()
    todo = list(children.get(root, ()))
    while todo:
        pid = todo.pop()
        if pid in seen or pid not in table:
            continue
        seen.add(pid)
        if not table[pid].ended:
            found[pid] = table[pid]
        todo.extend(children.get(pid, ()))
    return found


def namespace_pid(pid: int) -> int | None:
    """The PID a process has inside its innermost PID namespace."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("NSpid:"):
                    return int(line.split()[-1])
    except (OSError, ValueError):
        return None
    return pid


def exit_status(pid: int) -> int | None:
    """The wait status of a process that has ended and is not yet reaped (a zombie); None while it runs."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            text = fh.read().decode("ascii", "replace")
    except OSError:
        return 0
    fields = text[text.rindex(")") + 2:].split()
    if fields[0] not in ("Z", "X"):
        return None
    return int(fields[49]) if len(fields) > 49 else 0


def running(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    return _stat(pid) is not None


def alive(proc: Proc) -> bool:
    current = _stat(proc.pid)
    return current is not None and current.start == proc.start


def kill_descendants(root: int, spare: frozenset[int] = frozenset(), rounds: int = 50,
                     spare_children: bool = False) -> list[Proc]:
    """SIGKILL every descendant of ``root`` except ``spare`` (and, with ``spare_children``, the direct
    children of ``spare``), until none is left (or ``rounds`` pass).

    Returns the processes still alive afterwards.
    """
    left: list[Proc] = []
    for _ in range(rounds):
        targets = [p for p in descendants(root).values()
                   if p.pid not in spare and not (spare_children and p.ppid in spare)]
        if not targets:
            return []
        for proc in targets:
            try:
                os.kill(proc.pid, signal.SIGKILL)
            except OSError:
                pass
        left = targets
        time.sleep(0.002)
    return [p for p in left if alive(p)]


def wait_gone(procs: list[Proc], timeout: float) -> list[Proc]:
    """The processes of ``procs`` still alive after up to ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    left = [p for p in procs if alive(p)]
    while left and time.monotonic() < deadline:
        time.sleep(0.01)
        left = [p for p in left if alive(p)]
    return left
