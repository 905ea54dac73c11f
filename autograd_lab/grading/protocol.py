"""The grader's side of the result channel: what it asked for, and what it accepts.

Anything in the sandbox can write to the channel, so every line is checked against what the grader
is waiting for: exactly one answer per public check (two answers for the same check reject both),
a hidden answer only for a hidden check the grader has sent, one start and one end per cell,
one snapshot per test cell. Everything else is rejected and counted, and the counts become notes.
Notes never quote a hidden check.
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .values import EvalError, decode_value

CHANNEL_LOST = 86
"""The runner's exit code when it can no longer write to the grader (the notebook closed or replaced that pipe)."""
MAX_LINE_BYTES = 96 * 1024**2


@dataclass
class StepEvent:
    """What the grader learned about one step."""

    status: str = "not-run"
    error: str = ""
    values: dict[str, Any] | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Probe:
    """A test cell's checks: public expressions (evaluated at once) and hidden ones (sent later)."""

    step: int
    qid: str
    public: tuple[str, ...]
    hidden: tuple[str, ...]


class Ledger:
    """Reads the result channel and keeps what is accepted."""

    def __init__(self, n_steps: int, probes: dict[int, Probe]) -> None:
        self.steps = [StepEvent() for _ in range(n_steps)]
        self.probes = probes
        self.sandbox = ""
        self.ready = False
        self.done = False
        self.running: int | None = None
        self.started: dict[int, int] = Counter()
        self.ended: dict[int, int] = Counter()
        self.public: dict[tuple[int, int], list[tuple[Any, list[str]]]] = {}
        self.public_done: set[int] = set()
        self.forked: set[int] = set()
        self.snapshots: dict[int, list[int]] = {}
        self.asked: set[tuple[int, int]] = set()
        self.hidden: dict[tuple[int, int], Any] = {}
        self.rejected: Counter[str] = Counter()
        self.accepting_public = True
        self._pending = b""

    # -- reading ------------------------------------------------------------------------------------

    def feed(self, data: bytes) -> None:
        self._pending += data
        while b"\n" in self._pending:
            line, self._pending = self._pending.split(b"\n", 1)
            self._line(line)
        if len(self._pending) > MAX_LINE_BYTES:
            self._pending = b""
            self.rejected["over-long line"] += 1

    def _line(self, line: bytes) -> None:
        if not line.strip():
            return
        try:
            event = json.loads(line)
        except (ValueError, RecursionError):
            self.rejected["unreadable line"] += 1
            return
        if not isinstance(event, dict) or not self._event(event):
            self.rejected["unexpected message"] += 1

    def _event(self, event: dict[str, Any]) -> bool:
        kind, step = event.get("ev"), event.get("step")
        if kind == "ready" and not self.ready:
            self.ready, self.sandbox = True, str(event.get("sandbox", ""))[:500]
            return True
        if kind == "done" and not self.done:
            self.done = True
            return True
        if type(step) is not int or not 0 <= step < len(self.steps):
            return False
        if kind in ("start", "end") and step not in self.probes:
            return self._cell(kind, step, event)
        if kind == "snapshot" and step in self.probes and type(event.get("pid")) is int:
            self.snapshots.setdefault(step, []).append(event["pid"])
            self.steps[step].values = self.steps[step].values or {}
            return True
        if kind == "public-done" and step in self.probes:
            self.public_done.add(step)
            return True
        if kind == "test-cell" and step in self.probes:
            self.forked.add(step)
            return True
        if kind == "answer" and step in self.probes:
            return self._answer(step, event)
        return False

    def _cell(self, kind: str, step: int, event: dict[str, Any]) -> bool:
        counter = self.started if kind == "start" else self.ended
        counter[step] += 1
        if counter[step] > 1:
            self.rejected["repeated cell report"] += 1
            return True
        target = self.steps[step]
        if kind == "start":
            self.running = step
            target.status = "running"
        else:
            target.status = str(event.get("status", "error"))[:40]
            target.error = str(event.get("error", ""))[:4000]
            if self.running == step:
                self.running = None
        return True

    def _answer(self, step: int, event: dict[str, Any]) -> bool:
        kind, index = event.get("kind"), event.get("index")
        probe = self.probes[step]
        if type(index) is not int:
            return False
        try:
            value = decode_value(event.get("value"))
        except (ValueError, TypeError, KeyError, RecursionError):
            self.rejected["unreadable answer"] += 1
            value = EvalError("the answer could not be read")
        warnings = event.get("warnings", [])
        warnings = [str(w)[:300] for w in warnings[:20]] if isinstance(warnings, list) else []
        if kind == "public" and 0 <= index < len(probe.public) and self.accepting_public:
            self.public.setdefault((step, index), []).append((value, warnings))
            return True
        if kind == "hidden" and (step, index) in self.asked and (step, index) not in self.hidden:
            self.hidden[(step, index)] = value
            return True
        self.rejected["unrequested answer"] += 1
        return True

    # -- phases ------------------------------------------------------------------------------------

    def valid_snapshot(self, step: int) -> int | None:
        """The PID a test cell's snapshot registered, unless several processes claimed to be it."""
        pids = self.snapshots.get(step, [])
        return pids[0] if len(pids) == 1 else None

    def close_public(self) -> None:
        """Accept each public check answered exactly once; reject checks answered several times."""
        self.accepting_public = False
        for (step, index), answers in sorted(self.public.items()):
            probe = self.probes[step]
            if len(answers) != 1:
                self.rejected[f"repeated answers to a check of {probe.qid}"] += 1
                continue
            value, warnings = answers[0]
            target = self.steps[step]
            target.values = target.values or {}
            target.values[probe.public[index]] = value
            target.warnings.extend(w for w in warnings if w not in target.warnings)
            target.status = "ok"
        for step, pids in self.snapshots.items():
            if len(pids) > 1:
                self.rejected[f"several snapshots claimed for {self.probes[step].qid}"] += 1

    def ask(self, step: int, index: int) -> None:
        """The grader has sent this hidden check: its one answer is now expected."""
        self.asked.add((step, index))

    def take_hidden(self, step: int, index: int) -> Any | None:
        return self.hidden.get((step, index))

    def record_hidden(self, step: int, index: int, value: Any) -> None:
        target = self.steps[step]
        target.values = target.values or {}
        target.values[self.probes[step].hidden[index]] = value

    def notes(self) -> list[str]:
        if not self.rejected:
            return []
        parts = ", ".join(f"{reason} (x{n})" for reason, n in sorted(self.rejected.items()))
        return [f"rejected on the result channel: {parts}"]
