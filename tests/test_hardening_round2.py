"""Second round of hardening (issue 17): nothing slips past the gate, nothing leaks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from checker.cli import main

SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"


def template(resources: list[Any], **extra: Any) -> dict[str, Any]:
    return {"$schema": SCHEMA, "contentVersion": "1.0.0.0", **extra, "resources": resources}


def vnet() -> dict[str, Any]:
    return {"type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-09-01", "name": "vnet-hub",
            "location": "westeurope",
            "properties": {"addressSpace": {"addressPrefixes": ["10.1.0.0/16"]},
                           "subnets": [{"name": "GatewaySubnet", "properties": {"addressPrefix": "10.1.255.224/27"}}]}}


def gateway(**props: Any) -> dict[str, Any]:
    return {"type": "Microsoft.Network/virtualNetworkGateways", "apiVersion": "2023-09-01", "name": "vgw-hub",
            "location": "westeurope",
            "properties": {"gatewayType": "Vpn", "vpnType": "RouteBased", "activeActive": True,
                           "enableBgp": True, "sku": {"name": "VpnGw2AZ", "tier": "VpnGw2AZ"},
                           "ipConfigurations": [{"name": "default", "properties": {
                               "subnet": {"id": "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet-hub', 'GatewaySubnet')]"}}}],
                           **props}}


REMOTE = {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "remote",
          "properties": {"mode": "Incremental", "templateLink": {"uri": "https://example.invalid/t.json"}}}


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def write(path: Path, content: Any) -> Path:
    path.write_bytes(content if isinstance(content, bytes) else json.dumps(content, indent=2).encode())
    return path


# 12. Resources behind an unexpanded deployment make the gate unknown unless waived.

def _scan_unexpanded(tmp_path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, dict[str, Any]]:
    path = write(tmp_path / "remote.json", template([REMOTE, vnet(), gateway()]))
    code, out, _ = run(["scan", str(path), "--format", "json", "--fail-on", "critical", *extra], capsys)
    return code, json.loads(out)


def test_unexpanded_deployment_fails_the_gate_by_default(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, report = _scan_unexpanded(tmp_path, capsys)
    assert code == 1
    reasons = " ".join(report["summary"]["gate"]["reasons"])
    assert "not expanded" in reasons and "remote.json" in reasons


def _gate_reason(report: dict[str, Any]) -> str:
    return " ".join(r for r in report["summary"]["gate"]["reasons"] if "not expanded" in r)


@pytest.mark.parametrize(("mode", "expected"), [("warn", "not gating (unknown=warn)"), ("pass", "")])
def test_unexpanded_deployment_respects_unknown_mode(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                     mode: str, expected: str) -> None:
    _, report = _scan_unexpanded(tmp_path, capsys, "--unknown", mode)
    assert any(n["kind"] == "not-expanded" for n in report["notices"])  # still reported
    reason = _gate_reason(report)
    assert (expected in reason) if expected else reason == ""


def test_unexpanded_deployment_waived_in_configuration(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "hc.yaml"
    config.write_text("waivers:\n  - rule: NOT-EXPANDED\n    resource: '*remote.json'\n"
                      "    reason: the linked template is checked in its own repository\n    expires: 2099-12-31\n")
    _, report = _scan_unexpanded(tmp_path, capsys, "--config", str(config))
    assert _gate_reason(report) == ""
    [notice] = [n for n in report["notices"] if n["kind"].startswith("not-expanded")]
    assert notice["kind"] == "not-expanded-waived" and "own repository" in notice["message"]
    assert not any("matches no result" in n["message"] for n in report["notices"])
    config.write_text(config.read_text().replace("2099-12-31", "2020-01-01"))  # expired: gates again
    _, report = _scan_unexpanded(tmp_path, capsys, "--config", str(config))
    assert "unknown=fail" in _gate_reason(report)


# 8. Secrets: a literal key anywhere in the inputs is written in the inputs; error messages never quote
#    the text at a secret position.

REPO = Path(__file__).resolve().parent.parent
HUB = REPO / "fixtures" / "vpn" / "compliant" / "vpn-hub.json"
KEY = "Sup3rSecretLiteralKey-0042xyz"


def _hub_with_key(tmp_path: Path, shared_key: str, variables: dict[str, Any] | None = None,
                  parameters: dict[str, Any] | None = None) -> Path:
    text = HUB.read_text(encoding="utf-8").replace('"[parameters(\'vpnSharedKey\')]"', json.dumps(shared_key))
    document = json.loads(text)
    document.setdefault("variables", {}).update(variables or {})
    document.setdefault("parameters", {}).update(parameters or {})
    return write(tmp_path / "hub.json", document)


def _key_results(tmp_path: Path, capsys: pytest.CaptureFixture[str], path: Path) -> tuple[set[str], str]:
    code, out, err = run(["scan", str(path), "--format", "json", "--unknown", "pass"], capsys)
    report = json.loads(out)
    assert report["errors"] == [], report["errors"]
    return {r["status"] for r in report["results"] if r["rule"] == "CONN-SHAREDKEY-SECRET"}, out + err


@pytest.mark.parametrize(("shared_key", "variables", "parameters"), [
    ("[variables('key')]", {"key": KEY}, None),
    ("[concat('Sup3rSecret', 'LiteralKey-0042xyz')]", None, None),
    ("[format('{0}-{1}', 'Sup3rSecretLiteralKey', variables('suffix'))]", {"suffix": "0042xyz"}, None),
    ("[variables('keys').site1]", {"keys": {"site1": KEY}}, None),
    ("[parameters('keys').site1]", None, {"keys": {"type": "secureObject", "defaultValue": {"site1": KEY}}}),
])
def test_a_literal_key_anywhere_fails_the_secret_rule(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                      shared_key: str, variables: Any, parameters: Any) -> None:
    statuses, text = _key_results(tmp_path, capsys, _hub_with_key(tmp_path, shared_key, variables, parameters))
    assert statuses == {"fail"}
    assert KEY not in text and "LiteralKey-0042" not in text


def test_a_secure_parameter_inside_concat_is_still_a_secure_key(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    path = _hub_with_key(tmp_path, "[concat(parameters('vpnSharedKey'), '')]")
    statuses, _ = _key_results(tmp_path, capsys, path)
    assert statuses == {"pass"}


def test_an_expression_error_at_a_secret_position_does_not_quote_it(tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    path = _hub_with_key(tmp_path, f"[concat('{KEY}', nosuchfunction())]")
    for fmt in ("json", "table", "sarif"):
        code, out, err = run(["scan", str(path), "--format", fmt], capsys)
        assert code == 2
        assert KEY not in out + err and "Sup3rSecret" not in out + err
        assert "secret value" in out + err


def test_a_literal_key_in_a_properties_variable_fails_the_secret_rule(tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    document = json.loads(_hub_with_key(tmp_path, KEY).read_text())
    [connection] = [r for r in document["resources"] if r["type"] == "Microsoft.Network/connections"]
    document["variables"]["connectionProperties"] = connection["properties"]
    connection["properties"] = "[variables('connectionProperties')]"
    statuses, text = _key_results(tmp_path, capsys, write(tmp_path / "hub.json", document))
    assert statuses == {"fail"} and KEY not in text


# 11. Numbers: NaN, Infinity, 1e999 are input errors; an ASN outside 1..4294967295 or not an integer fails.

@pytest.mark.parametrize("number", [b"NaN", b"Infinity", b"-Infinity", b"1e999", b"-1e999"])
def test_numbers_outside_json_finite_range_are_input_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                            number: bytes) -> None:
    path = write(tmp_path / "n.json", b'{"$schema": "' + SCHEMA.encode() + b'", "contentVersion": "1.0.0.0",\n'
                 b'"resources": [],\n "variables": {"x": ' + number + b"}}")
    code, out, err = run(["scan", str(path), "--format", "json"], capsys)
    assert code == 2
    [error] = json.loads(out)["errors"]
    assert "finite" in error["message"] and error["line"] == 3 and error["file"].endswith("n.json")


def _asn_statuses(tmp_path: Path, capsys: pytest.CaptureFixture[str], gateway_asn: Any, lng_asn: Any) -> dict[str, str]:
    document = json.loads(HUB.read_text(encoding="utf-8"))
    for resource in document["resources"]:
        if resource["type"] == "Microsoft.Network/virtualNetworkGateways":
            resource["properties"]["enableBgp"] = True
            resource["properties"].setdefault("bgpSettings", {})["asn"] = gateway_asn
        if resource["type"] == "Microsoft.Network/localNetworkGateways":
            resource["properties"]["bgpSettings"] = {"asn": lng_asn, "bgpPeeringAddress": "192.168.255.1"}
    path = write(tmp_path / "hub.json", document)
    code, out, _ = run(["scan", str(path), "--format", "json", "--unknown", "pass"], capsys)
    report = json.loads(out)
    assert report["errors"] == []
    return {r["resource"]["type"].rsplit("/", 1)[-1]: r["status"] for r in report["results"]
            if r["rule"] == "BGP-ASN-RESERVED"}


@pytest.mark.parametrize("asn", [0, -5, 4294967296, 65010.5, "sixty-five"])
def test_an_asn_outside_the_range_or_not_an_integer_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                          asn: Any) -> None:
    statuses = _asn_statuses(tmp_path, capsys, asn, asn)
    assert statuses == {"virtualNetworkGateways": "fail", "localNetworkGateways": "fail"}


def test_valid_asns_still_pass(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    statuses = _asn_statuses(tmp_path, capsys, 65010, 4200000000)
    assert statuses == {"virtualNetworkGateways": "pass", "localNetworkGateways": "pass"}
