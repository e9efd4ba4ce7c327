"""Where the configuration file is (.hybrid-check.yaml/.yml, or pyproject.toml with [tool.hybrid-check]),
found from the working directory upward. Apart from :mod:`checker.config` (which reads and validates
it): most runs have no configuration file and never import that module.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from checker import log
from checker.files import read_limited
from checker.model import CheckerError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

CONFIG_NAMES = (".hybrid-check.yaml", ".hybrid-check.yml")
PYPROJECT = "pyproject.toml"
TOOL_TABLE = "hybrid-check"
#: Largest configuration file read (checked before it is parsed; real ones are a few kilobytes).
MAX_CONFIG_BYTES = 1024 * 1024


@functools.cache
def _pyproject_section() -> re.Pattern[str]:  # compiled on first use (a rare path)
    return re.compile(r'^\s*\[+\s*tool\s*\.\s*(?:"hybrid-check"|hybrid-check)\s*[.\]]', re.MULTILINE)


def _tomllib() -> Any:
    """tomllib (Python 3.11+), imported when a pyproject.toml is read; None on 3.10, where only the
    YAML file is read (no extra dependency)."""
    try:
        import tomllib
    except ModuleNotFoundError:  # pragma: no cover - depends on the interpreter
        return None
    return tomllib


def _has_tool_table(pyproject: Path) -> bool:
    try:
        text = read_limited(pyproject, MAX_CONFIG_BYTES, "configuration").decode("utf-8", errors="replace")
        return bool(_pyproject_section().search(text))
    except (OSError, CheckerError):
        return False


def find_config(start: Path) -> Path | None:
    """The nearest .hybrid-check.yaml/.yml, or pyproject.toml with [tool.hybrid-check], from ``start``
    upward; the search stops at the repository root (the folder holding .git)."""
    folder = start.absolute()
    if folder.is_file():
        folder = folder.parent
    for current in (folder, *folder.parents):
        for name in CONFIG_NAMES:
            if (current / name).is_file():
                return current / name
        pyproject = current / PYPROJECT
        if pyproject.is_file() and _has_tool_table(pyproject):
            if _tomllib() is not None:
                return pyproject
            log.warning("%s: [tool.%s] is ignored: reading pyproject.toml needs Python 3.11 or later "
                        "(use .hybrid-check.yaml instead)", pyproject, TOOL_TABLE)
        if (current / ".git").exists():
            return None
    return None
