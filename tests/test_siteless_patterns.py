"""Patterns of a resource outside any site (issue 10, item 6): the ExpressRoute/VPN coexistence rules
apply to a siteless VPN gateway only when an ExpressRoute gateway (or one of unknown type) could share its
VNet, that is, is declared in the same file. Another template's ExpressRoute gateway is another
deployment: before, a Basic VPN gateway whose VNet is not known failed FAILOVER-GW-SKU-TYPE at critical
severity in any folder that also held an ExpressRoute sample (azure-intelligent-edge-patterns'
MongoHaNet.json beside unrelated templates)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from checker.cli import main

SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"


def _gateway(name: str, gateway_type: str, sku: str) -> dict[str, Any]:
    return {"type": "Microsoft.Network/virtualNetworkGateways", "apiVersion": "2023-09-01", "name": name,
            "location": "westeurope",
            "properties": {"gatewayType": gateway_type, "vpnType": "RouteBased", "sku": {"name": sku, "tier": sku},
                           # the subnet comes from a parameter without value: the gateway's VNet is not known
                           "ipConfigurations": [{"name": "ipconfig", "properties": {
                               "subnet": {"id": "[parameters('gatewaySubnetId')]"}}}]}}


def _template(path: Path, *resources: dict[str, Any]) -> None:
    path.write_text(json.dumps({"$schema": SCHEMA, "contentVersion": "1.0.0.0",
                                "parameters": {"gatewaySubnetId": {"type": "string"}},
                                "resources": list(resources)}), encoding="utf-8")


def _sku_type(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> list[tuple[str, str]]:
    main(["scan", str(tmp_path), "--format", "json"])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return sorted((r["resource"]["name"], r["status"]) for r in json.loads(out)["results"]
                  if r["rule"] == "FAILOVER-GW-SKU-TYPE")


def test_an_expressroute_gateway_of_another_file_does_not_make_a_siteless_vpn_gateway_coexist(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _template(tmp_path / "vpn.json", _gateway("vgw-basic", "Vpn", "Basic"))
    _template(tmp_path / "er.json", _gateway("ergw", "ExpressRoute", "ErGw1AZ"))
    assert ("vgw-basic", "fail") not in _sku_type(tmp_path, capsys)
    assert [name for name, _ in _sku_type(tmp_path, capsys)] == []


def test_an_expressroute_gateway_in_the_same_file_may_share_the_vnet(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _template(tmp_path / "both.json", _gateway("vgw-basic", "Vpn", "Basic"), _gateway("ergw", "ExpressRoute", "ErGw1AZ"))
    assert ("vgw-basic", "fail") in _sku_type(tmp_path, capsys)
