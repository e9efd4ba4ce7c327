"""The views: every derived field policies read, computed on small graphs."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_rules import (
    NET,
    circuit,
    connection,
    drop,
    edit,
    er_site,
    failover_site,
    find,
    gateway,
    hub_spoke_site,
    literal_key,
    lng,
    pip,
    res,
    rid,
    vnet,
    vpn_site,
)

from checker.graph import Graph
from checker.model import Origin, Resource, Secret, Unknown
from checker.patterns import DeclaredPatterns
from checker.subject import Subject
from checker.views import SUBJECT_KINDS, build_subjects, display_name


def subjects(resources: list[Resource], declared: DeclaredPatterns | None = None) -> list[Subject]:
    return build_subjects(Graph(resources), declared or DeclaredPatterns())[1]


def one(resources: list[Resource], kind: str, name: str | None = None) -> Subject:
    found = [s for s in subjects(resources) if s.kind == kind and (name is None or s.resource.name == name)]
    assert len(found) == 1, [(s.kind, s.resource.name) for s in found]
    return found[0]


def gateway_subnet(resources: list[Resource]) -> dict[str, Any]:
    return dict(one(resources, "gateway-subnet").data)


def with_subnet(props: dict[str, Any], name: str = "GatewaySubnet") -> list[Resource]:
    return [vnet("hub", ["10.0.0.0/16", "fd00::/48"], {name: props})]


def test_every_subject_kind_is_built() -> None:
    resources = hub_spoke_site() + [r for r in er_site() if r.name not in ("hub", "diag")]
    assert {s.kind for s in subjects(resources)} == set(SUBJECT_KINDS)


# --- GatewaySubnet ----------------------------------------------------------------------------------

def test_prefix_length_is_the_largest_ipv4_range_and_ignores_ipv6() -> None:
    data = gateway_subnet(with_subnet({"addressPrefixes": ["10.0.255.240/28", "10.0.254.0/26", "fd00::/64"]}))
    assert data["prefixLength"] == 26
    assert data["ipv4Prefixes"] == ["10.0.255.240/28", "10.0.254.0/26"]
    assert data["ipv6Prefixes"] == ["fd00::/64"]
    both = gateway_subnet(with_subnet({"addressPrefix": "10.0.255.224/27", "addressPrefixes": ["10.0.255.224/27"]}))
    assert both["prefixLength"] == 27 and both["addressPrefixes"] == ["10.0.255.224/27"]


def test_ipv6_only_subnet_has_no_prefix_length_and_bad_cidr_is_unknown() -> None:
    # absent: no key or a null, which the conditions read as absent (docs/subjects.md)
    assert gateway_subnet(with_subnet({"addressPrefix": "fd00::/64"})).get("prefixLength") is None
    bad = gateway_subnet(with_subnet({"addressPrefix": "10.0.300.0/27"}))["prefixLength"]
    assert isinstance(bad, Unknown) and "not a valid CIDR" in bad.reason
    unknown = gateway_subnet(with_subnet({"addressPrefixes": ["10.0.0.0/24", Unknown("from reference()")]}))
    assert isinstance(unknown["prefixLength"], Unknown) and "reference()" in unknown["prefixLength"].reason


def test_gateway_subnet_found_case_insensitively() -> None:
    data = gateway_subnet(with_subnet({"addressPrefix": "10.0.255.224/27"}, name="gatewaySUBNET"))
    assert data["name"] == "gatewaySUBNET"
    assert data["nameIsExact"] is False and data["isGatewaySubnet"] is True


def test_inline_and_child_subnet_merge_and_location_is_the_inline_line() -> None:
    parent = vnet("hub", ["10.0.0.0/16"])
    parent.body["properties"]["subnets"] = [_Positioned({"name": "GatewaySubnet",
                                                         "properties": {"addressPrefix": "10.0.255.224/27"}}, 42)]
    child = Resource(id=f"{rid('virtualNetworks', 'hub')}/subnets/GatewaySubnet",
                     type="Microsoft.Network/virtualNetworks/subnets", name="hub/GatewaySubnet",
                     body={"properties": {"addressPrefix": "10.0.255.192/26",
                                          "networkSecurityGroup": {"id": rid("networkSecurityGroups", "n")}}},
                     origin=Origin("child.json", 7))
    found = [s for s in subjects([parent, child]) if s.kind == "gateway-subnet"]
    assert len(found) == 1
    assert found[0].data["prefixLength"] == 26 and found[0].data["hasNsg"] is True
    inline_only = one([parent], "gateway-subnet")
    assert inline_only.location is not None and inline_only.location.line == 42


class _Positioned(dict):
    """A decoded JSON object carries its line (as the ARM decoder's JsonObject does)."""

    def __init__(self, value: dict[str, Any] | None = None, line: int = 0) -> None:
        super().__init__(value or {})
        self.line = line
        self.column = 5


def test_route_table_children_and_default_route() -> None:
    table = res("Microsoft.Network/routeTables", "rt", {"properties": {"disableBgpRoutePropagation": False}})
    route = res("Microsoft.Network/routeTables/routes", "rt/default",
                {"properties": {"addressPrefix": "0.0.0.0/0", "nextHop": "VnetLocal"}},
                rid_=f"{rid('routeTables', 'rt')}/routes/default")
    resources = with_subnet({"addressPrefix": "10.0.255.224/27", "routeTable": {"id": rid("routeTables", "rt")}})
    data = gateway_subnet(resources + [table, route])
    assert data["routeTable"]["defaultRouteCount"] == 1
    assert data["routeTable"]["routes"][0]["nextHopType"] == "VnetLocal"
    dangling = gateway_subnet(resources)["routeTable"]
    assert dangling["attached"] is True and isinstance(dangling["defaultRouteCount"], Unknown)
    assert "is not in the inputs" in dangling["defaultRouteCount"].reason


def test_only_vpn_basic_and_non_gateway_users() -> None:
    basic = edit(vpn_site(), "gw-vpn", "properties.sku.name", "Basic")
    assert gateway_subnet(basic)["onlyVpnBasic"] is True
    assert gateway_subnet(failover_site())["onlyVpnBasic"] is False
    lb = res("Microsoft.Network/loadBalancers", "lb", {"properties": {"frontendIPConfigurations": [
        {"name": "fe", "properties": {"subnet": {"id": f"{rid('virtualNetworks', 'hub')}/subnets/GatewaySubnet"}}}]}})
    data = gateway_subnet(vpn_site() + [lb])
    assert data["nonGatewayUserCount"] == 1 and data["nonGatewayUsers"][0].endswith("/loadbalancers/lb")
    assert gateway_subnet(vpn_site())["gatewayCount"] == 1


# --- gateway ----------------------------------------------------------------------------------------

def test_gateway_defaults_and_tunnels() -> None:
    resources = edit(vpn_site(), "gw-vpn", "properties.vpnType", ...)
    resources = edit(resources, "gw-vpn", "properties.activeActive", ...)
    data = one(resources, "gateway").data
    assert data["vpnType"] == "RouteBased" and data["activeActive"] is False
    assert data["tunnelCount"] == 1 and data["tunnelLimit"] == 30 and data["tunnelHeadroom"] == 29
    active = one(vpn_site(), "gateway").data
    assert active["tunnelCount"] == 2 and active["isAzSku"] is True


def test_public_ip_defaults_zones_and_dangling() -> None:
    resources = edit(vpn_site(), "pip-1", "sku", ...)
    resources = edit(resources, "pip-1", "properties.publicIPAllocationMethod", ...)
    data = one(resources, "gateway").data
    first, second = data["publicIps"]
    assert (first["sku"], first["allocationMethod"], first["standardStatic"]) == ("Basic", "Dynamic", False)
    assert second["standardStatic"] is True and second["zoneRedundant"] is True
    assert data["nonStandardStaticPublicIpCount"] == 1
    no_zones = one(edit(vpn_site(), "pip-1", "zones", ...), "gateway").data["publicIps"][0]["zoneRedundant"]
    assert isinstance(no_zones, Unknown) and "no zones" in no_zones.reason
    missing = one(drop(vpn_site(), "pip-2"), "gateway").data
    assert isinstance(missing["publicIps"][1]["sku"], Unknown)
    assert isinstance(missing["nonStandardStaticPublicIpCount"], Unknown)
    west = one(edit(vpn_site(), "gw-vpn", "location", "westus"), "gateway").data
    assert west["regionHasZones"] is False


def test_er_gateway_without_public_ip() -> None:
    data = one(er_site(), "gateway").data
    assert data["publicIpCount"] == 0 and data["publicIps"] == []
    assert data.get("vpnType") is None  # absent (no key or null)
    assert data["er"]["capacityMbps"] == 2000 and data["er"]["maxCircuitBandwidthMbps"] == 1000
    assert data["er"]["circuitHeadroom"] == 6


def test_dangling_circuit_is_unknown_with_its_id() -> None:
    remote = "/subscriptions/9/resourceGroups/rg/providers/Microsoft.Network/expressRouteCircuits/er-1"
    resources = edit(er_site(("er-ams",)), "conn-er-ams", "properties.peer.id", remote)
    data = one(resources, "gateway").data
    bandwidth = data["er"]["maxCircuitBandwidthMbps"]
    assert isinstance(bandwidth, Unknown) and "er-1 is not in the inputs" in bandwidth.reason
    conn = one(resources, "connection").data
    assert isinstance(conn["circuit"]["exists"], Unknown)
    site = one(resources, "site").data
    assert isinstance(site["er"]["hasCircuitLink"], Unknown)


def test_diagnostics_categories_and_legacy_form() -> None:
    target = rid("virtualNetworkGateways", "gw-vpn")
    legacy = res("Microsoft.Network/virtualNetworkGateways/providers/diagnosticSettings", "gw-vpn/legacy",
                 {"properties": {"workspaceId": "/ws", "logs": [
                     {"category": c, "enabled": True} for c in
                     ("GatewayDiagnosticLog", "TunnelDiagnosticLog", "RouteDiagnosticLog")]}},
                 rid_=f"{target}/providers/diagnosticSettings/legacy")
    data = one(drop(vpn_site(), "diag") + [legacy], "gateway").data["diagnostics"]
    assert data["settingCount"] == 1
    assert data["missingVpnLogCategories"] == ["IKEDiagnosticLog"]


def test_bgp_asn_default_and_apipa() -> None:
    resources = edit(vpn_site(), "gw-vpn", "properties.bgpSettings", {"bgpPeeringAddresses": [
        {"customBgpIpAddresses": ["169.254.21.5", "169.254.21.5", "169.254.1.1"]}]})
    bgp = one(resources, "gateway").data["bgp"]
    assert bgp["asn"] == 65515 and bgp["asnDefaulted"] is True
    assert bgp["duplicateApipaCount"] == 1 and bgp["outOfRangeApipaCount"] == 1
    asn_subjects = [s for s in subjects(resources) if s.kind == "bgp-asn"]
    assert [s.resource.name for s in asn_subjects] == ["onprem"]  # defaulted Azure ASN is not checked


def test_live_only_fields_are_dropped_from_templates() -> None:
    resources = edit(vpn_site(), "conn-s2s", "properties.connectionStatus", "Connected")
    data = one(resources, "connection", "conn-s2s").data
    assert "connectionStatus" not in data and "connectionStatus" not in data["properties"]
    for resource in resources:
        resource.source = "live"
    assert one(resources, "connection", "conn-s2s").data["connectionStatus"] == "Connected"


def test_live_connection_without_a_collected_status_is_unknown_not_disconnected() -> None:
    resources = vpn_site()
    for resource in resources:
        resource.source = "live"
    data = one(resources, "connection", "conn-s2s").data
    assert isinstance(data["connectionStatus"], Unknown)
    assert "was not collected" in data["connectionStatus"].reason
    connected = edit(resources, "conn-s2s", "properties.connectionStatus", "NotConnected")
    for resource in connected:
        resource.source = "live"
    assert one(connected, "connection", "conn-s2s").data["connectionStatus"] == "NotConnected"


# --- connection -------------------------------------------------------------------------------------

def test_shared_key_facts_and_vnet2vnet_pair_is_not_reuse() -> None:
    key = literal_key("same-key-for-both-directions!!")
    resources = vpn_site() + [
        vnet("sim", ["192.168.0.0/16"], {"GatewaySubnet": "192.168.255.224/27"}), pip("pip-sim"),
        gateway("gw-sim", "sim", pips=("pip-sim",), active_active=False),
        connection("hub-to-sim", "gw-vpn", "Vnet2Vnet", gw2="gw-sim", shared_key=key),
        connection("sim-to-hub", "gw-sim", "Vnet2Vnet", gw2="gw-vpn", shared_key=key),
    ]
    data = one(resources, "connection", "hub-to-sim").data
    assert data["sharedKey"]["source"] == "template-literal" and data["sharedKey"]["weak"] is False
    assert data["sharedKeyDistinct"] is True
    assert not any(isinstance(v, Secret) for v in data["sharedKey"].values())
    reused = edit(resources, "conn-s2s", "properties.sharedKey", key)
    assert one(reused, "connection", "conn-s2s").data["sharedKeyDistinct"] is False
    vault = one(vpn_site(), "connection", "conn-s2s").data
    assert vault["sharedKey"]["source"] == "key-vault" and vault["sharedKeyDistinct"] is True
    vault_key = vpn_site_connection_key()
    shared_vault = edit(edit(resources, "conn-s2s", "properties.sharedKey", vault_key),
                        "hub-to-sim", "properties.sharedKey", vault_key)
    assert one(shared_vault, "connection", "conn-s2s").data["sharedKeyDistinct"] is False


def vpn_site_connection_key() -> Secret:
    """The Key Vault secret of the VPN site's connection, as a second connection would reuse it."""
    conn = next(r for r in vpn_site() if r.name == "conn-s2s")
    key = conn.properties["sharedKey"]
    assert isinstance(key, Secret) and key.digest is None
    return key


def test_connection_defaults_and_gcm_pairing() -> None:
    resources = edit(vpn_site(), "conn-s2s", "properties.connectionProtocol", ...)
    resources = edit(resources, "conn-s2s", "properties.dpdTimeoutSeconds", 0)
    resources = edit(resources, "conn-s2s", "properties.ipsecPolicies[0].ipsecIntegrity", "SHA256")
    data = one(resources, "connection").data
    assert data["connectionProtocol"] == "IKEv2" and data["dpdTimeoutSeconds"] == 45
    assert data["ipsecPolicies"][0]["gcmPairingValid"] is False
    assert data["bgp"] == {"localAsn": 65010, "remoteAsn": 65020, "asnsDistinct": True}


def test_connection_type_casing_is_normalised() -> None:
    resources = edit(vpn_site(), "conn-s2s", "properties.connectionType", "ipsec")
    assert one(resources, "connection").data["connectionType"] == "IPsec"
    assert one(resources, "site").data["s2s"]["ipsecLinkCount"] == 1


def test_circuit_scope_uses_the_tables() -> None:
    resources = edit(er_site(("er-ams",)), "er-ams", "sku", {"name": "Standard_MeteredData", "tier": "Standard",
                                                             "family": "MeteredData"})
    assert one(resources, "connection").data["circuitReachesGatewayRegion"] is True
    tokyo = edit(resources, "er-ams", "properties.serviceProviderProperties.peeringLocation", "Tokyo")
    assert one(tokyo, "connection").data["circuitReachesGatewayRegion"] is False


# --- resources outside sites, peerings, sites ------------------------------------------------------

def test_resources_outside_sites_infer_patterns_from_their_kind() -> None:
    # The coexistence pattern needs the other kind of gateway to be possible: nothing in these
    # inputs is a VPN gateway (for the circuit) or an ExpressRoute gateway (for the pair). They used
    # to get expressroute-vpn-failover as well, and with it the FAILOVER-* rules.
    lone_circuit = one([circuit("er-only")], "circuit")
    assert lone_circuit.site is None
    assert lone_circuit.patterns == ("expressroute",)
    pair = [lng("onprem"), connection("c", "gw-elsewhere", local="onprem")]
    assert one(pair, "local-gateway").patterns == ("vpn",)
    with_er = pair + [gateway("gw-er", "hub", "ExpressRoute", "ErGw2AZ", ())]
    assert one(with_er, "local-gateway").patterns == ("vpn", "expressroute-vpn-failover")
    assert one([circuit("er-only"), gateway("gw", "other")], "circuit").patterns == (
        "expressroute", "expressroute-vpn-failover")
    conn = one(pair, "connection")
    assert conn.site is None and "vpn" in conn.patterns
    assert isinstance(conn.data["gateway1"]["enableBgp"], Unknown)


def test_private_peering_is_unknown_on_templates_without_peerings() -> None:
    data = one([circuit("er")], "circuit").data["privatePeering"]
    assert isinstance(data["exists"], Unknown) and "provider" in data["exists"].reason
    live = circuit("er", source="live")
    assert one([live], "circuit").data["privatePeering"] == {"exists": False}


def test_peering_reverse_and_remote_gateway_facts() -> None:
    data = one(hub_spoke_site(), "vnet-peering", "spoke1/spoke1-to-hub").data
    assert data["reverse"]["allowGatewayTransit"] is True
    assert data["remoteVnet"]["hasGateway"] is True and data["remoteVnet"]["hasNonBasicGateway"] is True
    assert data["localVnet"]["hasGateway"] is False and data["localUseRemoteGatewaysCount"] == 1
    assert data["allowVirtualNetworkAccess"] is True
    dangling = one(drop(hub_spoke_site(), "hub"), "vnet-peering", "spoke1/spoke1-to-hub").data
    assert dangling["remoteVnet"]["hasGateway"] is True  # the hub's gateway still places it
    # The hub VNet is not in the inputs but its peering back to the spoke is (a child resource, as
    # the AVM virtual-network module deploys both sides): it is read. (It used to give unknown.)
    assert dangling["reverse"]["allowGatewayTransit"] is True
    reverse_gone = drop(hub_spoke_site(), "hub", "hub/hub-to-spoke1")
    gone = one(reverse_gone, "vnet-peering", "spoke1/spoke1-to-hub").data
    assert isinstance(gone["reverse"]["allowGatewayTransit"], Unknown)


def site_overlaps(resources: list[Resource]) -> dict[str, Any]:
    return dict(one(resources, "site").data["overlaps"])


def test_overlap_supernet_and_per_family() -> None:
    supernet = edit(vpn_site(), "onprem", "properties.localNetworkAddressSpace.addressPrefixes",
                    ["10.0.0.0/8", "fd00::/16"])
    found = site_overlaps(supernet)
    assert found["onPremCount"] == 1
    assert found["onPrem"][0]["left"] == "10.0.0.0/16" and found["onPrem"][0]["right"] == "10.0.0.0/8"
    assert site_overlaps(vpn_site())["onPremCount"] == 0


def test_overlap_with_spokes_and_between_lngs() -> None:
    spoke_clash = edit(hub_spoke_site(), "onprem", "properties.localNetworkAddressSpace.addressPrefixes",
                       ["10.1.5.0/24"])
    assert site_overlaps(spoke_clash)["onPremCount"] == 1
    two = vpn_site() + [lng("onprem2", ip="40.50.60.80", prefixes=("192.168.10.0/24",), asn=65021),
                        connection("conn-2", "gw-vpn", local="onprem2")]
    found = site_overlaps(two)
    assert found["onPremCount"] == 1 and len(found["betweenOnPrem"]) == 1


def test_overlap_nat_exception() -> None:
    resources = edit(vpn_site(), "onprem", "properties.localNetworkAddressSpace.addressPrefixes", ["10.0.0.0/16"])
    nat_id = f"{rid('virtualNetworkGateways', 'gw-vpn')}/natRules/ingress"
    resources = edit(resources, "gw-vpn", "properties.natRules", [{"name": "ingress", "properties": {
        "type": "Static", "mode": "IngressSnat", "internalMappings": [{"addressSpace": "10.0.0.0/16"}],
        "externalMappings": [{"addressSpace": "100.64.0.0/16"}]}}])
    assert site_overlaps(resources)["onPremCount"] == 1  # NAT rule exists but is not linked
    linked = edit(resources, "conn-s2s", "properties.ingressNatRules", [{"id": nat_id}])
    assert site_overlaps(linked)["onPremCount"] == 0
    dangling = edit(resources, "conn-s2s", "properties.ingressNatRules", [{"id": f"{NET}/x/natRules/gone"}])
    assert isinstance(site_overlaps(dangling)["onPremCount"], Unknown)


def test_bgp_peer_host_route_is_not_an_overlap() -> None:
    resources = edit(vpn_site(), "onprem", "properties.localNetworkAddressSpace.addressPrefixes", ["10.0.0.5/32"])
    resources = edit(resources, "onprem", "properties.bgpSettings.bgpPeeringAddress", "10.0.0.5")
    assert site_overlaps(resources)["onPremCount"] == 0
    without_bgp = edit(resources, "onprem", "properties.bgpSettings", ...)
    assert site_overlaps(without_bgp)["onPremCount"] == 1


def test_site_facts() -> None:
    data = one(failover_site(), "site").data
    assert data["vpnGatewayCount"] == 1 and data["erGatewayCount"] == 1
    assert data["gatewaysShareGatewaySubnet"] is True
    assert data["er"]["distinctPeeringLocations"] == 2 and data["er"]["hasCircuitLink"] is True
    assert isinstance(data["failover"]["vpnReachesErPrefixes"], Unknown)
    moved = edit(failover_site(), "gw-er", "properties.ipConfigurations[0].properties.subnet.id",
                 f"{rid('virtualNetworks', 'hub')}/subnets/app")
    assert one(moved, "site").data["gatewaysShareGatewaySubnet"] is False


def test_placement_at_top_of_block() -> None:
    assert gateway_subnet(vpn_site())["placement"] == {"atTopOfBlock": True, "block": "10.0.0.0/16",
                                                       "fillsBlock": False}
    whole = edit(vpn_site(), "hub", "properties.subnets[0].properties.addressPrefix", "10.0.0.0/16")
    assert gateway_subnet(whole)["placement"] == {"atTopOfBlock": True, "block": "10.0.0.0/16", "fillsBlock": True}
    middle = edit(vpn_site(), "hub", "properties.subnets[0].properties.addressPrefix", "10.0.2.0/27")
    assert gateway_subnet(middle)["placement"]["atTopOfBlock"] is False


def test_gateway_subject_reads_body_unchanged() -> None:
    resources = vpn_site()
    before = repr(find(resources, "gw-vpn").body)
    subjects(resources)
    assert repr(find(resources, "gw-vpn").body) == before


# --- readable names, diagnostics of ExpressRoute gateways, facts added for messages ----------------

def _unnamed(resource: Resource, reason: str, line: int) -> Resource:
    resource.body = {**resource.body, "name": Unknown(reason)}
    resource.name = f"<unknown@{line}>"
    resource.origin = Origin(file="main.json", line=line)
    return resource


def test_display_name_says_where_an_unknown_name_comes_from() -> None:
    resources = vpn_site()
    gw = _unnamed(find(resources, "gw-vpn"), "parameter 'gatewayName' has no value", 35)
    assert display_name(gw) == "at line 35 (name from parameter 'gatewayName')"
    assert display_name(gw, with_kind=True) == "gateway at line 35 (name from parameter 'gatewayName')"
    both = _unnamed(find(resources, "onprem"), "parameter 'a' has no value; parameter 'b' has no value; "
                                               "parameter 'a' has no value", 12)
    assert display_name(both, with_kind=True) == "local network gateway at line 12 (name from parameters 'a', 'b')"
    runtime = _unnamed(find(resources, "conn-s2s"), "reference('x') is only known after deployment", 7)
    assert display_name(runtime) == "at line 7 (name not known before deployment)"
    assert display_name(find(resources, "pip-1")) == "pip-1"
    data = one(resources, "gateway").data
    assert data["displayName"] == "at line 35 (name from parameter 'gatewayName')"
    assert one(resources, "gateway").resource.id.endswith("/virtualNetworkGateways/gw-vpn")  # ids unchanged
    site = one(resources, "site").data
    assert site["vpnGatewayNames"] == ["gateway at line 35 (name from parameter 'gatewayName') (VpnGw2AZ)"]
    gw.body["properties"] = {k: v for k, v in gw.properties.items() if k != "sku"}
    sku = one(resources, "gateway").data["skuName"]
    assert isinstance(sku, Unknown) and "gateway at line 35 (name from parameter 'gatewayName')" in sku.reason


def test_vnet_not_in_the_inputs_still_has_a_name() -> None:
    data = one(drop(vpn_site(), "hub"), "gateway").data["vnet"]
    assert data["name"] == "hub" and data["displayName"] == "hub" and isinstance(data["exists"], Unknown)


def test_expressroute_diagnostics_count_metrics_or_a_metric_alert() -> None:
    target = rid("virtualNetworkGateways", "gw-er")
    without = one(drop(er_site(), "diag"), "gateway").data["diagnostics"]
    assert without["monitored"] is False and without["metricAlertCount"] == 0
    assert without["missing"] == ["metrics or logs sent to a destination, or a metric alert on the gateway"]
    assert without["missingVpnLogCategoryCount"] == 4  # still computed, but not what the ER case asks
    alert = res("Microsoft.Insights/metricAlerts", "er-bits", {"location": "global", "properties": {
        "scopes": [target.upper()], "enabled": True}}, rid_=f"{NET}/../Microsoft.Insights/metricAlerts/er-bits")
    alerted = one(drop(er_site(), "diag") + [alert], "gateway").data["diagnostics"]
    assert alerted["metricAlertCount"] == 1 and alerted["monitored"] is True and alerted["missing"] == []
    elsewhere = res("Microsoft.Insights/metricAlerts", "other", {"properties": {
        "scopes": [rid("virtualNetworkGateways", "gw-other")]}}, rid_=f"{NET}/../Microsoft.Insights/metricAlerts/o")
    assert one(drop(er_site(), "diag") + [elsewhere], "gateway").data["diagnostics"]["metricAlertCount"] == 0
    vague = res("Microsoft.Insights/metricAlerts", "vague", {"properties": {"scopes": Unknown("from reference()")}},
                rid_=f"{NET}/../Microsoft.Insights/metricAlerts/v")
    unknown = one(drop(er_site(), "diag") + [vague], "gateway").data["diagnostics"]
    assert isinstance(unknown["monitored"], Unknown) and isinstance(unknown["missing"], Unknown)
    vpn = one(drop(vpn_site(), "diag"), "gateway").data["diagnostics"]
    assert vpn["missing"] == ["GatewayDiagnosticLog", "TunnelDiagnosticLog", "RouteDiagnosticLog", "IKEDiagnosticLog"]


def test_shared_key_written_in_inputs_and_strength() -> None:
    def key_facts(value: Any) -> dict[str, Any]:
        return dict(one(edit(vpn_site(), "conn-s2s", "properties.sharedKey", value), "connection").data["sharedKey"])

    generated = key_facts(Secret.of(None, "parameter-default"))  # securestring defaulting to newGuid()
    assert generated["writtenInInputs"] is False and generated["strength"] == "not known before deployment"
    literal_default = key_facts(literal_key("0123456789abcdef0123", "parameter-default"))
    assert literal_default["writtenInInputs"] is True and literal_default["strength"] == "strong"
    in_file = key_facts(literal_key("123secret", "parameter-file"))
    assert in_file["writtenInInputs"] is True and in_file["strength"] == "weak"
    assert key_facts(Secret.of(None, "key-vault"))["writtenInInputs"] is False


def test_one_public_ip_is_distinct_even_when_its_id_is_unknown() -> None:
    unknown_ip = edit(vpn_site(), "gw-vpn", "properties.ipConfigurations[0].properties.publicIPAddress.id",
                      Unknown("from reference()"))
    two = one(unknown_ip, "gateway").data
    assert isinstance(two["publicIpsDistinct"], Unknown)
    single = edit(unknown_ip, "gw-vpn", "properties.ipConfigurations", [
        find(unknown_ip, "gw-vpn").body["properties"]["ipConfigurations"][0]])
    assert one(single, "gateway").data["publicIpsDistinct"] is True
    same = edit(vpn_site(), "gw-vpn", "properties.ipConfigurations[1].properties.publicIPAddress.id",
                rid("publicIPAddresses", "pip-1"))
    assert one(same, "gateway").data["publicIpsDistinct"] is False


def test_zone_redundancy_count() -> None:
    assert one(vpn_site(), "gateway").data["nonZoneRedundantPublicIpCount"] == 0
    assert one(edit(vpn_site(), "pip-1", "zones", ["1"]), "gateway").data["nonZoneRedundantPublicIpCount"] == 1
    unknown = one(edit(vpn_site(), "pip-1", "zones", ...), "gateway").data["nonZoneRedundantPublicIpCount"]
    assert isinstance(unknown, Unknown)


def test_private_peering_of_an_exported_circuit_is_a_fact() -> None:
    exported = circuit("er", source="export", peerings=[])
    assert one([exported], "circuit").data["privatePeering"] == {"exists": False}
    without_list = circuit("er", source="export")
    assert isinstance(one([without_list], "circuit").data["privatePeering"]["exists"], Unknown)


def test_texts_for_messages() -> None:
    supernet = edit(vpn_site(), "onprem", "properties.localNetworkAddressSpace.addressPrefixes", ["10.0.0.0/8"])
    assert site_overlaps(supernet)["onPremPairs"] == [
        "10.0.0.0/16 (hub) and 10.0.0.0/8 (onprem)"]
    conn = one(vpn_site(), "connection").data
    assert conn["ipsecPolicySummary"] == [
        "IKE AES256/SHA256/DHGroup14, IPsec GCMAES256/GCMAES256/PFS2048, SA 27000 s/102400000 KB"]
    lonely = one(edit(vpn_site(), "conn-s2s", "properties.localNetworkGateway2", ...), "connection").data
    assert lonely["localGateway"] == {"exists": False, "displayName": "(none referenced)", "addressPrefixCount": 0}
    users = edit(vpn_site(), "hub", "properties.subnets[0].properties.addressPrefix", "10.0.255.224/27")
    assert gateway_subnet(users)["nonGatewayUserNames"] == []


def test_gateway_ip_that_is_not_an_address_is_not_public() -> None:
    placeholder = one(edit(vpn_site(), "onprem", "properties.gatewayIpAddress", "x.x.x.x"), "local-gateway").data
    assert placeholder["gatewayIpIsPublic"] is False and placeholder["endpointSet"] is True
    assert one(vpn_site(), "local-gateway").data["gatewayIpIsPublic"] is True
    shared = one(edit(vpn_site(), "onprem", "properties.gatewayIpAddress", "100.100.100.100"), "local-gateway").data
    assert shared["gatewayIpIsPublic"] is False  # 100.64.0.0/10, shared address space


def test_a_vpn_gateway_of_unknown_vnet_gets_coexistence_rules_only_when_an_er_gateway_could_share_it() -> None:
    lone = gateway("gw-vpn", "hub")
    lone.body["properties"]["ipConfigurations"][0]["properties"]["subnet"] = {"id": Unknown("from a module")}
    assert one([lone], "gateway").site is None
    assert one([lone], "gateway").patterns == ("vpn",)
    er = gateway("gw-er", "hub2", "ExpressRoute", "ErGw2AZ", ())
    assert one([lone, er], "gateway", "gw-vpn").patterns == ("vpn", "expressroute-vpn-failover")


def test_a_gateway_subnet_without_gateways_gets_no_coexistence_rules() -> None:
    # Found on Azure/bicep-registry-modules avm/res/network/virtual-network (9f9ea1a1) with only a
    # GatewaySubnet: FAILOVER-SUBNET-27 failed (critical) on a VNet without any gateway.
    alone = [vnet("hub1", ["10.0.0.0/16"], {"GatewaySubnet": "10.0.255.240/28"})]
    subnet = one(alone, "gateway-subnet")
    assert subnet.site is None and "expressroute-vpn-failover" not in subnet.patterns
    assert {"vpn", "expressroute"} <= set(subnet.patterns)
    both = alone + [gateway("gw-vpn", "x"), gateway("gw-er", "y", "ExpressRoute", "ErGw2AZ", ())]
    assert "expressroute-vpn-failover" in one(both, "gateway-subnet").patterns


@pytest.mark.parametrize(("enable_bgp", "remote_unknown"), [(True, True), (False, False)])
def test_the_remote_asn_of_an_lng_without_one_is_unknown_only_with_bgp(enable_bgp: bool, remote_unknown: bool) -> None:
    resources = [vnet("hub", ["10.0.0.0/16"], {"GatewaySubnet": "10.0.255.224/27"}), pip("pip-1"), pip("pip-2"),
                 gateway("gw-vpn", "hub"), lng("onprem", asn=None),
                 connection("conn-s2s", "gw-vpn", local="onprem", enable_bgp=enable_bgp)]
    _, subjects = build_subjects(Graph(resources), DeclaredPatterns())
    bgp = next(s for s in subjects if s.kind == "connection").data["bgp"]
    # with BGP the on-premises ASN must be set, so a missing one is not known; without BGP there is none
    assert isinstance(bgp["remoteAsn"], Unknown) is remote_unknown
    if not remote_unknown:
        assert bgp["remoteAsn"] is None and bgp["asnsDistinct"] is None


# ---------------------------------------------------------------------------------------------------
# Overlaps by address ranges: the same answers as ipaddress's own
# ---------------------------------------------------------------------------------------------------

def _network(version: int, address: int, length: int):  # type: ignore[no-untyped-def]
    import ipaddress

    bits = 32 if version == 4 else 128
    length %= bits + 1
    return ipaddress.ip_network((address % (1 << bits), length), strict=False)


_NETWORKS = st.builds(_network, st.sampled_from([4, 4, 6]),
                      st.one_of(st.integers(0, 2**32 - 1), st.integers(0, 2**128 - 1),
                                st.sampled_from([0x0A000000, 0x0A010000, 0x0A000100, 0xC0A80000])),
                      st.integers(0, 128))


@settings(max_examples=400, deadline=None)
@given(st.lists(_NETWORKS, min_size=1, max_size=12))
def test_overlaps_by_range_are_ipaddress_overlaps(networks: list[Any]) -> None:
    from checker.views.prefixes import last_address, networks_overlap, overlap_pairs, overlapping_pairs

    for a in networks:
        assert last_address(a) == int(a.broadcast_address)
        for b in networks:
            assert networks_overlap(a, b) == (a.version == b.version and a.overlaps(b))
    expected = sorted((i, j) for i in range(len(networks)) for j in range(i + 1, len(networks))
                      if networks[i].version == networks[j].version and networks[i].overlaps(networks[j]))
    assert overlapping_pairs(networks) == expected
    left = [(f"l{i}", n) for i, n in enumerate(networks)]
    right = [("r", networks[-1]), ("u", Unknown("not known"))]
    pairs, unknown = overlap_pairs(left, right)
    assert [(p["leftOwner"], p["rightOwner"]) for p in pairs] == [
        (f"l{i}", "r") for i, n in enumerate(networks) if n.version == networks[-1].version and n.overlaps(networks[-1])]
    assert isinstance(unknown, Unknown)
