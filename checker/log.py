"""The log of what a run reads, expands and skips (``-v``), to stderr as ``hybrid-check: message``,
through the standard ``logging`` module under the logger name ``hybrid_check``.

``logging`` (and the threading, traceback and string modules it imports) is imported only when a
message can be shown: with ``-v``, for a warning, or when the program embedding the library has
imported it. While nothing has imported ``logging``, its root logger would drop an informational
message anyway (its level is WARNING until someone configures it), so such a message is dropped
here without importing it."""

from __future__ import annotations

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

NAME = "hybrid_check"
FORMAT = "hybrid-check: %(message)s"

# The command line's set-up waiting for the first warning (a run without -v that logs nothing never
# imports logging).
_pending = False


def configure(verbose: bool) -> None:
    """The command line's logging: INFO with ``-v``, else WARNING, to stderr with the program's prefix."""
    global _pending
    if verbose or "logging" in sys.modules:
        _pending = False
        _apply(verbose)
    else:
        _pending = True


def _apply(verbose: bool) -> None:
    import logging

    level = logging.INFO if verbose else logging.WARNING
    logging.basicConfig(level=level, format=FORMAT, stream=sys.stderr)
    logging.getLogger().setLevel(level)


def info(message: str, *args: Any) -> None:
    logging = sys.modules.get("logging")
    if logging is not None:
        logging.getLogger(NAME).info(message, *args)


def warning(message: str, *args: Any) -> None:
    global _pending
    if _pending:
        _pending = False
        _apply(False)
    import logging

    logging.getLogger(NAME).warning(message, *args)
