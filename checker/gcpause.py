"""The cyclic garbage collector paused while a phase builds many small objects that form no cycles.

Building the subjects and evaluating the policies over a large graph allocate hundreds of thousands
of dicts, lists and results; each time enough of them pile up, CPython's collector walks every
object alive, the whole resource graph included, and finds nothing to free (the subjects and results
hold no reference cycles). Over 20,000 resources that walk cost more than the views themselves.
Reference counting still frees everything as usual while the collector is paused."""

from __future__ import annotations

import gc

TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import TracebackType


class collector_paused:  # noqa: N801 - used as a function: ``with collector_paused():``
    """Pause the cyclic collector for the ``with`` block; it runs again after it if it ran before.
    A class rather than ``contextlib.contextmanager``: a scan need not import contextlib for it."""

    __slots__ = ("_was_enabled",)

    def __enter__(self) -> None:
        self._was_enabled = gc.isenabled()
        gc.disable()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        if self._was_enabled:
            gc.enable()
