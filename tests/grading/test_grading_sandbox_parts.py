"""The parts of the grading sandbox one by one: reading cells, the shell stand-in, the result channel's
rules, the world picture, process trees, and the Linux confinement (run in forked processes)."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from autograd_lab.grading import cells, linux, processes, shell
from autograd_lab.grading.protocol import Ledger, Probe
from autograd_lab.grading.values import EvalError, encode

ROOT = Path(__file__).resolve().parents[2]


# -- cells --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("source, expected", [
    ("%time x = f()", "get_ipython().run_line_magic('time', 'x = f()')\n"),
    ("ok = (a\n      != b)", "ok = (a\n      != b)\n"),
    ("y = (1\n     % 2)", "y = (1\n     % 2)\n"),
    ("s = '''\n%not a magic\n!not a shell line\n'''", "s = '''\n%not a magic\n!not a shell line\n'''\n"),
    ("!pip install numpy\nz = 1", "get_ipython().system('pip install numpy')\nz = 1\n"),
    (">>> a = 1\n>>> b = 2", "a = 1\nb = 2\n"),
    ("np.arange?", "get_ipython().run_line_magic('pinfo', 'np.arange')\n"),
])
def test_cells_become_python_as_ipython_runs_them(source: str, expected: str) -> None:
    assert cells.to_python(source) == expected


def test_names_a_cell_binds() -> None:
    code = textwrap.dedent("""
        x = 1
        a, (b, *c) = 1, (2, 3)
        for i in range(3):
            y = i
        import numpy as np, os.path
        from m import k as kk
        def f():
            global g
            inner = 1
        class C:
            attr = 2
        with open("f") as fh:
            pass
        [q for q in range(3)]
        if (n := 3):
            pass
    """)
    assert cells.bound_names(code) == {"x", "a", "b", "c", "i", "y", "np", "os", "kk", "f", "g", "C", "fh", "n"}
    assert cells.bound_names("def broken(:") == set()


def test_helper_statements_keep_imports_and_functions_only() -> None:
    code = "import math\nX = 1\n@staticmethod\ndef f(a):\n    return a\nprint(3)\nclass K:\n    pass"
    assert cells.helper_statements(code) == "import math\n\n@staticmethod\ndef f(a):\n    return a"


# -- the shell stand-in -----------------------------------------------------------------------------------


def test_magics_run_their_python_and_shell_lines_do_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    ns: dict = {"__builtins__": __builtins__}
    grading_shell = shell.GradingShell(ns)
    ns["get_ipython"] = lambda: grading_shell
    ns["f"] = lambda: 41
    for cell in ["%time x = f() + 1\ny = %time f()", "%timeit -n 3 -r 1 z = 2", "%%capture out\nprint('captured')\nw = 5"]:
        exec(compile(cells.to_python(cell), "<cell>", "exec"), ns)
    assert (ns["x"], ns["y"], ns["z"], ns["w"]) == (42, 41, 2, 5)
    assert ns["out"].stdout == "captured\n"
    exec(compile(cells.to_python("%%writefile notes.txt\nhello\n"), "<cell>", "exec"), ns)
    assert (tmp_path / "notes.txt").read_text() == "hello\n"
    exec(compile(cells.to_python("!touch should_not_exist\nfiles = !ls\n%matplotlib inline"), "<cell>", "exec"), ns)
    assert ns["files"] == [] and not (tmp_path / "should_not_exist").exists()


# -- the result channel ---------------------------------------------------------------------------------


def _answer(step: int, kind: str, index: int, value: object) -> bytes:
    line = json.dumps({"ev": "answer", "step": step, "kind": kind, "index": index, "warnings": []})
    return (line[:-1] + ', "value": ' + encode(value) + "}\n").encode()


def _ledger() -> Ledger:
    probes = {1: Probe(1, "q1", ("a", "b"), ("secret_expression(1)",)), 3: Probe(3, "q2", ("c",), ())}
    return Ledger(4, probes)


def test_one_answer_per_public_check_and_repeats_reject_both() -> None:
    ledger = _ledger()
    ledger.feed(_answer(1, "public", 0, 1.0) + _answer(1, "public", 1, 2.0) + _answer(1, "public", 1, 9.0))
    ledger.feed(_answer(3, "public", 0, [1, 2])[:20])
    ledger.feed(_answer(3, "public", 0, [1, 2])[20:])
    ledger.close_public()
    assert ledger.steps[1].values == {"a": 1.0}
    assert ledger.steps[3].values == {"c": [1, 2]}
    assert ledger.notes() == ["rejected on the result channel: repeated answers to a check of q1 (x1)"]


def test_unrequested_garbled_and_late_messages_are_rejected() -> None:
    ledger = _ledger()
    ledger.feed(b"{not json\n" + b'{"ev": "answer", "step": 9, "kind": "public", "index": 0, "value": 1}\n')
    ledger.feed(_answer(1, "public", 5, 1.0) + _answer(1, "hidden", 0, True) + b'[1, 2]\n')
    ledger.feed(b'{"ev": "end", "step": 1, "status": "ok"}\n')  # a test cell has no start or end
    ledger.close_public()
    ledger.feed(_answer(1, "public", 0, 1.0))  # after the public checks were settled
    assert ledger.steps[1].values is None
    notes = ledger.notes()[0]
    assert "unreadable line (x1)" in notes and "unexpected message (x3)" in notes
    assert "unrequested answer (x3)" in notes and "secret" not in notes


def test_hidden_answers_only_for_the_check_being_asked() -> None:
    ledger = _ledger()
    ledger.close_public()
    ledger.feed(_answer(1, "hidden", 0, True))
    assert ledger.take_hidden(1, 0) is None
    ledger.ask(1, 0)
    ledger.feed(_answer(1, "hidden", 0, False) + _answer(1, "hidden", 0, True))
    assert ledger.take_hidden(1, 0) is False
    ledger.record_hidden(1, 0, ledger.take_hidden(1, 0))
    assert ledger.steps[1].values == {"secret_expression(1)": False}
    assert "unrequested answer (x2)" in ledger.notes()[0] and "secret" not in ledger.notes()[0]


def test_cell_reports_and_snapshots_count_once() -> None:
    ledger = _ledger()
    ledger.feed(b'{"ev": "ready", "sandbox": "s"}\n{"ev": "ready", "sandbox": "forged"}\n')
    ledger.feed(b'{"ev": "start", "step": 0}\n{"ev": "end", "step": 0, "status": "error", "error": "x"}\n')
    ledger.feed(b'{"ev": "end", "step": 0, "status": "ok"}\n')
    ledger.feed(b'{"ev": "snapshot", "step": 1, "pid": 5}\n{"ev": "snapshot", "step": 1, "pid": 6}\n')
    ledger.feed(b'{"ev": "snapshot", "step": 3, "pid": 7}\n')
    assert ledger.sandbox == "s" and ledger.steps[0].status == "error"
    assert ledger.valid_snapshot(1) is None and ledger.valid_snapshot(3) == 7


def test_unreadable_answer_values_fail_their_check_only() -> None:
    ledger = _ledger()
    bad = b'{"ev": "answer", "step": 1, "kind": "public", "index": 0, "warnings": [], "value": {"__nd__": "x"}}\n'
    ledger.feed(bad + _answer(1, "public", 1, 2.0))
    ledger.close_public()
    assert isinstance(ledger.steps[1].values["a"], EvalError) and ledger.steps[1].values["b"] == 2.0


# -- processes --------------------------------------------------------------------------------------------

_ESCAPER = textwrap.dedent("""
    import os, sys, time
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(60)", "escaper-marker"])
        os._exit(0)
    time.sleep(60)
""")


def test_kill_descendants_reaches_double_forked_setsid_processes() -> None:
    """Under a subreaper, an escaped grandchild stays in the tree and is killed with it."""
    runner = textwrap.dedent(f"""
        import sys, subprocess, time
        sys.path.insert(0, {str(ROOT)!r})
        from autograd_lab.grading import linux
        linux.become_subreaper()
        subprocess.Popen([sys.executable, "-c", {_ESCAPER!r}])
        time.sleep(60)
    """)
    root = subprocess.Popen([sys.executable, "-c", runner])
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            tree = processes.descendants(root.pid)
            if any(_cmdline(p).endswith("escaper-marker") for p in tree):
                break
            time.sleep(0.05)
        assert any(_cmdline(p).endswith("escaper-marker") for p in tree)
        assert processes.kill_descendants(root.pid) == []
        assert processes.wait_gone(list(tree.values()), 2.0) == []
    finally:
        root.kill()
        root.wait()


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except OSError:
        return ""


def test_exit_status_of_an_unreaped_process() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import os; os.kill(os.getpid(), 11)"])
    deadline = time.monotonic() + 10
    while processes.exit_status(child.pid) is None and time.monotonic() < deadline:
        time.sleep(0.01)
    status = processes.exit_status(child.pid)
    assert status is not None and os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGSEGV
    child.wait()


# -- Linux confinement, each in a forked child ------------------------------------------------------------


def _in_child(body) -> dict:
    """Run ``body()`` in a forked child and return the dict it returns."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        try:
            result = body()
        except BaseException as exc:  # noqa: BLE001
            result = {"crashed": repr(exc)}
        os.write(write_fd, json.dumps(result).encode())
        os._exit(0)
    os.close(write_fd)
    data = b""
    while chunk := os.read(read_fd, 65536):
        data += chunk
    os.close(read_fd)
    os.waitpid(pid, 0)
    return json.loads(data)


def _try(fn) -> str:
    try:
        fn()
        return "ok"
    except OSError as exc:
        return type(exc).__name__


def test_seccomp_closes_every_socket_family_but_keeps_pipes_threads_and_processes() -> None:
    def body() -> dict:
        linux.install_seccomp_filter()
        import threading
        ran = []
        thread = threading.Thread(target=lambda: ran.append(1))
        thread.start()
        thread.join()
        out = {name: _try(lambda fam=fam, kind=kind: socket.socket(fam, kind).close()) for name, fam, kind in [
            ("udp", socket.AF_INET, socket.SOCK_DGRAM), ("tcp6", socket.AF_INET6, socket.SOCK_STREAM),
            ("unix", socket.AF_UNIX, socket.SOCK_STREAM), ("netlink", socket.AF_NETLINK, socket.SOCK_RAW)]}
        out["socketpair"] = _try(lambda: [s.close() for s in socket.socketpair()])
        out["subprocess"] = _try(lambda: subprocess.run(["/bin/true"], check=True))
        out["unshare"] = _try(lambda: linux.unshare(linux.CLONE_NEWNET))
        out["thread"] = ran == [1]
        return out

    assert _in_child(body) == {"udp": "PermissionError", "tcp6": "PermissionError", "unix": "PermissionError",
                               "netlink": "PermissionError", "socketpair": "ok", "subprocess": "ok",
                               "unshare": "Unsupported", "thread": True}


def test_evaluators_cannot_start_processes() -> None:
    def body() -> dict:
        linux.forbid_new_processes()
        return {"fork": _try(os.fork), "raw": _try(linux.raw_fork),
                "subprocess": _try(lambda: subprocess.run(["/bin/true"]))}

    assert _in_child(body) == {"fork": "PermissionError", "raw": "PermissionError", "subprocess": "PermissionError"}


def test_raw_fork_runs_no_at_fork_callbacks() -> None:
    def body() -> dict:
        read_fd, write_fd = os.pipe()
        os.register_at_fork(after_in_child=lambda: os.write(write_fd, b"callback ran in child\n"))
        pid = linux.raw_fork()
        if pid == 0:
            os._exit(0)
        os.waitpid(pid, 0)
        os.close(write_fd)
        return {"written": os.read(read_fd, 100).decode()}

    assert _in_child(body) == {"written": ""}


def test_dropping_capabilities_is_for_good() -> None:
    def body() -> dict:
        linux.drop_capabilities()
        status = Path("/proc/self/status").read_text()
        caps = {line.split(":")[0]: int(line.split()[1], 16) for line in status.splitlines() if line.startswith("Cap")}
        return {"effective": caps["CapEff"], "bounding": caps["CapBnd"], "raise": _try(lambda: os.setuid(0))}

    result = _in_child(body)
    assert result["effective"] == 0 and result["bounding"] == 0


# -- the world picture ------------------------------------------------------------------------------------


def test_restoring_the_world_undoes_patches_whatever_their_names() -> None:
    def body() -> dict:
        import builtins
        import gc

        import numpy as np

        import autograd_lab as torch
        from autograd_lab import _dtypes
        from autograd_lab.grading import snapshot, values

        world = snapshot.capture()
        clean = snapshot.unchanged(world)
        torch.float32 = torch.float64
        torch.optim.SGD = object
        torch.Tensor.is_leaf = property(lambda self: True)
        def fake_numpy(self, *, force=False):  # noqa: ARG001
            return [0.0]

        torch.Tensor.numpy.__code__ = fake_numpy.__code__
        np.allclose = lambda *a, **k: True
        _dtypes.BY_NUMPY[np.dtype("float64")] = _dtypes.float32
        builtins.isinstance = lambda *a: True
        values.to_plain = lambda obj: 0
        gc.get_referents(float.__dict__)[0]["hex"] = lambda self: "patched"
        sys.modules["autograd_lab.optim"] = None
        patched = snapshot.unchanged(world)
        keep: list = []
        snapshot.restore(world, keep)
        x = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
        return {
            "clean": clean, "patched": patched, "after": snapshot.unchanged(world),
            "float32": repr(torch.float32), "sgd": torch.optim.SGD.__name__, "dtype": repr(x.dtype),
            "is_leaf": (x * 2).is_leaf, "numpy": x.detach().numpy().tolist(), "allclose": bool(np.allclose(1, 2)),
            "isinstance": builtins.isinstance(1, str), "to_plain": repr(values.to_plain(2.5)),
            "hex": (1.5).hex(), "optim": sys.modules["autograd_lab.optim"].__name__,
        }

    assert _in_child(body) == {
        "clean": True, "patched": False, "after": True, "float32": "torch.float32", "sgd": "SGD",
        "dtype": "torch.float64", "is_leaf": False, "numpy": [1.0, 2.0], "allclose": False, "isinstance": False,
        "to_plain": "2.5", "hex": "0x1.8000000000000p+0", "optim": "autograd_lab.optim",
    }


def test_state_that_notebooks_change_is_not_part_of_the_picture() -> None:
    def body() -> dict:
        import autograd_lab as torch
        from autograd_lab.grading import set_notebook, snapshot

        world = snapshot.capture()
        torch.manual_seed(3)
        set_notebook("x.ipynb")
        with torch.no_grad():
            torch.ones(2) * 2
        return {"unchanged": snapshot.unchanged(world)}

    assert _in_child(body) == {"unchanged": True}
