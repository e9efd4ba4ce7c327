"""Build the site topologies the diagrams draw (``checker/report/topology.py``) from the graph and the
sites: for each site its on-premises ends (local network gateways, circuits, remote gateways), its hub
(VNet, GatewaySubnet, gateways) and its spokes, and the connections and peerings between them; then
one topology for the gateways, connections, local network gateways and circuits outside any site."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from checker.graph import Graph
from checker.model import Resource, Secret, Unknown, equals_ci, normalise_id
from checker.patterns import SiteInfo
from checker.report.topology import Element, Link, SiteTopology
from checker.views.readers import CIRCUIT, GATEWAY_SUBNET, LNG, SUBNET, display_name, get_path, ref_of
from checker.vocabulary import CONNECTION, GATEWAY, PEERING


def text(value: Any) -> str:
    """A property value as short display text: unknowns say so, secrets never show."""
    if isinstance(value, Secret):
        return "<secret>"
    if isinstance(value, Unknown):
        return "unknown"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(text(v) for v in value)
    return "" if value is None else str(value)


def _flag(value: Any) -> str:
    if isinstance(value, Unknown):
        return "?"
    if value is True or equals_ci(value, "true"):
        return "on"
    return "off"


def _last(ref: str) -> str:
    return ref.rstrip("/").rsplit("/", 1)[-1]


def _prefixes(value: Any, limit: int = 3) -> str:
    if isinstance(value, Unknown):
        return "prefixes unknown"
    if not isinstance(value, list) or not value:
        return ""
    shown = [text(v) for v in value[:limit]]
    more = f" +{len(value) - limit}" if len(value) > limit else ""
    return ", ".join(shown) + more


def _gateway_subnet(graph: Graph, vnet_key: str) -> Element | None:
    for subnet in graph.children(vnet_key, SUBNET):
        if equals_ci(subnet.name.rsplit("/", 1)[-1], GATEWAY_SUBNET):
            return _subnet(subnet, GATEWAY_SUBNET)
    return None


def _subnet(subnet: Resource, name: str) -> Element:
    props = subnet.properties
    prefix = props.get("addressPrefix")
    if prefix is None:
        prefix = props.get("addressPrefixes")
    details = [text(prefix) or "no prefix"]
    if isinstance(prefix, str) and "/" in prefix:
        size = prefix.rsplit("/", 1)[1]
        if size.isdigit() and ":" not in prefix:
            details.append(f"/{size}: {2 ** (32 - int(size))} addresses")
    return Element(subnet.key, "gateway-subnet", name, tuple(details), (subnet.key,))


def _gateway(graph: Graph, gateway: Resource) -> Element:
    props = gateway.properties
    sku = get_path(props, "sku.name")
    kind = text(props.get("gatewayType")) or "gateway"
    details = [f"{kind} {text(sku)}".strip()]
    if equals_ci(props.get("gatewayType"), "Vpn"):
        details.append(f"active-active {_flag(props.get('activeActive'))}, BGP {_flag(props.get('enableBgp'))}")
        asn = get_path(props, "bgpSettings.asn")
        if asn is not None and props.get("enableBgp") is not False:
            details.append(f"ASN {text(asn)}")
    zones: list[str] = []
    for config in props.get("ipConfigurations") or [] if isinstance(props.get("ipConfigurations"), list) else []:
        pip = graph.get(ref_of(get_path(config, "properties.publicIPAddress")))
        if pip is not None and isinstance(pip.body.get("zones"), list):
            zones.extend(text(z) for z in pip.body["zones"])
    az = isinstance(sku, str) and sku.lower().endswith("az")
    zone_text = "AZ SKU" if az else ("SKU unknown" if isinstance(sku, Unknown) else "non-AZ SKU")
    if zones:
        zone_text += f", IP zones {','.join(sorted(set(zones)))}"
    details.append(f"zones: {zone_text}")
    return Element(gateway.key, "gateway", display_name(gateway), tuple(details), (gateway.key,))


def _lng(lng: Resource) -> Element:
    props = lng.properties
    address = props.get("gatewayIpAddress") if props.get("gatewayIpAddress") is not None else props.get("fqdn")
    details = [f"peer {text(address) or 'no address'}"]
    space = _prefixes(get_path(props, "localNetworkAddressSpace.addressPrefixes"))
    if space:
        details.append(space)
    asn = get_path(props, "bgpSettings.asn")
    details.append(f"ASN {text(asn)}" if asn is not None else "no BGP")
    return Element(lng.key, "local-gateway", display_name(lng), tuple(details), (lng.key,))


def _circuit(graph: Graph, circuit: Resource) -> Element:
    props = circuit.properties
    provider = get_path(props, "serviceProviderProperties.serviceProviderName")
    location = get_path(props, "serviceProviderProperties.peeringLocation")
    bandwidth = get_path(props, "serviceProviderProperties.bandwidthInMbps")
    details = []
    if provider is not None or location is not None:
        details.append(f"{text(provider) or 'provider ?'} @ {text(location) or '?'}")
    elif props.get("expressRoutePort") is not None:
        details.append("ExpressRoute Direct")
        bandwidth = props.get("bandwidthInGbps")
        details.append(f"{text(bandwidth)} Gbps" if bandwidth is not None else "bandwidth ?")
        bandwidth = None
    if bandwidth is not None:
        details.append(f"{text(bandwidth)} Mbps")
    tier = get_path(circuit.body, "sku.tier")
    if tier is not None:
        details.append(f"SKU {text(tier)}")
    peerings = tuple(child.key for child in graph.children(circuit))
    return Element(circuit.key, "circuit", display_name(circuit), tuple(details), (circuit.key, *peerings))


def _missing(kind: str, ref: str | Unknown | None, what: str, owner: str,
             unknown_kind: str = "unknown-end") -> Element:
    """An end that is not in the inputs (by id) or not known at all (one per connection: ``owner``)."""
    if isinstance(ref, str):
        return Element(normalise_id(ref), kind, _last(ref), (f"{what} not in the inputs",))
    reason = ref.reason if isinstance(ref, Unknown) else "not set"
    return Element(f"?{what}:{owner}", unknown_kind, f"{what} unknown", (reason[:60],))


class Lookups:
    """The few lookups the topologies need, built in one pass over connections and peerings."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.gateways = graph.of_type(GATEWAY)
        self.connections = graph.of_type(CONNECTION)
        self.connections_by_gateway: dict[str, list[Resource]] = {}
        for connection in self.connections:
            props = connection.properties
            ends = {normalise_id(e) for e in (ref_of(props.get("virtualNetworkGateway1")),
                                              ref_of(props.get("virtualNetworkGateway2"))) if isinstance(e, str)}
            for end in ends:
                self.connections_by_gateway.setdefault(end, []).append(connection)
        self.peerings_by_vnet: dict[str, list[Resource]] = {}
        self.peerings_by_remote: dict[str, list[Resource]] = {}
        for peering in graph.of_type(PEERING):
            self.peerings_by_vnet.setdefault(self.peering_parent_key(peering), []).append(peering)
            remote = ref_of(peering.properties.get("remoteVirtualNetwork"))
            if isinstance(remote, str):
                self.peerings_by_remote.setdefault(normalise_id(remote), []).append(peering)

    def connections_of(self, gateway: Resource) -> list[Resource]:
        return self.connections_by_gateway.get(gateway.key, [])

    def peering_parent_key(self, peering: Resource) -> str:
        parent = self.graph.parent(peering)
        return parent.key if parent else peering.key.rsplit("/virtualnetworkpeerings/", 1)[0]

    def peerings_of(self, vnet_key: str) -> list[Resource]:
        return self.peerings_by_vnet.get(vnet_key, [])

    def peerings_to(self, vnet_key: str) -> list[Resource]:
        return self.peerings_by_remote.get(vnet_key, [])


class _Builder:
    def __init__(self, graph: Graph, ix: Lookups) -> None:
        self.graph = graph
        self.ix = ix
        self.elements: dict[str, Element] = {}
        self.links: dict[str, Link] = {}

    def add(self, element: Element) -> str:
        self.elements.setdefault(element.key, element)
        return element.key

    def far_end(self, connection: Resource, gateway_key: str) -> str:
        props = connection.properties
        ctype = props.get("connectionType")
        if equals_ci(ctype, "ExpressRoute"):
            ref = ref_of(props.get("peer"))
            circuit = self.graph.get(ref) if isinstance(ref, str) else None
            if circuit is not None and circuit.type.lower() == CIRCUIT.lower():
                return self.add(_circuit(self.graph, circuit))
            return self.add(_missing("circuit", ref, "circuit", connection.key))
        if equals_ci(ctype, "Vnet2Vnet"):
            ends = [ref_of(props.get("virtualNetworkGateway1")), ref_of(props.get("virtualNetworkGateway2"))]
            other = next((e for e in ends if not (isinstance(e, str) and normalise_id(e) == gateway_key)), None)
            gateway = self.graph.get(other) if isinstance(other, str) else None
            if gateway is not None:
                return self.add(Element(gateway.key, "remote-gateway", display_name(gateway),
                                        ("Vnet2Vnet peer gateway",), ()))
            return self.add(_missing("remote-gateway", other, "gateway", connection.key))
        ref = ref_of(props.get("localNetworkGateway2"))
        lng = self.graph.get(ref) if isinstance(ref, str) else None
        if lng is not None:
            return self.add(_lng(lng))
        return self.add(_missing("local-gateway", ref, "local network gateway", connection.key))

    def connection(self, connection: Resource, gateway_key: str) -> None:
        props = connection.properties
        target = self.far_end(connection, gateway_key)
        ctype = text(props.get("connectionType")) or "type ?"
        # ExpressRoute always routes by BGP: the flag only means something on IPsec and Vnet2Vnet
        label = [ctype if equals_ci(ctype, "ExpressRoute") else f"{ctype}, BGP {_flag(props.get('enableBgp'))}"]
        status = props.get("connectionStatus")
        if status is not None:
            label.append(text(status))
        self.links.setdefault(connection.key, Link(connection.key, "connection", display_name(connection),
                                                   gateway_key, target, tuple(label), (connection.key,)))

    def spokes(self, site: SiteInfo, vnet_key: str) -> None:
        remotes: dict[str, list[Resource]] = {}
        for peering in self.ix.peerings_of(vnet_key):
            ref = ref_of(peering.properties.get("remoteVirtualNetwork"))
            key = normalise_id(ref) if isinstance(ref, str) else f"?{peering.key}"
            remotes.setdefault(key, []).append(peering)
        for peering in self.ix.peerings_to(vnet_key):
            remotes.setdefault(self.ix.peering_parent_key(peering), []).append(peering)
        for remote_key, peerings in remotes.items():
            remote = self.graph.get(remote_key) if not remote_key.startswith("?") else None
            name = display_name(remote) if remote is not None else (
                _last(remote_key) if not remote_key.startswith("?") else "remote VNet unknown")
            details = [_prefixes(get_path(remote.properties, "addressSpace.addressPrefixes"))
                       if remote is not None else "not in the inputs"]
            label = []
            for peering in peerings:
                props = peering.properties
                here = self.ix.peering_parent_key(peering) == vnet_key
                if site.gateways:
                    side, flag = ("hub", "transit") if here else ("spoke", "use gw")
                else:
                    side, flag = ("this VNet", "use gw") if here else ("remote", "transit")
                value = props.get("allowGatewayTransit" if flag == "transit" else "useRemoteGateways")
                label.append(f"{side}: {flag} {_flag(value)}, fwd {_flag(props.get('allowForwardedTraffic'))}")
            ids = tuple(p.key for p in peerings)
            element_ids = ((remote.key,) if remote is not None else ()) + ids
            self.add(Element(remote_key, "spoke", name, tuple(d for d in details if d), element_ids))
            self.links.setdefault("peer:" + remote_key, Link("peer:" + remote_key, "peering",
                                                              ", ".join(_last(p.name) for p in peerings),
                                                              vnet_key, remote_key, tuple(label), ids))

    def result(self, site_id: str | None, name: str, pattern: str) -> SiteTopology:
        return SiteTopology(site_id, name, pattern, tuple(self.elements.values()), tuple(self.links.values()))


def site_topology(graph: Graph, ix: Lookups, site: SiteInfo) -> SiteTopology:
    builder = _Builder(graph, ix)
    vnet = site.vnet
    details = [_prefixes(get_path(vnet.properties, "addressSpace.addressPrefixes")) or "address space ?"]
    if site.hubs:
        details.append("spoke of " + ", ".join(_last(h) for h in site.hubs))
    builder.add(Element(site.id, "vnet", site.name, tuple(details), (site.id,)))
    subnet = _gateway_subnet(graph, site.id)
    if subnet is not None:
        builder.add(subnet)
    for gateway in sorted(site.gateways, key=lambda g: g.key):
        builder.add(_gateway(graph, gateway))
    for gateway in sorted(site.gateways, key=lambda g: g.key):
        for connection in sorted(ix.connections_of(gateway), key=lambda c: c.key):
            builder.connection(connection, gateway.key)
    builder.spokes(site, site.id)
    pattern = ", ".join(site.patterns) or (site.pattern or "")
    return builder.result(site.id, site.name, pattern)


def outside_topology(graph: Graph, ix: Lookups, shown: set[str]) -> SiteTopology | None:
    """Gateways, connections, local network gateways and circuits drawn in no site diagram."""
    builder = _Builder(graph, ix)
    for gateway in ix.gateways:
        if gateway.key not in shown:
            builder.add(_gateway(graph, gateway))
    for connection in ix.connections:
        if connection.key in shown:
            continue
        gateway_ref = ref_of(connection.properties.get("virtualNetworkGateway1"))
        end = graph.get(gateway_ref) if isinstance(gateway_ref, str) else None
        key = builder.add(_gateway(graph, end) if end is not None
                          else _missing("gateway", gateway_ref, "gateway", connection.key, "gateway"))
        builder.connection(connection, key)
    for subnet in graph.of_type(SUBNET):
        if subnet.key not in shown and equals_ci(subnet.name.rsplit("/", 1)[-1], GATEWAY_SUBNET):
            parent = graph.parent(subnet)
            vnet = display_name(parent) if parent is not None else _last(subnet.key.rsplit("/subnets/", 1)[0])
            builder.add(_subnet(subnet, f"GatewaySubnet of {vnet}"))
    for lng in graph.of_type(LNG):
        if lng.key not in shown:
            builder.add(_lng(lng))
    for circuit in graph.of_type(CIRCUIT):
        if circuit.key not in shown:
            builder.add(_circuit(graph, circuit))
    if not builder.elements:
        return None
    return builder.result(None, "Outside any site", "")


def topologies(graph: Graph, sites: Sequence[SiteInfo]) -> list[SiteTopology]:
    """A topology per site, in site order, then the resources outside any site (if any)."""
    ix = Lookups(graph)
    out = [site_topology(graph, ix, site) for site in sites]
    shown = {key for topology in out for key in
             [e.key for e in topology.elements] + [link.key for link in topology.links]}
    outside = outside_topology(graph, ix, shown)
    if outside is not None:
        out.append(outside)
    return out
