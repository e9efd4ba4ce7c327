"""The command line as a user meets it: commands, exit codes, configuration precedence, outputs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from checker.cli import main
from tests.conftest import REPO_ROOT

FIXTURES = REPO_ROOT / "fixtures"
COMPLIANT = FIXTURES / "vpn" / "compliant" / "vpn-hub.json"
NON_COMPLIANT = FIXTURES / "vpn" / "non-compliant" / "basic-policy-based.json"


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_compliant_fixture_passes_and_non_compliant_fails(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["scan", str(COMPLIANT)], capsys)[0] == 0
    code, out, _ = run(["scan", str(NON_COMPLIANT)], capsys)
    assert code == 1
    assert "VPN-ROUTE-BASED" in out and "Gate FAIL" in out


def test_fail_on_none_passes_the_gate_and_flags_win_over_configuration(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    assert run(["scan", str(NON_COMPLIANT), "--fail-on", "none"], capsys)[0] == 0
    (tmp_path / ".hybrid-check.yaml").write_text("fail-on: none\n")
    monkeypatch.chdir(tmp_path)
    assert run(["scan", str(NON_COMPLIANT)], capsys)[0] == 0  # configuration over the default
    assert run(["scan", str(NON_COMPLIANT), "--fail-on", "high"], capsys)[0] == 1  # flag over configuration


def test_invalid_configuration_exits_2_with_file_and_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text("fail-on: sometimes\n")
    code, _, err = run(["scan", str(COMPLIANT), "--config", str(config)], capsys)
    assert code == 2
    assert "bad.yaml:1" in err and "fail-on" in err


def test_outputs_are_written_in_every_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["scan", str(NON_COMPLIANT), "--format", "json"]
    for fmt in ("table", "json", "sarif", "junit", "markdown"):
        args += ["-o", f"{fmt}:{tmp_path / ('out.' + fmt)}"]
    code, out, _ = run(args, capsys)
    assert code == 1
    assert json.loads(out)["summary"]["result"] == "fail"
    assert json.loads((tmp_path / "out.sarif").read_text())["version"] == "2.1.0"
    assert "<testsuite" in (tmp_path / "out.junit").read_text()
    assert "VPN-ROUTE-BASED" in (tmp_path / "out.markdown").read_text()
    assert "VPN-ROUTE-BASED" in (tmp_path / "out.table").read_text()


def test_bad_output_spec_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["scan", str(COMPLIANT), "-o", "pdf:out.pdf"])
    assert caught.value.code == 2
    assert "FORMAT:PATH" in capsys.readouterr().err


def test_missing_path_and_empty_scan_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["scan", str(tmp_path / "nope.json")], capsys)
    assert code == 2 and "no such file or folder" in err
    (tmp_path / "empty-folder").mkdir()
    code, out, _ = run(["scan", str(tmp_path / "empty-folder")], capsys)
    assert code == 2
    code, _, _ = run(["scan", str(tmp_path / "empty-folder"), "--allow-empty"], capsys)
    assert code == 0


def test_graph_json_shows_bodies_with_unknowns_and_secrets_as_what_they_are(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    template = {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {"prefix": {"type": "string"}, "key": {"type": "securestring", "defaultValue": "Zz9-not-shown"}},
        "resources": [
            {"type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-09-01", "name": "vnet",
             "properties": {"addressSpace": {"addressPrefixes": ["[parameters('prefix')]"]},
                            "customSecretToken": "Yy8-not-shown"}},
            {"type": "Microsoft.Network/connections", "apiVersion": "2023-09-01", "name": "conn",
             "properties": {"connectionType": "IPsec", "sharedKey": "[parameters('key')]"}},
        ],
    }
    path = tmp_path / "t.json"
    path.write_text(json.dumps(template))
    code, out, _ = run(["graph", str(path), "--format", "json"], capsys)
    assert code == 0
    bodies = {entry["name"]: entry.get("body") for entry in json.loads(out)["resources"]}
    assert bodies["vnet"]["properties"]["addressSpace"]["addressPrefixes"] == [
        {"unknown": "parameter 'prefix' has no value"}]
    assert bodies["vnet"]["properties"]["customSecretToken"] == "<redacted>"
    assert bodies["conn"]["properties"]["sharedKey"] == {"secret": "parameter-default"}
    assert "not-shown" not in out


def test_policies_list_explain_and_validate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["policies", "list", "--pattern", "expressroute"], capsys)
    assert code == 0 and "ER-CIRCUIT-REDUNDANCY" in out and "VPN-TUNNEL-COUNT" not in out
    code, out, _ = run(["explain", "gw-subnet-size"], capsys)
    assert code == 0 and "GatewaySubnet" in out and "learn.microsoft.com" in out
    assert run(["explain", "NO-SUCH-RULE"], capsys)[0] == 2
    assert run(["policies", "validate", str(REPO_ROOT / "policies")], capsys)[0] == 0
    bad = tmp_path / "mine"
    bad.mkdir()
    (bad / "MY-RULE.yaml").write_text("id: MY-RULE\ntitle: t\nseverity: urgent\n")
    code, _, err = run(["policies", "validate", str(bad)], capsys)
    assert code == 2 and "MY-RULE.yaml:" in err and "severity" in err


def test_no_command_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run([], capsys)
    assert code == 2 and "scan" in out


def test_module_entry_point_and_no_azure_sdk_on_a_template_scan() -> None:
    code = (f"import sys, runpy; sys.argv = ['hybrid-check', 'scan', {str(NON_COMPLIANT)!r}, '--format', 'json'];\n"
            "try:\n    runpy.run_module('checker', run_name='__main__')\n"
            "except SystemExit as exit:\n"
            "    assert not [m for m in sys.modules if m.startswith('azure')], 'Azure SDK imported'\n"
            "    raise\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT,
                          env={**os.environ, "PYTHONPATH": str(REPO_ROOT)}, timeout=120)
    assert done.returncode == 1, done.stderr
    assert json.loads(done.stdout)["summary"]["result"] == "fail"


def test_graph_dot_draws_relations_and_marks_resources_outside_the_inputs(capsys: pytest.CaptureFixture[str]) -> None:
    path = FIXTURES / "expressroute" / "unknown" / "er-cross-subscription.json"
    code, out, _ = run(["graph", str(path), "--format", "dot"], capsys)
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[0] == "digraph hybrid_check {" and lines[-1] == "}"
    dashed = [line for line in lines if "style=dashed" in line]
    assert len(dashed) == 2
    assert any("erc-weu-ams-primary\\n(not in inputs)" in line for line in dashed)
    assert any("erc-weu-lon-secondary\\n(not in inputs)" in line for line in dashed)
    peer_edges = [line for line in lines if 'label="connection-peer"' in line]
    assert len(peer_edges) == 2 and all("/expressroutecircuits/erc-weu-" in line for line in peer_edges)
    assert sum(1 for line in lines if " -> " in line) >= 4


def test_configuration_disables_rules_changes_severity_parameters_and_declares_patterns(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def results(config_text: str) -> dict[str, dict]:
        config = tmp_path / "config.yaml"
        config.write_text(config_text)
        code, out, _ = run(["scan", str(NON_COMPLIANT), "--config", str(config), "--format", "json"], capsys)
        report = json.loads(out)
        report["exit"] = code
        return report

    plain = results("version: 1\n")
    rules = {r["rule"]: r for r in plain["results"]}
    assert rules["VPN-ROUTE-BASED"]["status"] == "fail" and rules["VPN-ROUTE-BASED"]["severity"] == "high"
    changed = results("rules:\n  VPN-ROUTE-BASED:\n    enabled: false\n  GW-DIAG-LOGS:\n    severity: critical\n"
                      "  CONN-SHAREDKEY-SECRET:\n    parameters:\n      minKeyLength: 4\n")
    rules = {r["rule"]: r for r in changed["results"]}
    assert "VPN-ROUTE-BASED" not in rules
    assert rules["GW-DIAG-LOGS"]["severity"] == "critical"
    assert plain["sites"][0]["patternSource"] == "detected"
    declared = results("pattern-by-vnet:\n  vnet-devtest-*: expressroute-vpn-failover\n")
    assert declared["sites"][0]["pattern"] == "expressroute-vpn-failover"
    assert declared["sites"][0]["patternSource"] == "declared"
    statuses = {r["rule"]: r["status"] for r in declared["results"]}
    assert statuses["FAILOVER-COEXIST"] == "fail" and statuses["ER-GW-PRESENT"] == "fail"
