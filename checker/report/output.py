"""Writing report files: every file through a temporary file in the same folder, renamed into place only
when all of them were written, so that no report is left truncated and none is written for a run that
then ends otherwise."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from checker.model import CheckerError
from checker.report.escape import printable


def _temporary(path: Path, text: str) -> Path:
    import tempfile  # here: a run without -o writes no file and needs none of it

    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(printable(text))
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name)


def write_files(files: Sequence[tuple[str, Path, str]]) -> None:
    """Write ``(what, path, text)`` files atomically and all or none: two to the same path are an error,
    and a failure to write one leaves every path as it was. Raises :class:`CheckerError`."""
    seen: dict[str, str] = {}
    for what, path, _ in files:
        key = os.path.normcase(os.path.abspath(path))
        if key in seen:
            raise CheckerError(f"the {seen[key]} and the {what} would both be written to this file", file=str(path),
                               hint="give each output its own path")
        seen[key] = what
    written: list[tuple[Path, Path, str]] = []
    try:
        for what, path, text in files:
            try:
                written.append((_temporary(path, text), path, what))
            except OSError as exc:
                raise CheckerError(f"cannot write the {what}: {exc.strerror or exc}", file=str(path),
                                   hint="check that the folder is writable and has room") from None
        for temporary, path, what in written:
            try:
                os.replace(temporary, path)
            except OSError as exc:
                raise CheckerError(f"cannot write the {what}: {exc.strerror or exc}", file=str(path),
                                   hint="a folder of that name may be in the way") from None
    finally:
        for temporary, _, _ in written:
            temporary.unlink(missing_ok=True)


def write_file(what: str, path: Path, text: str) -> None:
    write_files([(what, path, text)])
