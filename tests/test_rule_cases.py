"""The per-rule test folders of the bundled policies (policies/<pattern>/tests/<RULE-ID>/): one test per
(rule, case), collected by walking the folders, and a check that every bundled rule has a folder.
The runner is checker/policy/testing.py, the same that `hybrid-check policies test` uses."""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.policy.compiled import load_bundled
from checker.policy.loader import default_policy_dir
from checker.policy.testing import RuleFolder, expectation_text, load_suite, run_case
from checker.views import SUBJECT_KINDS

POLICY_DIR = default_policy_dir()
POLICIES, POLICY_ERRORS = load_bundled(SUBJECT_KINDS)
_, FOLDERS, FOLDER_ERRORS = load_suite(POLICY_DIR, POLICIES)
CASES = [pytest.param(folder, case, id=f"{folder.rule}/{case}")
         for folder in FOLDERS for case in sorted(folder.cases)]


def test_every_test_folder_is_well_formed() -> None:
    assert POLICY_ERRORS == []
    assert [str(error) for error in FOLDER_ERRORS] == []
    assert CASES


@pytest.mark.parametrize(("folder", "case"), CASES)
def test_rule_case(folder: RuleFolder, case: str) -> None:
    result = run_case(folder, case, POLICIES)
    assert result.ok, (f"{result.case}\n  expected: {expectation_text(result.expected)}\n"
                       f"  actual:   {expectation_text(result.actual)}\n  " + "\n  ".join(result.difference))


def test_every_bundled_rule_has_a_folder_with_a_pass_and_a_fail_case() -> None:
    """Every rule: tests/<RULE-ID>/ beside its policy file, with pass.json (and pass.bicep, whose
    deployment is the same) and at least one case that passes and one that fails."""
    folders = {folder.rule: folder for folder in FOLDERS}
    missing = sorted(p.id for p in POLICIES if p.id not in folders)
    assert missing == [], f"rules without tests/<RULE-ID>/ folder: {', '.join(missing)}"
    for policy in POLICIES:
        folder = folders[policy.id]
        assert folder.folder.parent.parent == Path(policy.file).parent, policy.id
        assert any(expected.get("pass") for expected in folder.cases.values()), policy.id
        assert any(expected.get("fail") for expected in folder.cases.values()), policy.id
        assert "pass.json" in folder.cases, policy.id
        if policy.requires != "live":  # a live-only rule's pass case is a live-audit snapshot, not a template
            assert "pass.bicep" in folder.cases, policy.id
