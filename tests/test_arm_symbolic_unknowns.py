"""Unknowns keep their identity: a reusable template names everything from parameters without values,
and the resources still link up (the same expression over the same parameters is the same value),
while different parameters never alias."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from checker.api import ScanOptions, scan
from checker.graph import Graph
from checker.model import Unknown, normalise_id
from checker.sources.arm.context import DeploymentContext
from checker.sources.arm.deployment import TemplateLoad, expand_template
from checker.sources.arm.expressions import evaluate_string
from checker.sources.decode import loads

RG = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
NET = "Microsoft.Network"
SUBNET_ID = "[resourceId('Microsoft.Network/virtualNetworks/subnets', parameters('vnetName'), 'GatewaySubnet')]"


def reusable_template(**extra_parameters: Any) -> dict[str, Any]:
    parameters = {"vnetName": {"type": "string"}, "gwName": {"type": "string"},
                  "otherVnet": {"type": "string"},
                  "sameVnet": {"type": "string", "defaultValue": "[parameters('vnetName')]"},
                  "sharedKey": {"type": "securestring"}, **extra_parameters}
    ip_configuration = {"name": "default", "properties": {
        "subnet": {"id": SUBNET_ID},
        "publicIPAddress": {"id": "[resourceId('Microsoft.Network/publicIPAddresses', "
                                  "concat(parameters('gwName'), '-pip'))]"}}}
    return {"$schema": RG, "contentVersion": "1.0.0.0", "parameters": parameters, "resources": [
        {"type": f"{NET}/virtualNetworks", "apiVersion": "2023-09-01", "name": "[parameters('vnetName')]",
         "location": "westeurope", "properties": {
             "addressSpace": {"addressPrefixes": ["10.1.0.0/16"]},
             "subnets": [{"name": "GatewaySubnet", "properties": {"addressPrefix": "10.1.255.0/27"}}]}},
        {"type": f"{NET}/publicIPAddresses", "apiVersion": "2023-09-01",
         "name": "[concat(parameters('gwName'), '-pip')]", "location": "westeurope",
         "sku": {"name": "Standard"}, "zones": ["1", "2", "3"],
         "properties": {"publicIPAllocationMethod": "Static"}},
        {"type": f"{NET}/virtualNetworkGateways", "apiVersion": "2023-09-01", "name": "[parameters('gwName')]",
         "location": "westeurope", "properties": {
             "gatewayType": "Vpn", "vpnType": "RouteBased", "sku": {"name": "VpnGw2AZ", "tier": "VpnGw2AZ"},
             "ipConfigurations": [ip_configuration, {**ip_configuration, "name": "second"}]}},
        {"type": f"{NET}/connections", "apiVersion": "2023-09-01", "name": "to-onprem", "location": "westeurope",
         "properties": {"connectionType": "IPsec", "sharedKey": "[parameters('sharedKey')]",
                        "virtualNetworkGateway1": {"id": "[resourceId('Microsoft.Network/virtualNetworkGateways', "
                                                         "parameters('gwName'))]"},
                        "localNetworkGateway2": {"id": "[resourceId('Microsoft.Network/localNetworkGateways', "
                                                       "'onprem')]"}}},
        {"type": f"{NET}/virtualNetworks/subnets", "apiVersion": "2023-09-01",
         "name": "[concat(parameters('otherVnet'), '/GatewaySubnet')]",
         "properties": {"addressPrefix": "10.9.255.0/27"}},
    ]}


def expand(doc: dict[str, Any], file: str = "main.json") -> TemplateLoad:
    return expand_template(loads(json.dumps(doc, indent=1), file), file, parameter_values={},
                           context=DeploymentContext(), base_dir=Path("."))


def test_resources_named_from_parameters_without_value_link_up() -> None:
    load = expand(reusable_template())
    assert load.errors == []
    graph = Graph(load.resources)
    [gateway] = graph.of_type(f"{NET}/virtualNetworkGateways")
    [vnet] = graph.of_type(f"{NET}/virtualNetworks")
    assert vnet.name == "<vnetName>" and gateway.name == "<gwName>"  # where the name comes from
    subnets = {r.kind: r for r in graph.relations_from(gateway)}
    assert subnets["gateway-subnet"].resolved and subnets["gateway-public-ip"].resolved
    subnet = graph.get(subnets["gateway-subnet"].target)
    assert subnet is not None and graph.parent(subnet) is vnet
    # two ipConfigurations with the identical subnet expression are on the same subnet
    targets = {r.target for r in graph.relations_from(gateway, "gateway-subnet")}
    assert len(targets) == 1
    [connection] = graph.of_type(f"{NET}/connections")
    [to_gateway] = graph.relations_from(connection, "connection-gateway1")
    assert to_gateway.resolved and graph.get(to_gateway.target) is gateway
    # the value is still unknown: only its identity is known
    assert isinstance(gateway.body["name"], Unknown)
    assert isinstance(gateway.properties["ipConfigurations"][0]["properties"]["subnet"]["id"], Unknown)


def test_different_parameters_never_alias_and_a_default_referring_to_another_parameter_shares_it() -> None:
    load = expand(reusable_template())
    by_type: dict[str, list[Any]] = {}
    for resource in load.resources:
        by_type.setdefault(resource.type, []).append(resource)
    [other_subnet] = by_type[f"{NET}/virtualNetworks/subnets"]
    graph = Graph(load.resources)
    [vnet] = graph.of_type(f"{NET}/virtualNetworks")
    assert normalise_id(other_subnet.id) not in {c.key for c in graph.children(vnet)}

    # a parameter whose default is another parameter is that parameter: its subnet joins the VNet
    doc = reusable_template()
    doc["resources"].append({"type": f"{NET}/virtualNetworks/subnets", "apiVersion": "2023-09-01",
                             "name": "[concat(parameters('sameVnet'), '/app')]",
                             "properties": {"addressPrefix": "10.1.1.0/24"}})
    graph = Graph(expand(doc).resources)
    [vnet] = graph.of_type(f"{NET}/virtualNetworks")
    assert sorted(c.name.rsplit("/", 1)[-1] for c in graph.children(vnet)) == ["GatewaySubnet", "app"]


class _ParameterScope:
    """A scope that answers parameters() from a symbolic Unknown named after the parameter."""

    context = DeploymentContext()

    def __init__(self, load: TemplateLoad, name: str) -> None:
        self.name = name

    def parameter(self, name: str) -> Any:
        base = "vnetName" if name in ("vnetName", "sameVnet") else name
        return Unknown(f"parameter '{base}' has no value", f"<{base}~abcdef>")

    def variable(self, name: str) -> Any:
        raise AssertionError(name)

    def copy_index(self, loop: str | None) -> int:
        raise AssertionError(loop)

    def user_function(self, namespace: str, name: str) -> None:
        return None


def test_same_parameter_name_in_two_templates_does_not_alias(tmp_path: Path) -> None:
    first = expand(reusable_template(), "a.json")
    second = expand(reusable_template(), "b.json")
    ids_a = {r.key for r in first.resources}
    ids_b = {r.key for r in second.resources}
    assert not ids_a & ids_b - {r.key for r in first.resources if "<" not in r.key}


def test_derived_values_do_not_share_the_identity_of_their_source() -> None:
    scope = _ParameterScope(None, "vnetName")  # type: ignore[arg-type]
    length = evaluate_string("[length(parameters('vnetName'))]", scope)
    assert isinstance(length, Unknown) and length.symbol is None
    same = evaluate_string("[concat(parameters('vnetName'), '-gw')]", scope)
    again = evaluate_string("[format('{0}-gw', parameters('vnetName'))]", scope)
    assert same.symbol == again.symbol == "<vnetName~abcdef>-gw"
    member = evaluate_string("[parameters('site').name]", scope)
    assert member.symbol == "<site.name~abcdef>"
    condition = evaluate_string("[if(equals(parameters('vnetName'), 'a'), 'x', 'y')]", scope)
    assert isinstance(condition, Unknown) and condition.symbol is None


def test_reusable_template_forms_a_site_and_rules_evaluate(tmp_path: Path) -> None:
    path = tmp_path / "reusable.json"
    path.write_text(json.dumps(reusable_template(), indent=1))
    report = scan([path], ScanOptions())
    assert report.errors == []
    assert report.sites, "the gateway's VNet forms a site although its name is a parameter"
    gateway_results = [r for r in report.results if r.resource.type.lower().endswith("virtualnetworkgateways")]
    assert any(r.status == "pass" for r in gateway_results)
    names = {r.resource.name for r in report.results}
    assert "<gwName>" in names and not any("unknown@" in n for n in names if n.startswith("<gw"))


def test_real_avs_template_forms_its_site_and_an_unknown_circuit_is_not_a_failure(corpus_dir: Path) -> None:
    # AVS landing zone (Azure/Enterprise-Scale-for-AVS): the VNet, gateway and connection are named from
    # parameters without value and the circuit comes from reference(...).outputs: the site forms, and
    # the circuit count is unknown rather than "0 circuits".
    path = corpus_dir / "avs-eslz" / "AVS-to-VNet-NewVNet.VNetWithExR.deploy.json"
    report = scan([path], ScanOptions())
    assert report.errors == []
    assert [site.name for site in report.sites] == ["<VNetName>"]
    [redundancy] = [r for r in report.results if r.rule == "ER-CIRCUIT-REDUNDANCY"]
    assert redundancy.status == "unknown" and "ExpressRouteId" in redundancy.unknown_reasons[0]
    assert any(r.rule == "GW-SUBNET-SIZE" and r.resource.name == "GatewaySubnet" for r in report.results)


def _vnet_with_inline(subnets: list[Any], **parameters: Any) -> dict[str, Any]:
    return {"$schema": RG, "contentVersion": "1.0.0.0",
            "parameters": {"subnetName": {"type": "string"}, "names": {"type": "array"}, **parameters},
            "resources": [{"type": f"{NET}/virtualNetworks", "apiVersion": "2023-09-01", "name": "hub",
                           "location": "westeurope", "properties": {
                               "addressSpace": {"addressPrefixes": ["10.1.0.0/16"]}, "subnets": subnets}}]}


def test_inline_children_with_unknown_names_stay_in_the_graph_with_a_notice() -> None:
    load = expand(_vnet_with_inline([
        {"name": "[parameters('subnetName')]", "properties": {"addressPrefix": "10.1.0.0/24"}},
        {"name": "[first(parameters('names'))]", "properties": {"addressPrefix": "10.1.1.0/24"}},
        {"name": "[concat('x', length(parameters('names')))]", "properties": {"addressPrefix": "10.1.2.0/24"}},
    ]))
    assert load.errors == []
    graph = Graph(load.resources)
    [vnet] = graph.of_type(f"{NET}/virtualNetworks")
    children = graph.children(vnet, f"{NET}/virtualNetworks/subnets")
    assert len(children) == 3 and len({c.key for c in children}) == 3
    assert children[0].name == "<subnetName>"
    assert all(isinstance(c.body["name"], Unknown) for c in children)
    notices = [n for n in load.notices if "inline subnets item" in n.message]
    assert len(notices) == 3 and "<subnetName>" in notices[0].message


def test_gateway_subnet_lookup_is_unknown_when_an_inline_subnet_name_is_unknown(tmp_path: Path) -> None:
    doc = _vnet_with_inline([{"name": "[parameters('subnetName')]",
                              "properties": {"addressPrefix": "10.1.255.0/27"}}])
    doc["resources"].append(
        {"type": f"{NET}/virtualNetworkGateways", "apiVersion": "2023-09-01", "name": "gw", "location": "westeurope",
         "properties": {"gatewayType": "Vpn", "vpnType": "RouteBased", "sku": {"name": "VpnGw2AZ"},
                        "ipConfigurations": [{"name": "c", "properties": {"subnet": {
                            "id": "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'hub', 'GatewaySubnet')]"
                        }}}]}})
    path = tmp_path / "t.json"
    path.write_text(json.dumps(doc, indent=1))
    report = scan([path], ScanOptions())
    [exists] = [r for r in report.results if r.rule == "GW-SUBNET-EXISTS"]
    assert exists.status == "unknown" and "only known at deployment" in exists.unknown_reasons[0]


def test_circuit_id_through_a_secure_parameter_is_unknown_not_absent(tmp_path: Path) -> None:
    # Azure/Enterprise-Scale-for-AVS ExRConnection.deploy.json passes the circuit id as a securestring:
    # the connection's circuit is unknown before deployment, never "(not set)".
    doc = {"$schema": RG, "contentVersion": "1.0.0.0",
           "parameters": {"GatewayName": {"type": "string"}, "ExpressRouteId": {"type": "securestring"}},
           "resources": [{"type": f"{NET}/connections", "apiVersion": "2023-09-01", "name": "avs",
                          "location": "westeurope", "properties": {
                              "connectionType": "ExpressRoute", "peer": {"id": "[parameters('ExpressRouteId')]"},
                              "virtualNetworkGateway1": {"id": "[resourceId('Microsoft.Network/virtualNetworkGateways',"
                                                               " parameters('GatewayName'))]"}}}]}
    path = tmp_path / "t.json"
    path.write_text(json.dumps(doc, indent=1))
    report = scan([path], ScanOptions())
    scope = [r for r in report.results if r.rule == "ER-CIRCUIT-SCOPE"]
    assert scope and all(r.status == "unknown" for r in scope)
