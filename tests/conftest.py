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
