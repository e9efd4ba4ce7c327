"""The user's cache folder and the atomic writes of the files in it: the compiled bundled policies
(``checker/policy/compiled.py``) and the kept expansions of templates
(``checker/sources/expansion_cache.py``).

Where it lives: installed packages may sit in a read-only ``site-packages``, so cache files are
written to the user's cache folder, never next to the package: ``$HYBRID_CHECK_CACHE_DIR`` when set
(set but empty: no cache file at all), else ``$XDG_CACHE_HOME/hybrid-check`` or
``~/.cache/hybrid-check`` (``%LOCALAPPDATA%\\hybrid-check\\Cache`` on Windows,
``~/Library/Caches/hybrid-check`` on macOS). A folder that cannot be written (a read-only home, a
locked-down CI runner) only means that nothing is kept: nothing fails.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

CACHE_ENV = "HYBRID_CHECK_CACHE_DIR"


def cache_dir() -> Path | None:
    """The folder cache files are written to, or None when caching to disk is switched off."""
    configured = os.environ.get(CACHE_ENV)
    if configured is not None:
        return Path(configured).expanduser() if configured.strip() else None
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA")
        return Path(base) / "hybrid-check" / "Cache" if base else None
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "hybrid-check"
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and Path(xdg).is_absolute():
        return Path(xdg) / "hybrid-check"
    try:
        return Path.home() / ".cache" / "hybrid-check"
    except RuntimeError:  # no home folder
        return None


def write_atomically(path: Path, data: bytes, folder_mode: int = 0o777) -> bool:
    """Write then rename, so that a reader never sees half a file; any failure only means the file is
    not written (False). ``folder_mode``: of the file's folder when it is made (less the umask)."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(mode=folder_mode, parents=True, exist_ok=True)
        temporary.write_bytes(data)
        os.replace(temporary, path)
        return True
    except OSError:
        try:
            temporary.unlink()
        except OSError:
            pass
        return False


def settled(statuses: list[list[int] | None], taken_ns: int, window_ns: int) -> bool:
    """Every status (of :func:`file_statuses`) older than ``window_ns`` before ``taken_ns``: an edit
    within the file system's time stamp resolution could otherwise leave a status as recorded (a
    missing file appears in its folder's listing)."""
    limit = taken_ns - window_ns
    return all(status is None or (status[1] < limit and status[2] < limit) for status in statuses)


def file_statuses(paths: list[str]) -> list[list[int] | None]:
    """Size, modification and change times (ns) and inode of each path (None for one that cannot be
    examined): what a cache records to trust a key without reading the files again while they hold."""
    found: list[list[int] | None] = []
    for path in paths:
        try:
            status = os.stat(path)
        except OSError:
            found.append(None)
            continue
        found.append([status.st_size, status.st_mtime_ns, status.st_ctime_ns, status.st_ino])
    return found
