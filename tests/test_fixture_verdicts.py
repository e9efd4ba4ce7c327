"""The checker over the bundled fixtures: every entry of tests/data/fixtures-expected.json fails
exactly its expected rules and is unknown on exactly its expected rules; compliant fixtures pass
every rule of severity high or above."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from checker.api import ScanOptions, scan
from tests.conftest import REPO_ROOT

FIXTURES = REPO_ROOT / "fixtures"
EXPECTED = json.loads((Path(__file__).resolve().parent / "data" / "fixtures-expected.json").read_text())["fixtures"]


def _entry_id(entry: dict[str, Any]) -> str:
    return entry["path"] + ("+" + "+".join(entry["parameters"]) if entry["parameters"] else "")


@pytest.mark.parametrize("entry", EXPECTED, ids=_entry_id)
def test_fixture_fails_and_unknowns_exactly_as_expected(entry: dict[str, Any]) -> None:
    options = ScanOptions(parameter_files=tuple(FIXTURES / p for p in entry["parameters"]))
    report = scan([FIXTURES / entry["path"]], options)
    assert report.errors == []
    failed = sorted({r.rule for r in report.results if r.status == "fail"})
    unknown = sorted({r.rule for r in report.results if r.status == "unknown"})
    assert failed == sorted(entry["fail"])
    assert unknown == sorted(entry["unknown"])
    assert {site.pattern for site in report.sites} == {entry["pattern"]} or entry["pattern"] in {
        p for site in report.sites for p in site.patterns}


@pytest.mark.parametrize("entry", [e for e in EXPECTED if "/compliant/" in e["path"]], ids=_entry_id)
def test_compliant_fixture_passes_every_high_rule(entry: dict[str, Any]) -> None:
    report = scan([FIXTURES / entry["path"]], ScanOptions())
    gating = [r for r in report.results if r.severity in ("critical", "high") and r.status in ("fail", "unknown")]
    assert gating == []
    assert any(r.status == "pass" for r in report.results)
    assert all(site.result != "fail" for site in report.sites)
