"""The one result of reading inputs: what a reader gives (``checker/sources/readers.py``) and what
``read_inputs`` gathers from all of them."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from checker.model import InputError, Notice, Resource
from checker.records import _MISSING, Value


class SourceLoad(Value):
    """Resources in ARM shape, input errors (exit code 2), notices and the files read."""

    _fields = ("resources", "errors", "notices", "files", "linked", "work_used", "self_contained")
    resources: list[Resource]
    errors: list[InputError]
    notices: list[Notice]
    files: list[str]
    #: Files read through an expanded deployment (linked templates and parameter files), resolved, each
    #: with the file and line of the deployment that linked it.
    linked: list[tuple[Path, str, int | None]]
    #: Steps of the input's work budget spent (a template's expansion; see ``expand_template``).
    work_used: int
    #: A template's expansion that depended only on its template, parameter values, context and the
    #: code (see ``expand_template``): it may be kept for later runs (``expansion_cache``).
    self_contained: bool

    def __init__(self, resources: list[Resource] = _MISSING, errors: list[InputError] = _MISSING,
                 notices: list[Notice] = _MISSING, files: list[str] = _MISSING,
                 linked: list[tuple[Path, str, int | None]] = _MISSING, work_used: int = 0,
                 self_contained: bool = False) -> None:
        self.resources = [] if resources is _MISSING else resources
        self.errors = [] if errors is _MISSING else errors
        self.notices = [] if notices is _MISSING else notices
        self.files = [] if files is _MISSING else files
        self.linked = [] if linked is _MISSING else linked
        self.work_used = work_used
        self.self_contained = self_contained

    def extend(self, resources: Iterable[Resource], errors: Iterable[InputError],
               notices: Iterable[Notice]) -> None:
        self.resources.extend(resources)
        self.errors.extend(errors)
        self.notices.extend(notices)

    def merge(self, other: SourceLoad) -> None:
        """Add what another reading gave (its resources, errors, notices and files)."""
        self.extend(other.resources, other.errors, other.notices)
        self.files.extend(other.files)
