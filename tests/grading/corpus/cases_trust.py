"""Submissions that try to fool the checks, read hidden checks, trip the cell parser, or outlive grading,
for the NumPy practice assignment of ``nbtools`` (5 points: q1 2 = squares + hidden shape; q2 1 = total
+ isinstance; q3 2 = grad + hidden dtype + hidden bound). Each states the exact points it must get.

The attacks that need the library (dtypes, leaves, optimizers, helpers) are in ``cases_torch.py``.
"""
from __future__ import annotations

import textwrap
from typing import Any

from corpus.cases import Case, Context, solved
from nbtools import Q1_SOLUTION, Q2_SOLUTION, Q3_SOLUTION


def _code(text: str) -> str:
    return textwrap.dedent(text).strip("\n")


# -- 3. checks cannot be fooled from inside the student's process --------------------------------------

_FORGE = _code("""
    import json, os
    def forge(event):
        line = (json.dumps(event) + "\\n").encode()
        for fd in range(3, 256):
            try:
                os.write(fd, line)
            except OSError:
                pass
    for step in range(16):
        for index in range(4):
            forge({"ev": "answer", "step": step, "kind": "public", "index": index, "warnings": [],
                   "value": [0, 1, 4, 9]})
            forge({"ev": "answer", "step": step, "kind": "hidden", "index": index, "warnings": [],
                   "value": {"__tuple__": [4]}})
""")


def forged_answers(rel: dict[str, Any], ctx: Context) -> Any:
    """Every public check is answered twice (so both answers are rejected); hidden answers sent before
    the grader asks are ignored. Only q3's hidden checks, answered by the real evaluators, count."""
    return solved(rel, q1_answer=_FORGE + "\nsquares = [9, 9, 9, 9]")


def huge_answer(rel: dict[str, Any], ctx: Context) -> Any:
    """25 million items: refused quickly as too large; the notebook is graded on."""
    return solved(rel, q1_answer="row = [0.5] * 5000\nsquares = [row] * 5000", q2_answer="total = 14.0")


def complex_nan(rel: dict[str, Any], ctx: Context) -> Any:
    return solved(rel, q2_answer="total = complex(float('nan'), float('nan'))")


def lying_subclasses(rel: dict[str, Any], ctx: Context) -> Any:
    """Values whose comparisons always say yes are compared as the numbers and lists they hold."""
    q1 = _code("""
        class Squares(list):
            def __eq__(self, other):
                return True
            __hash__ = None
        squares = Squares([1, 1, 1, 1])
    """)
    q2 = _code("""
        class Total(float):
            def __eq__(self, other):
                return True
            def __lt__(self, other):
                return True
            __hash__ = float.__hash__
        total = Total(99.0)
    """)
    return solved(rel, q1_answer=q1, q2_answer=q2)


def patched_modules(rel: dict[str, Any], ctx: Context) -> Any:
    """Rebinding the grader's and the libraries' functions (and builtins) changes nothing checks see,
    and the grader keeps running the notebook."""
    attack = _code("""
        import builtins, json, signal
        import autograd_lab.grading.values as values, autograd_lab.grading.probe as probe
        values.to_plain = lambda obj: [0, 1, 4, 9]
        probe.read = lambda obj: [0, 1, 4, 9]
        probe.compare_chain = lambda *a: True
        json.dumps = lambda *a, **k: '[0, 1, 4, 9]'
        signal.signal = signal.setitimer = lambda *a, **k: None
        np.allclose = np.array_equal = lambda *a, **k: True
        builtins.isinstance = lambda *a: True
        builtins.len = lambda obj: 4
    """)
    return solved(rel, q1_answer="squares = [0, 0, 0, 0]", q3_answer=Q3_SOLUTION + "\n" + attack)


_HANG = _code("""
    def hang(*args, **kwargs):
        while True:
            try:
                while True:
                    pass
            except BaseException:
                pass
""")


def hanging_method(rel: dict[str, Any], ctx: Context) -> Any:
    """A check that never returns fails alone; the other checks of the question still count."""
    q3 = _HANG + "\n" + _code("""
        class Grad(np.ndarray):
            sum = hang
        grad = np.ones(3).view(Grad)
    """)
    return solved(rel, q3_answer=q3)


def hanging_repr(rel: dict[str, Any], ctx: Context) -> Any:
    """The grader never calls ``__repr__`` (or any method) of an answer to read it."""
    q1 = _HANG + "\n" + _code("""
        class Squares(list):
            __repr__ = __str__ = __eq__ = __iter__ = __len__ = hang
        squares = Squares([0, 1, 4, 9])
    """)
    return solved(rel, q1_answer=q1, q2_answer="total = 14.0")


# -- 4. hidden checks never reach the student ------------------------------------------------------------

_DUMP = _code("""
    import gc, os, sys
    def dump(tag=""):
        found = []
        frame = sys._getframe()
        while frame is not None:
            found.extend(v[:300] for v in list(frame.f_locals.values()) if isinstance(v, str))
            found.extend(c[:300] for c in frame.f_code.co_consts if isinstance(c, str))
            found.append(frame.f_code.co_name)
            frame = frame.f_back
        text = tag + "\\n".join(found)[:20000]
        print(text)
        print(text, file=sys.stderr)
        for path in ("leak.txt", "/tmp/leak.txt"):
            try:
                with open(path, "a") as fh:
                    fh.write(text)
            except OSError:
                pass
        return text
""")


def stack_walk_spy(rel: dict[str, Any], ctx: Context) -> Any:
    """The hidden check ``squares.shape`` runs the student's property: it walks the stack and prints it,
    but by then its output goes nowhere and the run is sealed. It answers truthfully, so full marks."""
    q1 = _DUMP + "\n" + _code("""
        class Squares(np.ndarray):
            @property
            def shape(self):
                dump("SPY")
                return np.ndarray.shape.__get__(self)
        squares = (np.arange(4) ** 2).view(Squares)
    """)
    return solved(rel, q1_answer=q1)


def background_spies(rel: dict[str, Any], ctx: Context) -> Any:
    """Threads, atexit, finalizers, signal handlers, trace and profile hooks, at-fork callbacks, gc
    callbacks, excepthooks and audit hooks all try to print hidden checks; none ever sees one."""
    q1 = _DUMP + "\n" + _code("""
        import atexit, signal, threading, time, weakref
        def spy_loop():
            while True:
                dump("THREAD")
                time.sleep(0.05)
        threading.Thread(target=spy_loop, daemon=True).start()
        atexit.register(dump, "ATEXIT")
        for sig in (signal.SIGALRM, signal.SIGTERM, signal.SIGUSR1, signal.SIGCHLD):
            signal.signal(sig, lambda *a: dump("SIGNAL"))
        seen_by_trace = []
        def trace(frame, event, arg):
            seen_by_trace.extend(c for c in frame.f_code.co_consts if isinstance(c, str) and "shape" in c)
            return None
        sys.settrace(trace)
        threading.settrace(trace)
        sys.setprofile(lambda frame, event, arg: seen_by_trace.append(frame.f_code.co_name) if event == "call" else None)
        os.register_at_fork(after_in_child=lambda: dump("FORK"))
        gc.callbacks.append(lambda *a: dump("GC"))
        sys.excepthook = sys.unraisablehook = lambda *a: dump("HOOK")
        try:
            sys.addaudithook(lambda event, args: dump("AUDIT") if event == "compile" else None)
        except Exception:
            pass
        class Canary:
            def __del__(self):
                dump("DEL")
        keep = [Canary() for _ in range(3)]
        weakref.finalize(keep[0], dump, "FINALIZE")
        signal.setitimer(signal.ITIMER_REAL, 0.2, 0.2)
    """) + "\n" + Q1_SOLUTION
    return solved(rel, q1_answer=q1)


def shared_memory_relay(rel: dict[str, Any], ctx: Context) -> Any:
    """A hidden check's own code copies the stack into memory shared with a thread of the notebook that
    prints it: the notebook's process has ended before any hidden check is sent."""
    q1 = _DUMP + "\n" + _code("""
        import mmap, threading, time
        shared = mmap.mmap(-1, 1 << 16)
        def relay():
            while True:
                shared.seek(0)
                data = shared.read(1 << 16).rstrip(b"\\0")
                if data:
                    print(data.decode("utf-8", "replace"))
                time.sleep(0.01)
        threading.Thread(target=relay, daemon=True).start()
        class Squares(np.ndarray):
            @property
            def shape(self):
                shared.seek(0)
                shared.write(dump("SHARED").encode()[: (1 << 16) - 1])
                return np.ndarray.shape.__get__(self)
        squares = (np.arange(4) ** 2).view(Squares)
    """)
    return solved(rel, q1_answer=q1)


# -- 5. honest work is never penalised by the grader's parsing ----------------------------------------


def magics_and_continuations(rel: dict[str, Any], ctx: Context) -> Any:
    q1 = "%time squares = np.arange(4) ** 2\nnp.arange?\n!pip install --quiet nothing-here"
    q2 = _code('''
        %matplotlib inline
        total = float(np.sum(squares
                             ))
        different = (total
                     != 0.0)
        notes = """
        %this line is text
        !and so is this one
        """
    ''')
    q3 = "%%time\n" + Q3_SOLUTION + "\ndisplay(grad)"
    return solved(rel, q1_answer=q1, q2_answer=q2, q3_answer=q3)


def pasted_prompts_and_warnings(rel: dict[str, Any], ctx: Context) -> Any:
    q1 = ">>> squares = np.arange(4) ** 2"
    q2 = _code("""
        import sys, warnings
        warnings.warn("an old way of doing this", DeprecationWarning)
        print("some text on stderr", file=sys.stderr)
        ratio = np.float64(1.0) / 0
        warnings.simplefilter("error")
    """) + "\n" + Q2_SOLUTION
    return solved(rel, q1_answer=q1, q2_answer=q2)


# -- 6. no process outlives its submission ----------------------------------------------------------------


def double_fork_escape(rel: dict[str, Any], ctx: Context) -> Any:
    escape = _code("""
        import os, sys
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                os.execv(sys.executable, [sys.executable, "-c", "while True: pass", "autograd-lab-test-escaper"])
            os._exit(0)
        os.wait()
    """)
    return solved(rel, q2_answer=escape + "\n" + Q2_SOLUTION)


def many_spinners(rel: dict[str, Any], ctx: Context) -> Any:
    """150 processes, started by one background process, that spin once the notebook is over: they are
    ended with the submission and cost the next submissions nothing."""
    spin = _code("""
        import os, time
        if os.fork() == 0:
            for _ in range(150):
                if os.fork() == 0:
                    os.setsid()
                    time.sleep(5)
                    while True:
                        pass
            os._exit(0)
    """)
    return solved(rel, q3_answer=spin + "\n" + Q3_SOLUTION)


def kill_everything(rel: dict[str, Any], ctx: Context) -> Any:
    """``kill(-1)`` reaches only this submission's processes: q1's snapshot dies, so q1's hidden check is
    not evaluated; nothing of the grader or of other submissions is touched. (It waits a second, so that
    q2's checks, answered while the notebook goes on, are done.)"""
    attack = "import os, signal, time\ntime.sleep(1)\ntry:\n    os.kill(-1, signal.SIGKILL)\nexcept OSError:\n    pass\n"
    return solved(rel, q3_answer=attack + Q3_SOLUTION)


def network_attempts(rel: dict[str, Any], ctx: Context) -> Any:
    attempt = _code("""
        import socket
        reached = []
        for family, kind, address in [(socket.AF_INET, socket.SOCK_DGRAM, ("127.0.0.1", 9)),
                                      (socket.AF_INET, socket.SOCK_DGRAM, ("8.8.8.8", 53)),
                                      (socket.AF_INET6, socket.SOCK_DGRAM, ("::1", 9)),
                                      (socket.AF_INET, socket.SOCK_STREAM, ("127.0.0.1", 22)),
                                      (socket.AF_UNIX, socket.SOCK_STREAM, "\\0some-abstract-socket"),
                                      (socket.AF_UNIX, socket.SOCK_DGRAM, "/dev/log")]:
            try:
                with socket.socket(family, kind) as sock:
                    sock.settimeout(0.5)
                    if kind == socket.SOCK_DGRAM:
                        sock.sendto(b"hello", address)
                    else:
                        sock.connect(address)
                    reached.append(address)
            except OSError:
                pass
    """)
    return solved(rel, q1_answer=attempt + "\n" + Q1_SOLUTION + "\nsquares = squares if not reached else 'online'")


CASES = [
    Case("t3_forged_answers", forged_answers, 1.33, "ok", "repeated answers to a check of q1"),
    Case("t3_huge_answer", huge_answer, 2.5, "ok"),
    Case("t3_complex_nan", complex_nan, 4, "ok"),
    Case("t3_lying_subclasses", lying_subclasses, 2.5, "ok"),
    Case("t3_patched_modules", patched_modules, 3, "ok"),
    Case("t3_hanging_method", hanging_method, 4.33, "ok"),
    Case("t3_hanging_repr", hanging_repr, 4, "ok"),
    Case("t4_stack_walk_spy", stack_walk_spy, 5, "ok"),
    Case("t4_background_spies", background_spies, 5, "ok"),
    Case("t4_shared_memory_relay", shared_memory_relay, 5, "ok"),
    Case("t5_magics_and_continuations", magics_and_continuations, 5, "ok"),
    Case("t5_pasted_prompts_and_warnings", pasted_prompts_and_warnings, 5, "ok"),
    Case("t6_double_fork_escape", double_fork_escape, 5, "ok"),
    Case("t6_many_spinners", many_spinners, 5, "ok"),
    Case("t6_kill_everything", kill_everything, 4, "ok"),
    Case("t6_network_attempts", network_attempts, 5, "ok"),
]
