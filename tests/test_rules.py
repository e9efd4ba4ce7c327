"""Rule-by-rule tests of the policies (the catalogue's and those of the December 2026 rule-facts audit)
on small graphs built from Resources: for every rule a failing case, a passing case and (where a
template may not know the value) an unknown case."""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest

from checker.graph import Graph
from checker.model import Origin, Resource, Secret, Unknown
from checker.patterns import DeclaredPatterns
from checker.policy.engine import evaluate
from checker.policy.loader import load_policies
from checker.policy.model import Policy
from checker.report.model import Result
from checker.views import SUBJECT_KINDS, build_subjects

REPO = Path(__file__).resolve().parents[1]
SUB = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-hub/providers"
NET = f"{SUB}/Microsoft.Network"

# ---------------------------------------------------------------------------------------------------
# Builders: ARM-shaped resources, small and readable
# ---------------------------------------------------------------------------------------------------

_line = [0]


def _origin() -> Origin:
    _line[0] += 10
    return Origin(file="main.json", line=_line[0])


def rid(kind: str, name: str) -> str:
    return f"{NET}/{kind}/{name}"


def res(rtype: str, name: str, body: dict[str, Any], *, rid_: str | None = None, source: str = "template",
        metadata: dict[str, Any] | None = None) -> Resource:
    kind = rtype.split("/", 1)[1]
    resource_id = rid_ or rid(kind, name)
    full = {"name": name, "type": rtype, **body}
    return Resource(id=resource_id, type=rtype, name=name, body=full, origin=_origin(), source=source,
                    metadata=metadata or {})


def subnet_id(vnet: str, name: str = "GatewaySubnet") -> str:
    return f"{rid('virtualNetworks', vnet)}/subnets/{name}"


def vnet(name: str, prefixes: list[str], subnets: dict[str, Any] | None = None, *, tags: dict[str, str] | None = None,
         source: str = "template") -> Resource:
    inline = []
    for sub_name, spec in (subnets or {}).items():
        props = spec if isinstance(spec, dict) else {"addressPrefix": spec}
        inline.append({"name": sub_name, "properties": props})
    body: dict[str, Any] = {"location": "westeurope",
                            "properties": {"addressSpace": {"addressPrefixes": prefixes}, "subnets": inline}}
    if tags:
        body["tags"] = tags
    return res("Microsoft.Network/virtualNetworks", name, body, source=source)


def pip(name: str, sku: str | None = "Standard", method: str | None = "Static", zones: Any = ("1", "2", "3"),
        location: str = "westeurope") -> Resource:
    body: dict[str, Any] = {"location": location, "properties": {}}
    if sku:
        body["sku"] = {"name": sku}
    if method:
        body["properties"]["publicIPAllocationMethod"] = method
    if zones is not None:
        body["zones"] = list(zones)
    return res("Microsoft.Network/publicIPAddresses", name, body)


def gateway(name: str, vnet_name: str, gateway_type: str = "Vpn", sku: Any = "VpnGw2AZ",
            pips: tuple[str, ...] = ("pip-1", "pip-2"), *, active_active: Any = True, enable_bgp: Any = True,
            asn: Any = 65010, subnet: str = "GatewaySubnet", location: str = "westeurope",
            tags: dict[str, str] | None = None, source: str = "template", **props: Any) -> Resource:
    configs = []
    for index, pip_name in enumerate(pips or ("",)):
        inner: dict[str, Any] = {"subnet": {"id": subnet_id(vnet_name, subnet)}}
        if pip_name:
            inner["publicIPAddress"] = {"id": rid("publicIPAddresses", pip_name)}
        configs.append({"name": f"ipconfig{index}", "properties": inner})
    properties: dict[str, Any] = {"gatewayType": gateway_type, "sku": {"name": sku, "tier": sku},
                                  "ipConfigurations": configs}
    if gateway_type == "Vpn":
        properties.update({"vpnType": "RouteBased", "activeActive": active_active, "enableBgp": enable_bgp})
        if asn is not None:
            properties["bgpSettings"] = {"asn": asn}
    properties.update(props)
    body: dict[str, Any] = {"location": location, "properties": properties}
    if tags:
        body["tags"] = tags
    return res("Microsoft.Network/virtualNetworkGateways", name, body, source=source)


def lng(name: str, ip: Any = "40.50.60.70", prefixes: Any = ("192.168.0.0/16",), asn: Any = 65020,
        peer: Any = "192.168.255.1", source: str = "template") -> Resource:
    props: dict[str, Any] = {"gatewayIpAddress": ip,
                             "localNetworkAddressSpace": {"addressPrefixes": list(prefixes)
                                                          if isinstance(prefixes, tuple) else prefixes}}
    if asn is not None:
        props["bgpSettings"] = {"asn": asn, "bgpPeeringAddress": peer}
    return res("Microsoft.Network/localNetworkGateways", name, {"location": "westeurope", "properties": props},
               source=source)


STRONG_POLICY = {"ikeEncryption": "AES256", "ikeIntegrity": "SHA256", "dhGroup": "DHGroup14",
                 "ipsecEncryption": "GCMAES256", "ipsecIntegrity": "GCMAES256", "pfsGroup": "PFS2048",
                 "saLifeTimeSeconds": 27000, "saDataSizeKilobytes": 102400000}


def connection(name: str, gw: str, ctype: str = "IPsec", *, local: str | None = None, gw2: str | None = None,
               circuit: str | None = None, shared_key: Any = "key-vault", enable_bgp: Any = True,
               policies: Any = None, source: str = "template", **props: Any) -> Resource:
    properties: dict[str, Any] = {"connectionType": ctype,
                                  "virtualNetworkGateway1": {"id": rid("virtualNetworkGateways", gw)}}
    if local:
        properties["localNetworkGateway2"] = {"id": rid("localNetworkGateways", local)}
    if gw2:
        properties["virtualNetworkGateway2"] = {"id": rid("virtualNetworkGateways", gw2)}
    if circuit:
        properties["peer"] = {"id": circuit if circuit.startswith("/") else rid("expressRouteCircuits", circuit)}
    if ctype != "ExpressRoute":
        properties["enableBgp"] = enable_bgp
        properties["connectionProtocol"] = "IKEv2"
        properties["ipsecPolicies"] = [dict(STRONG_POLICY)] if policies is None else policies
        if isinstance(shared_key, str) and shared_key in ("key-vault", "secure-parameter"):
            properties["sharedKey"] = Secret.of(None, shared_key)
        elif shared_key is not None:
            properties["sharedKey"] = shared_key
    properties.update(props)
    return res("Microsoft.Network/connections", name, {"location": "westeurope", "properties": properties},
               source=source)


def literal_key(value: str, source: str = "template-literal") -> Secret:
    return Secret.of(value, source, weak_values=frozenset({"123secret", "[replace-with-shared-key]"}))


def circuit(name: str, tier: Any = "Premium", family: str = "MeteredData", location: Any = "Amsterdam",
            bandwidth: Any = 1000, peerings: list[dict[str, Any]] | None = None, sku_name: str | None = None,
            source: str = "template", **props: Any) -> Resource:
    properties: dict[str, Any] = {"serviceProviderProperties": {"serviceProviderName": "Equinix",
                                                                "peeringLocation": location,
                                                                "bandwidthInMbps": bandwidth}}
    if peerings is not None:
        properties["peerings"] = peerings
    properties.update(props)
    sku = {"name": sku_name or f"{tier}_{family}", "tier": tier, "family": family}
    return res("Microsoft.Network/expressRouteCircuits", name,
               {"location": "westeurope", "sku": sku, "properties": properties}, source=source)


def private_peering(primary: Any = "172.16.0.0/30", secondary: Any = "172.16.0.4/30", vlan: Any = 100,
                    asn: Any = 65030, state: str | None = None) -> dict[str, Any]:
    props: dict[str, Any] = {"peeringType": "AzurePrivatePeering", "peerASN": asn,
                             "primaryPeerAddressPrefix": primary, "secondaryPeerAddressPrefix": secondary}
    if vlan is not None:
        props["vlanId"] = vlan
    if state:
        props["state"] = state
    return {"name": "AzurePrivatePeering", "properties": props}


def peering(local: str, name: str, remote: str, source: str = "template", **flags: Any) -> Resource:
    props = {"remoteVirtualNetwork": {"id": rid("virtualNetworks", remote)}, **flags}
    return res("Microsoft.Network/virtualNetworks/virtualNetworkPeerings", f"{local}/{name}",
               {"properties": props}, rid_=f"{rid('virtualNetworks', local)}/virtualNetworkPeerings/{name}",
               source=source)


def route_table(name: str, routes: dict[str, str], disable: Any = False) -> Resource:
    inline = [{"name": n, "properties": {"addressPrefix": p, "nextHopType": "VirtualAppliance",
                                         "nextHopIpAddress": "10.0.0.132"}} for n, p in routes.items()]
    return res("Microsoft.Network/routeTables", name,
               {"location": "westeurope", "properties": {"routes": inline, "disableBgpRoutePropagation": disable}})


def diagnostics(target: str, categories: list[str] | None = None, group: str | None = "allLogs",
                workspace: Any = "/subscriptions/x/resourceGroups/rg/providers/Microsoft.OperationalInsights/"
                                 "workspaces/law") -> Resource:
    logs = [{"category": c, "enabled": True} for c in categories or []]
    if group:
        logs.append({"categoryGroup": group, "enabled": True})
    body = {"properties": {"workspaceId": workspace, "logs": logs,
                           "metrics": [{"category": "AllMetrics", "enabled": True}]}}
    return res("Microsoft.Insights/diagnosticSettings", "diag", body,
               rid_=f"{target}/providers/Microsoft.Insights/diagnosticSettings/diag")


# ---------------------------------------------------------------------------------------------------
# Scenarios: compliant sites that single edits break
# ---------------------------------------------------------------------------------------------------

def vpn_site() -> list[Resource]:
    """A compliant site-to-site VPN site."""
    return [
        vnet("hub", ["10.0.0.0/16"], {"GatewaySubnet": "10.0.255.224/27", "app": "10.0.1.0/24"}),
        pip("pip-1"), pip("pip-2"),
        gateway("gw-vpn", "hub"),
        lng("onprem"),
        connection("conn-s2s", "gw-vpn", local="onprem"),
        diagnostics(rid("virtualNetworkGateways", "gw-vpn")),
    ]


def er_site(circuits: tuple[str, ...] = ("er-ams", "er-lon")) -> list[Resource]:
    """A compliant ExpressRoute site with two circuits in two peering locations."""
    out = [
        vnet("hub", ["10.0.0.0/16"], {"GatewaySubnet": "10.0.255.192/26"}),
        gateway("gw-er", "hub", "ExpressRoute", "ErGw2AZ", ()),
        diagnostics(rid("virtualNetworkGateways", "gw-er")),
    ]
    locations = {"er-ams": "Amsterdam", "er-lon": "London"}
    for name in circuits:
        out.append(circuit(name, location=locations.get(name, "Amsterdam"), peerings=[private_peering()]))
        out.append(connection(f"conn-{name}", "gw-er", "ExpressRoute", circuit=name))
    return out


def failover_site() -> list[Resource]:
    """A compliant ExpressRoute + VPN failover site (both gateways share the GatewaySubnet)."""
    er = [r for r in er_site() if r.name not in ("hub",)]
    return vpn_site() + er


def hub_spoke_site() -> list[Resource]:
    """A compliant VPN hub with one spoke using its gateway."""
    return vpn_site() + [
        vnet("spoke1", ["10.1.0.0/16"], {"app": "10.1.0.0/24"}),
        peering("hub", "hub-to-spoke1", "spoke1", allowGatewayTransit=True, allowForwardedTraffic=True,
                allowVirtualNetworkAccess=True),
        peering("spoke1", "spoke1-to-hub", "hub", useRemoteGateways=True, allowForwardedTraffic=True,
                allowVirtualNetworkAccess=True),
    ]


def find(resources: list[Resource], name: str) -> Resource:
    return next(r for r in resources if r.name == name)


def as_estate(resources: list[Resource]) -> list[Resource]:
    """The same resources as read from the deployed estate (an export): what is absent is known absent."""
    for resource in resources:
        resource.source = "export"
    return resources


def edit(resources: list[Resource], name: str, path: str, value: Any) -> list[Resource]:
    """Set ``path`` (dotted, ``[n]`` for list items) in the body of ``name``; ``...`` deletes it."""
    resource = find(resources, name)
    resource.body = copy.deepcopy(resource.body)
    parts = path.replace("]", "").replace("[", ".").split(".")
    node: Any = resource.body
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
    last = parts[-1]
    if value is ...:
        if isinstance(node, list):
            del node[int(last)]
        else:
            node.pop(last, None)
    elif isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return resources


def drop(resources: list[Resource], *names: str) -> list[Resource]:
    return [r for r in resources if r.name not in names]


def live(resources: list[Resource]) -> list[Resource]:
    for resource in resources:
        resource.source = "live"
    return resources


# ---------------------------------------------------------------------------------------------------
# Running the policies
# ---------------------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def policies() -> dict[str, Policy]:
    loaded, errors = load_policies([REPO / "policies"], SUBJECT_KINDS)
    assert not errors, [str(e) for e in errors]
    return {p.id: p for p in loaded}


def results(resources: list[Resource], rule: str, declared: DeclaredPatterns | None = None) -> list[Result]:
    _, subjects = build_subjects(Graph(resources), declared or DeclaredPatterns())
    found = evaluate([policies()[rule]], subjects)
    return found


def status(resources: list[Resource], rule: str, name: str | None = None,
           declared: DeclaredPatterns | None = None) -> str:
    """The single status of ``rule`` (on the resource named ``name`` when several results exist)."""
    found = results(resources, rule, declared)
    if name is not None:
        found = [r for r in found if r.resource.name == name]
    if not found:
        return "none"  # the rule's condition (`if`) does not apply to anything in the inputs
    statuses = {r.status for r in found}
    assert len(statuses) == 1, (rule, [(r.resource.name, r.status, r.message) for r in found])
    return statuses.pop()


FAILOVER = DeclaredPatterns(everywhere="expressroute-vpn-failover")
U = Unknown("comes from reference() at deployment time")
REMOTE_CIRCUIT = "/subscriptions/00000000-0000-0000-0000-000000000009/resourceGroups/rg-er/providers/" \
                 "Microsoft.Network/expressRouteCircuits/er-remote"
SUBNET = f"{rid('virtualNetworks', 'hub')}/subnets/GatewaySubnet"


_counter = itertools.count()


def case(rule: str, expected: str, build: Callable[[], list[Resource]], name: str | None = None,
         declared: DeclaredPatterns | None = None) -> Any:
    return pytest.param(rule, expected, build, name, declared, id=f"{rule}-{expected}-{next(_counter)}")


def _metric_alert(scope: Any, enabled: bool = True) -> Resource:
    body = {"location": "global", "properties": {"scopes": [scope], "enabled": enabled, "severity": 2}}
    return res("Microsoft.Insights/metricAlerts", "er-gateway-throughput", body,
               rid_=f"{SUB}/Microsoft.Insights/metricAlerts/er-gateway-throughput")


def _exported(resources: list[Resource], name: str) -> list[Resource]:
    find(resources, name).source = "export"
    return resources


def _gateway_subnet_edit(key: str, value: Any) -> Callable[[], list[Resource]]:
    def build() -> list[Resource]:
        resources = vpn_site()
        return edit(resources, "hub", f"properties.subnets[0].properties.{key}", value)
    return build


# ---------------------------------------------------------------------------------------------------
# Scenario variants used by the cases below
# ---------------------------------------------------------------------------------------------------

def _many_er_connections(count: int, sku: str, prefix: Any) -> list[Resource]:
    resources = er_site(("er-ams",))
    edit(resources, "gw-er", "properties.sku.name", sku)
    edit(resources, "hub", "properties.subnets[0].properties.addressPrefix", prefix)
    for index in range(count - 1):
        name = f"er-extra{index}"
        resources.append(circuit(name, location="London" if index < 3 else "Paris", peerings=[private_peering()]))
        resources.append(connection(f"conn-{name}", "gw-er", "ExpressRoute", circuit=name))
    return resources


def _many_s2s(count: int, sku: str, active_active: bool) -> list[Resource]:
    resources = vpn_site()
    edit(resources, "gw-vpn", "properties.sku.name", sku)
    edit(resources, "gw-vpn", "properties.activeActive", active_active)
    for index in range(count * 2):
        resources.append(connection(f"conn-extra{index}", "gw-vpn", local="onprem"))
    return resources


def _with_route_table(routes: dict[str, str], disable: Any = False) -> list[Resource]:
    resources = vpn_site() + [route_table("rt-gw", routes, disable)]
    return edit(resources, "hub", "properties.subnets[0].properties.routeTable", {"id": rid("routeTables", "rt-gw")})


def _nic(name: str, subnet: str) -> Resource:
    return res("Microsoft.Network/networkInterfaces", name,
               {"properties": {"ipConfigurations": [{"name": "c", "properties": {"subnet": {"id": subnet}}}]}})


def _apipa(addresses: list[Any]) -> list[Resource]:
    return edit(vpn_site(), "gw-vpn", "properties.bgpSettings.bgpPeeringAddresses",
                [{"ipconfigurationId": "x", "customBgpIpAddresses": addresses}])


def _vnet2vnet_only() -> list[Resource]:
    resources = drop(vpn_site(), "conn-s2s", "onprem")
    resources += [vnet("onprem-sim", ["192.168.0.0/16"], {"GatewaySubnet": "192.168.255.224/27"}),
                  pip("pip-sim"), gateway("gw-sim", "onprem-sim", pips=("pip-sim",), active_active=False),
                  connection("hub-to-sim", "gw-vpn", "Vnet2Vnet", gw2="gw-sim"),
                  connection("sim-to-hub", "gw-sim", "Vnet2Vnet", gw2="gw-vpn")]
    return resources


def _live_connection(state: str) -> list[Resource]:
    resources = live(vpn_site())
    edit(resources, "conn-s2s", "properties.connectionStatus", state)
    edit(resources, "conn-s2s", "properties.provisioningState", "Succeeded")
    return edit(resources, "conn-s2s", "properties.tunnelConnectionStatus",
                [{"tunnel": "t1", "connectionStatus": state}, {"tunnel": "t2", "connectionStatus": "Connected"}])


def _bgp_peers(state: str) -> list[Resource]:
    resources = live(vpn_site())
    find(resources, "gw-vpn").metadata["bgpPeerStatus"] = [{"neighbor": "192.168.255.1", "state": state}]
    return resources


def _scale(lower: Any, upper: Any) -> list[Resource]:
    resources = edit(er_site(), "gw-er", "properties.sku.name", "ErGwScale")
    return edit(resources, "gw-er", "properties.autoScaleConfiguration", {"bounds": {"min": lower, "max": upper}})


def _circuit_at(tier: str, location: str) -> list[Resource]:
    resources = edit(er_site(), "er-ams", "sku", {"name": f"{tier}_MeteredData", "tier": tier,
                                                  "family": "MeteredData"})
    return edit(resources, "er-ams", "properties.serviceProviderProperties.peeringLocation", location)


def _live_circuit(state: str) -> list[Resource]:
    resources = live(er_site())
    edit(resources, "er-ams", "properties.serviceProviderProvisioningState", state)
    edit(resources, "er-ams", "properties.circuitProvisioningState", "Enabled")
    edit(resources, "er-ams", "properties.provisioningState", "Succeeded")
    return edit(resources, "er-ams", "properties.peerings[0].properties.state", "Enabled")


def _learned(prefixes: list[str]) -> list[Resource]:
    resources = failover_site()
    find(resources, "gw-er").metadata["learnedRoutes"] = [{"network": p} for p in prefixes]
    return resources


def _live_failover(vpn_state: str) -> list[Resource]:
    resources = live(failover_site())
    edit(resources, "conn-s2s", "properties.connectionStatus", vpn_state)
    return edit(resources, "conn-er-ams", "properties.provisioningState", "Succeeded")


def _spoke_with_gateway() -> list[Resource]:
    resources = hub_spoke_site()
    edit(resources, "spoke1", "properties.subnets", [{"name": "GatewaySubnet",
                                                     "properties": {"addressPrefix": "10.1.255.224/27"}}])
    return resources + [pip("pip-s"), gateway("gw-spoke", "spoke1", pips=("pip-s",), active_active=False)]


def _spoke_route(routes: dict[str, Any]) -> list[Resource]:
    resources = hub_spoke_site() + [route_table("rt-spoke", routes, disable=True)]
    return edit(resources, "spoke1", "properties.subnets[0].properties.routeTable",
                {"id": rid("routeTables", "rt-spoke")})


def _live_peering(state: str) -> list[Resource]:
    resources = live(hub_spoke_site())
    edit(resources, "spoke1/spoke1-to-hub", "properties.peeringState", state)
    return edit(resources, "spoke1/spoke1-to-hub", "properties.peeringSyncLevel", "FullyInSync")


# ---------------------------------------------------------------------------------------------------
# Builders for the corrections and rules of the rule-facts audit (December 2026)
# ---------------------------------------------------------------------------------------------------

def _scope(tier: str, location: str, region: str) -> list[Resource]:
    """The circuit er-ams at ``location`` with ``tier``, linked to an ExpressRoute gateway in ``region``."""
    return edit(_circuit_at(tier, location), "gw-er", "location", region)


def _nat(resources: list[Resource], conn: str = "conn-s2s") -> list[Resource]:
    rule = f"{rid('virtualNetworkGateways', 'gw-vpn')}/natRules/onprem-ingress"
    return edit(resources, conn, "properties.ingressNatRules", [{"id": rule}])


def _dual_stack_failover(prefix: Any = "fd00:db8::/48") -> list[Resource]:
    resources = failover_site()
    return edit(resources, "hub", "properties.addressSpace.addressPrefixes", ["10.0.0.0/16", prefix])


def _p2s(pips: tuple[str, ...]) -> list[Resource]:
    resources = [r for r in vpn_site() if r.name != "gw-vpn"] + [pip("pip-3")]
    return resources + [gateway("gw-vpn", "hub", pips=pips,
                                vpnClientConfiguration={"vpnClientAddressPool": {"addressPrefixes": ["172.31.0.0/24"]},
                                                        "vpnClientProtocols": ["OpenVPN"]})]


def _single_circuit_at(location: str) -> list[Resource]:
    return edit(er_site(("er-ams",)), "er-ams", "properties.serviceProviderProperties.peeringLocation", location)


def _v2v_links(count: int, sku: str) -> list[Resource]:
    """``count`` VNet-to-VNet links (two connection resources each) from gw-vpn (active-standby) to other VNets."""
    resources = edit(edit(drop(vpn_site(), "conn-s2s", "onprem"), "gw-vpn", "properties.sku.name", sku),
                     "gw-vpn", "properties.activeActive", False)
    for index in range(count):
        name = f"sim{index}"
        resources += [vnet(name, [f"172.{16 + index // 200}.{index % 200}.0/24"],
                           {"GatewaySubnet": f"172.{16 + index // 200}.{index % 200}.224/27"}),
                      pip(f"pip-{name}"), gateway(f"gw-{name}", name, pips=(f"pip-{name}",), active_active=False),
                      connection(f"hub-to-{name}", "gw-vpn", "Vnet2Vnet", gw2=f"gw-{name}"),
                      connection(f"{name}-to-hub", f"gw-{name}", "Vnet2Vnet", gw2="gw-vpn")]
    return resources


def _policy_based_basic(connections: int) -> list[Resource]:
    resources = edit(edit(edit(vpn_site(), "gw-vpn", "properties.sku.name", "Basic"), "gw-vpn",
                          "properties.vpnType", "PolicyBased"), "gw-vpn", "properties.activeActive", False)
    for index in range(connections - 1):
        resources.append(connection(f"conn-extra{index}", "gw-vpn", local="onprem"))
    return resources


def _fastpath_scale(lower: Any, upper: Any) -> list[Resource]:
    return edit(_scale(lower, upper), "conn-er-ams", "properties.expressRouteGatewayBypass", True)


def _vnet_links(tier: Any, mbps: int, links: int, global_reach: int = 0, unknown_peer: bool = False) -> list[Resource]:
    """Circuit er-ams of ``tier`` and ``mbps`` linked to ``links`` gateways (one VNet each)."""
    resources = edit(er_site(("er-ams",)), "er-ams", "sku.tier", tier)
    edit(resources, "er-ams", "properties.serviceProviderProperties.bandwidthInMbps", mbps)
    for index in range(links - 1):
        resources.append(vnet(f"spoke{index}", [f"10.{100 + index}.0.0/16"], {"GatewaySubnet": f"10.{100 + index}.255.0/27"}))
        resources.append(gateway(f"gw-er{index}", f"spoke{index}", "ExpressRoute", "ErGw1AZ", ()))
        resources.append(connection(f"conn-er{index}", f"gw-er{index}", "ExpressRoute", circuit="er-ams"))
    peering = private_peering()
    peering["properties"]["connections"] = [{"name": f"gr{i}", "properties": {}} for i in range(global_reach)]
    edit(resources, "er-ams", "properties.peerings", [peering])
    if unknown_peer:
        resources.append(connection("conn-er-unknown", "gw-er", "ExpressRoute", circuit="er-ams"))
        edit(resources, "conn-er-unknown", "properties.peer", {"id": U})
    return resources


def _scale_circuits(count: int, lower: Any) -> list[Resource]:
    """An ErGwScale gateway with ``count`` circuits, each in a peering location of its own."""
    resources = edit(er_site(("er-ams",)), "gw-er", "properties.sku.name", "ErGwScale")
    edit(resources, "gw-er", "properties.autoScaleConfiguration", {"bounds": {"min": lower, "max": 20}})
    for index in range(count - 1):
        name = f"er-extra{index}"
        resources.append(circuit(name, location=f"Location {index}", peerings=[private_peering()]))
        resources.append(connection(f"conn-{name}", "gw-er", "ExpressRoute", circuit=name))
    return resources


def _nat_overlap(sku: Any, **connection_props: Any) -> list[Resource]:
    """On-premises 10.0.1.0/24 overlaps the hub; an ingress NAT rule maps it."""
    resources = edit(edit(vpn_site(), "gw-vpn", "properties.sku.name", sku), "onprem",
                     "properties.localNetworkAddressSpace.addressPrefixes", ["10.0.1.0/24"])
    nat_id = f"{rid('virtualNetworkGateways', 'gw-vpn')}/natRules/onprem-ingress"
    resources.append(res("Microsoft.Network/virtualNetworkGateways/natRules", "gw-vpn/onprem-ingress",
                         {"properties": {"type": "Static", "mode": "IngressSnat",
                                         "internalMappings": [{"addressSpace": "10.0.1.0/24"}],
                                         "externalMappings": [{"addressSpace": "100.64.1.0/24"}]}}, rid_=nat_id))
    edit(resources, "conn-s2s", "properties.ingressNatRules", [{"id": nat_id}])
    for key, value in connection_props.items():
        edit(resources, "conn-s2s", f"properties.{key}", value)
    return resources


def _global_reach(resources: list[Resource]) -> list[Resource]:
    other = f"{REMOTE_CIRCUIT}/peerings/AzurePrivatePeering"
    return edit(resources, "er-ams", "properties.peerings[0].properties.connections",
                [{"name": "gr-1", "properties": {"addressPrefix": "172.30.0.0/29",
                                                 "peerExpressRouteCircuitPeering": {"id": other}}}])


def _maintenance(resources: list[Resource], gw: str, scope: Any = None) -> list[Resource]:
    target = rid("virtualNetworkGateways", gw)
    body: dict[str, Any] = {"location": "westeurope", "properties": {
        "maintenanceConfigurationId": f"{SUB}/Microsoft.Maintenance/maintenanceConfigurations/gw-window"}}
    if scope is not None:
        body["scope"] = scope
        return resources + [res("Microsoft.Maintenance/configurationAssignments", "gw-window", body,
                                rid_=f"{SUB}/Microsoft.Maintenance/configurationAssignments/gw-window")]
    return resources + [res("Microsoft.Maintenance/configurationAssignments", "gw-window", body,
                            rid_=f"{target}/providers/Microsoft.Maintenance/configurationAssignments/gw-window")]


def _route_server_hub(with_gateway: bool = False) -> list[Resource]:
    """The hub of hub_spoke_site with an Azure Route Server (virtualHubs with an ipConfiguration in
    RouteServerSubnet) and, unless ``with_gateway``, no VPN gateway."""
    resources = hub_spoke_site()
    if not with_gateway:
        resources = drop(resources, "gw-vpn", "conn-s2s", "diag", "pip-1", "pip-2")
    edit(resources, "hub", "tags", {"hybrid-pattern": "hub-spoke"})
    edit(resources, "hub", "properties.subnets", [{"name": "RouteServerSubnet",
                                                   "properties": {"addressPrefix": "10.0.254.0/27"}},
                                                  {"name": "app", "properties": {"addressPrefix": "10.0.1.0/24"}}])
    hub_id = rid("virtualHubs", "rs-hub")
    return resources + [
        res("Microsoft.Network/virtualHubs", "rs-hub", {"location": "westeurope",
                                                        "properties": {"sku": "Standard",
                                                                       "allowBranchToBranchTraffic": True}}),
        res("Microsoft.Network/virtualHubs/ipConfigurations", "rs-hub/ipconfig1",
            {"properties": {"subnet": {"id": subnet_id("hub", "RouteServerSubnet")}}},
            rid_=f"{hub_id}/ipConfigurations/ipconfig1")]


def _service_health(condition: Any = "ServiceHealth", enabled: Any = True) -> list[Resource]:
    alert = res("Microsoft.Insights/activityLogAlerts", "service-health",
                {"location": "global", "properties": {"enabled": enabled, "scopes": [SUB.rsplit("/resourceGroups", 1)[0]],
                                                      "condition": {"allOf": [{"field": "category",
                                                                               "equals": condition}]}}},
                rid_=f"{SUB}/Microsoft.Insights/activityLogAlerts/service-health")
    return vpn_site() + [alert]


def _copied_peering(count_unknown: bool, vnet_known: bool = True) -> Resource:
    """One hub peering of a copy loop (the representative instance when its count is only known at
    deployment, whose name, hence VNet, is then usually unknown too)."""
    resource = peering("hub" if vnet_known else "<unknown@1-a>", "hub-to-lz-001", "lz-001", allowGatewayTransit=True)
    resource.metadata["copy"] = {"name": "landingZonePeerings", "index": None if count_unknown else 0,
                                 **({"countUnknown": True} if count_unknown else {})}
    return resource


def _many_peerings(count: int) -> list[Resource]:
    resources = er_site()
    inline = [{"name": f"to-spoke{n}", "properties": {"remoteVirtualNetwork": {"id": rid("virtualNetworks",
                                                                                         f"spoke{n}")}}}
              for n in range(count)]
    return edit(resources, "hub", "properties.virtualNetworkPeerings", inline)

CASES = [
    # 1.1 GatewaySubnet -----------------------------------------------------------------------------
    case("GW-SUBNET-EXISTS", "pass", vpn_site, "gw-vpn"),
    case("GW-SUBNET-EXISTS", "fail", lambda: edit(vpn_site(), "hub", "properties.subnets[0].name", "gw"), "gw-vpn"),
    case("GW-SUBNET-EXISTS", "fail", lambda: edit(vpn_site(), "gw-vpn",
                                                  "properties.ipConfigurations[1].properties.subnet.id",
                                                  subnet_id("hub", "app")), "gw-vpn"),
    case("GW-SUBNET-EXISTS", "unknown", lambda: drop(vpn_site(), "hub"), "gw-vpn"),
    case("GW-SUBNET-EXISTS", "unknown", lambda: edit(vpn_site(), "gw-vpn",
                                                     "properties.ipConfigurations[0].properties.subnet.id", U),
         "gw-vpn"),
    case("GW-SUBNET-NAME", "pass", vpn_site),
    case("GW-SUBNET-NAME", "fail", lambda: edit(vpn_site(), "hub", "properties.subnets[0].name", "gatewaysubnet")),
    case("GW-SUBNET-SIZE", "pass", vpn_site),
    case("GW-SUBNET-SIZE", "fail", _gateway_subnet_edit("addressPrefix", "10.0.255.240/28")),
    case("GW-SUBNET-SIZE", "pass", lambda: edit(edit(_gateway_subnet_edit("addressPrefix", "10.0.255.248/29")(),
                                                     "gw-vpn", "properties.sku.name", "Basic"),
                                                "gw-vpn", "properties.activeActive", False)),
    case("GW-SUBNET-SIZE", "unknown", _gateway_subnet_edit("addressPrefix", U)),
    case("GW-SUBNET-SIZE-ER16", "pass", lambda: _many_er_connections(16, "ErGw3AZ", "10.0.255.192/26")),
    case("GW-SUBNET-SIZE-ER16", "fail", lambda: _many_er_connections(16, "ErGw3AZ", "10.0.255.224/27")),
    case("GW-SUBNET-SIZE-ER16", "unknown", lambda: _many_er_connections(16, "ErGw3AZ", U)),
    # the /26 requirement is documented for 16 circuits only: 9 on a /27 is not a violation
    case("GW-SUBNET-SIZE-ER16", "none", lambda: _many_er_connections(9, "ErGw3AZ", "10.0.255.224/27")),
    case("GW-SUBNET-NO-NSG", "pass", vpn_site),
    case("GW-SUBNET-NO-NSG", "fail", _gateway_subnet_edit("networkSecurityGroup", {"id": rid("networkSecurityGroups",
                                                                                                "nsg")})),
    case("GW-SUBNET-NO-NSG", "unknown", _gateway_subnet_edit("networkSecurityGroup", U)),
    case("GW-SUBNET-NO-DEFAULT-ROUTE", "pass", lambda: _with_route_table({"spokes": "10.1.0.0/16"})),
    case("GW-SUBNET-NO-DEFAULT-ROUTE", "pass", vpn_site),
    case("GW-SUBNET-NO-DEFAULT-ROUTE", "fail", lambda: _with_route_table({"default": "0.0.0.0/0"})),
    case("GW-SUBNET-NO-DEFAULT-ROUTE", "unknown", lambda: drop(_with_route_table({"a": "10.1.0.0/16"}), "rt-gw")),
    case("GW-SUBNET-BGP-PROPAGATION", "pass", lambda: _with_route_table({"spokes": "10.1.0.0/16"})),
    case("GW-SUBNET-BGP-PROPAGATION", "fail", lambda: _with_route_table({"spokes": "10.1.0.0/16"}, disable=True)),
    case("GW-SUBNET-BGP-PROPAGATION", "unknown", lambda: _with_route_table({"spokes": "10.1.0.0/16"}, disable=U)),
    case("GW-SUBNET-DEDICATED", "pass", vpn_site),
    case("GW-SUBNET-DEDICATED", "fail", lambda: vpn_site() + [_nic("vm-nic", SUBNET)]),
    case("GW-SUBNET-DEDICATED", "fail", lambda: live(edit(vpn_site(), "hub", "properties.subnets[0].properties."
                                                          "ipConfigurations", [{"id": f"{NET}/networkInterfaces/nic/"
                                                                                      "ipConfigurations/c"}]))),
    case("GW-SUBNET-PLACEMENT", "pass", vpn_site),
    case("GW-SUBNET-PLACEMENT", "fail", _gateway_subnet_edit("addressPrefix", "10.0.2.0/27")),
    case("GW-SUBNET-PLACEMENT", "unknown", lambda: edit(vpn_site(), "hub", "properties.addressSpace", U)),
    # a GatewaySubnet that is the whole VNet block ends at its top but leaves no room for anything else
    case("GW-SUBNET-PLACEMENT", "fail", _gateway_subnet_edit("addressPrefix", "10.0.0.0/16")),
    # 1.2 Gateways ----------------------------------------------------------------------------------
    case("GW-ONE-PER-TYPE", "pass", vpn_site, "gw-vpn"),
    case("GW-ONE-PER-TYPE", "fail", lambda: vpn_site() + [gateway("gw-vpn2", "hub")], "gw-vpn"),
    case("GW-ONE-PER-TYPE", "pass", lambda: er_site() + [gateway("gw-er-new", "hub", "ExpressRoute", "ErGw3AZ", (),
                                                                  tags={"CreatedBy": "GatewaySKUMigration"})], "gw-er"),
    case("GW-PIP-STANDARD-STATIC", "pass", vpn_site),
    case("GW-PIP-STANDARD-STATIC", "fail", lambda: edit(vpn_site(), "pip-2", "sku", ...)),
    case("GW-PIP-STANDARD-STATIC", "unknown", lambda: drop(vpn_site(), "pip-2")),
    case("GW-PIP-ZONE-REDUNDANT", "pass", vpn_site),
    case("GW-PIP-ZONE-REDUNDANT", "fail", lambda: edit(vpn_site(), "pip-1", "zones", ["1"])),
    case("GW-PIP-ZONE-REDUNDANT", "unknown", lambda: edit(vpn_site(), "pip-1", "zones", ...)),
    case("GW-PIP-ZONE-REDUNDANT", "unknown", lambda: edit(vpn_site(), "gw-vpn", "location", "atlantis")),
    case("GW-DIAG-LOGS", "pass", vpn_site),
    case("GW-DIAG-LOGS", "pass", er_site),
    case("GW-DIAG-LOGS", "fail", lambda: drop(vpn_site(), "diag")),
    case("GW-DIAG-LOGS", "fail", lambda: drop(er_site(), "diag"), "gw-er"),
    case("GW-DIAG-LOGS", "pass", lambda: drop(er_site(), "diag") + [_metric_alert(rid("virtualNetworkGateways",
                                                                                       "gw-er"))], "gw-er"),
    case("GW-DIAG-LOGS", "fail", lambda: drop(er_site(), "diag") + [_metric_alert(rid("virtualNetworkGateways",
                                                                                       "gw-er"), enabled=False)],
         "gw-er"),
    case("GW-DIAG-LOGS", "unknown", lambda: drop(er_site(), "diag") + [_metric_alert(U)], "gw-er"),
    case("GW-DIAG-LOGS", "fail", lambda: edit(vpn_site(), "diag", "properties.logs",
                                              [{"category": "GatewayDiagnosticLog", "enabled": True}])),
    case("GW-DIAG-LOGS", "unknown", lambda: edit(edit(vpn_site(), "diag", "properties.logs",
                                                      [{"category": "GatewayDiagnosticLog", "enabled": True},
                                                       {"category": "TunnelDiagnosticLog", "enabled": U}]),
                                                 "diag", "properties.workspaceId", "/ws")),
    case("GW-PROVISIONED", "not-applicable", vpn_site),
    case("GW-PROVISIONED", "pass", lambda: live(edit(vpn_site(), "gw-vpn", "properties.provisioningState",
                                                     "Succeeded"))),
    case("GW-PROVISIONED", "fail", lambda: live(edit(vpn_site(), "gw-vpn", "properties.provisioningState", "Failed"))),
    # 1.3 Addressing --------------------------------------------------------------------------------
    case("NET-NO-OVERLAP-ONPREM", "pass", vpn_site),
    case("NET-NO-OVERLAP-ONPREM", "fail", lambda: edit(vpn_site(), "onprem",
                                                       "properties.localNetworkAddressSpace.addressPrefixes",
                                                       ["10.0.0.0/8"])),
    case("NET-NO-OVERLAP-ONPREM", "unknown", lambda: edit(vpn_site(), "onprem",
                                                          "properties.localNetworkAddressSpace.addressPrefixes", U)),
    case("NET-NO-OVERLAP-PEERED", "pass", hub_spoke_site),
    case("NET-NO-OVERLAP-PEERED", "fail", lambda: edit(hub_spoke_site(), "spoke1",
                                                       "properties.addressSpace.addressPrefixes", ["10.0.128.0/17"])),
    case("NET-NO-OVERLAP-PEERED", "unknown", lambda: drop(hub_spoke_site(), "spoke1")),
    # 1.4 VPN gateway -------------------------------------------------------------------------------
    case("VPN-GW-PRESENT", "pass", vpn_site),
    case("VPN-GW-PRESENT", "fail", er_site, None, FAILOVER),
    case("VPN-ROUTE-BASED", "pass", vpn_site),
    case("VPN-ROUTE-BASED", "fail", lambda: edit(vpn_site(), "gw-vpn", "properties.vpnType", "PolicyBased")),
    case("VPN-ROUTE-BASED", "unknown", lambda: edit(vpn_site(), "gw-vpn", "properties.vpnType", U)),
    case("VPN-SKU-CURRENT", "pass", vpn_site),
    case("VPN-SKU-CURRENT", "fail", lambda: edit(vpn_site(), "gw-vpn", "properties.sku.name", "Standard")),
    case("VPN-SKU-CURRENT", "unknown", lambda: edit(vpn_site(), "gw-vpn", "properties.sku.name", U)),
    case("VPN-SKU-AZ", "pass", vpn_site),
    case("VPN-SKU-AZ", "fail", lambda: edit(vpn_site(), "gw-vpn", "properties.sku.name", "VpnGw1")),
    case("VPN-SKU-AZ", "fail", lambda: edit(edit(vpn_site(), "gw-vpn", "properties.sku.name", "VpnGw4AZ"),
                                            "gw-vpn", "properties.vpnGatewayGeneration", "Generation1")),
    case("VPN-SKU-AZ", "unknown", lambda: edit(vpn_site(), "gw-vpn", "properties.vpnGatewayGeneration", U)),
    case("VPN-ACTIVE-ACTIVE", "pass", vpn_site),
    case("VPN-ACTIVE-ACTIVE", "fail", lambda: edit(vpn_site(), "gw-vpn", "properties.activeActive", ...)),
    case("VPN-ACTIVE-ACTIVE", "unknown", lambda: edit(vpn_site(), "gw-vpn", "properties.activeActive", U)),
    case("VPN-AA-IPCONFIGS", "pass", vpn_site),
    case("VPN-AA-IPCONFIGS", "pass", lambda: edit(edit(vpn_site(), "gw-vpn", "properties.activeActive", False),
                                                  "gw-vpn", "properties.ipConfigurations[1]", ...)),
    case("VPN-AA-IPCONFIGS", "fail", lambda: edit(vpn_site(), "gw-vpn", "properties.ipConfigurations[1]", ...)),
    case("VPN-AA-IPCONFIGS", "fail", lambda: edit(vpn_site(), "gw-vpn",
                                                  "properties.ipConfigurations[1].properties.publicIPAddress.id",
                                                  rid("publicIPAddresses", "pip-1"))),
    case("VPN-AA-IPCONFIGS", "unknown", lambda: drop(vpn_site(), "pip-2")),
    case("VPN-TUNNEL-COUNT", "pass", vpn_site),
    case("VPN-TUNNEL-COUNT", "fail", lambda: _many_s2s(6, "Basic", active_active=False)),
    case("VPN-TUNNEL-COUNT", "unknown", lambda: edit(vpn_site(), "gw-vpn", "properties.sku.name", U)),
    # 1.5 BGP ---------------------------------------------------------------------------------------
    case("VPN-BGP-ENABLED", "pass", vpn_site),
    case("VPN-BGP-ENABLED", "fail", lambda: edit(vpn_site(), "conn-s2s", "properties.enableBgp", False)),
    case("VPN-BGP-ENABLED", "unknown", lambda: edit(vpn_site(), "conn-s2s", "properties.enableBgp", U)),
    case("BGP-ASN-RESERVED", "pass", vpn_site, "onprem"),
    case("BGP-ASN-RESERVED", "pass", lambda: edit(vpn_site(), "gw-vpn", "properties.bgpSettings.asn", 65515),
         "gw-vpn"),
    case("BGP-ASN-RESERVED", "fail", lambda: edit(vpn_site(), "onprem", "properties.bgpSettings.asn", 65515),
         "onprem"),
    case("BGP-ASN-RESERVED", "fail", lambda: edit(vpn_site(), "onprem", "properties.bgpSettings.asn", 64500),
         "onprem"),
    case("BGP-ASN-RESERVED", "fail", lambda: edit(vpn_site(), "gw-vpn", "properties.bgpSettings.asn", 8075),
         "gw-vpn"),
    case("BGP-ASN-RESERVED", "fail", lambda: edit(er_site(("er-ams",)), "er-ams",
                                                  "properties.peerings[0].properties.peerASN", 12076)),
    case("BGP-ASN-RESERVED", "unknown", lambda: edit(vpn_site(), "onprem", "properties.bgpSettings.asn", U),
         "onprem"),
    case("BGP-ASN-DISTINCT", "pass", vpn_site),
    case("BGP-ASN-DISTINCT", "fail", lambda: edit(vpn_site(), "onprem", "properties.bgpSettings.asn", 65010)),
    case("BGP-ASN-DISTINCT", "unknown", lambda: drop(vpn_site(), "onprem")),
    case("BGP-CONN-CONSISTENT", "pass", vpn_site),
    case("BGP-CONN-CONSISTENT", "fail", lambda: edit(vpn_site(), "gw-vpn", "properties.enableBgp", False)),
    case("BGP-CONN-CONSISTENT", "fail", lambda: edit(vpn_site(), "onprem", "properties.bgpSettings.bgpPeeringAddress",
                                                     "40.50.60.70")),
    case("BGP-CONN-CONSISTENT", "unknown", lambda: edit(vpn_site(), "gw-vpn", "properties.enableBgp", U)),
    case("BGP-APIPA-RANGE", "pass", lambda: _apipa(["169.254.21.1"])),
    case("BGP-APIPA-RANGE", "fail", lambda: _apipa(["169.254.30.1"])),
    case("BGP-APIPA-RANGE", "fail", lambda: edit(vpn_site(), "onprem", "properties.bgpSettings.bgpPeeringAddress",
                                                 "169.254.21.2")),
    case("BGP-APIPA-RANGE", "unknown", lambda: _apipa([U])),
    case("LNG-ADDRESS-SPACE", "pass", lambda: edit(vpn_site(), "conn-s2s", "properties.enableBgp", False)),
    case("LNG-ADDRESS-SPACE", "fail", lambda: edit(edit(vpn_site(), "conn-s2s", "properties.enableBgp", False),
                                                   "onprem", "properties.localNetworkAddressSpace.addressPrefixes",
                                                   [])),
    case("LNG-ADDRESS-SPACE", "unknown", lambda: drop(edit(vpn_site(), "conn-s2s", "properties.enableBgp", False),
                                                      "onprem")),
    # 1.6 LNG and connection ------------------------------------------------------------------------
    case("LNG-ENDPOINT", "pass", vpn_site),
    case("LNG-ENDPOINT", "fail", lambda: edit(vpn_site(), "onprem", "properties.gatewayIpAddress", "10.20.30.40")),
    case("LNG-ENDPOINT", "pass", lambda: edit(edit(vpn_site(), "onprem", "properties.gatewayIpAddress", "10.20.30.40"),
                                              "conn-s2s", "properties.useLocalAzureIpAddress", True)),
    case("LNG-ENDPOINT", "unknown", lambda: edit(vpn_site(), "onprem", "properties.gatewayIpAddress", U)),
    case("LNG-ENDPOINT", "fail", lambda: edit(vpn_site(), "onprem", "properties.gatewayIpAddress", "x.x.x.x")),
    case("CONN-S2S-LINK", "pass", vpn_site),
    # No connection at all: known absent only in the deployed estate; a template may leave connections to
    # another deployment (landing-zone hubs do), so there the absence is unknown, not a failure.
    case("CONN-S2S-LINK", "fail", lambda: as_estate(drop(vpn_site(), "conn-s2s"))),
    case("CONN-S2S-LINK", "unknown", lambda: drop(vpn_site(), "conn-s2s")),
    # the template deploys a connection of the gateway, an IPsec one without a local network gateway: a failure
    case("CONN-S2S-LINK", "fail", lambda: edit(vpn_site(), "conn-s2s", "properties.localNetworkGateway2", ...)),
    case("CONN-S2S-LINK", "unknown", _vnet2vnet_only, "hub"),
    case("CONN-SHAREDKEY-SECRET", "pass", vpn_site),
    case("CONN-SHAREDKEY-SECRET", "fail", lambda: edit(vpn_site(), "conn-s2s", "properties.sharedKey",
                                                       literal_key("123secret"))),
    case("CONN-SHAREDKEY-SECRET", "fail", lambda: edit(vpn_site(), "conn-s2s", "properties.sharedKey",
                                                       literal_key("a-long-and-random-key-0123456789",
                                                                   "parameter-file"))),
    case("CONN-SHAREDKEY-SECRET", "unknown", lambda: edit(vpn_site(), "conn-s2s", "properties.sharedKey", U)),
    # a secure parameter whose default is computed at deployment (newGuid()) is not a key in the code
    case("CONN-SHAREDKEY-SECRET", "pass", lambda: edit(vpn_site(), "conn-s2s", "properties.sharedKey",
                                                       Secret.of(None, "parameter-default"))),
    case("CONN-SHAREDKEY-SECRET", "fail", lambda: edit(vpn_site(), "conn-s2s", "properties.sharedKey",
                                                       literal_key("a-long-and-random-key-0123456789",
                                                                   "parameter-default"))),
    case("CONN-IPSEC-CRYPTO", "pass", vpn_site),
    # without a custom policy the connection is CONN-IPSEC-CUSTOM-POLICY's (medium), not a weak algorithm (high)
    case("CONN-IPSEC-CRYPTO", "none", lambda: edit(vpn_site(), "conn-s2s", "properties.ipsecPolicies", [])),
    case("CONN-IPSEC-CRYPTO", "fail", lambda: edit(vpn_site(), "conn-s2s", "properties.ipsecPolicies[0].pfsGroup",
                                                   "PFS1")),
    case("CONN-IPSEC-CRYPTO", "fail", lambda: edit(vpn_site(), "conn-s2s", "properties.ipsecPolicies[0].dhGroup",
                                                   "DHGroup2")),
    case("CONN-IPSEC-CRYPTO", "unknown", lambda: edit(vpn_site(), "conn-s2s", "properties.ipsecPolicies", U)),
    case("CONN-IPSEC-PARAMS-VALID", "pass", vpn_site),
    case("CONN-IPSEC-PARAMS-VALID", "fail", lambda: edit(vpn_site(), "conn-s2s",
                                                         "properties.ipsecPolicies[0].saLifeTimeSeconds", 120)),
    case("CONN-IPSEC-PARAMS-VALID", "fail", lambda: edit(vpn_site(), "conn-s2s",
                                                         "properties.ipsecPolicies[0].ipsecIntegrity", "SHA256")),
    case("CONN-IPSEC-PARAMS-VALID", "fail", lambda: edit(vpn_site(), "conn-s2s", "properties.dpdTimeoutSeconds", 5)),
    case("CONN-IPSEC-PARAMS-VALID", "unknown", lambda: edit(vpn_site(), "conn-s2s", "properties.dpdTimeoutSeconds",
                                                            U)),
    case("VPN-CONN-LIVE", "not-applicable", vpn_site),
    case("VPN-CONN-LIVE", "pass", lambda: _live_connection("Connected")),
    case("VPN-CONN-LIVE", "fail", lambda: _live_connection("NotConnected")),
    case("VPN-BGP-PEER-LIVE", "not-applicable", vpn_site),
    case("VPN-BGP-PEER-LIVE", "unknown", lambda: live(vpn_site())),
    case("VPN-BGP-PEER-LIVE", "pass", lambda: _bgp_peers("Connected")),
    case("VPN-BGP-PEER-LIVE", "fail", lambda: _bgp_peers("Idle")),
    # 1.7 ExpressRoute ------------------------------------------------------------------------------
    case("ER-GW-PRESENT", "pass", er_site),
    case("ER-GW-PRESENT", "fail", vpn_site, None, FAILOVER),
    # a gateway whose type is only known at deployment may be the ExpressRoute (or VPN) gateway
    case("ER-GW-PRESENT", "unknown", lambda: edit(er_site(), "gw-er", "properties.gatewayType", U), None, FAILOVER),
    case("VPN-GW-PRESENT", "unknown", lambda: edit(vpn_site(), "gw-vpn", "properties.gatewayType", U), None, FAILOVER),
    case("FAILOVER-COEXIST", "unknown", lambda: edit(failover_site(), "gw-vpn", "properties.gatewayType", U), None,
         FAILOVER),
    case("ER-GW-SKU-AZ", "pass", er_site),
    case("ER-GW-SKU-AZ", "fail", lambda: edit(er_site(), "gw-er", "properties.sku.name", "Standard")),
    case("ER-GW-SKU-AZ", "unknown", lambda: edit(er_site(), "gw-er", "properties.sku.name", U)),
    case("ER-GW-SCALE-BOUNDS", "pass", lambda: _scale(2, 10)),
    case("ER-GW-SCALE-BOUNDS", "fail", lambda: _scale(1, 10)),
    case("ER-GW-SCALE-BOUNDS", "fail", lambda: _scale(5, 50)),
    case("ER-GW-SCALE-BOUNDS", "unknown", lambda: _scale(U, 10)),
    case("ER-GW-THROUGHPUT", "pass", er_site),
    case("ER-GW-THROUGHPUT", "fail", lambda: edit(er_site(), "er-ams",
                                                  "properties.serviceProviderProperties.bandwidthInMbps", 10000)),
    case("ER-GW-THROUGHPUT", "unknown", lambda: edit(er_site(), "conn-er-lon", "properties.peer.id", REMOTE_CIRCUIT)),
    case("ER-GW-MAX-CIRCUITS", "pass", er_site),
    case("ER-GW-MAX-CIRCUITS", "fail", lambda: _many_er_connections(5, "ErGw1AZ", "10.0.255.192/26")),
    # ErGwScale without autoScaleConfiguration: its circuit limit (from the minimum scale units) is not known
    case("ER-GW-MAX-CIRCUITS", "unknown", lambda: edit(er_site(), "gw-er", "properties.sku.name", "ErGwScale")),
    case("ER-CONN-LINK", "pass", er_site),
    case("ER-CONN-LINK", "fail", lambda: as_estate(drop(er_site(), "conn-er-ams", "conn-er-lon"))),
    case("ER-CONN-LINK", "unknown", lambda: drop(er_site(), "conn-er-ams", "conn-er-lon")),  # see CONN-S2S-LINK
    case("ER-CONN-LINK", "fail", lambda: edit(er_site(), "conn-er-ams", "properties.sharedKey", literal_key("x"))),
    case("ER-CONN-LINK", "unknown", lambda: edit(drop(er_site(), "conn-er-lon"), "conn-er-ams", "properties.peer.id",
                                                 REMOTE_CIRCUIT)),
    case("ER-CIRCUIT-REDUNDANCY", "pass", er_site),
    case("ER-CIRCUIT-REDUNDANCY", "fail", lambda: er_site(("er-ams",))),
    case("ER-CIRCUIT-REDUNDANCY", "fail", lambda: as_estate(drop(er_site(), "conn-er-ams", "conn-er-lon"))),
    case("ER-CIRCUIT-REDUNDANCY", "unknown", lambda: drop(er_site(), "conn-er-ams", "conn-er-lon")),
    case("ER-CIRCUIT-REDUNDANCY", "unknown", lambda: edit(er_site(("er-ams",)), "conn-er-ams", "properties.peer.id",
                                                          REMOTE_CIRCUIT)),
    case("ER-CIRCUIT-SKU-CONSISTENT", "pass", er_site, "er-ams"),
    case("ER-CIRCUIT-SKU-CONSISTENT", "fail", lambda: edit(er_site(), "er-ams", "sku.name", "Standard_MeteredData"),
         "er-ams"),
    case("ER-CIRCUIT-SKU-CONSISTENT", "unknown", lambda: edit(er_site(), "er-ams", "sku.tier", U), "er-ams"),
    case("ER-CIRCUIT-SCOPE", "pass", lambda: edit(edit(er_site(), "er-ams", "sku.tier", "Standard"), "er-ams",
                                                  "sku.name", "Standard_MeteredData"), "conn-er-ams"),
    case("ER-CIRCUIT-SCOPE", "fail", lambda: _circuit_at("Standard", "Tokyo"), "conn-er-ams"),
    case("ER-CIRCUIT-SCOPE", "fail", lambda: _circuit_at("Local", "London"), "conn-er-ams"),
    case("ER-CIRCUIT-SCOPE", "unknown", lambda: _circuit_at("Standard", "Atlantis"), "conn-er-ams"),
    case("ER-PRIVATE-PEERING", "pass", er_site, "er-ams"),
    case("ER-PRIVATE-PEERING", "fail", lambda: edit(er_site(), "er-ams",
                                                    "properties.peerings[0].properties.secondaryPeerAddressPrefix",
                                                    "172.16.0.0/30"), "er-ams"),
    case("ER-PRIVATE-PEERING", "unknown", lambda: edit(er_site(), "er-ams", "properties.peerings", []), "er-ams"),
    case("ER-PRIVATE-PEERING", "fail", lambda: live(edit(er_site(), "er-ams", "properties.peerings", [])), "er-ams"),
    # an export lists the circuit's peerings as they are: none is a fact, not a provider-side unknown
    case("ER-PRIVATE-PEERING", "fail", lambda: _exported(edit(er_site(), "er-ams", "properties.peerings", []),
                                                         "er-ams"), "er-ams"),
    case("ER-FASTPATH", "pass", lambda: edit(edit(er_site(), "gw-er", "properties.sku.name", "ErGw3AZ"),
                                             "conn-er-ams", "properties.expressRouteGatewayBypass", True),
         "conn-er-ams"),
    case("ER-FASTPATH", "fail", lambda: edit(er_site(), "conn-er-ams", "properties.expressRouteGatewayBypass", True),
         "conn-er-ams"),
    case("ER-FASTPATH", "unknown", lambda: edit(drop(er_site(), "gw-er"), "conn-er-ams",
                                                "properties.expressRouteGatewayBypass", True), "conn-er-ams"),
    case("ER-CIRCUIT-LIVE", "not-applicable", er_site, "er-ams"),
    case("ER-CIRCUIT-LIVE", "pass", lambda: _live_circuit("Provisioned"), "er-ams"),
    case("ER-CIRCUIT-LIVE", "fail", lambda: _live_circuit("NotProvisioned"), "er-ams"),
    # 1.8 Failover ----------------------------------------------------------------------------------
    case("FAILOVER-COEXIST", "pass", failover_site),
    case("FAILOVER-COEXIST", "fail", vpn_site, None, FAILOVER),
    case("FAILOVER-COEXIST", "unknown", lambda: edit(failover_site(), "hub", "properties.subnets", U), None),
    case("FAILOVER-SUBNET-27", "pass", failover_site),
    case("FAILOVER-SUBNET-27", "fail", lambda: edit(failover_site(), "hub",
                                                    "properties.subnets[0].properties.addressPrefix",
                                                    "10.0.255.240/28")),
    case("FAILOVER-SUBNET-27", "unknown", lambda: edit(failover_site(), "hub",
                                                       "properties.subnets[0].properties.addressPrefix", U)),
    case("FAILOVER-GW-SKU-TYPE", "pass", failover_site, "gw-vpn"),
    case("FAILOVER-GW-SKU-TYPE", "fail", lambda: edit(failover_site(), "gw-vpn", "properties.vpnType", "PolicyBased"),
         "gw-vpn"),
    case("FAILOVER-GW-SKU-TYPE", "unknown", lambda: edit(failover_site(), "gw-vpn", "properties.sku.name", U),
         "gw-vpn"),
    case("FAILOVER-SAME-ONPREM", "unknown", failover_site),
    case("FAILOVER-SAME-ONPREM", "pass", lambda: _learned(["192.168.0.0/16"])),
    case("FAILOVER-SAME-ONPREM", "fail", lambda: _learned(["172.20.0.0/16"])),
    case("FAILOVER-ER-PREFERRED", "unknown", failover_site),
    case("FAILOVER-ER-PREFERRED", "pass", lambda: _learned(["192.168.0.0/16"])),
    case("FAILOVER-ER-PREFERRED", "fail", lambda: _learned(["192.0.0.0/8"])),
    case("FAILOVER-LIVE", "not-applicable", failover_site),
    case("FAILOVER-LIVE", "pass", lambda: _live_failover("Connected")),
    case("FAILOVER-LIVE", "fail", lambda: _live_failover("NotConnected")),
    # 1.9 Hub-spoke ---------------------------------------------------------------------------------
    case("HUB-GW-LOCATION", "pass", hub_spoke_site),
    case("HUB-GW-LOCATION", "fail", _spoke_with_gateway, "spoke1/spoke1-to-hub"),
    case("HUB-ALLOW-TRANSIT", "pass", hub_spoke_site),
    case("HUB-ALLOW-TRANSIT", "fail", lambda: edit(hub_spoke_site(), "hub/hub-to-spoke1",
                                                   "properties.allowGatewayTransit", False)),
    case("HUB-ALLOW-TRANSIT", "fail", lambda: edit(edit(hub_spoke_site(), "gw-vpn", "properties.sku.name", "Basic"),
                                                   "gw-vpn", "properties.activeActive", False)),
    case("HUB-ALLOW-TRANSIT", "unknown", lambda: edit(hub_spoke_site(), "hub/hub-to-spoke1",
                                                      "properties.allowGatewayTransit", U)),
    case("HUB-USE-REMOTE-GW", "pass", hub_spoke_site, "spoke1/spoke1-to-hub"),
    case("HUB-USE-REMOTE-GW", "fail", lambda: edit(hub_spoke_site(), "spoke1/spoke1-to-hub",
                                                   "properties.useRemoteGateways", False), "spoke1/spoke1-to-hub"),
    case("HUB-USE-REMOTE-GW", "unknown", lambda: edit(hub_spoke_site(), "spoke1/spoke1-to-hub",
                                                      "properties.useRemoteGateways", U), "spoke1/spoke1-to-hub"),
    case("HUB-PEER-FLAGS", "pass", hub_spoke_site),
    case("HUB-PEER-FLAGS", "fail", lambda: edit(hub_spoke_site(), "spoke1/spoke1-to-hub",
                                                "properties.allowForwardedTraffic", ...), "spoke1/spoke1-to-hub"),
    case("HUB-PEER-FLAGS", "unknown", lambda: edit(hub_spoke_site(), "spoke1/spoke1-to-hub",
                                                   "properties.allowForwardedTraffic", U), "spoke1/spoke1-to-hub"),
    case("HUB-SPOKE-ROUTE-PROPAGATION", "pass", hub_spoke_site),
    case("HUB-SPOKE-ROUTE-PROPAGATION", "pass", lambda: _spoke_route({"default": "0.0.0.0/0"})),
    case("HUB-SPOKE-ROUTE-PROPAGATION", "fail", lambda: _spoke_route({"other": "172.30.0.0/16"})),
    case("HUB-SPOKE-ROUTE-PROPAGATION", "unknown", lambda: _spoke_route({"default": U})),
    case("HUB-PEER-LIVE", "not-applicable", hub_spoke_site, "spoke1/spoke1-to-hub"),
    case("HUB-PEER-LIVE", "pass", lambda: _live_peering("Connected"), "spoke1/spoke1-to-hub"),
    case("HUB-PEER-LIVE", "fail", lambda: _live_peering("Disconnected"), "spoke1/spoke1-to-hub"),
    # --- corrections of the rule-facts audit (December 2026) -------------------------------------
    # 1. the Basic-IP exemption of VPN Basic gateways is gone (VPN gateway Basic IPs retired 30 June 2026)
    case("GW-PIP-STANDARD-STATIC", "fail", lambda: edit(edit(vpn_site(), "gw-vpn", "properties.sku.name", "Basic"),
                                                        "pip-1", "sku", ...)),
    # 2. geography: Dallas has no ExpressRoute Local; Australia is two geopolitical regions; new geos
    case("ER-CIRCUIT-SCOPE", "fail", lambda: _scope("Local", "Dallas", "southcentralus"), "conn-er-ams"),
    case("ER-CIRCUIT-SCOPE", "fail", lambda: _scope("Standard", "Canberra", "australiaeast"), "conn-er-ams"),
    case("ER-CIRCUIT-SCOPE", "fail", lambda: _scope("Standard", "Sydney", "australiacentral"), "conn-er-ams"),
    case("ER-CIRCUIT-SCOPE", "pass", lambda: _scope("Standard", "Sydney", "australiaeast"), "conn-er-ams"),
    case("ER-CIRCUIT-SCOPE", "pass", lambda: _scope("Standard", "Tel Aviv", "israelcentral"), "conn-er-ams"),
    case("ER-CIRCUIT-SCOPE", "fail", lambda: _scope("Standard", "Doha", "uaenorth"), "conn-er-ams"),
    case("ER-CIRCUIT-SCOPE", "pass", lambda: _scope("Local", "Madrid", "spaincentral"), "conn-er-ams"),
    case("ER-CIRCUIT-SCOPE", "pass", lambda: _scope("Local", "Johannesburg", "southafricanorth"), "conn-er-ams"),
    # 8. ExpressRoute reserves 65515-65520 for private peering, 65516 included; the VPN list does not name it
    case("BGP-ASN-RESERVED", "fail", lambda: edit(er_site(("er-ams",)), "er-ams",
                                                  "properties.peerings[0].properties.peerASN", 65516)),
    case("BGP-ASN-RESERVED", "pass", lambda: edit(vpn_site(), "onprem", "properties.bgpSettings.asn", 65516),
         "onprem"),
    # 9. PFS None is weak; a Basic gateway cannot set a policy and does not fail for lacking one
    case("CONN-IPSEC-CUSTOM-POLICY", "pass", vpn_site),
    case("CONN-IPSEC-CUSTOM-POLICY", "fail", lambda: edit(vpn_site(), "conn-s2s", "properties.ipsecPolicies", [])),
    case("CONN-IPSEC-CUSTOM-POLICY", "pass", lambda: edit(edit(vpn_site(), "gw-vpn", "properties.sku.name", "Basic"),
                                                          "conn-s2s", "properties.ipsecPolicies", [])),
    case("CONN-IPSEC-CUSTOM-POLICY", "unknown", lambda: edit(drop(vpn_site(), "gw-vpn"), "conn-s2s",
                                                             "properties.ipsecPolicies", [])),
    # 10. a Metro circuit is high resiliency; the Basic and MultiCloud tiers exist in ARM
    case("ER-CIRCUIT-REDUNDANCY", "pass", lambda: _single_circuit_at("Amsterdam Metro")),
    case("ER-CIRCUIT-SKU-CONSISTENT", "pass", lambda: edit(edit(er_site(), "er-ams", "sku.tier", "MultiCloud"),
                                                           "er-ams", "sku.name", "MultiCloud_MeteredData"), "er-ams"),
    case("ER-CIRCUIT-SKU-CONSISTENT", "pass", lambda: edit(edit(er_site(), "er-ams", "sku.tier", "Basic"),
                                                           "er-ams", "sku.name", "Basic_MeteredData"), "er-ams"),
    # 4. a hub whose transit comes from an Azure Route Server is valid for useRemoteGateways
    # (a VNet without gateways is a site only when declared: the hub carries the hybrid-pattern tag)
    case("HUB-ALLOW-TRANSIT", "pass", _route_server_hub, "spoke1/spoke1-to-hub"),
    case("HUB-ALLOW-TRANSIT", "fail", lambda: edit(_route_server_hub(), "hub/hub-to-spoke1",
                                                   "properties.allowGatewayTransit", False), "spoke1/spoke1-to-hub"),
    case("HUB-ALLOW-TRANSIT", "pass", lambda: _route_server_hub(with_gateway=True), "spoke1/spoke1-to-hub"),
    # --- new rules of the rule-facts audit -------------------------------------------------------
    case("VPN-NAT-SUPPORTED", "pass", lambda: _nat(vpn_site())),
    case("VPN-NAT-SUPPORTED", "none", vpn_site),
    case("VPN-NAT-SUPPORTED", "fail", lambda: _nat(edit(vpn_site(), "gw-vpn", "properties.sku.name", "VpnGw1AZ"))),
    case("VPN-NAT-SUPPORTED", "fail", lambda: _nat(edit(vpn_site(), "conn-s2s", "properties.usePolicyBasedTrafficSelectors",
                                                        True))),
    case("VPN-NAT-SUPPORTED", "fail", lambda: _nat(edit(vpn_site(), "onprem", "properties.bgpSettings.bgpPeeringAddress",
                                                        "169.254.21.2"))),
    case("VPN-NAT-SUPPORTED", "fail", lambda: _nat(_vnet2vnet_only(), "hub-to-sim"), "hub-to-sim"),
    case("VPN-NAT-SUPPORTED", "unknown", lambda: _nat(edit(vpn_site(), "gw-vpn", "properties.sku.name", U))),
    case("FAILOVER-NO-DUALSTACK", "pass", failover_site),
    case("FAILOVER-NO-DUALSTACK", "fail", _dual_stack_failover),
    case("FAILOVER-NO-DUALSTACK", "unknown", lambda: _dual_stack_failover(U)),
    case("FAILOVER-NO-DUALSTACK", "none", lambda: edit(vpn_site(), "hub",
                                                                  "properties.addressSpace.addressPrefixes",
                                                                  ["10.0.0.0/16", "fd00:db8::/48"]), None, FAILOVER),
    case("GW-SUBNET-NO-SEP", "pass", vpn_site),
    case("GW-SUBNET-NO-SEP", "fail", _gateway_subnet_edit("serviceEndpointPolicies",
                                                          [{"id": f"{NET}/serviceEndpointPolicies/sep-storage"}])),
    case("GW-SUBNET-NO-SEP", "unknown", _gateway_subnet_edit("serviceEndpointPolicies", U)),
    case("VPN-AA-P2S-THIRD-PIP", "pass", lambda: _p2s(("pip-1", "pip-2", "pip-3"))),
    case("VPN-AA-P2S-THIRD-PIP", "fail", lambda: _p2s(("pip-1", "pip-2"))),
    case("VPN-AA-P2S-THIRD-PIP", "none", vpn_site),
    case("VPN-AA-P2S-THIRD-PIP", "unknown", lambda: edit(_p2s(("pip-1", "pip-2")), "gw-vpn", "properties.activeActive",
                                                         U)),
    # 3. a VNet-to-VNet link is counted once per gateway; a policy-based Basic gateway has one tunnel
    case("VPN-TUNNEL-COUNT", "pass", lambda: _v2v_links(16, "VpnGw1AZ"), "gw-vpn"),  # 16 of 30 (was counted 32)
    case("VPN-TUNNEL-COUNT", "fail", lambda: _v2v_links(31, "VpnGw1AZ"), "gw-vpn"),
    case("VPN-TUNNEL-COUNT", "pass", lambda: _policy_based_basic(1)),
    case("VPN-TUNNEL-COUNT", "fail", lambda: _policy_based_basic(2)),
    # 6. ErGwScale: FastPath from 10 scale units; 4, 8 and 16 circuits from 1, 2 and 10 units
    case("ER-FASTPATH", "fail", lambda: _fastpath_scale(2, 10), "conn-er-ams"),
    case("ER-FASTPATH", "pass", lambda: _fastpath_scale(10, 20), "conn-er-ams"),
    case("ER-FASTPATH", "unknown", lambda: _fastpath_scale(U, 20), "conn-er-ams"),
    case("ER-GW-MAX-CIRCUITS", "fail", lambda: _scale_circuits(5, 1)),
    case("ER-GW-MAX-CIRCUITS", "pass", lambda: _scale_circuits(5, 2)),
    case("ER-GW-MAX-CIRCUITS", "fail", lambda: _scale_circuits(9, 2)),
    case("ER-GW-MAX-CIRCUITS", "pass", lambda: _scale_circuits(9, 10)),
    # 7. NAT excuses an overlap only where NAT works
    case("NET-NO-OVERLAP-ONPREM", "pass", lambda: _nat_overlap("VpnGw2AZ")),
    case("NET-NO-OVERLAP-ONPREM", "fail", lambda: _nat_overlap("VpnGw1AZ")),
    case("NET-NO-OVERLAP-ONPREM", "fail", lambda: _nat_overlap("VpnGw2AZ", usePolicyBasedTrafficSelectors=True)),
    case("NET-NO-OVERLAP-ONPREM", "unknown", lambda: _nat_overlap(U)),
    # --- new rules that need derived fields of the views ------------------------------------------
    case("BGP-PEER-OUTSIDE-VNET", "pass", vpn_site),
    case("BGP-PEER-OUTSIDE-VNET", "fail", lambda: edit(vpn_site(), "onprem", "properties.bgpSettings.bgpPeeringAddress",
                                                       "10.0.1.10")),
    case("BGP-PEER-OUTSIDE-VNET", "unknown", lambda: edit(vpn_site(), "hub", "properties.addressSpace.addressPrefixes",
                                                          U)),
    case("BGP-PEER-OUTSIDE-VNET", "none", lambda: edit(vpn_site(), "conn-s2s", "properties.enableBgp", False)),
    case("LNG-NO-APIPA-PREFIX", "pass", lambda: edit(vpn_site(), "onprem", "properties.bgpSettings.bgpPeeringAddress",
                                                     "169.254.21.2")),
    case("LNG-NO-APIPA-PREFIX", "fail", lambda: edit(edit(vpn_site(), "onprem",
                                                          "properties.bgpSettings.bgpPeeringAddress", "169.254.21.2"),
                                                     "onprem", "properties.localNetworkAddressSpace.addressPrefixes",
                                                     ["192.168.0.0/16", "169.254.21.2/32"])),
    case("LNG-NO-APIPA-PREFIX", "unknown", lambda: edit(edit(vpn_site(), "onprem",
                                                             "properties.bgpSettings.bgpPeeringAddress", "169.254.21.2"),
                                                        "onprem", "properties.localNetworkAddressSpace.addressPrefixes",
                                                        U)),
    case("LNG-NO-APIPA-PREFIX", "none", vpn_site),
    case("VPN-V2V-POLICY-SYMMETRIC", "pass", _vnet2vnet_only, "hub-to-sim"),
    case("VPN-V2V-POLICY-SYMMETRIC", "fail", lambda: edit(_vnet2vnet_only(), "sim-to-hub",
                                                          "properties.ipsecPolicies[0].dhGroup", "DHGroup24"),
         "hub-to-sim"),
    case("VPN-V2V-POLICY-SYMMETRIC", "fail", lambda: edit(_vnet2vnet_only(), "sim-to-hub", "properties.ipsecPolicies",
                                                          []), "hub-to-sim"),
    case("VPN-V2V-POLICY-SYMMETRIC", "unknown", lambda: edit(_vnet2vnet_only(), "sim-to-hub",
                                                             "properties.ipsecPolicies", U), "hub-to-sim"),
    case("ER-LOCAL-NO-GLOBALREACH", "pass", lambda: _circuit_at("Local", "Amsterdam"), "er-ams"),
    case("ER-LOCAL-NO-GLOBALREACH", "fail", lambda: _global_reach(_circuit_at("Local", "Amsterdam")), "er-ams"),
    case("ER-LOCAL-NO-GLOBALREACH", "fail", lambda: edit(_circuit_at("Local", "Amsterdam"), "er-ams",
                                                         "properties.globalReachEnabled", True), "er-ams"),
    case("ER-LOCAL-NO-GLOBALREACH", "unknown", lambda: edit(_circuit_at("Local", "Amsterdam"), "er-ams",
                                                            "properties.peerings[0].properties.connections", U),
         "er-ams"),
    case("ER-LOCAL-NO-GLOBALREACH", "none", lambda: _global_reach(er_site()), "er-ams"),
    case("ER-GW-PEERINGS-500", "pass", er_site),
    case("ER-GW-PEERINGS-500", "fail", lambda: _many_peerings(501)),
    case("ER-GW-PEERINGS-500", "unknown", lambda: edit(er_site(), "hub", "properties.virtualNetworkPeerings", U)),
    # a peering copy loop whose count is only known at deployment may make any number of peerings
    case("ER-GW-PEERINGS-500", "unknown", lambda: er_site() + [_copied_peering(count_unknown=True)]),
    case("ER-GW-PEERINGS-500", "pass", lambda: er_site() + [_copied_peering(count_unknown=False)]),
    case("ER-GW-PEERINGS-500", "unknown", lambda: er_site() + [_copied_peering(count_unknown=True, vnet_known=False)]),
    case("GW-SUBNET-UDR-OVERLAP", "pass", lambda: _with_route_table({"onprem": "192.168.0.0/16"})),
    case("GW-SUBNET-UDR-OVERLAP", "fail", lambda: _with_route_table({"hub": "10.0.0.0/16"})),
    case("GW-SUBNET-UDR-OVERLAP", "unknown", lambda: _with_route_table({"x": U})),
    case("GW-SUBNET-UDR-OVERLAP", "none", vpn_site),
    case("ER-ADVERTISED-PREFIXES", "pass", er_site),
    case("ER-ADVERTISED-PREFIXES", "fail", lambda: edit(er_site(), "hub", "properties.addressSpace.addressPrefixes",
                                                        [f"10.{n // 250}.{n % 250}.0/24" for n in range(1001)])),
    case("ER-ADVERTISED-PREFIXES", "pass", lambda: edit(edit(er_site(), "hub", "properties.addressSpace.addressPrefixes",
                                                             [f"10.{n // 250}.{n % 250}.0/24" for n in range(1001)]),
                                                        "hub", "properties.summarizedGatewayPrefixes",
                                                        {"addressPrefixes": ["10.0.0.0/8"]})),
    case("ER-ADVERTISED-PREFIXES", "unknown", lambda: edit(er_site(), "hub", "properties.addressSpace.addressPrefixes",
                                                           U)),
    case("GW-MAINTENANCE-CONFIG", "pass", lambda: _maintenance(vpn_site(), "gw-vpn")),
    case("GW-MAINTENANCE-CONFIG", "fail", vpn_site),
    case("GW-MAINTENANCE-CONFIG", "unknown", lambda: _maintenance(vpn_site(), "gw-vpn", scope=U)),
    case("ER-CIRCUIT-MONITOR", "pass", lambda: er_site() + [_metric_alert(rid("expressRouteCircuits", "er-ams"))],
         "er-ams"),
    case("ER-CIRCUIT-MONITOR", "fail", er_site, "er-ams"),
    case("ER-CIRCUIT-MONITOR", "unknown", lambda: er_site() + [_metric_alert(U)], "er-ams"),
    case("ER-CIRCUIT-VNET-LINKS", "pass", lambda: _vnet_links("Standard", 1000, 10), "er-ams"),
    case("ER-CIRCUIT-VNET-LINKS", "fail", lambda: _vnet_links("Standard", 10000, 11), "er-ams"),
    case("ER-CIRCUIT-VNET-LINKS", "pass", lambda: _vnet_links("Premium", 50, 20), "er-ams"),
    case("ER-CIRCUIT-VNET-LINKS", "fail", lambda: _vnet_links("Premium", 50, 21), "er-ams"),
    # a Global Reach connection counts against the same limit
    case("ER-CIRCUIT-VNET-LINKS", "fail", lambda: _vnet_links("Standard", 1000, 10, global_reach=1), "er-ams"),
    case("ER-CIRCUIT-VNET-LINKS", "unknown", lambda: _vnet_links(U, 1000, 12), "er-ams"),
    # within the smallest documented limit (10), whatever the tier turns out to be
    case("ER-CIRCUIT-VNET-LINKS", "pass", lambda: _vnet_links(U, 1000, 2), "er-ams"),
    # one more ExpressRoute connection whose circuit is only known at deployment may be one link too many
    case("ER-CIRCUIT-VNET-LINKS", "unknown", lambda: _vnet_links("Standard", 1000, 10, unknown_peer=True), "er-ams"),
    # ... but not when even that connection keeps it within the limit
    case("ER-CIRCUIT-VNET-LINKS", "pass", lambda: _vnet_links("Standard", 1000, 9, unknown_peer=True), "er-ams"),
    case("ER-CIRCUIT-VNET-LINKS", "fail", lambda: _vnet_links("Standard", 1000, 11, unknown_peer=True), "er-ams"),
    case("ER-CIRCUIT-VNET-LINKS", "none", lambda: _vnet_links("Local", 1000, 30), "er-ams"),
    case("CONN-SHAREDKEY-CHARSET", "pass", lambda: edit(vpn_site(), "conn-s2s", "properties.sharedKey",
                                                        literal_key("A1b2C3d4E5f6G7h8I9j0", "parameter-file"))),
    case("CONN-SHAREDKEY-CHARSET", "fail", lambda: edit(vpn_site(), "conn-s2s", "properties.sharedKey",
                                                        literal_key("0b9c5f7e-21aa-4c1e-9f00-2d6b1f0c9a77",
                                                                    "parameter-file"))),
    case("CONN-SHAREDKEY-CHARSET", "fail", lambda: edit(vpn_site(), "conn-s2s", "properties.sharedKey",
                                                        literal_key("long key with spaces 12345", "template-literal"))),
    case("CONN-SHAREDKEY-CHARSET", "none", vpn_site),  # a Key Vault key is not known before deployment
    case("CONN-DPD-ADVISORY", "pass", vpn_site),
    case("CONN-DPD-ADVISORY", "fail", lambda: edit(vpn_site(), "conn-s2s", "properties.dpdTimeoutSeconds", 10)),
    case("CONN-DPD-ADVISORY", "fail", lambda: edit(vpn_site(), "conn-s2s", "properties.dpdTimeoutSeconds", 600)),
    case("CONN-DPD-ADVISORY", "unknown", lambda: edit(vpn_site(), "conn-s2s", "properties.dpdTimeoutSeconds", U)),
    case("GW-SUBNET-IPV6-64", "pass", _gateway_subnet_edit("addressPrefixes", ["10.0.255.224/27",
                                                                               "fd00:db8:0:ff::/64"])),
    case("GW-SUBNET-IPV6-64", "fail", _gateway_subnet_edit("addressPrefixes", ["10.0.255.224/27",
                                                                               "fd00:db8:0:ff::/80"])),
    case("GW-SUBNET-IPV6-64", "unknown", _gateway_subnet_edit("addressPrefixes", ["fd00:db8:0:ff::/64", U])),
    case("GW-SUBNET-IPV6-64", "none", vpn_site),
    case("GW-SERVICE-HEALTH", "pass", _service_health),
    case("GW-SERVICE-HEALTH", "fail", vpn_site),
    case("GW-SERVICE-HEALTH", "fail", lambda: _service_health(enabled=False)),
    case("GW-SERVICE-HEALTH", "unknown", lambda: _service_health(condition=U)),
    # a live audit does not collect alerts or maintenance assignments: the rules do not apply to live data
    case("GW-SERVICE-HEALTH", "none", lambda: live(vpn_site())),
    case("GW-MAINTENANCE-CONFIG", "none", lambda: live(vpn_site())),
    case("ER-CIRCUIT-MONITOR", "none", lambda: live(er_site()), "er-ams"),
]


# ---------------------------------------------------------------------------------------------------
# Tests
# ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("rule", "expected", "build", "name", "declared"), CASES)
def test_rule(rule: str, expected: str, build: Callable[[], list[Resource]], name: str | None,
              declared: DeclaredPatterns | None) -> None:
    assert status(build(), rule, name, declared) == expected


def test_every_rule_loads_and_has_pass_and_fail_cases() -> None:
    loaded = policies()
    covered: dict[str, set[str]] = {}
    for param in CASES:
        rule, expected = param.values[0], param.values[1]
        covered.setdefault(rule, set()).add(expected)
    assert set(covered) == set(loaded)
    for rule, statuses in covered.items():
        assert {"pass", "fail"} <= statuses, rule
    live_rules = {p.id for p in loaded.values() if p.requires == "live"}
    assert live_rules == {"GW-PROVISIONED", "VPN-CONN-LIVE", "VPN-BGP-PEER-LIVE", "ER-CIRCUIT-LIVE",
                          "FAILOVER-LIVE", "HUB-PEER-LIVE"}


def test_rule_files_sit_in_the_folder_of_their_patterns() -> None:
    for policy in policies().values():
        folder = Path(policy.file).parent.name
        if folder == "common":
            continue
        assert folder in policy.patterns, (policy.id, folder)


def test_unknown_result_names_the_missing_thing() -> None:
    found = results(drop(vpn_site(), "hub"), "GW-SUBNET-EXISTS")
    assert found[0].status == "unknown"
    assert any("virtualnetworks/hub" in reason.lower() and "not in the inputs" in reason
               for reason in found[0].unknown_reasons)


def test_secret_never_reaches_a_message() -> None:
    key = "a-long-and-random-key-0123456789"
    resources = edit(vpn_site(), "conn-s2s", "properties.sharedKey", literal_key(key, "parameter-file"))
    for rule in policies():
        for result in results(resources, rule):
            assert key not in result.message


def test_policy_based_gateway_is_reported_once() -> None:
    resources = edit(vpn_site(), "gw-vpn", "properties.vpnType", "PolicyBased")
    resources = edit(resources, "gw-vpn", "properties.sku.name", "Basic")
    assert status(resources, "VPN-ROUTE-BASED") == "fail"
    for rule in ("VPN-ACTIVE-ACTIVE", "VPN-AA-IPCONFIGS", "VPN-BGP-ENABLED", "VPN-SKU-AZ", "BGP-APIPA-RANGE"):
        assert results(resources, rule) == [], rule


def test_shared_key_rule_skips_exports_and_connections_without_key() -> None:
    exported = edit(vpn_site(), "conn-s2s", "properties.sharedKey", literal_key("abc", "export"))
    assert results(exported, "CONN-SHAREDKEY-SECRET") == []
    assert results(edit(vpn_site(), "conn-s2s", "properties.sharedKey", ...), "CONN-SHAREDKEY-SECRET") == []


def test_gateway_without_sku_is_unknown_not_failed() -> None:
    resources = edit(vpn_site(), "gw-vpn", "properties.sku", ...)
    found = results(resources, "VPN-SKU-CURRENT")
    assert [r.status for r in found] == ["unknown"]
    assert any("sets no sku" in reason for reason in found[0].unknown_reasons)


def test_er_gateway_rules_never_run_on_vpn_gateways_with_er_sku_names() -> None:
    resources = edit(vpn_site(), "gw-vpn", "properties.sku.name", "HighPerformance")
    assert results(resources, "ER-GW-SKU-AZ") == []
    assert status(resources, "VPN-SKU-CURRENT") == "fail"


def test_crypto_parameters_can_be_tightened_by_settings() -> None:
    from checker.policy.model import RuleSettings

    resources = edit(vpn_site(), "conn-s2s", "properties.ipsecPolicies[0].ikeIntegrity", "SHA1")
    assert status(resources, "CONN-IPSEC-CRYPTO") == "pass"
    _, found = build_subjects(Graph(resources), DeclaredPatterns())
    strict = RuleSettings(parameters={"CONN-IPSEC-CRYPTO": {"weakIntegrity": ["MD5", "SHA1"]}})
    verdicts = evaluate([policies()["CONN-IPSEC-CRYPTO"]], found, strict)
    assert [r.status for r in verdicts] == ["fail"]


def test_corpus_site_to_site_quickstart(corpus_dir: Path) -> None:
    """A real template with its parameter file: Basic gateway, /29 GatewaySubnet, key in the parameter file."""
    from checker import api

    folder = corpus_dir / "quickstarts"
    report = api.scan([folder / "site-to-site-vpn.azuredeploy.json"], api.ScanOptions(
        parameter_files=(folder / "site-to-site-vpn.azuredeploy.parameters.json",)))
    verdicts = {(r.rule, r.status) for r in report.results}
    assert ("VPN-SKU-CURRENT", "fail") in verdicts
    assert ("GW-SUBNET-SIZE", "pass") in verdicts  # /29 is allowed for a lone VPN Basic gateway
    assert ("CONN-SHAREDKEY-SECRET", "fail") in verdicts
    assert ("CONN-S2S-LINK", "pass") in verdicts
    assert [s.patterns for s in report.sites] == [("vpn",)]


# ---------------------------------------------------------------------------------------------------
# Messages: one neutral line whatever the status, no Python reprs, no bracketed lists
# ---------------------------------------------------------------------------------------------------

_REPR_MARKS = ("Unknown(", "Secret(", "None", "True", "False", "[", "]", "{", "}", "\n", "'<unknown")


def test_every_message_reads_as_a_plain_line_for_every_status() -> None:
    seen: set[tuple[str, str]] = set()
    for param in CASES:
        rule, _, build, _, declared = param.values
        for result in results(build(), rule, declared):
            if result.status == "not-applicable":
                continue
            head = result.message.split(" Unknown: ", 1)[0]  # reasons quote the inputs as they are
            for mark in _REPR_MARKS:
                assert mark not in head, (rule, result.status, result.message)
            assert len(head) <= 260, (rule, head)
            seen.add((rule, result.status))
    statuses = {status for _, status in seen}
    assert {"pass", "fail", "unknown"} <= statuses
    # every rule that can give a verdict on templates (live-only rules are not-applicable there)
    from checker.policy.loader import default_policy_dir, load_policies

    static = {p.id for p in load_policies([default_policy_dir()])[0] if p.requires != "live"}
    assert static and static <= {rule for rule, _ in seen}


def _title(rule: str) -> str:
    from checker.policy.loader import default_policy_dir, load_policies

    policies, _ = load_policies([default_policy_dir()])
    return next(p.title for p in policies if p.id == rule)


def _message(resources: list[Resource], rule: str, name: str | None = None) -> tuple[str, str]:
    found = [r for r in results(resources, rule) if name is None or r.resource.name == name]
    assert len(found) == 1, [(r.resource.name, r.status) for r in found]
    return found[0].status, found[0].message


def test_zone_redundancy_message_does_not_claim_a_failure_on_a_pass() -> None:
    assert _message(vpn_site(), "GW-PIP-ZONE-REDUNDANT") == (
        "pass", "gw-vpn: Public IPs of AZ-SKU gateways are zone-redundant")  # a pass states compliance
    assert _message(edit(vpn_site(), "pip-1", "zones", ["1"]), "GW-PIP-ZONE-REDUNDANT")[1].startswith(
        "Make the gateway's public IPs zone-redundant (zones 1, 2 and 3): Vpn gateway gw-vpn (SKU VpnGw2AZ, "
        "westeurope) has 1 of 2 public IP(s) not in every zone")  # the problem and the fix first


def test_diagnostics_message_of_an_expressroute_gateway_names_what_it_needs() -> None:
    status_, text = _message(drop(er_site(), "diag"), "GW-DIAG-LOGS", "gw-er")
    assert status_ == "fail"
    assert "GatewayDiagnosticLog" not in text and "IKEDiagnosticLog" not in text
    assert text.startswith("ExpressRoute gateway gw-er is not monitored: missing metrics or logs sent to a "
                           "destination, or a metric alert on the gateway.")  # the problem first
    assert _message(er_site(), "GW-DIAG-LOGS", "gw-er") == ("pass", "gw-er: " + _title("GW-DIAG-LOGS"))
    vpn_text = _message(drop(vpn_site(), "diag"), "GW-DIAG-LOGS")[1]
    assert ("is not monitored: missing GatewayDiagnosticLog, TunnelDiagnosticLog, RouteDiagnosticLog, "
            "IKEDiagnosticLog.") in vpn_text


def test_names_only_known_at_deployment_read_as_where_they_come_from() -> None:
    resources = vpn_site()
    gw = find(resources, "gw-vpn")
    gw.body["name"] = Unknown("parameter 'gatewayName' has no value")
    gw.name = "<unknown@35>"
    gw.origin = Origin(file="main.json", line=35)
    status_, text = _message(resources, "VPN-SKU-CURRENT")
    assert status_ == "pass"
    assert text == ("virtualNetworkGateways at line 35 (name from parameter 'gatewayName'): "
                    + _title("VPN-SKU-CURRENT"))
    assert "<unknown@" not in _message(resources, "GW-ONE-PER-TYPE")[1]


# ---------------------------------------------------------------------------------------------------
# The catalogue: every rule of its section 1 exists with its exact id and severity
# ---------------------------------------------------------------------------------------------------

def _catalogue_rules() -> dict[str, str]:
    from conftest import shared_dir

    shared = shared_dir()
    path = shared / "design" / "rule-catalogue.md" if shared else None
    if path is None or not path.is_file():
        pytest.skip("the rule catalogue is not beside the repository")
    text = path.read_text(encoding="utf-8")
    section = text.split("## 1. Rule table", 1)[1].split("\n## 2.", 1)[0]
    rules: dict[str, str] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 8 or not cells[0] or cells[0] in ("ID",) or set(cells[0]) <= {"-"}:
            continue
        # the severity column is the 7th; the first severity word is the rule's base severity
        # ("high (critical for F/H)", "medium/high", "critical (fail)")
        severity = next(word for word in cells[6].replace("/", " ").replace("(", " ").split()
                        if word.strip("*") in ("critical", "high", "medium", "low")).strip("*")
        rules[cells[0]] = severity
    return rules


# Rules and severities that the rule-facts audit of December 2026 (../shared/design/rule-facts-2026-12.md)
# added or changed after the catalogue was written; every other rule keeps the catalogue's id and severity.
AUDIT_SEVERITIES = {
    "VPN-SKU-AZ": "high",  # the announced retirement of non-AZ VpnGw1-5 (September 2026) has passed
    "GW-PIP-ZONE-REDUNDANT": "high",  # APRL rates zone-redundant gateway public IPs high
    "ER-FASTPATH": "high",  # the rule fails only an unsupported combination, rated high by the catalogue
}
# New rules whose severity is deliberately below their source's rating, with the reason in the rule.
BELOW_SOURCE = {"GW-SERVICE-HEALTH": "medium", "ER-CIRCUIT-MONITOR": "medium"}
AUDIT_RULES = {
    "CONN-IPSEC-CUSTOM-POLICY", "VPN-NAT-SUPPORTED", "FAILOVER-NO-DUALSTACK", "GW-SUBNET-NO-SEP",
    "VPN-AA-P2S-THIRD-PIP", "BGP-PEER-OUTSIDE-VNET", "LNG-NO-APIPA-PREFIX", "VPN-V2V-POLICY-SYMMETRIC",
    "ER-LOCAL-NO-GLOBALREACH", "ER-GW-PEERINGS-500", "GW-SUBNET-UDR-OVERLAP", "ER-ADVERTISED-PREFIXES",
    "GW-MAINTENANCE-CONFIG", "ER-CIRCUIT-MONITOR", "CONN-SHAREDKEY-CHARSET", "CONN-DPD-ADVISORY", "GW-SUBNET-IPV6-64",
    "GW-SERVICE-HEALTH", "ER-CIRCUIT-VNET-LINKS",
}


def test_every_catalogue_rule_is_implemented_with_its_id_and_severity() -> None:
    catalogue = _catalogue_rules()
    assert catalogue
    loaded = policies()
    assert set(loaded) == set(catalogue) | AUDIT_RULES
    expected = {**catalogue, **AUDIT_SEVERITIES}
    assert {rule: loaded[rule].severity for rule in catalogue} == expected
    for rule, severity in BELOW_SOURCE.items():
        assert loaded[rule].severity == severity and "below APRL" in loaded[rule].description


def test_pfs_none_is_a_weak_pfs_group() -> None:
    """PFS None (no forward secrecy) is one of the default quick-mode offers; a custom policy with it fails."""
    resources = edit(vpn_site(), "conn-s2s", "properties.ipsecPolicies[0].pfsGroup", "None")
    assert status(resources, "CONN-IPSEC-CRYPTO") == "fail"
    assert status(vpn_site(), "CONN-IPSEC-CRYPTO") == "pass"


def test_explain_reads_well() -> None:
    from checker.policy.engine import explain

    for rule in ("GW-DIAG-LOGS", "CONN-SHAREDKEY-SECRET", "GW-SUBNET-SIZE"):
        policy = policies()[rule]
        text = explain(policy)
        assert text.splitlines()[0] == f"{rule}: {policy.title}"
        assert f"Severity:  {policy.severity}" in text and "Conditions:" in text and "How to fix:" in text
        assert policy.message in text and "Unknown(" not in text
