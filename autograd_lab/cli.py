"""The ``autograd-lab`` command (also ``python -m autograd_lab``).

Each feature package keeps its subcommands in its own ``cli`` module, which
provides ``add_commands(subparsers)``: it adds its subparsers and gives each a
``func(args) -> int`` default. To add a feature's commands, list its module in
``COMMAND_MODULES`` below; that is the only place the top-level command needs to
know about it.
"""
from __future__ import annotations

import argparse
import importlib
import sys

from ._version import __version__

COMMAND_MODULES = (
    "autograd_lab.grading.cli",   # release, grade, gradebook, gradescope
    "autograd_lab.widgets.export",  # export
)


def build_parser() -> argparse.ArgumentParser:
    """The full command: ``--version`` and every feature's subcommands."""
    parser = argparse.ArgumentParser(
        prog="autograd-lab",
        description="autograd-lab: a NumPy autograd engine that behaves like PyTorch's, for teaching.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).add_commands(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one subcommand; bad input (a ``ValueError`` or ``OSError``) is one line on stderr and exit 2."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except (ValueError, OSError) as exc:
        print(f"autograd-lab: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
