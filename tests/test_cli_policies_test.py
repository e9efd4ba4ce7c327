"""`hybrid-check policies test DIR`: the per-rule test folders of a custom policy folder, through the CLI."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from checker.cli import main
from tests.conftest import REPO_ROOT

RULE = "X-GW-NO-NSG"
VNET = {
    "type": "Microsoft.Network/virtualNetworks", "apiVersion": "2024-05-01", "name": "vnet-hub-weu",
    "location": "westeurope",
    "properties": {"addressSpace": {"addressPrefixes": ["10.20.0.0/16"]},
                   "subnets": [{"name": "GatewaySubnet", "properties": {"addressPrefix": "10.20.255.224/27"}}]},
}
NSG = {"type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2024-05-01", "name": "nsg-gw",
       "location": "westeurope", "properties": {"securityRules": []}}


def _template(*resources: dict) -> str:
    return json.dumps({"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
                       "contentVersion": "1.0.0.0", "resources": list(resources)}, indent=2)


def _policy_dir(tmp_path: Path, expected: str) -> Path:
    """A custom policy folder: one rule (the bundled GW-SUBNET-NO-NSG under another id) and its test folder."""
    source = (REPO_ROOT / "policies" / "common" / "GW-SUBNET-NO-NSG.yaml").read_text(encoding="utf-8")
    root = tmp_path / "my-rules"
    folder = root / "tests" / RULE
    folder.mkdir(parents=True)
    (root / f"{RULE}.yaml").write_text(source.replace("id: GW-SUBNET-NO-NSG", f"id: {RULE}"), encoding="utf-8")
    with_nsg = copy.deepcopy(VNET)
    with_nsg["properties"]["subnets"][0]["properties"]["networkSecurityGroup"] = {
        "id": "[resourceId('Microsoft.Network/networkSecurityGroups', 'nsg-gw')]"}
    (folder / "pass.json").write_text(_template(VNET), encoding="utf-8")
    (folder / "fail.json").write_text(_template(NSG, with_nsg), encoding="utf-8")
    (folder / "expected.yaml").write_text(expected, encoding="utf-8")
    return root


GOOD = """# X-GW-NO-NSG: a GatewaySubnet without and with an NSG
cases:
  pass.json: {pass: [GatewaySubnet]}
  fail.json: {fail: [GatewaySubnet]}
"""


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_matching_cases_pass_with_one_line_each(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["policies", "test", str(_policy_dir(tmp_path, GOOD))], capsys)
    lines = out.splitlines()
    assert code == 0, (out, err)
    assert [line.split()[:2] for line in lines[:2]] == [["PASS", RULE], ["PASS", RULE]]
    assert {Path(line.split()[2]).name for line in lines[:2]} == {"pass.json", "fail.json"}
    assert lines[-1] == "2 case(s): 2 passed, 0 failed"


def test_a_wrong_expectation_fails_with_the_difference(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    wrong = GOOD.replace("fail.json: {fail: [GatewaySubnet]}", "fail.json: {fail: [GatewaySubnet], pass: [vnet-hub-weu]}")
    wrong = wrong.replace("pass.json: {pass: [GatewaySubnet]}", "pass.json: {unknown: [GatewaySubnet]}")
    code, out, _ = run(["policies", "test", str(_policy_dir(tmp_path, wrong))], capsys)
    assert code == 1
    assert "unknown: expected but not given for GatewaySubnet" in out
    assert "pass: given but not expected for GatewaySubnet" in out
    assert "pass: expected but not given for vnet-hub-weu" in out
    assert sum(line.startswith("FAIL ") for line in out.splitlines()) == 2
    assert out.splitlines()[-1] == "2 case(s): 0 passed, 2 failed"


def test_a_case_with_input_errors_is_a_mismatch_that_shows_them(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    root = _policy_dir(tmp_path, GOOD)
    (root / "tests" / RULE / "fail.json").write_text('{"$schema": "x/deploymentTemplate.json#", "resources": [', encoding="utf-8")
    code, out, _ = run(["policies", "test", str(root)], capsys)
    assert code == 1
    assert "input error:" in out and "fail.json" in out


@pytest.mark.parametrize(("expected", "message"), [
    (GOOD + "  extra.json: {pass: [GatewaySubnet]}\n", "'extra.json' is not a file of the folder"),
    (GOOD.replace("  fail.json: {fail: [GatewaySubnet]}\n", "  fail.json: {pass: [GatewaySubnet]}\n"),
     "no case on which the rule gives fail"),
    (GOOD.replace("fail: [GatewaySubnet]}", "failed: [GatewaySubnet]}"), "expected.yaml:4: cases.fail.json"),
    (GOOD.replace("cases:", "rule: X-GW-NO-NSGG\ncases:"), "did you mean 'X-GW-NO-NSG'?"),
    (GOOD + "  : [\n", "expected.yaml:5: invalid YAML"),
])
def test_a_malformed_folder_is_exit_2_with_file_and_line(expected: str, message: str, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["policies", "test", str(_policy_dir(tmp_path, expected))], capsys)
    assert code == 2
    assert message in err, err


def test_an_unlisted_case_file_and_a_folder_without_expected_yaml(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    root = _policy_dir(tmp_path, GOOD)
    (root / "tests" / RULE / "fail-other.json").write_text(_template(VNET), encoding="utf-8")
    (root / "tests" / "X-OTHER").mkdir()
    code, out, err = run(["policies", "test", str(root)], capsys)
    assert code == 2
    assert "the case file 'fail-other.json' is not listed" in err
    assert "X-OTHER: no expected.yaml in the test folder" in err


def test_a_folder_without_test_folders_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _policy_dir(tmp_path, GOOD)
    import shutil

    shutil.rmtree(root / "tests")
    code, _, err = run(["policies", "test", str(root)], capsys)
    assert code == 2 and "no rule test folders found" in err


def test_expected_yaml_is_not_read_as_a_policy(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["policies", "validate", str(_policy_dir(tmp_path, GOOD))], capsys)
    assert code == 0, err


def test_help_has_a_description_examples_and_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["policies", "test", "--help"])
    assert exited.value.code == 0
    text = capsys.readouterr().out
    assert "expected.yaml" in text.split("examples:", 1)[0]
    assert "hybrid-check policies test ./my-rules" in text
    assert "exit codes:" in text and "  1  a case gave other verdicts" in text and "  2  a malformed" in text
