"""The cyclic garbage collector paused while a phase builds many small objects that form no cycles.

Building the subjects and evaluating the policies over a large graph allocate hundreds of thousands
of dicts, lists and results; each time enough of them pile up, CPython's collector walks every
object alive, the whole resource graph included, and finds nothing to free (the subjects and results
hold no reference cycles). Over 20,000 resources that walk cost more than the views themselves.
Reference counting still frees everything as usual while the collector is paused."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic collector for the ``with`` block; it runs again after it if it ran before."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
