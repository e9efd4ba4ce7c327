"""The one result of reading inputs: what a reader gives (``checker/sources/readers.py``) and what
``read_inputs`` gathers from all of them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from checker.model import InputError, Notice, Resource


@dataclass
class SourceLoad:
    """Resources in ARM shape, input errors (exit code 2), notices and the files read."""

    resources: list[Resource] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    #: Files read through an expanded deployment (linked templates and parameter files), resolved, each
    #: with the file and line of the deployment that linked it.
    linked: list[tuple[Path, str, int | None]] = field(default_factory=list)
    #: Steps of the input's work budget spent (a template's expansion; see ``expand_template``).
    work_used: int = 0

    def extend(self, resources: Iterable[Resource], errors: Iterable[InputError],
               notices: Iterable[Notice]) -> None:
        self.resources.extend(resources)
        self.errors.extend(errors)
        self.notices.extend(notices)

    def merge(self, other: SourceLoad) -> None:
        """Add what another reading gave (its resources, errors, notices and files)."""
        self.extend(other.resources, other.errors, other.notices)
        self.files.extend(other.files)
