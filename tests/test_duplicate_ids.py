"""One resource id declared by two inputs (issue 17, finding 9): reported, never silently won by the
later file; and an inline waiver applies only to findings in its own file or to the id it names."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from checker.cli import main

SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"


def _gateway(sku: str, metadata: dict[str, Any] | None = None) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "type": "Microsoft.Network/virtualNetworkGateways", "apiVersion": "2023-09-01", "name": "vgw-hub",
        "location": "westeurope",
        "properties": {"gatewayType": "Vpn", "vpnType": "RouteBased", "sku": {"name": sku, "tier": sku}},
    }
    if metadata is not None:
        resource["metadata"] = metadata
    return resource


def _template(path: Path, *resources: dict[str, Any]) -> Path:
    path.write_text(json.dumps({"$schema": SCHEMA, "contentVersion": "1.0.0.0", "resources": list(resources)},
                               indent=2), encoding="utf-8")
    return path


def _scan(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    code = main(["scan", *args, "--format", "json"])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and "internal error" not in err
    return code, json.loads(out)


def _sku_az(report: dict[str, Any]) -> list[tuple[str, str]]:
    return [(r["status"], Path(r["location"]["file"]).name) for r in report["results"] if r["rule"] == "VPN-SKU-AZ"]


def _waiver(**extra: str) -> dict[str, Any]:
    return {"hybrid-check": {"ignore": [{"rule": "VPN-SKU-AZ", "reason": "migration booked",
                                         "expires": "2099-12-31", **extra}]}}


def test_differing_declarations_in_two_templates_deployed_to_one_place_are_an_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = _template(tmp_path / "a.json", _gateway("VpnGw1"))
    second = _template(tmp_path / "b.json", _gateway("VpnGw2AZ"))
    code, report = _scan([str(first), str(second), "--resource-group", "rg-net"], capsys)
    assert code == 2
    [error] = [e for e in report["errors"] if "also declared" in e["message"]]
    assert Path(error["file"]).name == "b.json" and error["line"] == 5
    assert "a.json, line 5" in error["message"] and "different values" in error["message"]
    assert "--resource-group" in error["hint"] and "--exclude" in error["hint"]
    # The first declaration keeps its place and is checked (it was silently replaced by the later one).
    assert _sku_az(report) == [("fail", "a.json")]


def test_differing_declarations_in_the_default_place_are_separate_deployments_both_checked(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Unrelated templates of one repository both deploy vgw-hub; no --resource-group says where they go:
    # they are two deployments, each checked whole (before: the second was not checked, or overwrote the first).
    first = _template(tmp_path / "a.json", _gateway("VpnGw1"))
    second = _template(tmp_path / "b.json", _gateway("VpnGw2AZ"))
    code, report = _scan([str(tmp_path)], capsys)
    assert code == 1 and report["errors"] == []
    [notice] = [n for n in report["notices"] if "separate deployments" in n["message"]]
    assert Path(notice["file"]).name == second.name and first.name in notice["message"]
    assert "hybrid-check-rg-2" in notice["message"]
    assert sorted(_sku_az(report)) == [("fail", "a.json"), ("pass", "b.json")]


def _vnet(name: str) -> dict[str, Any]:
    return {"type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-09-01", "name": name,
            "location": "westeurope",
            "properties": {"addressSpace": {"addressPrefixes": ["10.10.0.0/16"]},
                           "subnets": [{"name": "GatewaySubnet", "properties": {"addressPrefix": "10.10.255.0/27"}}]}}


def _hub_gateway(name: str) -> dict[str, Any]:
    gateway = _gateway("VpnGw2AZ")
    gateway["name"] = name
    gateway["properties"]["ipConfigurations"] = [{"name": "ipconfig", "properties": {"subnet": {
        "id": "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet-hub', 'GatewaySubnet')]"}}}]
    return gateway


def test_two_versions_of_one_hub_template_do_not_share_their_vnet(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The shape of ALZ-Bicep's hubNetworking.bicep beside hubNetworking-multiRegion.bicep: the same hub VNet,
    # each with its own gateway name. Merged, the VNet had two VPN gateways and GW-ONE-PER-TYPE failed at
    # critical severity on a repository where no template deploys two.
    _template(tmp_path / "hub.json", _vnet("vnet-hub"), _hub_gateway("vgw-hub"))
    _template(tmp_path / "hub-multi-region.json", _vnet("vnet-hub"), _hub_gateway("vgw-hub-westeurope"))
    code, report = _scan([str(tmp_path)], capsys)
    one_per_type = [(r["status"], r["resource"]["name"]) for r in report["results"] if r["rule"] == "GW-ONE-PER-TYPE"]
    assert sorted(one_per_type) == [("pass", "vgw-hub"), ("pass", "vgw-hub-westeurope")]
    assert len(report["sites"]) == 2
    [notice] = [n for n in report["notices"] if "separate deployments" in n["message"]]
    assert "vnet-hub" in notice["message"]


def test_a_copy_under_another_name_stays_one_deployment(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # main.bicep beside the azuredeploy.json compiled from it: the same resources, checked once.
    _template(tmp_path / "hub.json", _vnet("vnet-hub"), _hub_gateway("vgw-hub"))
    _template(tmp_path / "azuredeploy.json", _vnet("vnet-hub"), _hub_gateway("vgw-hub"))
    code, report = _scan([str(tmp_path)], capsys)
    assert not [n for n in report["notices"] if "separate deployments" in n["message"]]
    assert len(report["sites"]) == 1
    assert [r["status"] for r in report["results"] if r["rule"] == "GW-ONE-PER-TYPE"] == ["pass"]


def test_identical_declarations_are_merged_with_a_notice(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _template(tmp_path / "a.json", _gateway("VpnGw1"))
    second = dict(_gateway("VpnGw1"), apiVersion="2024-01-01")  # the API version does not change what is deployed
    _template(tmp_path / "b.json", second)
    code, report = _scan([str(tmp_path), "--resource-group", "rg-net"], capsys)
    assert code == 1 and report["errors"] == []
    [notice] = [n for n in report["notices"] if "same values" in n["message"]]
    assert Path(notice["file"]).name == "b.json" and "a.json" in notice["message"]
    assert len(_sku_az(report)) == 1


def test_an_id_declared_twice_inside_one_template_is_one_deployment(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A later declaration in the same deployment updates the earlier one, as ARM deploys them.
    path = _template(tmp_path / "a.json", _gateway("VpnGw1"), _gateway("VpnGw2AZ"))
    code, report = _scan([str(path), "--resource-group", "rg-net"], capsys)
    assert report["errors"] == [] and not [n for n in report["notices"] if "declared" in n["message"]]
    assert [s for s, _ in _sku_az(report)] == ["pass"]


def test_an_inline_waiver_applies_only_to_findings_in_its_own_file(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # b.json declares the same gateway with a waiver; the finding is located in a.json, which has none.
    _template(tmp_path / "a.json", _gateway("VpnGw1"))
    _template(tmp_path / "b.json", _gateway("VpnGw1", metadata=_waiver()))
    code, report = _scan([str(tmp_path)], capsys)
    assert _sku_az(report) == [("fail", "a.json")]
    assert code == 1


def test_an_inline_waiver_applies_in_its_own_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _template(tmp_path / "a.json", _gateway("VpnGw1", metadata=_waiver()))
    _template(tmp_path / "b.json", _gateway("VpnGw1"))
    _, report = _scan([str(tmp_path)], capsys)
    assert _sku_az(report) == [("suppressed", "a.json")]


def test_an_inline_waiver_naming_the_id_applies_wherever_it_is_found(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    gateway_id = ("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/hybrid-check-rg/providers/"
                  "Microsoft.Network/virtualNetworkGateways/vgw-hub")
    _template(tmp_path / "a.json", _gateway("VpnGw1"))
    _template(tmp_path / "b.json", _gateway("VpnGw1", metadata=_waiver(resource=gateway_id)))
    _, report = _scan([str(tmp_path)], capsys)
    assert _sku_az(report) == [("suppressed", "a.json")]


def test_an_inline_waiver_naming_something_that_is_not_an_id_is_an_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _template(tmp_path / "a.json", _gateway("VpnGw1", metadata=_waiver(resource="vgw-*")))
    code, report = _scan([str(tmp_path)], capsys)
    assert code == 2
    assert any("resource must be a resource id" in e["message"] for e in report["errors"])


def test_an_export_of_a_templates_resource_is_merged_with_a_notice(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    gateway_id = ("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/hybrid-check-rg/providers/"
                  "Microsoft.Network/virtualNetworkGateways/vgw-hub")
    _template(tmp_path / "a.json", _gateway("VpnGw1"))
    exported = {k: v for k, v in _gateway("VpnGw2AZ").items() if k != "apiVersion"}
    (tmp_path / "export.json").write_text(json.dumps([dict(exported, id=gateway_id)]), encoding="utf-8")
    code, report = _scan([str(tmp_path)], capsys)
    assert report["errors"] == []
    assert any("export.json" in n["file"] and "a.json" in n["message"] for n in report["notices"])
    assert [s for s, _ in _sku_az(report)] == ["pass"]  # the export (the later input) wins, as before


def test_the_graph_command_lists_the_duplicate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _template(tmp_path / "a.json", _gateway("VpnGw1"))
    _template(tmp_path / "b.json", _gateway("VpnGw2AZ"))
    main(["graph", str(tmp_path), "--resource-group", "rg-net", "--format", "json"])
    document = json.loads(capsys.readouterr().out)
    [error] = [e for e in document["errors"] if "also declared" in e["message"]]
    assert Path(error["file"]).name == "b.json"
    [gateway] = [r for r in document["resources"] if r["type"].endswith("virtualNetworkGateways")]
    assert gateway["body"]["properties"]["sku"]["name"] == "VpnGw1"
