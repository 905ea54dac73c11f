"""Submissions of the shipped exercises (exercises/source): the classic mistakes, careless and cheating
answers, each with the exact points it must get. Answers not named in a case are the instructor's solution.

A case's ``answers`` replace answer cells by ``grade_id``; everything else comes from the released notebook
(``answers=None``: the released notebook untouched).
"""
from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from typing import Any, Callable

CAPSTONE = "05_capstone"

SOFTPLUS = textwrap.dedent("""
    class SoftPlus(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return torch.clamp(x, min=0) + torch.log(1 + torch.exp(-torch.abs(x)))

        @staticmethod
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            return {backward}
""").strip()


def softplus(backward: str) -> dict[str, str]:
    """A capstone q1 answer whose forward is right and whose backward returns ``backward``."""
    return {"q1_answer": SOFTPLUS.format(backward=backward)}


@dataclass(frozen=True)
class ExerciseCase:
    name: str
    notebook: str
    answers: dict[str, str] | None
    points: float
    status: str = "ok"
    hint: str = ""            # a hint the feedback must show (public or hidden check)
    questions: dict[str, float] = field(default_factory=dict)   # exact points of some questions
    correct: bool = False     # a right answer (full marks); every other case must lose points
    edit: Callable[[list[dict[str, Any]]], None] | None = None   # changes the notebook's cells further
    note: str = ""            # a note the gradebook row must have (rows without one say nothing of their cells)
    released_from: str | None = None   # start from this exercise's released notebook (a wrong file handed in)


# The capstone (8 points). q1 (4 points) has 8 weight units: forward 1 and large inputs 1; upstream
# gradients other than ones: given weights (public) 2, random weights 1, a 2-D input 1; gradcheck 2.
# A unit is 0.5 points.
CAPSTONE_CASES = [
    ExerciseCase("softplus_correct", CAPSTONE, {}, 8, correct=True),
    ExerciseCase("softplus_correct_other_form", CAPSTONE, softplus("grad_output / (1 + torch.exp(-x))"), 8, correct=True),
    ExerciseCase("softplus_correct_saves_output", CAPSTONE, {"q1_answer": textwrap.dedent("""
        class SoftPlus(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                y = torch.clamp(x, min=0) + torch.log(1 + torch.exp(-torch.abs(x)))
                ctx.save_for_backward(y)
                return y

            @staticmethod
            def backward(ctx, grad_output):
                (y,) = ctx.saved_tensors
                return grad_output * (1 - torch.exp(-y))
    """).strip()}, 8, correct=True),
    # careless: the local derivative alone passes any check that seeds with ones (.sum().backward())
    ExerciseCase("softplus_ignores_grad_output", CAPSTONE, softplus("torch.sigmoid(x)"), 5,
                 hint="it ignores grad_output", questions={"q1": 1.0}),
    ExerciseCase("softplus_ignores_grad_output_by_hand", CAPSTONE, softplus("1 / (1 + torch.exp(-x))"), 5,
                 hint="it ignores grad_output", questions={"q1": 1.0}),
    ExerciseCase("softplus_returns_grad_output", CAPSTONE, softplus("grad_output"), 5,
                 hint="the local derivative is missing", questions={"q1": 1.0}),
    ExerciseCase("softplus_returns_grad_output_copy", CAPSTONE, softplus("grad_output.clone() * 1.0"), 5,
                 hint="the local derivative is missing", questions={"q1": 1.0}),
    # multiplies wrongly, in ways that a check seeded with ones cannot see; squaring even passes
    # gradcheck (its one-hot upstream gradients square to themselves): only random weights catch it
    ExerciseCase("softplus_squares_grad_output", CAPSTONE, softplus("grad_output ** 2 * torch.sigmoid(x)"), 6,
                 questions={"q1": 2.0}),
    ExerciseCase("softplus_mean_of_grad_output", CAPSTONE, softplus("grad_output.mean() * torch.sigmoid(x)"), 5,
                 questions={"q1": 1.0}),
    # wrong shape: the engine refuses the gradient, each check that runs backward fails
    ExerciseCase("softplus_sums_the_gradient", CAPSTONE, softplus("(grad_output * torch.sigmoid(x)).sum()"), 5,
                 questions={"q1": 1.0}),
    ExerciseCase("softplus_drops_an_element", CAPSTONE, softplus("(grad_output * torch.sigmoid(x))[:1]"), 5,
                 questions={"q1": 1.0}),
    ExerciseCase("softplus_returns_none", CAPSTONE, softplus("None"), 5, questions={"q1": 1.0}),
    # cheating: a backward that ignores grad_output and, when called, patches the NumPy and library functions
    # the helpers compare with. The patches last only in that check's evaluator (the world is put back for each
    # test cell, each check runs in its own fork). It fools the helper that compares with NumPy inside the sandbox
    # (random weights, 2-D input: the "what is left" of docs/grading-trust-model.md), not gradcheck (looked up
    # before backward runs) nor the given-weights check, which the grader compares itself: fewer marks.
    ExerciseCase("softplus_backward_patches_numpy", CAPSTONE, {"q1_answer": SOFTPLUS.format(backward="torch.sigmoid(x)").replace(
        "(x,) = ctx.saved_tensors",
        "(x,) = ctx.saved_tensors\n"
        "        np.max = lambda *a, **k: 0.0\n"
        "        np.allclose = lambda *a, **k: True\n"
        "        torch.autograd.gradcheck = lambda *a, **k: True")}, 6, questions={"q1": 2.0}),
    # cheating: the public inputs' answers written in, right only where the public checks look
    ExerciseCase("softplus_hard_coded_gradient", CAPSTONE, softplus(
        "grad_output * torch.tensor([0.5, 0.7310586, 0.1192029], dtype=x.dtype) if x.shape == (3,) else grad_output"),
        6, questions={"q1": 2.0}),
]

# Hard-coded answers: the values the lessons print, written in. Each question whose value a lesson shows is a
# function the hidden checks call at other inputs, so these lose the hidden checks' share.
# Errors every class makes, with the hint the feedback gives under the cell's error
MISCONCEPTION_CASES = [
    ExerciseCase("integer_tensor_requires_grad", "01_first_gradients",
                 {"q1_answer": "x = torch.tensor(5, requires_grad=True)\ny = x**3 - 4 * x\ny.backward()\ngrad_x = x.grad"},
                 6, "error", hint="An integer tensor cannot require gradients", questions={"q1": 0.0}),
    # a check calls the student's function, which raises: the hint comes with the failed public check
    ExerciseCase("zeroes_grad_before_first_backward", "06_your_own_ops", {"q4_answer": textwrap.dedent("""
        def train_with_sgd(x_values, y_values, lr, steps):
            x, y = torch.tensor(x_values), torch.tensor(y_values)
            w = torch.tensor(0.0, requires_grad=True)
            b = torch.tensor(0.0, requires_grad=True)
            optimizer = torch.optim.SGD([w, b], lr=lr)
            losses = []
            for step in range(steps):
                w.grad.zero_()
                b.grad.zero_()
                loss = ((w * x + b - y) ** 2).mean()
                loss.backward()
                optimizer.step()
                losses.append(loss.item())
            return w.item(), b.item(), losses
    """).strip()}, 8, hint=".grad is None until a backward pass has reached the tensor", questions={"q4": 0.0}),
]

HARD_CODED_CASES = [
    ExerciseCase("hard_coded_r2_grads", "01_first_gradients",
                 {"q3_answer": "def r2_grads(x0, z0):\n    return 10.2236068, 1.3333333\n\nwhy = 'b'"}, 7.0,
                 questions={"q3": 2.0}),
    ExerciseCase("hard_coded_lesson_leaves", "02_tensors_and_graphs",
                 {"q4_answer": "leaves = [True, False, False, False, False]"}, 9.5, questions={"q4": 0.5}),
    ExerciseCase("hard_coded_lesson_chain", "02_tensors_and_graphs",
                 {"q5_answer": "def chain_names(t):\n    return ['SumBackward0', 'MulBackward0', 'AddBackward0', 'AccumulateGrad']"},
                 8.5, questions={"q5": 0.5}),
    ExerciseCase("hard_coded_vjp", "03_vector_jacobian_products",
                 {"q2_answer": "def backward_with(x_values, v_values):\n    return torch.tensor([0.1, 1.6, 9.6])\n\n"
                               "no_v_error = 'RuntimeError'"}, 11.0, questions={"q2": 1.0}),
    ExerciseCase("hard_coded_accumulation", "03_vector_jacobian_products",
                 {"q4_answer": "def record_grads(start, epochs, reset):\n    if reset:\n        return [[2.0, 2.0, 2.0]] * 3\n"
                               "    return [[2.0, 2.0, 2.0], [4.0, 4.0, 4.0], [6.0, 6.0, 6.0]]"}, 10.8, questions={"q4": 1.8}),
    ExerciseCase("hard_coded_data_edit", "03_vector_jacobian_products",
                 {"q5_answer": "def grad_after_data_edit(values, factor):\n    return [20.0, 40.0]\n\n"
                               "detach_error = 'RuntimeError'\nwhich = {'data': 'c', 'detach': 'b', 'no_grad': 'a'}"},
                 11.6, questions={"q5": 1.6}),
    ExerciseCase("hard_coded_retained_grads", "04_backward_in_depth",
                 {"q1_answer": "def y_and_x_grads(values):\n    return torch.tensor([3.0, 48.0]), torch.tensor([6.0, 192.0])\n\n"
                               "why_none = 'a'"}, 8.0, questions={"q1": 2.0}),
    ExerciseCase("hard_coded_two_passes", "04_backward_in_depth",
                 {"q2_answer": "def grad_after_two_passes(values):\n    return torch.tensor([12.0, 384.0])\n\n"
                               "second_call_error = 'RuntimeError'"}, 8.0, questions={"q2": 2.0}),
]

OWN_OPS = "06_your_own_ops"
TRAIN = textwrap.dedent("""
    def train_by_hand(x_values, y_values, lr, steps):
        x, y = torch.tensor(x_values), torch.tensor(y_values)
        w = torch.tensor(0.0, requires_grad=True)
        b = torch.tensor(0.0, requires_grad=True)
        losses = []
        for step in range(steps):
    {loop}
            losses.append(loss.item())
        return w.item(), b.item(), losses
""").strip()
STEP = """        loss = ((w * x + b - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
"""
SGD = textwrap.dedent("""
    def train_with_sgd(x_values, y_values, lr, steps):
        x, y = torch.tensor(x_values), torch.tensor(y_values)
        w = torch.tensor(0.0, requires_grad=True)
        b = torch.tensor(0.0, requires_grad=True)
        optimizer = torch.optim.SGD([w, b], lr=lr)
        losses = []
        for step in range(steps):
            loss = ((w * x + b - y) ** 2).mean()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        return w.item(), b.item(), losses
""").strip()
SQRT = textwrap.dedent("""
    class Sqrt(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = torch.sqrt(x)
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, grad_output):
            (y,) = ctx.saved_tensors
            return {backward}
""").strip()

# Lesson 6's exercise (10 points: q1 3, q2 2, q3 3, q4 2). q1 has 8 weight units like the capstone's q1, minus
# the large-input check: forward 1, given weights 2, random weights 1, gradcheck 2, a 2-D input 1 (7 units).
OWN_OPS_CASES = [
    ExerciseCase("own_ops_solved", OWN_OPS, {}, 10, correct=True),
    ExerciseCase("own_ops_empty", OWN_OPS, None, 0, "error"),
    # q2's answer cell runs gradcheck on the student's Sqrt, which raises for a wrong backward: status error,
    # and gradcheck_ok is never set (q2 keeps 4 of its 5 checks)
    ExerciseCase("own_ops_ignores_grad_output", OWN_OPS, {"q1_answer": SQRT.format(backward="1 / (2 * y)")},
                 5 + 3 / 7 + 1.6, "error", hint="it ignores grad_output", questions={"q1": 3 / 7, "q2": 1.6}),
    ExerciseCase("own_ops_returns_grad_output", OWN_OPS, {"q1_answer": SQRT.format(backward="grad_output")},
                 5 + 3 / 7 + 1.6, "error", hint="the local derivative is missing", questions={"q1": 3 / 7, "q2": 1.6}),
    ExerciseCase("own_ops_forgets_zero_grad_by_hand", OWN_OPS, {"q3_answer": TRAIN.format(loop=STEP)}, 7.6,
                 hint="The gradients pile up from step to step", questions={"q3": 0.6}),
    ExerciseCase("own_ops_forgets_zero_grad_with_sgd", OWN_OPS, {"q4_answer": SGD}, 8.0,
                 hint="the optimizer clears them only when you ask it to", questions={"q4": 0.0}),
    # zero_() before the first backward(): .grad is still None, the call raises in every check
    ExerciseCase("own_ops_zeroes_before_first_backward", OWN_OPS, {"q3_answer": TRAIN.format(
        loop="        w.grad.zero_()\n        b.grad.zero_()\n" + STEP)}, 7.0,
                 hint=".grad is None until a backward pass has reached the tensor", questions={"q3": 0.0}),
    # the update recorded by autograd: PyTorch refuses an in-place change of a leaf that requires grad
    ExerciseCase("own_ops_updates_outside_no_grad", OWN_OPS, {"q3_answer": TRAIN.format(loop=STEP.replace(
        "        with torch.no_grad():\n            w -= lr * w.grad\n            b -= lr * b.grad\n",
        "        w -= lr * w.grad\n        b -= lr * b.grad\n        w.grad.zero_()\n        b.grad.zero_()\n"))}, 7.0,
                 hint="do the update inside", questions={"q3": 0.0}),
    ExerciseCase("own_ops_numeric_in_float32", OWN_OPS, {"q2_answer": textwrap.dedent("""
        def numeric_gradient(f, values, h=1e-6):
            out = []
            for i in range(len(values)):
                up, down = list(values), list(values)
                up[i] += h
                down[i] -= h
                out.append((f(torch.tensor(up)).sum().item() - f(torch.tensor(down)).sum().item()) / (2 * h))
            return out

        gradcheck_ok = torch.autograd.gradcheck(Sqrt.apply, (torch.tensor([0.25, 1.0, 16.0], dtype=torch.float64, requires_grad=True),))
    """).strip()}, 8.8, questions={"q2": 0.8}),
    ExerciseCase("own_ops_one_sided_difference", OWN_OPS, {"q2_answer": textwrap.dedent("""
        def numeric_gradient(f, values, h=1e-6):
            base = np.array(values, dtype=np.float64)
            out = np.empty_like(base)
            for i in range(base.size):
                up = base.copy()
                up[i] += h
                out[i] = (f(torch.tensor(up)).sum().item() - f(torch.tensor(base)).sum().item()) / h
            return out

        gradcheck_ok = True
    """).strip()}, 9.2, hint="That is a one-sided difference", questions={"q2": 1.2}),
    # cheating: the public data's results written in
    ExerciseCase("own_ops_hard_coded_training", OWN_OPS, {
        "q3_answer": "def train_by_hand(x_values, y_values, lr, steps):\n    return 2.001132, 0.997584, [0.0] * 50",
        "q4_answer": "def train_with_sgd(x_values, y_values, lr, steps):\n    return 2.001132, 0.997584, [0.0] * 50"},
        5 + 1.2 + 2 / 3, questions={"q3": 1.2, "q4": 2 / 3}),
]

def _checks_cell(cells: list[dict[str, Any]]) -> dict[str, Any]:
    return next(c for c in cells if c.get("metadata", {}).get("autograd_lab", {}).get("role") == "public-checks")


def _answer_in_checks_cell(cells: list[dict[str, Any]]) -> None:
    """The answer written into the checks cell (the grader never runs that cell)."""
    _checks_cell(cells)["source"] = SQRT.format(backward="grad_output / (2 * y)").splitlines(keepends=True)
    next(c for c in cells if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "q1_answer")["source"] = []


def _checks_cell_deleted(cells: list[dict[str, Any]]) -> None:
    cells.remove(_checks_cell(cells))


def _checks_cell_rewritten(cells: list[dict[str, Any]]) -> None:
    """Public checks registered with every expected value the student wants, and a cheat in the same cell."""
    _checks_cell(cells)["source"] = [
        "from autograd_lab.grading import checks\n",
        "checks.score_test = lambda *a, **k: None\n",
        "import autograd_lab.grading.scoring as s\ns.compare = lambda *a, **k: True\n",
    ]


def _checks_cell_without_metadata(cells: list[dict[str, Any]]) -> None:
    for cell in cells:
        cell["metadata"] = {}


# The released notebook's checks cell, which only the student's own check() uses
CHECKS_CELL_CASES = [
    # Sqrt never defined: q1 gets nothing and q2's gradcheck line raises (status error, gradcheck_ok unset)
    ExerciseCase("checks_cell_holds_the_answer", OWN_OPS, {}, 6.6, "error", edit=_answer_in_checks_cell,
                 questions={"q1": 0.0, "q2": 1.6}),
    ExerciseCase("checks_cell_deleted", OWN_OPS, {}, 10, correct=True, edit=_checks_cell_deleted),
    ExerciseCase("checks_cell_rewritten", OWN_OPS, {"q3_answer": TRAIN.format(loop=STEP)}, 7.6,
                 edit=_checks_cell_rewritten, questions={"q3": 0.6}),
    ExerciseCase("all_metadata_deleted", OWN_OPS, {}, 10, correct=True, edit=_checks_cell_without_metadata,
                 note="matched by position"),
]

CASES = CAPSTONE_CASES + MISCONCEPTION_CASES + HARD_CODED_CASES + OWN_OPS_CASES + CHECKS_CELL_CASES
