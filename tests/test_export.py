"""Tests for the export reader: every supported shape, ARM-shaped bodies, lines, errors and secrets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from checker.model import Secret, normalise_id
from checker.sources.decode import loads
from checker.sources.export import is_export, read_export, resources_from_objects, to_arm_shape

DATA = Path(__file__).parent / "data" / "export"
CORPUS = Path("/work/shared/corpus")
SUB = "11111111-2222-3333-4444-555555555555"


def load_file(name: str):
    path = DATA / name
    doc = loads(path.read_bytes(), str(path))
    return doc, read_export(doc, str(path))


def line_of(name: str, text: str, nth: int = 1) -> int:
    """1-based line of the nth line holding ``text`` in a data file."""
    seen = 0
    for number, line in enumerate((DATA / name).read_text().splitlines(), start=1):
        if text in line:
            seen += 1
            if seen == nth:
                return number
    raise AssertionError(f"{text!r} not in {name}")


def by_name(resources):
    return {r.name: r for r in resources}


# -- recognition --------------------------------------------------------------------------------

@pytest.mark.parametrize("name", [
    "arg-graph-query.json", "arg-paged.json", "arg-table-format.json", "arg-bare-array-bad-elements.json",
    "az-vnet-gateway-list.json", "az-vnet-show.json", "az-vpn-connection-show.json", "az-resource-list.json",
    "rest-list-nextlink.json", "rest-get-circuit.json", "snapshot.json",
])
def test_every_export_shape_is_recognised(name):
    doc = loads((DATA / name).read_bytes(), name)
    assert is_export(doc)


@pytest.mark.parametrize("doc", [
    {"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
     "contentVersion": "1.0.0.0", "resources": []},
    {"contentVersion": "1.0.0.0", "resources": [{"type": "Microsoft.Network/virtualNetworks", "name": "v"}]},
    {"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
     "contentVersion": "1.0.0.0", "parameters": {"x": {"value": 1}}},
    {"parameters": {"a": {"value": 1}}},
    {"buildingBlocks": []},
    [],
    [1, 2],
    "text",
    {"data": [{"foo": 1}]},
])
def test_templates_parameter_files_and_other_json_are_not_exports(doc):
    assert not is_export(doc)


def test_az_group_export_template_is_rejected_with_a_hint():
    doc = {"$schema": "https://schema.management.azure.com/schemas/2015-01-01/deploymentTemplate.json#",
           "contentVersion": "1.0.0.0", "parameters": {}, "resources": []}
    load = read_export(doc, "exported.json")
    assert load.resources == []
    assert len(load.errors) == 1 and "template" in load.errors[0].message
    assert load.errors[0].hint


# -- Resource Graph -----------------------------------------------------------------------------

def test_resource_graph_query_output_keeps_lower_case_ids_lines_and_pointers():
    _, load = load_file("arg-graph-query.json")
    assert load.errors == [] and load.notices == []
    resources = by_name(load.resources)
    assert list(resources) == ["vnet-hub", "vgw-hub", "pip-vgw-hub", "cn-onprem"]
    gateway = resources["vgw-hub"]
    assert gateway.type == "microsoft.network/virtualnetworkgateways"
    assert gateway.id.startswith("/subscriptions/") and gateway.id == gateway.id.lower()
    assert gateway.source == "export"
    assert gateway.subscription_id == SUB and gateway.resource_group == "rg-hub"
    assert gateway.origin.pointer == "/data/1"
    assert gateway.origin.line == line_of("arg-graph-query.json", '"name": "vgw-hub"') - 2
    assert gateway.properties["sku"]["name"] == "VpnGw2AZ"
    # ARM shape kept as it is: nothing moved, envelope fields stay at the top
    assert resources["pip-vgw-hub"].body["sku"]["name"] == "Standard"
    assert resources["vnet-hub"].body["properties"]["subnets"][0]["name"] == "GatewaySubnet"


def test_paged_resource_graph_result_gives_a_notice():
    _, load = load_file("arg-paged.json")
    assert [r.name for r in load.resources] == ["erc-ams"]
    assert len(load.notices) == 1
    notice = load.notices[0]
    assert notice.kind == "not-expanded" and "1 of 3" in notice.message


def test_resource_graph_table_format_becomes_objects():
    _, load = load_file("arg-table-format.json")
    assert load.errors == []
    lng = by_name(load.resources)["lng-onprem"]
    assert lng.properties["gatewayIpAddress"] == "203.0.113.10"
    assert lng.origin.pointer == "/data/0"
    assert lng.origin.line == line_of("arg-table-format.json", '"data": {')


def test_elements_without_id_or_type_are_errors_with_their_line_and_the_rest_is_read():
    _, load = load_file("arg-bare-array-bad-elements.json")
    assert [r.name for r in load.resources] == ["rt-gw", "pip-ok"]
    assert [r.origin.pointer for r in load.resources] == ["/0", "/4"]
    messages = [(e.line, e.message) for e in load.errors]
    assert len(messages) == 3
    no_id_line = line_of("arg-bare-array-bad-elements.json", '"projected-without-id"') - 1
    no_type_line = line_of("arg-bare-array-bad-elements.json", '"nsg-x"') - 2
    assert messages[0] == (no_id_line, "resource at /1 has no id")
    assert messages[1] == (no_type_line, "resource at /2 has no type")
    assert "/3 is not a resource object" in messages[2][1]
    assert all(e.file.endswith("arg-bare-array-bad-elements.json") and e.hint for e in load.errors)


# -- az CLI ---------------------------------------------------------------------------------------

def test_az_vnet_gateway_list_is_unflattened_into_arm_shape():
    _, load = load_file("az-vnet-gateway-list.json")
    assert load.errors == []
    gateways = by_name(load.resources)
    vpn = gateways["vgw-hub"]
    body = vpn.body
    assert set(body) == {"id", "name", "type", "location", "etag", "resourceGroup", "properties"}
    props = vpn.properties
    assert props["gatewayType"] == "Vpn" and props["activeActive"] is True
    assert props["provisioningState"] == "Succeeded"
    # gateways keep their SKU inside properties in ARM, even though az prints it at the top
    assert props["sku"]["name"] == "VpnGw2AZ"
    assert props["bgpSettings"]["asn"] == 65515
    first = props["ipConfigurations"][0]
    assert set(first) == {"id", "name", "etag", "resourceGroup", "properties"}
    assert first["properties"]["subnet"]["id"].endswith("/virtualNetworks/vnet-hub/subnets/GatewaySubnet")
    assert first["properties"]["privateIPAllocationMethod"] == "Dynamic"
    assert vpn.origin.line == 2 and vpn.origin.pointer == "/0"
    assert gateways["ergw-hub"].properties["gatewayType"] == "ExpressRoute"


def test_az_vnet_show_unflattens_subnets_and_peerings_and_keeps_references():
    _, load = load_file("az-vnet-show.json")
    (vnet,) = load.resources
    assert vnet.origin.line == 1 and vnet.origin.pointer == ""
    assert vnet.body["tags"] == {"env": "prod"}
    assert vnet.properties["addressSpace"]["addressPrefixes"] == ["10.0.0.0/16"]
    gateway_subnet, shared = vnet.properties["subnets"]
    assert gateway_subnet["name"] == "GatewaySubnet"
    assert gateway_subnet["properties"]["addressPrefix"] == "10.0.255.224/27"
    assert gateway_subnet["properties"]["routeTable"]["id"].endswith("/routeTables/rt-gateway")
    # a reference written with its resource group stays a reference, not a sub-resource
    assert set(gateway_subnet["properties"]["ipConfigurations"][0]) == {"id", "resourceGroup"}
    assert shared["properties"]["networkSecurityGroup"]["id"].endswith("/nsg-shared")
    (peering,) = vnet.properties["virtualNetworkPeerings"]
    assert peering["properties"]["allowGatewayTransit"] is True
    assert peering["properties"]["remoteVirtualNetwork"]["id"].endswith("/vnet-spoke1")
    assert "addressPrefix" not in gateway_subnet  # moved, not copied


def test_az_vpn_connection_show_shared_key_becomes_a_secret():
    _, load = load_file("az-vpn-connection-show.json")
    (connection,) = load.resources
    key = connection.properties["sharedKey"]
    assert isinstance(key, Secret)
    assert key.source == "export" and key.length == len("Sup3rS3cretSharedKey-DoNotPrint")
    assert key.origin is not None and key.origin.line == 1
    assert "Sup3rS3cret" not in repr(connection) and "Sup3rS3cret" not in str(connection.body)
    assert connection.properties["connectionType"] == "IPsec"


def test_az_resource_list_with_null_properties():
    _, load = load_file("az-resource-list.json")
    lng, pip = load.resources
    assert lng.type == "Microsoft.Network/localNetworkGateways"
    assert lng.properties["provisioningState"] == "Succeeded"
    assert lng.body["resourceGroup"] == "rg-hub"
    assert pip.body["sku"]["name"] == "Standard" and pip.body["zones"] == ["1", "2", "3"]


def test_to_arm_shape_returns_arm_objects_unchanged():
    obj = {"id": "/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/x/y", "type": "Microsoft.Network/x",
           "properties": {"a": 1}, "extra": 2}
    assert to_arm_shape(obj) is obj


# -- REST -----------------------------------------------------------------------------------------

def test_rest_list_with_next_link_reads_the_page_and_notes_the_rest():
    _, load = load_file("rest-list-nextlink.json")
    er, v2v = load.resources
    assert er.origin.pointer == "/value/0" and v2v.origin.pointer == "/value/1"
    assert er.origin.line == 3
    assert isinstance(er.properties["authorizationKey"], Secret)
    assert er.properties["peer"]["id"].endswith("/erc-provider")
    assert len(load.notices) == 1 and load.notices[0].kind == "not-expanded"
    assert "nextLink" in load.notices[0].message


def test_rest_get_circuit_hides_nested_authorization_and_peering_keys():
    doc, load = load_file("rest-get-circuit.json")
    (circuit,) = load.resources
    authorization = circuit.properties["authorizations"][0]["properties"]["authorizationKey"]
    peering_key = circuit.properties["peerings"][0]["properties"]["sharedKey"]
    assert isinstance(authorization, Secret) and isinstance(peering_key, Secret)
    assert peering_key.origin is not None
    assert peering_key.origin.line == line_of("rest-get-circuit.json", '"properties": {', 3)
    assert authorization.digest != peering_key.digest
    # the text is gone from the decoded document too, not only from the resource
    assert "md5-peering-key-1" not in str(doc)


def test_rest_api_spec_example_uses_the_200_or_201_body():
    body = {"id": "/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/localNetworkGateways/l",
            "name": "l", "type": "Microsoft.Network/localNetworkGateways", "properties": {}}
    created = read_export({"parameters": {"x": 1}, "responses": {"201": {"body": body}, "202": {}}}, "ex.json")
    assert [r.origin.pointer for r in created.resources] == ["/responses/201/body"]
    none = read_export({"parameters": {}, "responses": {"202": {}, "204": {}}}, "ex.json")
    assert none.resources == [] and none.errors == [] and none.notices[0].kind == "skipped"


# -- snapshots ------------------------------------------------------------------------------------

def test_live_audit_snapshot_resources_are_live_and_carry_the_snapshot_time():
    _, load = load_file("snapshot.json")
    assert [r.source for r in load.resources] == ["live", "live"]
    lng = by_name(load.resources)["lng-onprem"]
    assert lng.metadata["snapshot"]["time"] == "2026-11-20T09:30:00Z"
    assert lng.origin.pointer == "/data/0"
    assert any("2026-11-20T09:30:00Z" in n.message for n in load.notices)


def test_snapshot_without_data_array_is_an_error():
    load = read_export({"hybridCheckSnapshot": {"time": "t"}, "data": {"x": 1}}, "snap.json")
    assert load.resources == [] and "snapshot" in load.errors[0].message


# -- never raises ---------------------------------------------------------------------------------

@pytest.mark.parametrize("doc", [None, 3, "x", {"value": "not a list"}, {"something": "else"}])
def test_unrecognised_documents_are_errors_not_exceptions(doc):
    load = read_export(doc, "odd.json")
    assert load.resources == [] and len(load.errors) == 1
    assert load.errors[0].file == "odd.json"


def test_resources_from_objects_normalises_sdk_and_cli_objects():
    objects = [
        {"id": "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Network/connections/c",
         "type": "Microsoft.Network/connections", "name": "c",
         "properties": {"connectionType": "IPsec", "sharedKey": "abc"}},
        {"id": "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Network/virtualNetworkGateways/g",
         "type": "Microsoft.Network/virtualNetworkGateways", "name": "g", "gatewayType": "Vpn",
         "sku": {"name": "VpnGw1AZ"}},
        {"name": "no id"},
    ]
    load = resources_from_objects(objects, "live:s1", source="live")
    connection, gateway = load.resources
    assert connection.source == "live" and gateway.source == "live"
    assert isinstance(connection.properties["sharedKey"], Secret)
    assert gateway.properties == {"gatewayType": "Vpn", "sku": {"name": "VpnGw1AZ"}}
    assert gateway.subscription_id == "s1" and gateway.resource_group == "rg"
    assert [r.origin.pointer for r in load.resources] == ["/0", "/1"]
    assert len(load.errors) == 1 and load.errors[0].line is None


def test_name_falls_back_to_the_last_id_segment():
    load = read_export([{"id": "/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/publicIPAddresses/pip-a",
                         "type": "Microsoft.Network/publicIPAddresses"}], "x.json")
    assert load.resources[0].name == "pip-a"


# -- real third-party inputs ----------------------------------------------------------------------

SPEC_DIR = CORPUS / "rest-api-specs"


@pytest.mark.skipif(not SPEC_DIR.is_dir(), reason="shared corpus not available")
@pytest.mark.parametrize("name,expected", [
    ("ExpressRouteCircuitGet.2024-03-01.example.json", [("Microsoft.Network/expressRouteCircuits", "circuitName")]),
    ("LocalNetworkGatewayGet.2024-05-01.example.json", [("Microsoft.Network/localNetworkGateways", "localgw")]),
    ("VirtualNetworkGatewayConnectionGet.2024-05-01.example.json", [("Microsoft.Network/connections", "connS2S")]),
    ("VirtualNetworkGatewayGet.2024-05-01.example.json", [("Microsoft.Network/virtualNetworkGateways", "vpngw")]),
    ("VirtualNetworkGatewayList.2024-05-01.example.json", [("Microsoft.Network/virtualNetworkGateways", "vpngw1"),
                                                          ("Microsoft.Network/virtualNetworkGateways", "vpngw2")]),
])
def test_corpus_rest_api_spec_examples(name, expected):
    path = SPEC_DIR / name
    raw = path.read_bytes()
    doc = loads(raw, str(path))
    assert is_export(doc)
    load = read_export(doc, str(path))
    assert load.errors == []
    assert [(r.type, r.name) for r in load.resources] == expected
    plain = json.loads(raw)
    body = plain["responses"]["200"]["body"]
    bodies = body["value"] if "value" in body else [body]
    for resource, original in zip(load.resources, bodies):
        assert normalise_id(resource.id) == normalise_id(original["id"])
        assert resource.resource_group == "rg1" and resource.subscription_id == "subid"
        assert resource.origin.line is not None and resource.origin.line > 1
        assert resource.origin.pointer.startswith("/responses/200/body")


@pytest.mark.skipif(not SPEC_DIR.is_dir(), reason="shared corpus not available")
def test_corpus_connection_example_shared_key_is_hidden():
    path = SPEC_DIR / "VirtualNetworkGatewayConnectionGet.2024-05-01.example.json"
    load = read_export(loads(path.read_bytes(), str(path)), str(path))
    key = load.resources[0].properties["sharedKey"]
    assert isinstance(key, Secret) and key.length == len("Abc123") and key.weak is True


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not available")
def test_corpus_templates_and_parameter_files_are_not_exports():
    checked = 0
    for path in sorted(CORPUS.rglob("*.json")):
        if "rest-api-specs" in path.parts or path.stat().st_size == 0:
            continue
        assert not is_export(loads(path.read_bytes(), str(path))), path
        checked += 1
    assert checked > 30
