"""The one way a file is read: inputs, linked templates and parameter files, ``-p`` files, configuration
and baselines all come through :func:`read_limited`. Only regular files are read (a FIFO would block,
``/dev/zero`` never ends, a folder is not a file) and never more than a size limit, checked before
anything is parsed and again while reading (a file that grows)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from checker.model import CheckerError


def read_limited(path: Path, limit: int, what: str, *, shown: str | None = None,
                 hint: str | None = None) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes. ``FileNotFoundError`` passes through;
    anything else unreadable (a folder, pipe or device, too large, no permission) is a CheckerError
    naming ``shown`` (default: the path) and saying which ``what`` (``"file"``, ``"baseline"``...) it is."""
    file = shown if shown is not None else str(path)
    too_large = hint or f"a {what} is a small text file; check the path"
    subject = "file" if what == "file" else f"the {what}"  # "file is 60 bytes...", "the baseline is..."
    try:
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise CheckerError(f"cannot read the {what}: {exc.strerror or exc}", file=file) from None
    try:
        info = os.fstat(handle)
        if not stat.S_ISREG(info.st_mode):
            raise CheckerError(f"{subject} is not a regular file", file=file,
                               hint="give the path of a file (not a folder, pipe or device)")
        if info.st_size > limit:
            raise CheckerError(f"{subject} is {info.st_size:,} bytes, more than the limit of {limit:,}",
                               file=file, hint=too_large)
        chunks = []
        size = 0
        while size <= limit:
            chunk = os.read(handle, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:  # it grew while being read
            raise CheckerError(f"{subject} is more than the limit of {limit:,} bytes", file=file, hint=too_large)
        return b"".join(chunks)
    except OSError as exc:
        raise CheckerError(f"cannot read the {what}: {exc.strerror or exc}", file=file) from None
    finally:
        os.close(handle)
