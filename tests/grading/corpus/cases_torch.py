"""Submissions that try to fool checks that need the library: dtypes, leaves, an optimizer, a custom
``autograd.Function`` checked through a locked helper, and a string answer.

The assignment (``torch_source``, 8 points): q1 (3 points; 0.75 a check) ``w`` a float32 leaf and the
gradient of ``(w * w).sum()``, with hidden checks on leaves; q2 (1) an SGD optimizer; q3 (2) a custom
``Square`` function, its backward checked by the locked helper ``max_error`` in a hidden check; q4 (2)
a number and, hidden, a letter.
"""
from __future__ import annotations

import json
import textwrap
from typing import Any

import nbtools
from corpus.cases import Case

Context = dict[str, Any]  # "port": where the test listens, "marker": the argument escaped processes carry

SETUP = "import numpy as np\nimport autograd_lab as torch\nfrom autograd_lab.grading import expect, check"
HELPERS = textwrap.dedent("""
    def max_error(fn, values, eps=1e-6):
        x = torch.tensor(values, dtype=torch.float64, requires_grad=True)
        fn(x).sum().backward()
        analytic = x.grad.numpy()
        base = np.array(values, dtype=np.float64)
        numeric = np.empty_like(base)
        for i in range(base.size):
            up, down = base.copy(), base.copy()
            up[i] += eps
            down[i] -= eps
            numeric[i] = (fn(torch.tensor(up)).sum().item() - fn(torch.tensor(down)).sum().item()) / (2 * eps)
        return float(np.max(np.abs(analytic - numeric)))
""").strip()

Q1 = "w = torch.tensor([1.0, 2.0], requires_grad=True)\nloss = (w * w).sum()\nloss.backward()"
Q2 = "opt = torch.optim.SGD([w], lr=0.1)"
SQUARE = textwrap.dedent("""
    class Square(torch.autograd.Function):
        @staticmethod
        def forward(ctx, t):
            ctx.save_for_backward(t)
            return t * t

        @staticmethod
        def backward(ctx, grad):
            (t,) = ctx.saved_tensors
            return {backward}
""").strip()
Q3 = SQUARE.format(backward="2 * t * grad") + "\nsquare = Square.apply"
Q4 = "ratio = 0.5\nwhy = 'b'"

# What a feedback page or results file must never contain: the hidden checks' code and values.
HIDDEN_TEXT = ["w.is_leaf", "loss.is_leaf", "max_error(square", "0.5, -1.0", "'b'", "BEGIN HIDDEN"]


def torch_source() -> dict[str, Any]:
    return nbtools.notebook([
        nbtools.code(SETUP, "setup"),
        nbtools.code(HELPERS, "helpers"),
        nbtools.answer("q1_answer", f"### BEGIN SOLUTION\n{Q1}\n### END SOLUTION"),
        nbtools.tests("q1", 3, (
            'expect("w.dtype == torch.float32", True)\n'
            'expect("w.grad", [2.0, 4.0])\n'
            "### BEGIN HIDDEN TESTS\n"
            'expect("w.is_leaf", True)\n'
            'expect("loss.is_leaf", False)\n'
            "### END HIDDEN TESTS"
        )),
        nbtools.answer("q2_answer", f"### BEGIN SOLUTION\n{Q2}\n### END SOLUTION"),
        nbtools.tests("q2", 1, 'expect("isinstance(opt, torch.optim.SGD)", True)'),
        nbtools.answer("q3_answer", f"### BEGIN SOLUTION\n{Q3}\n### END SOLUTION"),
        nbtools.tests("q3", 2, (
            'expect("square(torch.tensor([3.0]))", [9.0])\n'
            "### BEGIN HIDDEN TESTS\n"
            'expect("max_error(square, [0.5, -1.0])", below=1e-3)\n'
            "### END HIDDEN TESTS"
        )),
        nbtools.answer("q4_answer", f"### BEGIN SOLUTION\n{Q4}\n### END SOLUTION"),
        nbtools.tests("q4", 2, (
            'expect("ratio", 0.5)\n'
            "### BEGIN HIDDEN TESTS\n"
            'expect("why", "b")\n'
            "### END HIDDEN TESTS"
        )),
    ])


def solved(released: dict[str, Any], **answers: str) -> dict[str, Any]:
    base = {"q1_answer": Q1, "q2_answer": Q2, "q3_answer": Q3, "q4_answer": Q4}
    base.update(answers)
    return nbtools.with_answers(released, base)


def _non_leaf(lead: str = "") -> str:
    """``w`` computed from a leaf (so it is not one), then ``lead`` code, then the loss."""
    return (f"base = torch.tensor([1.0, 2.0], requires_grad=True)\nw = base * 1\n{lead}\n"
            "loss = (w * w).sum()\nloss.backward()")


def correct(rel: dict[str, Any], ctx: Context) -> Any:
    return solved(rel)


def rebound_float32(rel: dict[str, Any], ctx: Context) -> Any:
    q1 = "w = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)\ntorch.float32 = torch.float64\n"
    return solved(rel, q1_answer=q1 + "loss = (w * w).sum()\nloss.backward()")


def patched_dtype_table(rel: dict[str, Any], ctx: Context) -> Any:
    q1 = ("from autograd_lab import _dtypes\n_dtypes.BY_NUMPY[np.dtype('float64')] = torch.float32\n"
          "w = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)\n")
    return solved(rel, q1_answer=q1 + "loss = (w * w).sum()\nloss.backward()")


def rebound_sgd(rel: dict[str, Any], ctx: Context) -> Any:
    q2 = "class SGD:\n    def __init__(self, *args, **kwargs):\n        pass\ntorch.optim.SGD = SGD\nopt = SGD([w])"
    return solved(rel, q2_answer=q2)


def class_pretender(rel: dict[str, Any], ctx: Context) -> Any:
    q2 = "class Pretender:\n    @property\n    def __class__(self):\n        return torch.optim.SGD\nopt = Pretender()"
    return solved(rel, q2_answer=q2)


def shadowed_isinstance(rel: dict[str, Any], ctx: Context) -> Any:
    return solved(rel, q2_answer="def isinstance(*args):\n    return True\nopt = 'not an optimizer'")


def tensor_subclass_is_leaf(rel: dict[str, Any], ctx: Context) -> Any:
    lead = textwrap.dedent("""
        class Leafy(torch.Tensor):
            @property
            def is_leaf(self):
                return True
            @property
            def grad(self):
                return torch.tensor([2.0, 4.0])
        w.__class__ = Leafy
    """).strip()
    return solved(rel, q1_answer=_non_leaf(lead))


def patched_tensor_class(rel: dict[str, Any], ctx: Context) -> Any:
    return solved(rel, q1_answer=_non_leaf("torch.Tensor.is_leaf = property(lambda self: True)"))


def patched_function_code(rel: dict[str, Any], ctx: Context) -> Any:
    return solved(rel, q1_answer=_non_leaf("torch.Tensor.is_leaf.fget.__code__ = (lambda self: True).__code__"))


def redefined_helper(rel: dict[str, Any], ctx: Context) -> Any:
    """The hidden check calls the instructor's helper, not the one the notebook defines."""
    q3 = (SQUARE.format(backward="grad") + "\nsquare = Square.apply\n"
          "def max_error(*args, **kwargs):\n    return 0.0")
    return solved(rel, q3_answer=q3)


def lying_string(rel: dict[str, Any], ctx: Context) -> Any:
    q4 = "class Letter(str):\n    def __eq__(self, other):\n        return True\n    __hash__ = str.__hash__\n"
    return solved(rel, q4_answer=q4 + "why = Letter('c')\nratio = 0.5")


def lying_float(rel: dict[str, Any], ctx: Context) -> Any:
    q4 = "class Number(float):\n    def __eq__(self, other):\n        return True\n    __hash__ = float.__hash__\n"
    return solved(rel, q4_answer=q4 + "ratio = Number(0.9)\nwhy = 'b'")


def spying_backward(rel: dict[str, Any], ctx: Context) -> Any:
    """The hidden check runs the student's backward, which looks for the check on the stack and tries
    every way out; its output goes nowhere and its answer is still the right gradient."""
    spy = textwrap.dedent("""
        import os, sys, socket, signal
        frame, found = sys._getframe(), []
        while frame is not None:
            found += [c for c in frame.f_code.co_consts if isinstance(c, str)]
            found += [v for v in frame.f_locals.values() if isinstance(v, str)]
            frame = frame.f_back
        text = "\\n".join(found)
        print(text)
        print(text, file=sys.stderr)
        for path in ("leak.txt", "/tmp/leak.txt"):
            try:
                with open(path, "w") as fh:
                    fh.write(text)
            except OSError:
                pass
        for target in ((socket.AF_INET, ("127.0.0.1", 9)), (socket.AF_INET6, ("::1", 9))):
            try:
                socket.socket(target[0], socket.SOCK_DGRAM).sendto(text.encode()[:1000], target[1])
            except OSError:
                pass
        try:
            os.kill(os.getppid(), signal.SIGUSR1)
        except OSError:
            pass
    """).strip()
    backward = "2 * t * grad"
    q3 = SQUARE.format(backward=backward).replace("(t,) = ctx.saved_tensors",
                                                  "(t,) = ctx.saved_tensors\n" + textwrap.indent(spy, " " * 8))
    return solved(rel, q3_answer=q3 + "\nsquare = Square.apply")


def careless_but_right(rel: dict[str, Any], ctx: Context) -> Any:
    """Magics, a pasted prompt, a library warning and stderr output: full marks."""
    q1 = ">>> w = torch.tensor([1.0, 2.0], requires_grad=True)\n%time loss = (w * w).sum()\nloss.backward()"
    q2 = "import sys\nprint((w * 2).grad, file=sys.stderr)  # .grad of a non-leaf warns\n" + Q2
    q4 = "%%time\nratio = (0.25\n         + 0.25)\nwhy = 'b'"
    return solved(rel, q1_answer=q1, q2_answer=q2, q4_answer=q4)


def packet_sender(rel: dict[str, Any], ctx: Context) -> Any:
    """UDP and TCP towards the grading machine: nothing arrives (the test listens)."""
    port = json.dumps(int(ctx["port"]))
    send = textwrap.dedent(f"""
        import socket
        sent = []
        for family, host in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
            try:
                with socket.socket(family, socket.SOCK_DGRAM) as udp:
                    udp.sendto(b"hello", (host, {port}))
                    sent.append("udp")
            except OSError:
                pass
            try:
                with socket.create_connection((host, {port}), timeout=0.5) as tcp:
                    tcp.sendall(b"hello")
                    sent.append("tcp")
            except OSError:
                pass
        ratio = 0.5 if not sent else 0.0
        why = 'b'
    """).strip()
    return solved(rel, q4_answer=send)


def process_escaper(rel: dict[str, Any], ctx: Context) -> Any:
    """Double fork, setsid, and a plain fork, each left running a marked program."""
    marker = str(ctx["marker"])
    escape = textwrap.dedent(f"""
        import os, sys, time
        def run_marked():
            os.execv(sys.executable, [sys.executable, "-c", "import time\\nwhile True: time.sleep(0.05)", "{marker}"])
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                run_marked()
            os._exit(0)
        if os.fork() == 0:
            run_marked()
        time.sleep(0.2)
    """).strip()
    return solved(rel, q2_answer=escape + "\n" + Q2)


CASES = [
    Case("k_correct", correct, 8, "ok"),
    Case("k_rebound_float32", rebound_float32, 7.25, "ok"),
    Case("k_patched_dtype_table", patched_dtype_table, 7.25, "ok"),
    Case("k_rebound_sgd", rebound_sgd, 7, "ok"),
    Case("k_class_pretender", class_pretender, 7, "ok"),
    Case("k_shadowed_isinstance", shadowed_isinstance, 7, "ok"),
    Case("k_tensor_subclass_is_leaf", tensor_subclass_is_leaf, 6.5, "ok"),
    Case("k_patched_tensor_class", patched_tensor_class, 6.5, "ok"),
    Case("k_patched_function_code", patched_function_code, 6.5, "ok"),
    Case("k_redefined_helper", redefined_helper, 7, "ok"),
    Case("k_lying_string", lying_string, 7, "ok"),
    Case("k_lying_float", lying_float, 7, "ok"),
    Case("k_spying_backward", spying_backward, 8, "ok"),
    Case("k_careless_but_right", careless_but_right, 8, "ok"),
    Case("k_packet_sender", packet_sender, 8, "ok"),
    Case("k_process_escaper", process_escaper, 8, "ok"),
]
