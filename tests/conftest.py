"""Shared test helpers: where the shared material (corpus, SARIF schema) lives, when it exists."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]

# The compiled bundled policies go to a folder of the test run, not the user's cache (the commands
# the tests start inherit it).
os.environ.setdefault("HYBRID_CHECK_CACHE_DIR", tempfile.mkdtemp(prefix="hybrid-check-tests-"))


def shared_dir() -> Path | None:
    """``../shared`` beside the repository (as in CI), else the workplace copy, else None."""
    for candidate in (REPO_ROOT.parent / "shared", Path("/work/shared")):
        if candidate.is_dir():
            return candidate
    return None


@pytest.fixture
def corpus_dir() -> Path:
    shared = shared_dir()
    if shared is None or not (shared / "corpus").is_dir():
        pytest.skip("the shared corpus is not beside the repository")
    return shared / "corpus"


@pytest.fixture
def sarif_schema_path() -> Path:
    shared = shared_dir()
    if shared is None or not (shared / "schemas" / "sarif-schema-2.1.0.json").is_file():
        pytest.skip("the SARIF schema is not beside the repository")
    return shared / "schemas" / "sarif-schema-2.1.0.json"


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty policy cache folder of this test's own, and no compiled form left in memory."""
    from checker.cachefiles import CACHE_ENV
    from checker.policy import compiled

    folder = tmp_path / "cache"
    monkeypatch.setenv(CACHE_ENV, str(folder))
    monkeypatch.setattr(compiled, "_memory", {})
    return folder


@pytest.fixture
def policy_copy(tmp_path: Path) -> Path:
    """A copy of the bundled policies, to edit."""
    import shutil

    from checker.policy.loader import default_policy_dir

    copy = tmp_path / "policies"
    shutil.copytree(default_policy_dir(), copy)
    return copy
