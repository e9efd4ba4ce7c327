"""Report snapshots: the full ``--format json`` report of every fixture entry point
(tests/data/fixtures-expected.json) is a golden file under tests/golden/reports/, so a change of a
message, a location or an unknown reason shows up in review, not only a change of verdict.

Volatile fields are normalised: the tool version becomes ``<version>`` and the repository's absolute
path ``<repo>`` (the scans run from the repository root with relative paths, so there should be none).
Regenerate every snapshot after a deliberate change with one command:

    make golden        # = UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_golden_reports.py
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from checker.cli import main
from tests.conftest import REPO_ROOT

REPORTS = Path(__file__).resolve().parent / "golden" / "reports"
EXPECTED = json.loads((Path(__file__).resolve().parent / "data" / "fixtures-expected.json").read_text())["fixtures"]
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


def _entry_id(entry: dict[str, Any]) -> str:
    return entry["path"] + ("+" + "+".join(entry["parameters"]) if entry["parameters"] else "")


def golden_name(entry: dict[str, Any]) -> str:
    """``vpn/compliant/vpn-hub.json`` -> ``vpn__compliant__vpn-hub.json`` (parameter files joined by ``+``)."""
    return _entry_id(entry).replace("/", "__").removesuffix(".json") + ".json"


def normalise(text: str) -> str:
    """The report with its volatile fields replaced: tool version and absolute paths."""
    document = json.loads(text)
    document["tool"]["version"] = "<version>"
    out = json.dumps(document, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
    for root in {str(REPO_ROOT), str(REPO_ROOT.resolve())}:
        out = out.replace(json.dumps(root)[1:-1], "<repo>")
    return out


@pytest.mark.parametrize("entry", EXPECTED, ids=_entry_id)
def test_fixture_report_matches_its_snapshot(entry: dict[str, Any], capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO_ROOT)  # paths in the report are as given: relative to the repository
    argv = ["scan", f"fixtures/{entry['path']}", "--format", "json"]
    for parameters in entry["parameters"]:
        argv += ["-p", f"fixtures/{parameters}"]
    code = main(argv)
    captured = capsys.readouterr()
    assert code in (0, 1), captured.err  # the fixtures are read without input errors
    text = normalise(captured.out)
    path = REPORTS / golden_name(entry)
    if UPDATE:
        REPORTS.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    assert path.is_file(), f"{path} is missing: regenerate with `make golden`"
    assert text == path.read_text(encoding="utf-8"), (
        f"the report of {entry['path']} differs from {path.relative_to(REPO_ROOT)}: review the difference "
        "and regenerate with `make golden` if it is deliberate")


def test_every_snapshot_belongs_to_an_entry_point() -> None:
    """A snapshot of a removed or renamed entry point does not linger (regeneration deletes it)."""
    wanted = {golden_name(entry) for entry in EXPECTED}
    present = {path.name for path in REPORTS.glob("*.json")} if REPORTS.is_dir() else set()
    if UPDATE:
        for stale in present - wanted:
            (REPORTS / stale).unlink()
        return
    assert present == wanted
