"""Secrets never leave the process: shared keys, authorization keys, passwords, secure parameters
and Key Vault references are searched for in every report format, the graph output and the logs."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from checker.cli import main

SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
PARAMS_SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#"

# Distinctive strings: if any of them shows up anywhere, a secret leaked.
LITERAL_KEY = "LeakCanary-literal-7f3a9c"
PARAM_KEY = "LeakCanary-paramfile-2b8d1e"
DEFAULT_KEY = "LeakCanary-default-91c4aa"
AUTH_KEY = "LeakCanary-authkey-5e0f77"
PASSWORD = "LeakCanary-password-c33d12"
EXPORT_KEY = "LeakCanary-export-0a9b8c"
CANARIES = (LITERAL_KEY, PARAM_KEY, DEFAULT_KEY, AUTH_KEY, PASSWORD, EXPORT_KEY)


def _estate(folder: Path) -> None:
    gw_id = "[resourceId('Microsoft.Network/virtualNetworkGateways', 'vgw')]"
    template = {
        "$schema": SCHEMA, "contentVersion": "1.0.0.0",
        "parameters": {
            "fileKey": {"type": "securestring"},
            "defaultKey": {"type": "string", "defaultValue": DEFAULT_KEY},
            "vaultKey": {"type": "securestring"},
            "erAuth": {"type": "securestring", "defaultValue": AUTH_KEY},
        },
        "resources": [
            {"type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-09-01", "name": "vnet", "location": "westeurope",
             "properties": {"addressSpace": {"addressPrefixes": ["10.1.0.0/16"]},
                            "subnets": [{"name": "GatewaySubnet", "properties": {"addressPrefix": "10.1.255.224/27"}}]}},
            {"type": "Microsoft.Network/virtualNetworkGateways", "apiVersion": "2023-09-01", "name": "vgw", "location": "westeurope",
             "properties": {"gatewayType": "Vpn", "vpnType": "RouteBased", "sku": {"name": "VpnGw1AZ"},
                            "ipConfigurations": [{"name": "c", "properties": {"subnet": {
                                "id": "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet', 'GatewaySubnet')]"}}}]}},
            {"type": "Microsoft.Network/localNetworkGateways", "apiVersion": "2023-09-01", "name": "lng", "location": "westeurope",
             "properties": {"gatewayIpAddress": "203.0.113.10", "localNetworkAddressSpace": {"addressPrefixes": ["192.168.0.0/16"]}}},
            *[{"type": "Microsoft.Network/connections", "apiVersion": "2023-09-01", "name": name, "location": "westeurope",
               "properties": {"connectionType": "IPsec", "virtualNetworkGateway1": {"id": gw_id},
                              "localNetworkGateway2": {"id": "[resourceId('Microsoft.Network/localNetworkGateways', 'lng')]"},
                              "sharedKey": key}}
              for name, key in (("c-literal", LITERAL_KEY), ("c-file", "[parameters('fileKey')]"),
                                ("c-default", "[parameters('defaultKey')]"), ("c-vault", "[parameters('vaultKey')]"),
                                ("c-concat", f"[concat('{LITERAL_KEY}', 'x')]"))],
            {"type": "Microsoft.Network/connections", "apiVersion": "2023-09-01", "name": "c-er", "location": "westeurope",
             "properties": {"connectionType": "ExpressRoute", "virtualNetworkGateway1": {"id": gw_id},
                            "peer": {"id": "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/er/providers/Microsoft.Network/expressRouteCircuits/er1"},
                            "authorizationKey": "[parameters('erAuth')]"}},
            {"type": "Microsoft.Compute/virtualMachines", "apiVersion": "2023-09-01", "name": "vm", "location": "westeurope",
             "properties": {"osProfile": {"adminUsername": "azureuser", "adminPassword": PASSWORD}}},
        ],
    }
    (folder / "site.json").write_text(json.dumps(template, indent=2))
    (folder / "site.parameters.json").write_text(json.dumps({
        "$schema": PARAMS_SCHEMA, "contentVersion": "1.0.0.0",
        "parameters": {"fileKey": {"value": PARAM_KEY},
                       "vaultKey": {"reference": {"keyVault": {"id": "/subscriptions/x/resourceGroups/kv/providers/Microsoft.KeyVault/vaults/kv"},
                                                  "secretName": "vpn-key"}}}}, indent=2))
    (folder / "export.json").write_text(json.dumps({"data": [{
        "id": "/subscriptions/22222222-2222-2222-2222-222222222222/resourcegroups/rg/providers/microsoft.network/connections/c-exported",
        "name": "c-exported", "type": "microsoft.network/connections", "location": "westeurope",
        "properties": {"connectionType": "IPsec", "sharedKey": EXPORT_KEY, "provisioningState": "Succeeded"}}]}, indent=2))


@pytest.mark.parametrize("fmt", ["table", "json", "sarif", "junit", "markdown"])
def test_no_secret_reaches_any_format_or_log(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                             caplog: pytest.LogCaptureFixture, fmt: str) -> None:
    _estate(tmp_path)
    caplog.set_level(logging.DEBUG)
    out_file = tmp_path / "out" / f"report.{fmt}"
    code = main(["-v", "scan", str(tmp_path), "--format", fmt, "--show-passed", "-o", f"{fmt}:{out_file}"])
    out, err = capsys.readouterr()
    written = out_file.read_text()
    assert code in (0, 1)
    for canary in CANARIES:
        for where, text in (("stdout", out), ("stderr", err), ("file", written), ("log", caplog.text)):
            assert canary not in text, f"{canary} leaked into {where} ({fmt})"


def test_no_secret_reaches_the_graph_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _estate(tmp_path)
    for fmt in ("json", "table"):
        main(["graph", str(tmp_path), "--format", fmt])
        out, err = capsys.readouterr()
        for canary in CANARIES:
            assert canary not in out + err


def test_shared_key_rule_points_at_the_location_not_the_value(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _estate(tmp_path)
    main(["scan", str(tmp_path), "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    by_resource = {r["resource"]["name"]: r for r in report["results"] if r["rule"] == "CONN-SHAREDKEY-SECRET"}
    assert by_resource["c-literal"]["status"] == "fail"
    assert by_resource["c-literal"]["location"]["file"].endswith("site.json")
    assert by_resource["c-literal"]["location"]["line"] > 1
    assert by_resource["c-file"]["status"] == "fail"  # a literal in a versioned parameter file
    assert by_resource["c-vault"]["status"] == "pass"  # Key Vault reference
