"""Tests for the resource graph: inline children and merging, every relation kind, casing, dangling
and Unknown references, outputs. ``python tests/test_graph.py`` times 100,000 exported resources."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest

from checker.graph import RELATION_KINDS, TABLE_HEADERS, Graph, Relation
from checker.model import Origin, Resource, Secret, Unknown, normalise_id
from checker.sources.decode import loads
from checker.sources.export import read_export

DATA = Path(__file__).parent / "data" / "graph"
SUB = "11111111-2222-3333-4444-555555555555"
NET = f"/subscriptions/{SUB}/resourceGroups/rg-hub/providers/Microsoft.Network"
VNET = f"{NET}/virtualNetworks/vnet-hub"
GATEWAY_SUBNET = f"{VNET}/subnets/GatewaySubnet"
GATEWAY = f"{NET}/virtualNetworkGateways/vgw-hub"
REMOTE_CIRCUIT = ("/subscriptions/77777777-2222-3333-4444-555555555555/resourceGroups/rg-connectivity"
                  "/providers/Microsoft.Network/expressRouteCircuits/erc-provider")


def hub_resources() -> list[Resource]:
    path = DATA / "hub-resources.json"
    load = read_export(loads(path.read_bytes(), "hub-resources.json"), "hub-resources.json")
    assert load.errors == []
    return load.resources


@pytest.fixture(scope="module")
def graph() -> Graph:
    return Graph(hub_resources())


def line_of(text: str) -> int:
    for number, line in enumerate((DATA / "hub-resources.json").read_text().splitlines(), start=1):
        if text in line:
            return number
    raise AssertionError(text)


def resource(resource_id: str, resource_type: str, properties: dict, line: int = 1, **extra) -> Resource:
    body = {"id": resource_id, "type": resource_type, "properties": properties, **extra}
    return Resource(id=resource_id, type=resource_type, name=resource_id.rsplit("/", 1)[-1], body=body,
                    origin=Origin("t.json", line, pointer=f"/resources/{line}"), source="template")


# -- inline children and merging ------------------------------------------------------------------

def test_inline_and_separate_subnet_are_one_resource_and_the_separate_one_wins(graph):
    subnets = [r for r in graph.resources.values() if normalise_id(r.id) == normalise_id(GATEWAY_SUBNET)]
    assert len(subnets) == 1
    subnet = graph.get(GATEWAY_SUBNET)
    assert subnet is subnets[0]
    assert subnet.properties["addressPrefix"] == "10.0.255.192/26"  # separate declaration wins
    assert subnet.properties["routeTable"]["id"].endswith("/rt-gateway")  # inline-only key kept
    assert subnet.properties["serviceEndpoints"] == []  # separate-only key kept
    assert subnet.metadata["inline"] is True
    assert subnet.metadata["conflicts"] == ["addressPrefix"]
    inline_origin, separate_origin = subnet.metadata["origins"]
    assert inline_origin.line == line_of('"name": "GatewaySubnet"') - 1
    assert inline_origin.pointer == "/0/properties/subnets/0"
    assert separate_origin.line == line_of('"name": "vnet-hub/GatewaySubnet"') - 2
    assert separate_origin.pointer == "/1"


def test_merge_does_not_depend_on_input_order():
    resources = hub_resources()
    forward = Graph(resources).get(GATEWAY_SUBNET)
    backward = Graph(list(reversed(hub_resources()))).get(GATEWAY_SUBNET)
    assert forward is not None and backward is not None
    assert forward.properties == backward.properties
    assert backward.properties["addressPrefix"] == "10.0.255.192/26"
    assert [o.pointer for o in backward.metadata["origins"]] == ["/0/properties/subnets/0", "/1"]


def test_merge_does_not_change_the_input_resources():
    resources = hub_resources()
    inline = resources[0].properties["subnets"][0]["properties"]["addressPrefix"]
    Graph(resources)
    assert resources[0].properties["subnets"][0]["properties"]["addressPrefix"] == inline == "10.0.255.224/27"
    assert resources[1].metadata == {}


def test_inline_children_of_every_kind_become_resources(graph):
    expected = {
        f"{VNET}/subnets/snet-app": "Microsoft.Network/virtualNetworks/subnets",
        f"{VNET}/virtualNetworkPeerings/hub-to-spoke": "Microsoft.Network/virtualNetworks/virtualNetworkPeerings",
        f"{NET}/routeTables/rt-gateway/routes/to-spoke": "Microsoft.Network/routeTables/routes",
        f"{NET}/networkSecurityGroups/nsg-app/securityRules/deny-all-in":
            "Microsoft.Network/networkSecurityGroups/securityRules",
        f"{NET}/expressRouteCircuits/erc-local/peerings/AzurePrivatePeering":
            "Microsoft.Network/expressRouteCircuits/peerings",
    }
    for child_id, child_type in expected.items():
        child = graph.get(child_id)
        assert child is not None, child_id
        assert child.type == child_type and child.metadata == {"inline": True}
        assert child.source == "export" and child.resource_group == "rg-hub"
    app = graph.get(f"{VNET}/subnets/snet-app")
    assert app is not None and app.name == "snet-app"
    assert app.origin.line == line_of('"name": "snet-app"') - 1
    assert app.origin.pointer == "/0/properties/subnets/1"


def test_children_and_parent(graph):
    vnet = graph.get(VNET)
    assert vnet is not None
    names = [c.name for c in graph.children(vnet)]
    # the merged subnet keeps the name of its separate declaration
    assert names == ["vnet-hub/GatewaySubnet", "snet-app", "hub-to-spoke"]
    subnets = graph.children(VNET.upper(), "microsoft.network/VIRTUALNETWORKS/subnets")
    assert [normalise_id(s.id).rsplit("/", 1)[-1] for s in subnets] == ["gatewaysubnet", "snet-app"]
    assert graph.parent(GATEWAY_SUBNET.lower()) is vnet
    assert graph.parent(graph.get(f"{VNET}/subnets/snet-app")) is vnet
    assert graph.parent(vnet) is None
    child_relation = graph.relations_to(GATEWAY_SUBNET, "child")[0]
    assert child_relation.via == "properties.subnets[0]" and child_relation.resolved


def test_separate_child_without_parent_in_the_inputs_has_no_parent():
    subnet = resource(f"{NET}/virtualNetworks/other/subnets/GatewaySubnet",
                      "Microsoft.Network/virtualNetworks/subnets", {"addressPrefix": "10.9.0.0/27"})
    graph = Graph([subnet])
    assert graph.parent(subnet) is None
    (link,) = graph.relations_to(subnet, "child")
    assert link.source == normalise_id(f"{NET}/virtualNetworks/other") and link.via == "id"


def test_later_duplicate_wins_key_by_key_and_keeps_both_origins():
    first = resource(f"{NET}/publicIPAddresses/pip", "Microsoft.Network/publicIPAddresses",
                     {"publicIPAllocationMethod": "Dynamic", "idleTimeoutInMinutes": 4}, line=3)
    second = resource(f"{NET}/PUBLICIPADDRESSES/PIP", "Microsoft.Network/publicIPAddresses",
                      {"publicIPAllocationMethod": "Static"}, line=30)
    graph = Graph([first, second])
    (merged,) = graph.resources.values()
    assert merged.properties == {"publicIPAllocationMethod": "Static", "idleTimeoutInMinutes": 4}
    assert [o.line for o in merged.metadata["origins"]] == [3, 30]
    assert merged.origin.line == 30
    assert graph.of_type("microsoft.network/publicipaddresses") == [merged]


def test_merged_resource_relations_come_from_the_merged_body():
    old = resource(f"{NET}/connections/c", "Microsoft.Network/connections",
                   {"virtualNetworkGateway1": {"id": f"{NET}/virtualNetworkGateways/old"}})
    new = resource(f"{NET}/connections/c", "Microsoft.Network/connections",
                   {"virtualNetworkGateway1": {"id": GATEWAY}})
    graph = Graph([old, new])
    targets = [r.target for r in graph.relations_from(new, "connection-gateway1")]
    assert targets == [normalise_id(GATEWAY)]
    assert graph.relations_to(f"{NET}/virtualNetworkGateways/old") == []
    assert len(graph.relations_to(GATEWAY, "connection-gateway1")) == 1


def test_inline_child_without_a_known_name_is_kept_under_a_placeholder():
    # Nothing vanishes silently (it was skipped): the child stays, under its symbol or a placeholder.
    vnet = resource(VNET, "Microsoft.Network/virtualNetworks",
                    {"subnets": [{"name": Unknown("parameter subnetName"), "properties": {}}, "junk",
                                 {"name": "ok", "properties": {}},
                                 {"name": Unknown("parameter 'n' has no value", "<n~abcdef>"), "properties": {}}]})
    graph = Graph([vnet])
    assert [c.name for c in graph.children(vnet)] == ["<unknown@1-0>", "ok", "<n>"]
    assert graph.get(VNET + "/subnets/<n~abcdef>") is not None


def test_resource_without_a_usable_id_is_kept_apart():
    nameless = Resource(id=Unknown("name from reference()"), type="Microsoft.Network/connections",  # type: ignore[arg-type]
                        name="?", body={"properties": {"peer": {"id": REMOTE_CIRCUIT}}},
                        origin=Origin("t.json", 7))
    other = Resource(id="", type="Microsoft.Network/connections", name="?", body={}, origin=Origin("t.json", 9))
    graph = Graph([nameless, other])
    assert graph.of_type("microsoft.network/connections") == [nameless, other]
    (peer,) = graph.relations_to(REMOTE_CIRCUIT)
    assert graph.resources[peer.source] is nameless
    assert graph.relations_from(nameless) == [peer]
    assert graph.relations_from(other) == []


# -- relations ------------------------------------------------------------------------------------

def test_every_relation_kind_is_found(graph):
    kinds = {r.kind for r in graph.relations}
    assert kinds == set(RELATION_KINDS)


@pytest.mark.parametrize("source,kind,target,resolved,via", [
    (f"{VNET}/subnets/snet-app", "subnet-nsg", f"{NET}/networkSecurityGroups/nsg-app", True,
     "properties.networkSecurityGroup.id"),
    (GATEWAY_SUBNET, "subnet-route-table", f"{NET}/routeTables/rt-gateway", True, "properties.routeTable.id"),
    (GATEWAY, "gateway-subnet", GATEWAY_SUBNET, True, "properties.ipConfigurations[0].properties.subnet.id"),
    (GATEWAY, "gateway-public-ip", f"{NET}/publicIPAddresses/pip-vgw-hub", True,
     "properties.ipConfigurations[0].properties.publicIPAddress.id"),
    (f"{NET}/connections/cn-ipsec", "connection-gateway1", GATEWAY, True, "properties.virtualNetworkGateway1.id"),
    (f"{NET}/connections/cn-v2v", "connection-gateway2", GATEWAY, True, "properties.virtualNetworkGateway2.id"),
    (f"{NET}/connections/cn-ipsec", "connection-local-gateway", f"{NET}/localNetworkGateways/lng-onprem", True,
     "properties.localNetworkGateway2.id"),
    (f"{NET}/connections/cn-er", "connection-peer", REMOTE_CIRCUIT, False, "properties.peer.id"),
    (f"{VNET}/virtualNetworkPeerings/hub-to-spoke", "peering-remote-vnet",
     "/subscriptions/99999999-2222-3333-4444-555555555555/resourceGroups/rg-spoke/providers/Microsoft.Network/"
     "virtualNetworks/vnet-spoke", False, "properties.remoteVirtualNetwork.id"),
    (f"{NET}/networkInterfaces/nic-in-gwsubnet", "ip-configuration-subnet", GATEWAY_SUBNET, True,
     "properties.ipConfigurations[0].properties.subnet.id"),
    (f"{NET}/loadBalancers/lb-internal", "ip-configuration-subnet", f"{VNET}/subnets/snet-app", True,
     "properties.frontendIPConfigurations[0].properties.subnet.id"),
    (f"{NET}/expressRouteCircuits/erc-local", "child", f"{NET}/expressRouteCircuits/erc-local/peerings/"
     "AzurePrivatePeering", True, "properties.peerings[0]"),
])
def test_relation(graph, source, kind, target, resolved, via):
    found = graph.relations_from(source, kind)
    assert len(found) == 1, found
    relation = found[0]
    assert isinstance(relation, Relation)
    assert relation.source == normalise_id(source)
    assert relation.target == normalise_id(target)
    assert relation.resolved is resolved
    assert relation.via == via
    assert normalise_id(relation.target_raw) == normalise_id(target)
    assert relation in graph.relations_to(target, kind)


def test_ids_compare_case_insensitively(graph):
    upper, lower = GATEWAY_SUBNET.upper(), GATEWAY_SUBNET.lower()
    assert graph.get(upper) is graph.get(lower) is graph.get({"id": GATEWAY_SUBNET}) is not None
    # the gateway writes the subnet id in lower case, the subnet resource was declared upper case
    (relation,) = graph.relations_from(GATEWAY, "gateway-subnet")
    assert relation.target_raw == lower and relation.resolved
    users = {r.kind for r in graph.relations_to(upper)}
    assert users == {"gateway-subnet", "ip-configuration-subnet", "child"}
    assert graph.of_type("MICROSOFT.NETWORK/ROUTETABLES")[0].name == "rt-gateway"


def test_get_returns_none_for_unknown_missing_and_odd_references(graph):
    assert graph.get(None) is None
    assert graph.get(Unknown("reference()")) is None
    assert graph.get({"id": Unknown("x")}) is None
    assert graph.get({"name": "x"}) is None
    assert graph.get("") is None
    assert graph.get(REMOTE_CIRCUIT) is None


def test_dangling_cross_subscription_references_are_unresolved_relations(graph):
    (peer,) = graph.relations_from(f"{NET}/connections/cn-er", "connection-peer")
    assert not peer.resolved and peer.target == normalise_id(REMOTE_CIRCUIT)
    assert graph.relations_to(REMOTE_CIRCUIT) == [peer]
    assert graph.get(peer.target) is None


def test_both_diagnostic_setting_forms_point_at_the_gateway(graph):
    relations = graph.relations_to(GATEWAY, "diagnostic-target")
    assert len(relations) == 2 and all(r.resolved for r in relations)
    sources = sorted(graph.resources[r.source].type for r in relations)
    assert sources == ["Microsoft.Insights/diagnosticSettings",
                       "Microsoft.Network/virtualNetworkGateways/providers/diagnosticSettings"]


def test_diagnostic_setting_with_scope_property():
    setting = resource("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Insights/diagnosticSettings/d",
                       "Microsoft.Insights/diagnosticSettings", {"logs": []}, scope=GATEWAY)
    gateway = resource(GATEWAY, "Microsoft.Network/virtualNetworkGateways", {})
    graph = Graph([gateway, setting])
    (relation,) = graph.relations_to(gateway, "diagnostic-target")
    assert relation.via == "scope" and relation.resolved


def test_unknown_references_are_kept_as_unknown_relations():
    reason = Unknown("reference('pip').id cannot be known before deployment")
    gateway = resource(GATEWAY, "Microsoft.Network/virtualNetworkGateways", {"ipConfigurations": [
        {"name": "a", "properties": {"subnet": {"id": Unknown("parameter vnetId")}, "publicIPAddress": reason}},
        Unknown("copy loop over a parameter"),
    ]})
    gateway2 = resource(f"{NET}/virtualNetworkGateways/g2", "Microsoft.Network/virtualNetworkGateways",
                        {"ipConfigurations": Unknown("variable ipConfigs")})
    connection = resource(f"{NET}/connections/c", "Microsoft.Network/connections",
                          {"peer": {"id": Unknown("circuit id parameter")}, "virtualNetworkGateway1": 42})
    nic = resource(f"{NET}/networkInterfaces/n", "Microsoft.Network/networkInterfaces",
                   {"ipConfigurations": [{"properties": Unknown("whole properties object")}]})
    graph = Graph([gateway, gateway2, connection, nic])
    from_gateway = graph.relations_from(gateway)
    assert [(r.kind, r.via) for r in from_gateway] == [
        ("gateway-subnet", "properties.ipConfigurations[0].properties.subnet.id"),
        ("gateway-public-ip", "properties.ipConfigurations[0].properties.publicIPAddress"),
        ("gateway-subnet", "properties.ipConfigurations[1]"),
        ("gateway-public-ip", "properties.ipConfigurations[1]"),
    ]
    assert all(r.target == "" and not r.resolved and isinstance(r.target_raw, Unknown) for r in from_gateway)
    assert from_gateway[1].target_raw is reason
    assert [r.kind for r in graph.relations_from(gateway2)] == ["gateway-subnet", "gateway-public-ip"]
    peer, gw1 = sorted(graph.relations_from(connection), key=lambda r: r.kind, reverse=True)
    assert peer.kind == "connection-peer" and peer.target_raw == Unknown("circuit id parameter")
    assert gw1.kind == "connection-gateway1" and isinstance(gw1.target_raw, Unknown)
    assert "not a resource id" in gw1.target_raw.reason
    (nic_relation,) = graph.relations_from(nic)
    assert nic_relation.kind == "ip-configuration-subnet" and nic_relation.target == ""
    assert graph.relations_to("") == []


def test_other_resources_in_a_subnet():
    subnet_id = GATEWAY_SUBNET
    ref = {"properties": {"subnet": {"id": subnet_id}}}
    others = [
        resource(f"{NET}/azureFirewalls/fw", "Microsoft.Network/azureFirewalls", {"ipConfigurations": [ref]}),
        resource(f"{NET}/bastionHosts/b", "Microsoft.Network/bastionHosts", {"ipConfigurations": [ref]}),
        resource(f"{NET}/applicationGateways/ag", "Microsoft.Network/applicationGateways",
                 {"gatewayIPConfigurations": [ref]}),
        resource(f"{NET}/privateEndpoints/pe", "Microsoft.Network/privateEndpoints", {"subnet": {"id": subnet_id}}),
    ]
    graph = Graph(others)
    users = graph.relations_to(subnet_id, "ip-configuration-subnet")
    assert [graph.resources[r.source].name for r in users] == ["fw", "b", "ag", "pe"]
    assert all(not r.resolved for r in users)  # the subnet itself is not in these inputs


def test_of_type_keeps_input_order(graph):
    connections = graph.of_type("microsoft.network/connections")
    assert [c.name for c in connections] == ["cn-ipsec", "cn-v2v", "cn-er"]
    assert graph.of_type("Microsoft.Network/nothing") == []


# -- outputs --------------------------------------------------------------------------------------

def test_to_json_lists_resources_and_relations_without_bodies(graph):
    doc = graph.to_json()
    text = json.dumps(doc)
    assert doc["summary"]["resources"] == len(graph.resources) == len(doc["resources"])
    assert doc["summary"]["relations"] == len(graph.relations)
    assert doc["summary"]["unresolved"] == 2  # remote circuit and spoke VNet
    subnet = next(r for r in doc["resources"] if r["id"].endswith("subnets/GatewaySubnet"))
    assert subnet["inline"] is True and len(subnet["origins"]) == 2 and subnet["conflicts"] == ["addressPrefix"]
    assert "10.0.255.192/26" not in text  # no bodies


def test_to_json_never_shows_a_secret():
    connection = resource(f"{NET}/connections/c", "Microsoft.Network/connections",
                          {"sharedKey": Secret.of("very-secret-key-123", "export"),
                           "peer": {"id": Unknown("param")}})
    graph = Graph([connection])
    text = json.dumps(graph.to_json()) + repr(graph.table_rows())
    assert "very-secret" not in text
    assert graph.to_json()["relations"][0]["unknown"] == "param"


def test_table_rows_list_every_resource_with_its_relations(graph):
    rows = graph.table_rows()
    assert all(len(row) == len(TABLE_HEADERS) for row in rows)
    assert len(rows) == len(graph.resources)
    by_name = {row[0]: row for row in rows}
    er = by_name["cn-er"]
    assert er[1] == "Microsoft.Network/connections"
    assert er[3].splitlines() == [
        "connection-gateway1 -> virtualNetworkGateways/vgw-hub",
        "connection-peer -> expressRouteCircuits/erc-provider (not in inputs)",
    ]
    assert by_name["lng-onprem"][3] == ""
    assert by_name["vnet-hub/snet-app"][3] == "subnet-nsg -> networkSecurityGroups/nsg-app"
    assert by_name["to-law"][3] == "diagnostic-target -> virtualNetworkGateways/vgw-hub"
    assert by_name["legacy"][3] == "diagnostic-target -> virtualNetworkGateways/vgw-hub"
    assert by_name["vnet-hub"][2] == "westeurope"
    unknown_graph = Graph([resource(f"{NET}/connections/c", "Microsoft.Network/connections",
                                    {"peer": {"id": Unknown("param circuitId")}})])
    assert unknown_graph.table_rows() == [["c", "Microsoft.Network/connections", "",
                                           "connection-peer -> <unknown: param circuitId>"]]


# -- scale ----------------------------------------------------------------------------------------

def synthetic_export(count: int) -> dict:
    """A Resource Graph result of ``count`` resources: VNets with inline subnets and peerings, NSGs,
    NICs, gateways and connections, ids and types in lower case as Resource Graph writes them."""
    data = []
    for i in range(count):
        group = i // 5  # the five resources of a group reference each other
        net = (f"/subscriptions/00000000-0000-0000-0000-{group % 50:012d}/resourcegroups/rg{group % 200}"
               "/providers/microsoft.network")
        kind = i % 5
        if kind == 0:
            subnets = [{"name": name, "id": f"{net}/virtualnetworks/vnet{i}/subnets/{name}",
                        "properties": {"addressPrefix": "10.0.0.0/24",
                                       "networkSecurityGroup": {"id": f"{net}/networksecuritygroups/nsg{i + 1}"}}}
                       for name in ("GatewaySubnet", "app", "db")]
            peering = {"name": "p", "properties": {"remoteVirtualNetwork": {"id": f"{net}/virtualnetworks/vnet{i + 5}"}}}
            data.append({"id": f"{net}/virtualnetworks/vnet{i}", "name": f"vnet{i}",
                         "type": "microsoft.network/virtualnetworks",
                         "properties": {"subnets": subnets, "virtualNetworkPeerings": [peering]}})
        elif kind == 1:
            data.append({"id": f"{net}/networksecuritygroups/nsg{i}", "name": f"nsg{i}",
                         "type": "microsoft.network/networksecuritygroups",
                         "properties": {"securityRules": [{"name": "r", "properties": {"access": "Allow"}}]}})
        elif kind == 2:
            data.append({"id": f"{net}/networkinterfaces/nic{i}", "name": f"nic{i}",
                         "type": "microsoft.network/networkinterfaces",
                         "properties": {"ipConfigurations": [{"name": "c", "properties": {
                             "subnet": {"id": f"{net}/virtualnetworks/vnet{i - 2}/subnets/app"}}}]}})
        elif kind == 3:
            data.append({"id": f"{net}/virtualnetworkgateways/gw{i}", "name": f"gw{i}",
                         "type": "microsoft.network/virtualnetworkgateways",
                         "properties": {"sku": {"name": "VpnGw2AZ"}, "ipConfigurations": [{"name": "d", "properties": {
                             "subnet": {"id": f"{net}/virtualnetworks/vnet{i - 3}/subnets/GatewaySubnet"},
                             "publicIPAddress": {"id": f"{net}/publicipaddresses/pip{i}"}}}]}})
        else:
            data.append({"id": f"{net}/connections/c{i}", "name": f"c{i}", "type": "microsoft.network/connections",
                         "properties": {"connectionType": "IPsec",
                                        "virtualNetworkGateway1": {"id": f"{net}/virtualnetworkgateways/gw{i - 1}"},
                                        "localNetworkGateway2": {"id": f"{net}/localnetworkgateways/lng{i}"}}})
    return {"count": count, "data": data, "skip_token": None}


def test_large_export_builds_every_child_and_relation():
    count = 5000
    raw = json.dumps(synthetic_export(count), indent=2).encode()
    load = read_export(loads(raw, "big.json"), "big.json")
    graph = Graph(load.resources)
    per_five = count // 5
    assert len(graph.resources) == count + per_five * 5  # 4 inline children per VNet, 1 per NSG
    assert len(graph.of_type("microsoft.network/virtualnetworks/subnets")) == per_five * 3
    kinds: dict[str, int] = {}
    for relation in graph.relations:
        kinds[relation.kind] = kinds.get(relation.kind, 0) + 1
    assert kinds["gateway-subnet"] == per_five and kinds["child"] == per_five * 5
    gateway = graph.of_type("microsoft.network/virtualnetworkgateways")[0]
    (subnet_link,) = graph.relations_from(gateway, "gateway-subnet")
    assert subnet_link.resolved
    assert [r.kind for r in graph.relations_to(subnet_link.target)] == ["child", "gateway-subnet"]


def main(count: int = 100_000) -> None:
    """Time decode + read_export + Graph over a synthetic Resource Graph export (CPU seconds)."""
    raw = json.dumps(synthetic_export(count), indent=2).encode()
    started = time.process_time()
    doc = loads(raw, "synthetic.json")
    decoded = time.process_time()
    load = read_export(doc, "synthetic.json")
    read = time.process_time()
    graph = Graph(load.resources)
    built = time.process_time()
    print(f"{count} resources ({len(raw) / 1e6:.0f} MB): decode {decoded - started:.2f}s, "
          f"read_export {read - decoded:.2f}s, Graph {built - read:.2f}s "
          f"({len(graph.resources)} graph resources, {len(graph.relations)} relations); "
          f"total {built - started:.2f}s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
