"""The ``hybrid-check`` console script and ``python -m checker``: ``hybrid-check --version`` is
answered here, without importing the command line (argparse, pathlib and through it urllib and
ipaddress, about as much as Python's own start-up); anything else is :mod:`checker.cli`'s, with
``pathlib`` and ``argparse`` imported first without the parts a run never uses
(:mod:`checker.standins`)."""

from __future__ import annotations

import sys

from checker import __version__
from checker.vocabulary import EXIT_PASS

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import NoReturn


def answers_version(argv: Sequence[str] | None) -> bool:
    """Print the version when ``argv`` (default: the process's) is ``--version`` alone, as argparse
    would print it; whether it was."""
    if (sys.argv[1:] if argv is None else list(argv)) != ["--version"]:
        return False
    print(f"hybrid-check {__version__}")
    return True


def run() -> NoReturn:
    """The console script: :func:`checker.cli.run` (which ends the process once its output is flushed)."""
    if answers_version(None):
        raise SystemExit(EXIT_PASS)
    from checker.standins import import_command_line_modules

    import_command_line_modules()
    from checker.cli import run as run_command

    run_command()


def main(argv: Sequence[str] | None = None) -> int:
    """:func:`checker.cli.main`, with ``--version`` answered without importing it."""
    if answers_version(argv):
        return EXIT_PASS
    from checker.standins import import_command_line_modules

    import_command_line_modules()
    from checker.cli import main as main_command

    return main_command(argv)
