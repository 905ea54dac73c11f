"""``install_as_torch()``: ``import torch`` and every ``import torch.X`` give autograd_lab's own modules.

Tests that need a process where nothing has happened yet (no alias installed, no
real or fake PyTorch imported) run a short script in a fresh interpreter.
"""
from __future__ import annotations

import importlib
import pickle
import subprocess
import sys
import textwrap
import threading
import types
from typing import Iterator

import pytest

import autograd_lab
from autograd_lab import _torch_alias


def run_fresh(script: str) -> subprocess.CompletedProcess:
    """Run ``script`` in a new interpreter; its stdout is the result."""
    return subprocess.run([sys.executable, "-c", textwrap.dedent(script)], capture_output=True, text=True,
                          timeout=120)


def torch_entries() -> dict[str, object]:
    return {name: module for name, module in sys.modules.items() if name == "torch" or name.startswith("torch.")}


@pytest.fixture
def alias() -> Iterator[None]:
    """The alias installed for one test, and removed again whatever the test did."""
    assert not torch_entries(), "a test left torch modules behind"
    autograd_lab.install_as_torch()
    try:
        yield
    finally:
        autograd_lab.uninstall_as_torch()
    assert not torch_entries()


# -- what `import torch` gives ---------------------------------------------------------------------


def test_import_torch_gives_the_library_modules_themselves(alias: None) -> None:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    from torch import optim
    from torch.autograd import Function, Variable

    assert torch is autograd_lab
    assert nn is autograd_lab.nn and F is autograd_lab.nn.functional and optim is autograd_lab.optim
    assert Function is autograd_lab.autograd.Function and Variable is autograd_lab.autograd.Variable
    assert sys.modules["torch.nn"] is autograd_lab.nn
    assert sys.modules["torch.nn.functional"] is autograd_lab.nn.functional
    x = torch.tensor([1.0, -2.0], requires_grad=True)
    F.relu(x * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 0.0]


def test_every_loaded_public_module_is_registered_under_its_torch_name(alias: None) -> None:
    public = {name: module for name, module in sys.modules.items()
              if name.split(".")[0] == "autograd_lab" and not any(p.startswith("_") for p in name.split(".")[1:])}
    assert "autograd_lab.nn.functional" in public and "autograd_lab.nn.init" in public
    for name, module in public.items():
        assert sys.modules["torch" + name[len("autograd_lab"):]] is module, name


def test_modules_keep_their_own_names_specs_and_version(alias: None) -> None:
    import torch
    import torch.nn.functional as F

    assert torch.__name__ == "autograd_lab" and torch.__spec__.name == "autograd_lab"
    assert F.__spec__.name == "autograd_lab.nn.functional"
    assert repr(torch).startswith("<module 'autograd_lab' from ")
    assert torch.__version__ == autograd_lab.__version__


def test_a_module_imported_later_is_found_then() -> None:
    result = run_fresh("""
        import sys, autograd_lab
        autograd_lab.install_as_torch()
        before = "autograd_lab.grading.gradebook" in sys.modules
        import torch.grading.gradebook
        from torch.grading import gradebook
        print(before, gradebook is sys.modules["autograd_lab.grading.gradebook"] is torch.grading.gradebook,
              sys.modules["torch.grading.gradebook"] is gradebook, sys.modules["torch.grading"] is autograd_lab.grading)
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False True True True"


def test_a_module_held_as_an_attribute_is_found(alias: None, monkeypatch: pytest.MonkeyPatch) -> None:
    held = types.ModuleType("autograd_lab.extra_namespace")
    held.answer = 42
    monkeypatch.setattr(autograd_lab, "extra_namespace", held, raising=False)
    import torch.extra_namespace

    assert torch.extra_namespace is held and sys.modules["torch.extra_namespace"] is held
    assert held.__spec__ is None  # the import system's spec for the alias was not left on it


def test_importing_a_submodule_does_not_replace_a_function_of_the_same_name(alias: None) -> None:
    import torch
    import torch.autograd.gradcheck as imported
    from torch.autograd.gradcheck import GradcheckError

    assert isinstance(torch.autograd.gradcheck, types.FunctionType) and imported is torch.autograd.gradcheck
    assert GradcheckError is sys.modules["autograd_lab.autograd.gradcheck"].GradcheckError


def test_reload_reexecutes_the_library_and_keeps_the_alias(alias: None) -> None:
    import torch
    import torch.nn

    reloaded = importlib.reload(torch)
    assert reloaded is autograd_lab and sys.modules["torch"] is autograd_lab
    assert importlib.reload(torch.nn) is autograd_lab.nn and sys.modules["torch.nn"] is autograd_lab.nn
    assert torch.tensor([2.0]).exp().item() == pytest.approx(7.389056)


def test_pickles_made_under_the_alias_name_the_library() -> None:
    result = run_fresh("""
        import pickle, autograd_lab
        autograd_lab.install_as_torch()
        import torch, torch.nn as nn
        blob = pickle.dumps([torch.tensor([1.0, 2.0], requires_grad=True), nn.Linear(2, 1), torch.float64])
        print(blob.hex())
    """)
    assert result.returncode == 0, result.stderr
    blob = bytes.fromhex(result.stdout.strip())
    assert b"torch" not in blob.replace(b"autograd_lab", b"")
    tensor, linear, dtype = pickle.loads(blob)  # here: no alias installed
    assert tensor.tolist() == [1.0, 2.0] and tensor.requires_grad
    assert isinstance(linear, autograd_lab.nn.Linear) and dtype is autograd_lab.float64


# -- what is refused ---------------------------------------------------------------------------------


def test_missing_counterpart_says_so(alias: None) -> None:
    with pytest.raises(ModuleNotFoundError) as caught:
        import torch.sparse  # noqa: F401
    assert str(caught.value) == ("No module named 'torch.sparse' (autograd_lab, installed as torch, "
                                 "has no counterpart of torch.sparse)")
    assert caught.value.name == "torch.sparse"
    with pytest.raises(ModuleNotFoundError, match=r"No module named 'torch\.nn\.quantized' "):
        from torch.nn.quantized import Linear  # noqa: F401


def test_private_modules_are_refused_even_where_the_library_has_one(alias: None) -> None:
    for name in ("torch._C", "torch._tensor", "torch._dynamo.config", "torch.nn._reduction"):
        with pytest.raises(ModuleNotFoundError) as caught:
            importlib.import_module(name)
        top = ".".join(name.split(".")[:2]) if name.split(".")[1].startswith("_") else name
        assert str(caught.value).startswith(f"No module named '{top}' (autograd_lab, installed as torch, does not "
                                            f"provide PyTorch's private modules such as {top})")


def test_a_class_is_not_a_module_as_in_pytorch(alias: None) -> None:
    with pytest.raises(ModuleNotFoundError) as caught:
        importlib.import_module("torch.autograd.Function")
    assert str(caught.value) == "No module named 'torch.autograd.Function'"
    with pytest.raises(ModuleNotFoundError, match="'torch.nn.functional' is not a package"):
        importlib.import_module("torch.nn.functional.relu")


def test_pytorch_imported_first_is_refused_with_how_to_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    real = types.ModuleType("torch")
    real.__file__ = "/site-packages/torch/__init__.py"
    monkeypatch.setitem(sys.modules, "torch", real)
    with pytest.raises(RuntimeError) as caught:
        autograd_lab.install_as_torch()
    message = str(caught.value)
    assert "PyTorch is already imported in this process (torch from /site-packages/torch/__init__.py)" in message
    assert "Restart the kernel (or Python) and call autograd_lab.install_as_torch()" in message
    assert not _torch_alias.is_installed()


def test_a_leftover_pytorch_submodule_is_refused_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch._C", types.ModuleType("torch._C"))
    with pytest.raises(RuntimeError, match=r"already imported in this process \(torch\._C from "):
        autograd_lab.install_as_torch()
    assert not _torch_alias.is_installed()


def test_real_pytorch_installed_but_not_imported_is_shadowed() -> None:
    """A directory named torch on sys.path (as a real install is) is never reached once the alias is in."""
    result = run_fresh("""
        import os, sys, tempfile
        site = tempfile.mkdtemp()
        os.makedirs(os.path.join(site, "torch"))
        with open(os.path.join(site, "torch", "__init__.py"), "w") as f:
            f.write("REAL = True\\n")
        sys.path.insert(0, site)
        import autograd_lab
        autograd_lab.install_as_torch()
        import torch
        print(torch is autograd_lab, hasattr(torch, "REAL"))
        autograd_lab.uninstall_as_torch()
        import torch
        print(torch is autograd_lab, hasattr(torch, "REAL"))
        try:
            autograd_lab.install_as_torch()
        except RuntimeError as error:
            print("refused")
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:3] == ["True False", "False True", "refused"]


# -- installing and removing it ---------------------------------------------------------------------


def test_importing_the_library_installs_nothing() -> None:
    result = run_fresh("""
        import sys, autograd_lab, autograd_lab.grading, autograd_lab.viz
        print(sorted(n for n in sys.modules if n == "torch" or n.startswith("torch.")),
              any(getattr(f, "aliases_torch_to", None) for f in sys.meta_path))
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[] False"


def test_installing_twice_is_installing_once(alias: None) -> None:
    autograd_lab.install_as_torch()
    assert len(_torch_alias._installed_finders()) == 1
    assert isinstance(sys.meta_path[0], _torch_alias.TorchAliasFinder)


def test_concurrent_installs_leave_one_finder() -> None:
    barrier = threading.Barrier(8)

    def install() -> None:
        barrier.wait()
        autograd_lab.install_as_torch()

    threads = [threading.Thread(target=install) for _ in range(8)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(_torch_alias._installed_finders()) == 1
    finally:
        autograd_lab.uninstall_as_torch()


def test_uninstall_forgets_torch_but_bound_modules_keep_working() -> None:
    autograd_lab.install_as_torch()
    import torch
    import torch.nn.functional as F

    autograd_lab.uninstall_as_torch()
    assert not _torch_alias.is_installed() and not torch_entries()
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("torch")  # no PyTorch in the test environment
    x = torch.tensor([-1.0, 2.0], requires_grad=True)
    F.relu(x).sum().backward()
    assert x.grad.tolist() == [0.0, 1.0]
    autograd_lab.uninstall_as_torch()  # a second uninstall does nothing
    autograd_lab.install_as_torch()  # and it can be installed again
    try:
        assert importlib.import_module("torch.nn") is autograd_lab.nn
    finally:
        autograd_lab.uninstall_as_torch()


def test_uninstall_leaves_a_foreign_torch_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    foreign = types.ModuleType("torch")
    monkeypatch.setitem(sys.modules, "torch", foreign)
    autograd_lab.uninstall_as_torch()
    assert sys.modules["torch"] is foreign


def test_ipython_extension_installs_and_removes_the_alias() -> None:
    result = run_fresh("""
        from IPython.core.interactiveshell import InteractiveShell
        shell = InteractiveShell.instance()
        shell.run_line_magic("load_ext", "autograd_lab")
        shell.run_cell("import torch, torch.nn.functional as F\\nimport autograd_lab", store_history=False)
        print(shell.user_ns["torch"] is shell.user_ns["autograd_lab"],
              shell.user_ns["F"] is shell.user_ns["autograd_lab"].nn.functional)
        shell.run_line_magic("unload_ext", "autograd_lab")
        import sys
        print("torch" in sys.modules)
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == ["True True", "False"]


def test_forked_children_inherit_the_alias_spawned_ones_only_if_their_module_installs_it(tmp_path) -> None:
    """DataLoader workers and multiprocessing pools: what the docs say about child processes."""
    script = tmp_path / "workers.py"
    script.write_text(textwrap.dedent("""
        import importlib, multiprocessing, sys
        import autograd_lab
        if sys.argv[1] == "top-level":
            autograd_lab.install_as_torch()

        def which_torch(_):
            try:
                return importlib.import_module("torch").__name__
            except ModuleNotFoundError:
                return "no torch"

        if __name__ == "__main__":
            autograd_lab.install_as_torch()
            for method in ("fork", "spawn"):
                with multiprocessing.get_context(method).Pool(1) as pool:
                    print(method, pool.map(which_torch, [0])[0])
    """))
    found = {}
    for where in ("main-only", "top-level"):
        result = subprocess.run([sys.executable, str(script), where], capture_output=True, text=True, timeout=120,
                                cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        found[where] = result.stdout.split("\n")[:2]
    assert found["main-only"] == ["fork autograd_lab", "spawn no torch"]
    assert found["top-level"] == ["fork autograd_lab", "spawn autograd_lab"]
