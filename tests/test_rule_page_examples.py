"""Compliant examples on the rule pages come from the rule test folders: the resources of
``tests/<ID>/pass.json`` and ``tests/<ID>/pass.bicep``; the compiled policies follow edits to them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from checker.cachefiles import CACHE_ENV
from checker.policy import compiled
from checker.policy.compiled import load_compiled
from checker.policy.docs import render_rule_page
from checker.policy.loader import default_policy_dir, load_policies
from checker.views import SUBJECT_KINDS

RULE = "GW-SUBNET-NO-NSG"
BUNDLED = default_policy_dir() / "common"


def _section(page: str) -> str:
    return page.split("## Compliant example", 1)[1].split("## Conditions", 1)[0]


def _custom(tmp_path: Path) -> Path:
    """A policy folder with one bundled rule and its test folder."""
    root = tmp_path / "rules"
    root.mkdir()
    shutil.copy(BUNDLED / f"{RULE}.yaml", root)
    shutil.copytree(BUNDLED / "tests" / RULE, root / "tests" / RULE)
    return root


def test_the_page_shows_the_pass_case_resources_and_its_bicep() -> None:
    policies, errors = load_policies([default_policy_dir()])
    assert errors == []
    policy = next(p for p in policies if p.id == RULE)
    section = _section(render_rule_page(policy))
    folder = BUNDLED / "tests" / RULE
    resources = json.loads((folder / "pass.json").read_text(encoding="utf-8"))["resources"]
    arm = section.split("```json\n", 1)[1].split("\n```", 1)[0]
    assert json.loads(arm) == resources
    bicep = section.split("```bicep\n", 1)[1].split("\n```", 1)[0]
    assert bicep == (folder / "pass.bicep").read_text(encoding="utf-8").strip()


def test_a_rule_without_a_test_folder_has_no_example_section(tmp_path: Path) -> None:
    root = _custom(tmp_path)
    shutil.rmtree(root / "tests")
    (root / "examples").mkdir()  # the old examples/ folder is no longer read
    (root / "examples" / f"{RULE}.json").write_text('{"type": "x"}', encoding="utf-8")
    policies, errors = load_policies([root])
    assert errors == [] and policies[0].examples == {}
    assert "## Compliant example" not in render_rule_page(policies[0])


def test_the_examples_key_is_no_longer_part_of_a_policy(tmp_path: Path) -> None:
    root = _custom(tmp_path)
    path = root / f"{RULE}.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "examples:\n  arm: '{}'\n", encoding="utf-8")
    _, errors = load_policies([root])
    assert errors and "examples" in str(errors[0])


def test_editing_a_pass_case_changes_the_compiled_policies_and_the_page(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.setattr(compiled, "_memory", {})
    root = _custom(tmp_path)
    before, errors = load_compiled(root, SUBJECT_KINDS)
    assert errors == [] and "10.20.255.224/27" in before[0].examples["arm"]
    again, _ = load_compiled(root, SUBJECT_KINDS)
    assert again[0].examples == before[0].examples
    for name in ("pass.json", "pass.bicep"):
        case = root / "tests" / RULE / name
        case.write_text(case.read_text(encoding="utf-8").replace("10.20.255.224/27", "10.20.255.192/27"),
                        encoding="utf-8")
    monkeypatch.setattr(compiled, "_memory", {})  # as a new process: only the cache file is left
    after, errors = load_compiled(root, SUBJECT_KINDS)
    assert errors == []
    assert "10.20.255.192/27" in after[0].examples["arm"] and "10.20.255.192/27" in after[0].examples["bicep"]
    assert "10.20.255.192/27" in _section(render_rule_page(after[0]))


def test_every_bundled_rule_page_shows_a_compliant_example() -> None:
    # Template rules show the pass case as ARM JSON and Bicep; live-only rules, which no template can
    # pass, show the live-audit data of their pass case (a snapshot's `data`).
    policies, errors = load_policies([default_policy_dir()], SUBJECT_KINDS)
    assert not errors and policies
    for policy in policies:
        page = render_rule_page(policy)
        assert "## Compliant example" in page, policy.id
        if policy.requires == "live" and "```bicep" not in page:
            assert "Live-audit data" in page and '"provisioningState"' in page, policy.id
        else:
            assert "```bicep" in page and "ARM template:" in page, policy.id
