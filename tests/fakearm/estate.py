"""In-memory Azure estates served by the fake ARM: a realistic hybrid estate (a compliant and a
non-compliant site across resource groups and two subscriptions) and large synthetic estates."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

TENANT_ID = "0f0e0d0c-0000-4000-8000-00000000feed"
SUB_CONNECTIVITY = "11111111-1111-4111-8111-111111111111"
SUB_CIRCUITS = "22222222-2222-4222-8222-222222222222"
MANAGEMENT_GROUP = "mg-hybrid"

#: Secrets planted in the estate: none of them may ever reach a snapshot, a log or a report.
SHARED_KEY = "EstateSharedKey-7f1c9a2b4d6e8f00"
BRANCH_SHARED_KEY = "branch-psk-1234"
PEERING_MD5_KEY = "EstatePeeringMd5-55aa66bb"
AUTHORIZATION_KEY = "EstateAuthKey-0a1b2c3d-4e5f-6789"
SECRETS = (SHARED_KEY, BRANCH_SHARED_KEY, PEERING_MD5_KEY, AUTHORIZATION_KEY)

NETWORK = "Microsoft.Network"


def resource_id(subscription: str, group: str, rtype: str, name: str) -> str:
    return f"/subscriptions/{subscription}/resourceGroups/{group}/providers/{NETWORK}/{rtype}/{name}"


@dataclass
class ResourceGroup:
    name: str
    location: str
    resources: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Subscription:
    subscription_id: str
    display_name: str
    resource_groups: dict[str, ResourceGroup] = field(default_factory=dict)


@dataclass
class Estate:
    """Subscriptions -> resource groups -> ARM objects, plus the data ARM serves from other APIs
    (diagnostic settings, BGP peer status, learned routes), keyed by lower-cased gateway id."""

    tenant_id: str = TENANT_ID
    subscriptions: dict[str, Subscription] = field(default_factory=dict)
    management_groups: dict[str, list[str]] = field(default_factory=dict)
    diagnostic_settings: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    bgp_peer_status: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    learned_routes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def group(self, subscription: str, name: str, location: str = "westeurope") -> ResourceGroup:
        sub = self.subscriptions.setdefault(subscription, Subscription(subscription, f"sub-{subscription[:4]}"))
        return sub.resource_groups.setdefault(name, ResourceGroup(name, location))

    def add(self, subscription: str, group: str, obj: dict[str, Any]) -> dict[str, Any]:
        self.group(subscription, group).resources.append(obj)
        return obj

    def resources(self) -> Iterator[tuple[str, str, dict[str, Any]]]:
        for sub in self.subscriptions.values():
            for rg in sub.resource_groups.values():
                for obj in rg.resources:
                    yield sub.subscription_id, rg.name, obj

    def count(self) -> int:
        return sum(1 for _ in self.resources())

    def group_count(self) -> int:
        return sum(len(s.resource_groups) for s in self.subscriptions.values())


# --------------------------------------------------------------------------------------------------
# Recorded-style ARM objects (shapes as ARM returns them for api-version 2024-xx)
# --------------------------------------------------------------------------------------------------

def _etag(name: str) -> str:
    return f'W/"{zlib.crc32(name.encode()):08x}-0000-0000-0000-000000000000"'


def _base(sub: str, rg: str, rtype: str, name: str, location: str, properties: dict[str, Any],
          **extra: Any) -> dict[str, Any]:
    obj: dict[str, Any] = {"name": name, "id": resource_id(sub, rg, rtype, name), "etag": _etag(name),
                           "type": f"{NETWORK}/{rtype}", "location": location}
    obj.update(extra)
    obj["properties"] = {"provisioningState": "Succeeded", **properties}
    return obj


def vnet(sub: str, rg: str, name: str, prefixes: list[str], subnets: list[dict[str, Any]],
         peerings: list[dict[str, Any]] | None = None, location: str = "westeurope") -> dict[str, Any]:
    vid = resource_id(sub, rg, "virtualNetworks", name)
    built_subnets = []
    for s in subnets:
        props: dict[str, Any] = {"addressPrefix": s["prefix"], "provisioningState": "Succeeded",
                                 "privateEndpointNetworkPolicies": "Disabled"}
        if s.get("nsg"):
            props["networkSecurityGroup"] = {"id": s["nsg"]}
        if s.get("route_table"):
            props["routeTable"] = {"id": s["route_table"]}
        if s.get("ip_configurations"):
            props["ipConfigurations"] = [{"id": i} for i in s["ip_configurations"]]
        built_subnets.append({"name": s["name"], "id": f"{vid}/subnets/{s['name']}", "etag": _etag(s["name"]),
                              "type": f"{NETWORK}/virtualNetworks/subnets", "properties": props})
    built_peerings = []
    for p in peerings or []:
        built_peerings.append({
            "name": p["name"], "id": f"{vid}/virtualNetworkPeerings/{p['name']}", "etag": _etag(p["name"]),
            "type": f"{NETWORK}/virtualNetworks/virtualNetworkPeerings",
            "properties": {"provisioningState": "Succeeded", "peeringState": "Connected",
                           "peeringSyncLevel": "FullyInSync", "remoteVirtualNetwork": {"id": p["remote"]},
                           "allowVirtualNetworkAccess": True, "allowForwardedTraffic": True,
                           "allowGatewayTransit": p.get("allow_transit", False),
                           "useRemoteGateways": p.get("use_remote", False)}})
    return _base(sub, rg, "virtualNetworks", name, location, {
        "resourceGuid": f"guid-{name}", "addressSpace": {"addressPrefixes": prefixes},
        "subnets": built_subnets, "virtualNetworkPeerings": built_peerings,
        "enableDdosProtection": False})


def public_ip(sub: str, rg: str, name: str, sku: str = "Standard", allocation: str = "Static",
              zones: list[str] | None = None, address: str | None = None,
              location: str = "westeurope") -> dict[str, Any]:
    props: dict[str, Any] = {"publicIPAllocationMethod": allocation, "publicIPAddressVersion": "IPv4",
                             "idleTimeoutInMinutes": 4}
    if address:
        props["ipAddress"] = address
    extra: dict[str, Any] = {"sku": {"name": sku, "tier": "Regional"}}
    if zones:
        extra["zones"] = zones
    return _base(sub, rg, "publicIPAddresses", name, location, props, **extra)


def vpn_gateway(sub: str, rg: str, name: str, subnet_id: str, pip_ids: list[str], sku: str,
                vpn_type: str = "RouteBased", asn: int = 65515, bgp: bool = True,
                location: str = "westeurope") -> dict[str, Any]:
    gid = resource_id(sub, rg, "virtualNetworkGateways", name)
    ipconfs = [{"name": f"ipconfig{i + 1}", "id": f"{gid}/ipConfigurations/ipconfig{i + 1}",
                "properties": {"privateIPAllocationMethod": "Dynamic", "subnet": {"id": subnet_id},
                               "publicIPAddress": {"id": pid}, "provisioningState": "Succeeded"}}
               for i, pid in enumerate(pip_ids)]
    return _base(sub, rg, "virtualNetworkGateways", name, location, {
        "gatewayType": "Vpn", "vpnType": vpn_type, "vpnGatewayGeneration": "Generation2",
        "sku": {"name": sku, "tier": sku, "capacity": 2}, "activeActive": len(pip_ids) > 1,
        "enableBgp": bgp, "ipConfigurations": ipconfs,
        "bgpSettings": {"asn": asn, "bgpPeeringAddress": "", "peerWeight": 0}})


def er_gateway(sub: str, rg: str, name: str, subnet_id: str, pip_id: str, sku: str = "ErGw1AZ",
               location: str = "westeurope") -> dict[str, Any]:
    gid = resource_id(sub, rg, "virtualNetworkGateways", name)
    return _base(sub, rg, "virtualNetworkGateways", name, location, {
        "gatewayType": "ExpressRoute", "sku": {"name": sku, "tier": sku}, "activeActive": False,
        "enableBgp": False,
        "ipConfigurations": [{"name": "default", "id": f"{gid}/ipConfigurations/default",
                              "properties": {"privateIPAllocationMethod": "Dynamic",
                                             "subnet": {"id": subnet_id}, "publicIPAddress": {"id": pip_id}}}]})


def local_gateway(sub: str, rg: str, name: str, address: str, prefixes: list[str],
                  asn: int | None = None, location: str = "westeurope") -> dict[str, Any]:
    props: dict[str, Any] = {"gatewayIpAddress": address, "localNetworkAddressSpace": {"addressPrefixes": prefixes}}
    if asn:
        props["bgpSettings"] = {"asn": asn, "bgpPeeringAddress": "192.168.255.1", "peerWeight": 0}
    return _base(sub, rg, "localNetworkGateways", name, location, props)


def vpn_connection(sub: str, rg: str, name: str, gateway_id: str, local_id: str, shared_key: str,
                   strong_crypto: bool = True, location: str = "westeurope",
                   tunnels: list[str] | None = None) -> dict[str, Any]:
    """An IPsec connection; ``tunnels`` names the tunnels of an active-active gateway (their state is in
    ``tunnelConnectionStatus``, which ARM returns, like ``connectionStatus``, only on a GET)."""
    props: dict[str, Any] = {
        "connectionType": "IPsec", "connectionProtocol": "IKEv2", "routingWeight": 0,
        "virtualNetworkGateway1": {"id": gateway_id}, "localNetworkGateway2": {"id": local_id},
        "sharedKey": shared_key, "enableBgp": strong_crypto, "usePolicyBasedTrafficSelectors": False,
        "connectionStatus": "Connected", "ingressBytesTransferred": 1024, "egressBytesTransferred": 2048,
        "dpdTimeoutSeconds": 45, "connectionMode": "Default"}
    if tunnels:
        props["tunnelConnectionStatus"] = [
            {"tunnel": tunnel, "connectionStatus": "Connected", "ingressBytesTransferred": 512,
             "egressBytesTransferred": 1024, "lastConnectionEstablishedUtcTime": "11/20/2026 8:01:15 AM"}
            for tunnel in tunnels]
    props["ipsecPolicies"] = [{
        "saLifeTimeSeconds": 27000, "saDataSizeKilobytes": 102400000,
        "ipsecEncryption": "GCMAES256" if strong_crypto else "DES", "ipsecIntegrity":
            "GCMAES256" if strong_crypto else "MD5",
        "ikeEncryption": "AES256" if strong_crypto else "DES", "ikeIntegrity": "SHA384" if strong_crypto else "MD5",
        "dhGroup": "DHGroup24" if strong_crypto else "DHGroup1", "pfsGroup": "PFS24" if strong_crypto else "None"}]
    return _base(sub, rg, "connections", name, location, props)


def er_connection(sub: str, rg: str, name: str, gateway_id: str, circuit_id: str,
                  location: str = "westeurope") -> dict[str, Any]:
    return _base(sub, rg, "connections", name, location, {
        "connectionType": "ExpressRoute", "routingWeight": 10, "virtualNetworkGateway1": {"id": gateway_id},
        "peer": {"id": circuit_id}, "authorizationKey": AUTHORIZATION_KEY,
        "expressRouteGatewayBypass": False, "enableBgp": False})


def er_circuit(sub: str, rg: str, name: str, location: str = "westeurope", peering_location: str = "Amsterdam",
               vlan: int = 100) -> dict[str, Any]:
    cid = resource_id(sub, rg, "expressRouteCircuits", name)
    return _base(sub, rg, "expressRouteCircuits", name, location, {
        "circuitProvisioningState": "Enabled", "serviceProviderProvisioningState": "Provisioned",
        "serviceProviderProperties": {"serviceProviderName": "Equinix", "peeringLocation": peering_location,
                                      "bandwidthInMbps": 1000},
        "allowClassicOperations": False, "globalReachEnabled": False,
        "authorizations": [{"name": "hub", "id": f"{cid}/authorizations/hub",
                            "properties": {"authorizationKey": AUTHORIZATION_KEY,
                                           "authorizationUseStatus": "InUse"}}],
        "peerings": [{"name": "AzurePrivatePeering", "id": f"{cid}/peerings/AzurePrivatePeering",
                      "properties": {"peeringType": "AzurePrivatePeering", "azureASN": 12076,
                                     "peerASN": 65020, "primaryPeerAddressPrefix": "172.16.0.0/30",
                                     "secondaryPeerAddressPrefix": "172.16.0.4/30", "vlanId": vlan,
                                     "state": "Enabled", "sharedKey": PEERING_MD5_KEY,
                                     "provisioningState": "Succeeded"}}]},
        sku={"name": "Standard_MeteredData", "tier": "Standard", "family": "MeteredData"})


def nsg(sub: str, rg: str, name: str, location: str = "westeurope") -> dict[str, Any]:
    nid = resource_id(sub, rg, "networkSecurityGroups", name)
    return _base(sub, rg, "networkSecurityGroups", name, location, {"securityRules": [{
        "name": "deny-all-in", "id": f"{nid}/securityRules/deny-all-in",
        "properties": {"protocol": "*", "access": "Deny", "direction": "Inbound", "priority": 4000,
                       "sourceAddressPrefix": "*", "destinationAddressPrefix": "*",
                       "sourcePortRange": "*", "destinationPortRange": "*"}}]})


def route_table(sub: str, rg: str, name: str, routes: list[tuple[str, str]], disable_bgp: bool = False,
                location: str = "westeurope") -> dict[str, Any]:
    tid = resource_id(sub, rg, "routeTables", name)
    return _base(sub, rg, "routeTables", name, location, {
        "disableBgpRoutePropagation": disable_bgp,
        "routes": [{"name": rname, "id": f"{tid}/routes/{rname}",
                    "properties": {"addressPrefix": prefix, "nextHopType": "VirtualAppliance",
                                   "nextHopIpAddress": "10.0.0.4"}} for rname, prefix in routes]})


def diagnostic_setting(gateway_id: str, workspace_id: str, categories: list[str]) -> dict[str, Any]:
    return {"id": f"{gateway_id}/providers/microsoft.insights/diagnosticSettings/to-law",
            "name": "to-law", "type": "Microsoft.Insights/diagnosticSettings",
            "properties": {"workspaceId": workspace_id,
                           "logs": [{"category": c, "enabled": True} for c in categories],
                           "metrics": [{"category": "AllMetrics", "enabled": True}]}}


VPN_LOG_CATEGORIES = ["GatewayDiagnosticLog", "TunnelDiagnosticLog", "RouteDiagnosticLog", "IKEDiagnosticLog"]


def hybrid_estate() -> Estate:
    """The demo and test estate.

    Subscription ``SUB_CONNECTIVITY``:
      * ``rg-hub-net``: compliant hub (GatewaySubnet /27, active-active VpnGw2AZ with BGP, ErGw1AZ, IPsec
        connection with strong crypto, ER connections to two circuits in two peering locations in
        ``SUB_CIRCUITS``), diagnostics on;
      * ``rg-hub-pip``: the hub gateways' public IPs (cross-resource-group references);
      * ``rg-hub-onprem``: the local network gateway the hub connection points at;
      * ``rg-spoke-app``: a spoke peered to the hub with ``useRemoteGateways``;
      * ``rg-branch-net``: non-compliant branch site (GatewaySubnet /28 with an NSG and a 0.0.0.0/0 route,
        BGP propagation disabled, Basic policy-based gateway on a Basic dynamic IP, weak crypto,
        on-premises range overlapping the VNet);
      * ``rg-sandbox``: a VNet without gateways (used for access-denied tests).
    Subscription ``SUB_CIRCUITS``: ``rg-er`` with the ExpressRoute circuits (private peering, MD5 key).
    """
    e = Estate()
    e.management_groups[MANAGEMENT_GROUP] = [SUB_CONNECTIVITY, SUB_CIRCUITS]
    s, c = SUB_CONNECTIVITY, SUB_CIRCUITS
    e.subscriptions[s] = Subscription(s, "connectivity")
    e.subscriptions[c] = Subscription(c, "circuits")

    hub_id = resource_id(s, "rg-hub-net", "virtualNetworks", "vnet-hub")
    spoke_id = resource_id(s, "rg-spoke-app", "virtualNetworks", "vnet-spoke-app")
    pips = [resource_id(s, "rg-hub-pip", "publicIPAddresses", n)
            for n in ("pip-vgw-hub-1", "pip-vgw-hub-2", "pip-vgw-hub-er")]
    vpn_id = resource_id(s, "rg-hub-net", "virtualNetworkGateways", "vgw-hub-vpn")
    er_id = resource_id(s, "rg-hub-net", "virtualNetworkGateways", "vgw-hub-er")
    lng_id = resource_id(s, "rg-hub-onprem", "localNetworkGateways", "lng-hq")
    circuit_id = resource_id(c, "rg-er", "expressRouteCircuits", "erc-hq")
    circuit2_id = resource_id(c, "rg-er", "expressRouteCircuits", "erc-hq-london")
    workspace = f"/subscriptions/{s}/resourceGroups/rg-monitor/providers/Microsoft.OperationalInsights/workspaces/law-net"

    e.group(s, "rg-hub-net")
    e.add(s, "rg-hub-net", vnet(s, "rg-hub-net", "vnet-hub", ["10.10.0.0/16"], [
        {"name": "GatewaySubnet", "prefix": "10.10.255.224/27",
         "ip_configurations": [f"{vpn_id}/ipConfigurations/ipconfig1", f"{vpn_id}/ipConfigurations/ipconfig2",
                               f"{er_id}/ipConfigurations/default"]},
        {"name": "snet-shared", "prefix": "10.10.1.0/24"}],
        peerings=[{"name": "hub-to-spoke-app", "remote": spoke_id, "allow_transit": True}]))
    gw_subnet = f"{hub_id}/subnets/GatewaySubnet"
    e.add(s, "rg-hub-net", vpn_gateway(s, "rg-hub-net", "vgw-hub-vpn", gw_subnet, pips[:2], "VpnGw2AZ", asn=65010))
    e.add(s, "rg-hub-net", er_gateway(s, "rg-hub-net", "vgw-hub-er", gw_subnet, pips[2]))
    e.add(s, "rg-hub-net", vpn_connection(s, "rg-hub-net", "cn-hub-hq", vpn_id, lng_id, SHARED_KEY,
                                          tunnels=["vgw-hub-vpn_20.50.1.1", "vgw-hub-vpn_20.50.1.2"]))
    e.add(s, "rg-hub-net", er_connection(s, "rg-hub-net", "cn-hub-er", er_id, circuit_id))
    e.add(s, "rg-hub-net", er_connection(s, "rg-hub-net", "cn-hub-er-london", er_id, circuit2_id))
    for i, pid in enumerate(pips):
        e.add(s, "rg-hub-pip", public_ip(s, "rg-hub-pip", pid.rsplit("/", 1)[1], zones=["1", "2", "3"],
                                         address=f"20.50.1.{i + 1}"))
    e.add(s, "rg-hub-onprem", local_gateway(s, "rg-hub-onprem", "lng-hq", "203.0.113.10",
                                            ["192.168.0.0/16"], asn=65020))
    e.add(s, "rg-spoke-app", vnet(s, "rg-spoke-app", "vnet-spoke-app", ["10.20.0.0/16"], [
        {"name": "snet-app", "prefix": "10.20.1.0/24",
         "route_table": resource_id(s, "rg-spoke-app", "routeTables", "rt-spoke-app")}],
        peerings=[{"name": "spoke-app-to-hub", "remote": hub_id, "use_remote": True}]))
    e.add(s, "rg-spoke-app", route_table(s, "rg-spoke-app", "rt-spoke-app", [("to-fw", "0.0.0.0/0")]))
    e.diagnostic_settings[vpn_id.lower()] = [diagnostic_setting(vpn_id, workspace, VPN_LOG_CATEGORIES)]
    e.diagnostic_settings[er_id.lower()] = [diagnostic_setting(er_id, workspace, ["GatewayDiagnosticLog"])]
    e.bgp_peer_status[vpn_id.lower()] = [
        {"localAddress": "10.10.255.228", "neighbor": "192.168.255.1", "asn": 65020, "state": "Connected",
         "connectedDuration": "5.02:11:09", "routesReceived": 12, "messagesSent": 9000, "messagesReceived": 9001}]
    e.learned_routes[vpn_id.lower()] = [
        {"localAddress": "10.10.255.228", "network": "192.168.0.0/16", "nextHop": "192.168.255.1",
         "sourcePeer": "192.168.255.1", "origin": "EBgp", "asPath": "65020", "weight": 32768}]
    e.bgp_peer_status[er_id.lower()] = [
        {"localAddress": "10.10.255.236", "neighbor": "10.10.255.237", "asn": 12076, "state": "Connected"}]
    e.learned_routes[er_id.lower()] = [
        {"localAddress": "10.10.255.236", "network": "192.168.0.0/16", "nextHop": "10.10.255.237",
         "sourcePeer": "10.10.255.237", "origin": "EBgp", "asPath": "12076-65020", "weight": 32769}]

    # Non-compliant branch site.
    b = "rg-branch-net"
    branch_id = resource_id(s, b, "virtualNetworks", "vnet-branch")
    nsg_id = resource_id(s, b, "networkSecurityGroups", "nsg-gatewaysubnet")
    rt_id = resource_id(s, b, "routeTables", "rt-gatewaysubnet")
    branch_gw = resource_id(s, b, "virtualNetworkGateways", "vgw-branch")
    branch_lng = resource_id(s, b, "localNetworkGateways", "lng-branch")
    e.add(s, b, vnet(s, b, "vnet-branch", ["10.30.0.0/16"], [
        {"name": "GatewaySubnet", "prefix": "10.30.255.240/28", "nsg": nsg_id, "route_table": rt_id,
         "ip_configurations": [f"{branch_gw}/ipConfigurations/ipconfig1"]}]))
    e.add(s, b, nsg(s, b, "nsg-gatewaysubnet"))
    e.add(s, b, route_table(s, b, "rt-gatewaysubnet", [("default", "0.0.0.0/0")], disable_bgp=True))
    e.add(s, b, public_ip(s, b, "pip-vgw-branch", sku="Basic", allocation="Dynamic"))
    e.add(s, b, vpn_gateway(s, b, "vgw-branch", f"{branch_id}/subnets/GatewaySubnet",
                            [resource_id(s, b, "publicIPAddresses", "pip-vgw-branch")], "Basic",
                            vpn_type="PolicyBased", bgp=False))
    e.add(s, b, local_gateway(s, b, "lng-branch", "198.51.100.7", ["10.30.0.0/24"]))
    e.add(s, b, vpn_connection(s, b, "cn-branch", branch_gw, branch_lng, BRANCH_SHARED_KEY, strong_crypto=False))
    e.diagnostic_settings[branch_gw.lower()] = []

    e.add(s, "rg-sandbox", vnet(s, "rg-sandbox", "vnet-sandbox", ["10.99.0.0/24"],
                                [{"name": "default", "prefix": "10.99.0.0/26"}]))
    e.add(c, "rg-er", er_circuit(c, "rg-er", "erc-hq"))
    e.add(c, "rg-er", er_circuit(c, "rg-er", "erc-hq-london", peering_location="London", vlan=200))
    return e


def synthetic_estate(resource_groups: int = 200, subscriptions: int = 1, gateway_every: int = 4) -> Estate:
    """A large estate for benchmarks: every resource group has a VNet, an NSG and a route table;
    every ``gateway_every``-th one is a hub with a VPN gateway, its public IP, a local network gateway
    and a connection."""
    e = Estate()
    subs = [f"{i + 1:08d}-aaaa-4bbb-8ccc-{i + 1:012d}" for i in range(subscriptions)]
    for sub in subs:
        e.subscriptions[sub] = Subscription(sub, f"bench-{sub[:8]}")
    e.management_groups[MANAGEMENT_GROUP] = subs
    for i in range(resource_groups):
        sub = subs[i % len(subs)]
        rg = f"rg-net-{i:04d}"
        e.group(sub, rg)
        second, third = divmod(i, 250)
        vnet_id = resource_id(sub, rg, "virtualNetworks", f"vnet-{i:04d}")
        nsg_id = resource_id(sub, rg, "networkSecurityGroups", f"nsg-{i:04d}")
        rt_id = resource_id(sub, rg, "routeTables", f"rt-{i:04d}")
        subnets = [{"name": "snet-app", "prefix": f"10.{second}.{third}.0/25", "nsg": nsg_id, "route_table": rt_id}]
        hub = i % gateway_every == 0
        if hub:
            subnets.append({"name": "GatewaySubnet", "prefix": f"10.{second}.{third}.224/27"})
        e.add(sub, rg, vnet(sub, rg, f"vnet-{i:04d}", [f"10.{second}.{third}.0/24"], subnets))
        e.add(sub, rg, nsg(sub, rg, f"nsg-{i:04d}"))
        e.add(sub, rg, route_table(sub, rg, f"rt-{i:04d}", [("to-fw", "0.0.0.0/0")]))
        if hub:
            pip_id = resource_id(sub, rg, "publicIPAddresses", f"pip-{i:04d}")
            gw_id = resource_id(sub, rg, "virtualNetworkGateways", f"vgw-{i:04d}")
            lng_id = resource_id(sub, rg, "localNetworkGateways", f"lng-{i:04d}")
            e.add(sub, rg, public_ip(sub, rg, f"pip-{i:04d}", zones=["1", "2", "3"]))
            e.add(sub, rg, vpn_gateway(sub, rg, f"vgw-{i:04d}", f"{vnet_id}/subnets/GatewaySubnet", [pip_id],
                                       "VpnGw1AZ"))
            e.add(sub, rg, local_gateway(sub, rg, f"lng-{i:04d}", "203.0.113.1", [f"192.168.{i % 256}.0/24"]))
            e.add(sub, rg, vpn_connection(sub, rg, f"cn-{i:04d}", gw_id, lng_id, SHARED_KEY))
            e.diagnostic_settings[gw_id.lower()] = []
    return e


def graph_estate(total: int = 50_000, subscriptions: int = 5, per_group: int = 50) -> Estate:
    """``total`` network resources (VNets, NSGs, public IPs, route tables in turn) for Resource Graph
    benchmarks, spread over subscriptions and resource groups of ``per_group`` resources."""
    e = Estate()
    subs = [f"{i + 1:08d}-abcd-4bbb-8ccc-{i + 1:012d}" for i in range(subscriptions)]
    for sub in subs:
        e.subscriptions[sub] = Subscription(sub, f"graph-{sub[:8]}")
    e.management_groups[MANAGEMENT_GROUP] = subs
    for i in range(total):
        sub = subs[i % len(subs)]
        rg = f"rg-{(i // subscriptions) // per_group:04d}"
        kind = i % 4
        name = f"r-{i:06d}"
        if kind == 0:
            obj = vnet(sub, rg, f"vnet-{name}", [f"10.{(i >> 8) % 256}.{i % 256}.0/24"],
                       [{"name": "default", "prefix": f"10.{(i >> 8) % 256}.{i % 256}.0/25"}])
        elif kind == 1:
            obj = nsg(sub, rg, f"nsg-{name}")
        elif kind == 2:
            obj = public_ip(sub, rg, f"pip-{name}", zones=["1", "2", "3"])
        else:
            obj = route_table(sub, rg, f"rt-{name}", [("default", "0.0.0.0/0")])
        e.add(sub, rg, obj)
    return e
