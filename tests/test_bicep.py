"""The Bicep reader: parsing (every .bicep of ../shared/corpus2, syntax errors with line and column),
translation evaluated through the ARM engine (operators, interpolation, loops, lambdas, modules,
conditions, safe access...), positions on the .bicep line, .bicepparam files and the module cache."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from checker import api
from checker.cli import main
from checker.model import Unknown
from checker.sources.arm.context import DeploymentContext
from checker.sources.bicep import reader
from checker.sources.bicep.parser import BicepSyntaxError, parse
from tests.conftest import shared_dir


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def _read(*paths: Path, values: tuple[tuple[str, Any], ...] = ()) -> Any:
    return api.read(list(paths), api.ScanOptions(parameter_values=values))


def _by_name(load: Any) -> dict[str, Any]:
    return {r.name.rsplit("/", 1)[-1]: r for r in load.resources}


# -- parsing ----------------------------------------------------------------------------------------

@pytest.mark.slow
def test_every_bicep_file_of_corpus2_is_read_without_input_errors() -> None:
    """Every .bicep of ../shared/corpus2 (modules, e2e tests, ALZ) parses and is expanded, as an input
    or as a module of one: no input error, no traceback."""
    shared = shared_dir()
    if shared is None or not (shared / "corpus2").is_dir():
        pytest.skip("../shared/corpus2 is absent")
    files = sorted((shared / "corpus2").rglob("*.bicep"))
    assert len(files) > 90
    load = api.read([shared / "corpus2" / "bicep"])
    assert [f"{e.file}:{e.line}: {e.message}" for e in load.errors] == []
    assert len([f for f in load.files if f.endswith(".bicep")]) == len(files)
    bicep_resources = [r for r in load.resources if r.origin.file.endswith(".bicep")]
    assert len(bicep_resources) > 500
    assert all(r.origin.line for r in bicep_resources)


def test_syntax_error_names_file_line_column_and_what_was_expected(tmp_path: Path) -> None:
    path = _write(tmp_path, "bad.bicep", """
        param name string
        resource vnet 'Microsoft.Network/virtualNetworks@2023-09-01' = {
          name: name
          location: 'westeurope' 'extra'
        }
        """)
    with pytest.raises(BicepSyntaxError) as caught:
        parse(path.read_text(), "bad.bicep")
    error = caught.value
    assert (error.file, error.line, error.column) == ("bad.bicep", 4, 26)
    assert "expected" in str(error) and "'extra'" in str(error)


def test_cli_exit_2_for_a_syntax_error_and_other_inputs_still_read(tmp_path: Path, capsys: Any) -> None:
    _write(tmp_path, "bad.bicep", "param x string = 'unterminated\n")
    good = _write(tmp_path, "good.bicep", """
        resource lng 'Microsoft.Network/localNetworkGateways@2023-09-01' = {
          name: 'onprem'
          location: 'westeurope'
          properties: {
            gatewayIpAddress: '203.0.113.10'
            localNetworkAddressSpace: { addressPrefixes: ['192.168.0.0/16'] }
          }
        }
        """)
    code = main(["scan", str(tmp_path), "--format", "json"])
    assert code == 2
    out = json.loads(capsys.readouterr().out)
    assert any(e["file"].endswith("bad.bicep") and e["line"] == 1 and "unterminated string" in e["message"]
               for e in out["errors"])
    assert out["summary"]["resources"] == 1
    assert any(str(good.name) in str(i) for i in out["inputs"])


def test_unsupported_construct_is_an_error_naming_it(tmp_path: Path) -> None:
    path = _write(tmp_path, "main.bicep", """
        resource vnet 'Microsoft.Network/virtualNetworks@2023-09-01' = {
          name: 'v'
          properties: {
            x: vnet.frobnicate()
          }
        }
        """)
    load = _read(path)
    assert load.resources == []
    [error] = load.errors
    assert error.line == 4 and "not supported" in error.message and ".frobnicate()" in error.message


# -- translation ------------------------------------------------------------------------------------

GATEWAY = """
    @description('Gateway name')
    param name string = 'gw'
    @allowed([
      'VpnGw1AZ'
      'VpnGw2AZ'
    ])
    param sku string = 'VpnGw2AZ'
    param settings { asn: int?, mode: ('aa' | 'ap') } = { mode: 'aa' }
    param prefixes string[] = ['10.1.0.0/24', '10.2.0.0/24']
    param tags object?

    var activeActive = settings.mode == 'aa' && !empty(prefixes)
    var label = 'gw-${name}-${length(prefixes)}'
    var doubled = map(prefixes, p => '${p}!')
    var evens = filter(range(0, 6), i => i % 2 == 0)
    var total = reduce([1, 2, 3], 0, (acc, x) => acc + x)
    var routes = [for (p, i) in prefixes: { name: 'r${i}', prefix: p }]
    var firstBig = [for p in prefixes: if (startsWith(p, '10.2')) p]
    var merged = { ...{ a: 1 }, b: 2 }

    resource pip 'Microsoft.Network/publicIPAddresses@2023-09-01' = [for i in range(0, activeActive ? 2 : 1): {
      name: '${name}-pip${i + 1}'
      location: 'westeurope'
      sku: { name: 'Standard' }
      properties: { publicIPAllocationMethod: 'Static' }
    }]

    resource gw 'Microsoft.Network/virtualNetworkGateways@2023-09-01' = {
      name: name
      location: 'westeurope'
      tags: tags ?? { env: 'test' }
      properties: {
        gatewayType: 'Vpn'
        activeActive: activeActive
        enableBgp: settings.?asn != null
        bgpSettings: { asn: settings.?asn ?? 65515 }
        sku: { name: sku, tier: sku }
        ipConfigurations: [for i in range(0, activeActive ? 2 : 1): {
          name: 'ipconfig${i}'
          properties: {
            publicIPAddress: { id: pip[i].id }
            subnet: { id: resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet', 'GatewaySubnet') }
          }
        }]
        customRoutes: { addressPrefixes: firstBig }
        vpnClientConfiguration: {
          label: label
          doubled: doubled
          evens: evens
          total: total
          routes: routes
          merged: merged
          caseless: 'ABC' =~ 'abc'
          arithmetic: (7 - 2) * 3 / 5
          negative: -length(prefixes)
          compare: [1 < 2, 2 >= 3, 'a' != 'b']
          multiline: '''
    line1
    line2'''
          escaped: 'it\\'s \\${not} [x]'
        }
      }
    }

    output gatewayId string = gw.id
    output pipNames array = [for i in range(0, 2): pip[i].name]
    """


def test_expressions_evaluate_as_the_compiled_template_would(tmp_path: Path) -> None:
    load = _read(_write(tmp_path, "main.bicep", GATEWAY))
    assert load.errors == []
    resources = _by_name(load)
    assert sorted(resources) == ["gw", "gw-pip1", "gw-pip2"]
    gateway = resources["gw"].body
    props = gateway["properties"]
    assert props["activeActive"] is True
    assert props["enableBgp"] is False
    assert props["bgpSettings"] == {"asn": 65515}
    assert props["sku"] == {"name": "VpnGw2AZ", "tier": "VpnGw2AZ"}
    assert gateway["tags"] == {"env": "test"}
    assert [c["properties"]["publicIPAddress"]["id"].rsplit("/", 1)[-1] for c in props["ipConfigurations"]] == \
        ["gw-pip1", "gw-pip2"]
    assert props["customRoutes"] == {"addressPrefixes": ["10.2.0.0/24"]}
    vpn = props["vpnClientConfiguration"]
    assert vpn["label"] == "gw-gw-2"
    assert vpn["doubled"] == ["10.1.0.0/24!", "10.2.0.0/24!"]
    assert vpn["evens"] == [0, 2, 4]
    assert vpn["total"] == 6
    assert vpn["routes"] == [{"name": "r0", "prefix": "10.1.0.0/24"}, {"name": "r1", "prefix": "10.2.0.0/24"}]
    assert vpn["merged"] == {"a": 1, "b": 2}
    assert vpn["caseless"] is True
    assert vpn["arithmetic"] == 3
    assert vpn["negative"] == -2
    assert vpn["compare"] == [True, False, True]
    assert vpn["multiline"] == "line1\nline2"
    assert vpn["escaped"] == "it's ${not} [x]"


def test_parameter_values_and_declarations(tmp_path: Path) -> None:
    path = _write(tmp_path, "main.bicep", GATEWAY)
    load = _read(path, values=(("sku", "VpnGw1AZ"), ("settings", {"mode": "ap", "asn": 65010})))
    props = _by_name(load)["gw"].body["properties"]
    assert props["activeActive"] is False and props["enableBgp"] is True
    assert props["bgpSettings"] == {"asn": 65010}
    assert sorted(_by_name(load)) == ["gw", "gw-pip1"]
    bad = _read(path, values=(("sku", "Basic"),))
    assert any("not one of its allowed values" in e.message for e in bad.errors)


def test_conditions_existing_parent_and_nested_children(tmp_path: Path) -> None:
    path = _write(tmp_path, "main.bicep", """
        param deployNsg bool = false
        resource vnet 'Microsoft.Network/virtualNetworks@2023-09-01' = {
          name: 'hub'
          location: 'westeurope'
          properties: { addressSpace: { addressPrefixes: ['10.0.0.0/16'] } }

          resource gwSubnet 'subnets' = {
            name: 'GatewaySubnet'
            properties: { addressPrefix: '10.0.255.0/27' }
          }
        }
        resource other 'Microsoft.Network/virtualNetworks@2023-09-01' existing = {
          name: 'spoke'
          scope: resourceGroup('spoke-rg')
        }
        resource peering 'Microsoft.Network/virtualNetworks/virtualNetworkPeerings@2023-09-01' = {
          parent: vnet
          name: 'to-spoke'
          properties: {
            allowGatewayTransit: true
            remoteVirtualNetwork: { id: other.id }
            subnetRef: vnet::gwSubnet.id
          }
        }
        resource nsg 'Microsoft.Network/networkSecurityGroups@2023-09-01' = if (deployNsg) {
          name: 'nsg'
          location: 'westeurope'
        }
        """)
    load = _read(path)
    assert load.errors == []
    resources = _by_name(load)
    assert set(resources) == {"hub", "GatewaySubnet", "to-spoke"}
    assert resources["GatewaySubnet"].id.endswith("/virtualNetworks/hub/subnets/GatewaySubnet")
    peering = resources["to-spoke"]
    assert peering.id.endswith("/virtualNetworks/hub/virtualNetworkPeerings/to-spoke")
    assert peering.body["properties"]["remoteVirtualNetwork"]["id"].endswith(
        "/resourceGroups/spoke-rg/providers/Microsoft.Network/virtualNetworks/spoke")
    assert peering.body["properties"]["subnetRef"].endswith("/virtualNetworks/hub/subnets/GatewaySubnet")
    assert any(n.kind == "condition-false" for n in load.notices)


def test_local_module_is_a_nested_deployment_pointing_into_its_file(tmp_path: Path) -> None:
    _write(tmp_path, "modules/lng.bicep", """
        param name string
        param ip string
        resource lng 'Microsoft.Network/localNetworkGateways@2023-09-01' = {
          name: name
          location: 'westeurope'
          properties: {
            gatewayIpAddress: ip
            localNetworkAddressSpace: { addressPrefixes: ['192.168.0.0/16'] }
          }
        }
        output id string = lng.id
        """)
    main_path = _write(tmp_path, "main.bicep", """
        targetScope = 'subscription'
        resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
          name: 'net-rg'
          location: 'westeurope'
        }
        module onprem 'modules/lng.bicep' = [for (site, i) in ['a', 'b']: {
          name: 'lng-${site}'
          scope: rg
          params: {
            name: 'lng-${site}'
            ip: '203.0.113.${i + 1}'
          }
        }]
        output first string = onprem[0].outputs.id
        """)
    load = _read(main_path)
    assert load.errors == []
    gateways = [r for r in load.resources if r.type == "Microsoft.Network/localNetworkGateways"]
    assert sorted(r.name for r in gateways) == ["lng-a", "lng-b"]
    assert all("/resourceGroups/net-rg/" in r.id for r in gateways)
    assert {r.body["properties"]["gatewayIpAddress"] for r in gateways} == {"203.0.113.1", "203.0.113.2"}
    for resource in gateways:
        assert resource.origin.file.endswith("modules/lng.bicep") and resource.origin.line == 3
    # A module named as a folder input is read through its caller only (as linked JSON templates are).
    again = _read(tmp_path)
    assert sorted(r.name for r in again.resources if r.type.endswith("localNetworkGateways")) == ["lng-a", "lng-b"]


def test_registry_module_not_fetched_and_read_from_the_module_cache(tmp_path: Path) -> None:
    source = """
        module pip 'br/public:avm/res/network/public-ip-address:0.10.0' = {
          name: 'pip'
          params: { name: 'gw-pip' }
        }
        """
    path = _write(tmp_path / "src", "main.bicep", source)
    context = DeploymentContext()
    resources, errors, notices = reader.read_bicep_files([path], str, explicit={}, context=context,
                                                         max_file_bytes=10**6, module_cache=tmp_path / "empty")
    assert errors == [] and [r.type for r in resources] == ["Microsoft.Resources/deployments"]
    assert any(n.kind == "not-expanded" and "br/public:avm/res/network/public-ip-address:0.10.0" in n.message
               for n in notices)

    cache = tmp_path / "cache"
    cached = cache / "br" / "mcr.microsoft.com" / "bicep$avm$res$network$public-ip-address" / "0.10.0$" / "main.json"
    cached.parent.mkdir(parents=True)
    cached.write_text(json.dumps({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {"name": {"type": "string"}},
        "resources": [{"type": "Microsoft.Network/publicIPAddresses", "apiVersion": "2023-09-01",
                       "name": "[parameters('name')]", "location": "westeurope",
                       "sku": {"name": "Basic"}}]}), encoding="utf-8")
    resources, errors, notices = reader.read_bicep_files([path], str, explicit={}, context=context,
                                                         max_file_bytes=10**6, module_cache=cache)
    assert errors == []
    assert [r.name for r in resources if r.type == "Microsoft.Network/publicIPAddresses"] == ["gw-pip"]
    assert any("local Bicep module cache" in n.message for n in notices)


def test_bicepparam_supplies_values_to_its_template(tmp_path: Path) -> None:
    _write(tmp_path, "main.bicep", GATEWAY)
    _write(tmp_path, "main.bicepparam", """
        using './main.bicep'
        param sku = 'VpnGw1AZ'
        param settings = {
          mode: 'ap'
          asn: 65020
        }
        """)
    load = _read(tmp_path)
    assert load.errors == []
    gateways = [r for r in load.resources if r.type == "Microsoft.Network/virtualNetworkGateways"]
    assert len(gateways) == 1  # main.bicep is read through its .bicepparam only
    assert gateways[0].body["properties"]["bgpSettings"] == {"asn": 65020}
    assert gateways[0].body["properties"]["sku"]["name"] == "VpnGw1AZ"


def test_bicepparam_expression_values_are_refused(tmp_path: Path) -> None:
    _write(tmp_path, "main.bicep", "param x string\n")
    param_file = _write(tmp_path, "main.bicepparam", "using 'main.bicep'\nparam x = readEnvironmentVariable('X')\n")
    load = _read(param_file)
    [error] = load.errors
    assert error.line == 2 and "only literal values" in error.message


def test_findings_point_at_the_bicep_line(tmp_path: Path, capsys: Any) -> None:
    _write(tmp_path, "main.bicep", """
        resource vnet 'Microsoft.Network/virtualNetworks@2023-09-01' = {
          name: 'hub'
          location: 'westeurope'
          properties: {
            addressSpace: { addressPrefixes: ['10.0.0.0/16'] }
            subnets: [
              { name: 'GatewaySubnet', properties: { addressPrefix: '10.0.0.0/29' } }
            ]
          }
        }

        resource gw 'Microsoft.Network/virtualNetworkGateways@2023-09-01' = {
          name: 'gw'
          location: 'westeurope'
          properties: {
            gatewayType: 'Vpn'
            vpnType: 'RouteBased'
            sku: { name: 'Basic', tier: 'Basic' }
            ipConfigurations: [{
              name: 'c'
              properties: { subnet: { id: resourceId('Microsoft.Network/virtualNetworks/subnets', 'hub', 'GatewaySubnet') } }
            }]
          }
        }
        """)
    code = main(["scan", str(tmp_path / "main.bicep"), "--format", "sarif"])
    assert code == 1
    sarif = json.loads(capsys.readouterr().out)
    locations = {(r["ruleId"], loc["physicalLocation"]["artifactLocation"]["uri"].rsplit("/", 1)[-1],
                  loc["physicalLocation"]["region"]["startLine"])
                 for r in sarif["runs"][0]["results"] for loc in r["locations"]}
    assert ("VPN-SKU-CURRENT", "main.bicep", 12) in locations


def test_unknown_values_stay_unknown(tmp_path: Path) -> None:
    path = _write(tmp_path, "main.bicep", """
        param gatewayName string
        resource lng 'Microsoft.Network/localNetworkGateways@2023-09-01' = {
          name: 'lng'
          location: 'westeurope'
          properties: {
            gatewayIpAddress: gatewayName
          }
        }
        """)
    load = _read(path)
    [lng] = load.resources
    assert isinstance(lng.body["properties"]["gatewayIpAddress"], Unknown)


def test_import_of_a_local_type_and_a_user_function(tmp_path: Path) -> None:
    _write(tmp_path, "types.bicep", """
        @export()
        type skuType = 'VpnGw1AZ' | 'VpnGw2AZ'
        """)
    path = _write(tmp_path, "main.bicep", """
        import { skuType } from 'types.bicep'
        param sku skuType = 'VpnGw1AZ'
        func upper(text string) string => toUpper(text)
        resource lng 'Microsoft.Network/localNetworkGateways@2023-09-01' = {
          name: upper('lng-${sku}')
          location: 'westeurope'
        }
        """)
    load = _read(path)
    assert load.errors == []
    assert [r.name for r in load.resources if r.type.endswith("localNetworkGateways")] == ["LNG-VPNGW1AZ"]
    bad = _read(path, values=(("sku", "Basic"),))
    assert any("allowed values" in e.message for e in bad.errors)


def test_unknown_name_is_an_error(tmp_path: Path) -> None:
    path = _write(tmp_path, "main.bicep", "output x string = missing\n")
    [error] = _read(path).errors
    assert "'missing'" in error.message and error.line == 1


BICEP_FIXTURES = [
    ("bicep/vpn/vpn-hub.bicep", "vpn/compliant/vpn-hub.json"),
    ("bicep/expressroute/er-hub.bicep", "expressroute/compliant/er-hub-nested.json"),
    ("bicep/expressroute-vpn-failover/er-vpn-coexist.bicep", "expressroute-vpn-failover/compliant/er-vpn-coexist.json"),
    ("bicep/hub-spoke/hub-spoke.bicep", "hub-spoke/compliant/hub-spoke.json"),
]


@pytest.mark.parametrize(("bicep", "twin"), BICEP_FIXTURES, ids=[b for b, _ in BICEP_FIXTURES])
def test_bicep_fixture_gives_the_verdicts_of_its_json_twin(bicep: str, twin: str) -> None:
    from tests.conftest import REPO_ROOT

    fixtures = REPO_ROOT / "fixtures"
    from_bicep, from_json = api.scan([fixtures / bicep]), api.scan([fixtures / twin])
    assert from_bicep.errors == [] and from_json.errors == []
    assert from_bicep.resource_count == from_json.resource_count
    verdicts = {(r.rule, r.resource.id, r.status) for r in from_bicep.results}
    assert verdicts == {(r.rule, r.resource.id, r.status) for r in from_json.results}
    assert {s.pattern for s in from_bicep.sites} == {s.pattern for s in from_json.sites}
    assert all(r.location.file is not None and r.location.file.endswith(".bicep") for r in from_bicep.results
               if r.location.file is not None)


def test_parameter_file_beside_a_bicep_file_gives_its_values(tmp_path: Path) -> None:
    _write(tmp_path, "main.bicep", GATEWAY)
    (tmp_path / "main.parameters.json").write_text(json.dumps({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {"sku": {"value": "VpnGw1AZ"}}}), encoding="utf-8")
    load = _read(tmp_path)
    assert load.errors == []
    assert _by_name(load)["gw"].body["properties"]["sku"]["name"] == "VpnGw1AZ"
    assert not any("parameter file not used" in n.message for n in load.notices)
    # --set still wins over the file beside the template
    assert _by_name(_read(tmp_path, values=(("sku", "VpnGw2AZ"),)))["gw"].body["properties"]["sku"]["name"] == \
        "VpnGw2AZ"


def test_key_vault_secret_passed_to_a_module_is_a_secret_of_unknown_value(tmp_path: Path) -> None:
    _write(tmp_path, "conn.bicep", """
        @secure()
        param sharedKey string
        resource connection 'Microsoft.Network/connections@2023-09-01' = {
          name: 'cn-branch'
          location: 'westeurope'
          properties: {
            connectionType: 'IPsec'
            virtualNetworkGateway1: { id: resourceId('Microsoft.Network/virtualNetworkGateways', 'gw') }
            localNetworkGateway2: { id: resourceId('Microsoft.Network/localNetworkGateways', 'lng') }
            sharedKey: sharedKey
          }
        }
        """)
    path = _write(tmp_path, "main.bicep", """
        resource kv 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
          name: 'kv-network'
        }
        module conn 'conn.bicep' = {
          name: 'conn'
          params: { sharedKey: kv.getSecret('vpn-key') }
        }
        """)
    load = _read(path)
    assert load.errors == []
    [connection] = [r for r in load.resources if r.type == "Microsoft.Network/connections"]
    key = connection.body["properties"]["sharedKey"]
    assert type(key).__name__ == "Secret" and key.source == "key-vault"


def test_json_compiled_from_a_bicep_input_is_skipped(tmp_path: Path) -> None:
    _write(tmp_path, "main.bicep", """
        resource lng 'Microsoft.Network/localNetworkGateways@2023-09-01' = {
          name: 'onprem'
          location: 'westeurope'
        }
        """)
    compiled = {"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
                "contentVersion": "1.0.0.0", "metadata": {"_generator": {"name": "bicep", "version": "0.30.3.12046"}},
                "resources": [{"type": "Microsoft.Network/localNetworkGateways", "apiVersion": "2023-09-01",
                               "name": "onprem", "location": "westeurope"}]}
    (tmp_path / "main.json").write_text(json.dumps(compiled), encoding="utf-8")
    load = _read(tmp_path)
    assert [r.origin.file.rsplit("/", 1)[-1] for r in load.resources] == ["main.bicep"]
    assert any(n.file.endswith("main.json") and "compiled from main.bicep" in n.message for n in load.notices)
    # A hand-written JSON of the same name is not a compile: both are read.
    del compiled["metadata"]
    (tmp_path / "main.json").write_text(json.dumps(compiled), encoding="utf-8")
    assert len(_read(tmp_path).resources) == 2


def test_an_internal_failure_is_an_input_error_not_a_traceback(tmp_path: Path, monkeypatch: Any) -> None:
    from checker.sources.bicep import translate

    def broken(self: Any) -> Any:
        raise ValueError("secret-looking text")

    monkeypatch.setattr(translate.Translator, "template", broken)
    path = _write(tmp_path, "main.bicep", "param x string = 'y'\n")
    [error] = _read(path).errors
    assert "could not be translated (ValueError)" in error.message
    assert "secret-looking" not in error.message


@pytest.mark.parametrize(("text", "message"), [
    ("var x = " + "(" * 5000 + "1" + ")" * 5000 + "\n", "too deeply"),
    ("var x = " + "(" * 5000 + "\n", "syntax error"),
    ("var x = \x00\n", "unexpected character"),
])
def test_hostile_bicep_is_an_input_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "main.bicep"
    path.write_text(text, encoding="utf-8")
    [error] = _read(path).errors
    assert message in error.message


def test_modules_that_call_each_other_stop_at_the_nesting_limit(tmp_path: Path) -> None:
    _write(tmp_path, "a.bicep", "module b 'b.bicep' = {\n  name: 'b'\n}\n")
    _write(tmp_path, "b.bicep", "module a 'a.bicep' = {\n  name: 'a'\n}\n")
    load = _read(tmp_path / "a.bicep")
    assert any("nested deployments go deeper than" in e.message for e in load.errors)
