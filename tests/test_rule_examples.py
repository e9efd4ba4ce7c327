"""Compliant examples on the rule pages: each ARM example, put into a compliant VPN site in place
of the resource of its type, makes its rule pass; the Bicep example declares the same resources."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from checker import api
from checker.policy.docs import render_rule_page
from checker.policy.loader import default_policy_dir, example_files, load_policies
from checker.policy.model import Policy
from tests.conftest import REPO_ROOT

BASE_SITE = REPO_ROOT / "fixtures" / "vpn" / "compliant" / "vpn-hub.json"
POLICIES, _ = load_policies([default_policy_dir()])
WITH_EXAMPLES = [p for p in POLICIES if p.examples]


def _merged(example: Any) -> tuple[dict, int]:
    """The compliant site with the example's resources in place of the base's resource of the same
    type (or added when the base has none or several); returns the template and how many replaced."""
    template = copy.deepcopy(json.loads(BASE_SITE.read_text(encoding="utf-8")))
    resources = template["resources"]
    replaced = 0
    for resource in example if isinstance(example, list) else [example]:
        same = [i for i, r in enumerate(resources) if r["type"].lower() == resource["type"].lower()]
        if len(same) == 1:
            resources[same[0]] = resource
            replaced += 1
        else:
            resources.append(resource)
    return template, replaced


def test_examples_exist_for_many_rules() -> None:
    assert len(WITH_EXAMPLES) >= 18
    for policy in WITH_EXAMPLES:
        assert set(policy.examples) == {"arm", "bicep"}, policy.id


@pytest.mark.parametrize("policy", WITH_EXAMPLES, ids=lambda p: p.id)
def test_arm_example_makes_its_rule_pass(policy: Policy, tmp_path: Path) -> None:
    example = json.loads(policy.examples["arm"])
    template, replaced = _merged(example)
    assert replaced >= 1, "the example should stand in for a resource of the compliant site"
    path = tmp_path / "site.json"
    path.write_text(json.dumps(template), encoding="utf-8")
    report = api.scan([path])
    assert report.errors == []
    results = [r for r in report.results if r.rule == policy.id]
    assert results and {r.status for r in results} == {"pass"}, [(r.status, r.message) for r in results]


@pytest.mark.parametrize("policy", WITH_EXAMPLES, ids=lambda p: p.id)
def test_bicep_example_declares_the_same_resource_types(policy: Policy) -> None:
    example = json.loads(policy.examples["arm"])
    bicep = policy.examples["bicep"]
    for resource in example if isinstance(example, list) else [example]:
        assert f"'{resource['type']}@{resource['apiVersion']}'" in bicep, (policy.id, resource["type"])


def test_rule_page_shows_the_examples() -> None:
    policy = next(p for p in WITH_EXAMPLES if p.id == "GW-SUBNET-NO-NSG")
    page = render_rule_page(policy)
    section = page.split("## Compliant example", 1)[1].split("## Conditions", 1)[0]
    assert "```json" in section and "```bicep" in section and "GatewaySubnet" in section
    assert example_files(Path(policy.file), policy.id)["arm"].name == "GW-SUBNET-NO-NSG.json"


def test_inline_examples_key_is_accepted(tmp_path: Path) -> None:
    source = (default_policy_dir() / "common" / "GW-SUBNET-NO-NSG.yaml").read_text(encoding="utf-8")
    text = source.replace("id: GW-SUBNET-NO-NSG", "id: X-INLINE") + (
        "examples:\n  arm: '{\"type\": \"Microsoft.Network/virtualNetworks\"}'\n  bicep: \"resource v 'x' = {}\"\n")
    (tmp_path / "X-INLINE.yaml").write_text(text, encoding="utf-8")
    loaded, errors = load_policies([tmp_path])
    assert errors == [] and loaded[0].examples["bicep"] == "resource v 'x' = {}"
    bad = text.replace("  bicep:", "  terraform:")
    (tmp_path / "X-INLINE.yaml").write_text(bad, encoding="utf-8")
    _, errors = load_policies([tmp_path])
    assert errors and "terraform" in str(errors[0])
