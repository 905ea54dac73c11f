"""The top-level ``autograd-lab`` command: --version, and every feature's subcommands with their own options."""
from __future__ import annotations

import argparse
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from autograd_lab import cli
from autograd_lab._version import __version__
from autograd_lab.grading import cli as grading_cli


def _commands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    (action,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        cli.main(["--version"])
    assert stopped.value.code == 0
    assert capsys.readouterr().out == f"autograd-lab {__version__}\n"


def test_python_dash_m_runs_the_command() -> None:
    result = subprocess.run([sys.executable, "-m", "autograd_lab", "--help"], capture_output=True, text=True,
                            timeout=60, check=True)
    assert result.stdout.startswith("usage: autograd-lab")
    assert all(name in result.stdout for name in _commands(grading_cli.build_parser()))


def test_every_feature_module_adds_its_own_commands_once() -> None:
    names: list[str] = []
    for module_name in cli.COMMAND_MODULES:
        alone = argparse.ArgumentParser()
        importlib.import_module(module_name).add_commands(alone.add_subparsers())
        names.extend(_commands(alone))
    assert len(names) == len(set(names))
    assert sorted(_commands(cli.build_parser())) == sorted(names)


def test_grading_commands_keep_their_options() -> None:
    args = cli.build_parser().parse_args(["grade", "subs", "--source", "a.ipynb", "--out", "o", "--jobs", "3"])
    assert (args.submissions, args.source, args.out, args.jobs) == ("subs", "a.ipynb", "o", 3)
    assert args.func is grading_cli.build_parser().parse_args(["grade", "s", "--source", "a", "--out", "o"]).func


def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "subs").mkdir()
    code = cli.main(["grade", str(tmp_path / "subs"), "--source", str(tmp_path / "missing.ipynb"),
                     "--out", str(tmp_path / "out")])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("autograd-lab: ") and "missing.ipynb" in err and "Traceback" not in err


def test_no_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        cli.main([])
    assert stopped.value.code == 2
    assert "usage: autograd-lab" in capsys.readouterr().err
