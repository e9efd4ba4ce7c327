"""The subjects policies see: one view per gateway, GatewaySubnet, connection, local network gateway,
circuit, peering, BGP ASN and site, with every derived fact computed here (docs/subjects.md)."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from typing import Any

from checker import facts
from checker.graph import Graph
from checker.model import (
    Resource,
    Secret,
    Unknown,
    equals_ci,
    normalise_id,
    parse_resource_id,
    placeholder_text,
    same_type,
    symbolic_id,
)
from checker.patterns import (
    CONNECTION,
    GATEWAY,
    PATTERNS,
    PEERING,
    DeclaredPatterns,
    SiteInfo,
    detect_sites,
    is_placeholder,
    vnet_id_of_subnet,
)
from checker.subject import Subject

__all__ = ["build_subjects", "display_name", "SiteInfo", "DeclaredPatterns", "SUBJECT_KINDS"]

#: Every subject kind the views produce (docs/subjects.md); policies name one of them.
SUBJECT_KINDS = ("gateway", "gateway-subnet", "connection", "local-gateway", "circuit", "vnet-peering",
                 "bgp-asn", "site")

SUBNET = "Microsoft.Network/virtualNetworks/subnets"
LNG = "Microsoft.Network/localNetworkGateways"
PIP = "Microsoft.Network/publicIPAddresses"
ROUTE_TABLE = "Microsoft.Network/routeTables"
ROUTE = "Microsoft.Network/routeTables/routes"
CIRCUIT = "Microsoft.Network/expressRouteCircuits"
CIRCUIT_PEERING = "Microsoft.Network/expressRouteCircuits/peerings"
NAT_RULE = "Microsoft.Network/virtualNetworkGateways/natRules"
METRIC_ALERT = "Microsoft.Insights/metricAlerts"
VNET = "Microsoft.Network/virtualNetworks"
GATEWAY_SUBNET = "GatewaySubnet"
MIGRATION_TAG = ("CreatedBy", "GatewaySKUMigration")
VPN_LOG_CATEGORIES = ("GatewayDiagnosticLog", "TunnelDiagnosticLog", "RouteDiagnosticLog", "IKEDiagnosticLog")
AZURE_APIPA = ipaddress.ip_network("169.254.21.0/24"), ipaddress.ip_network("169.254.22.0/24")
APIPA = ipaddress.ip_network("169.254.0.0/16")
NON_PUBLIC_V4 = tuple(ipaddress.ip_network(n) for n in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16", "127.0.0.0/8",
    "0.0.0.0/8", "224.0.0.0/4", "240.0.0.0/4"))
LITERAL_SECRET_SOURCES = ("template-literal", "parameter-default", "parameter-file")
LIVE_ONLY = ("provisioningState", "connectionStatus", "tunnelConnectionStatus", "serviceProviderProvisioningState",
             "circuitProvisioningState", "peeringState", "peeringSyncLevel", "ingressBytesTransferred",
             "egressBytesTransferred")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


# ---------------------------------------------------------------------------------------------------
# Small readers: ARM property names compare case-insensitively; Unknown always propagates.
# ---------------------------------------------------------------------------------------------------

def _get(container: Any, path: str) -> Any:
    """``a.b.c`` inside nested dicts; None when absent; the Unknown itself when one is met."""
    current = container
    for part in path.split("."):
        if isinstance(current, Unknown):
            return current
        if not isinstance(current, dict):
            return None
        if part in current:
            current = current[part]
            continue
        lowered = part.lower()
        current = next((v for k, v in current.items() if isinstance(k, str) and k.lower() == lowered), None)
    return current


def _ref(value: Any) -> str | Unknown | None:
    if isinstance(value, dict):
        value = _get(value, "id")
    value = symbolic_id(value) or value  # an id unknown before deployment but built like a declared one
    if isinstance(value, Secret):  # an id passed through a secure parameter: unknown, not absent
        return Unknown(f"the reference comes from a secure value ({value.source}) whose text is not read")
    return value if isinstance(value, (str, Unknown)) else None


def _list(value: Any) -> list[Any] | Unknown:
    if isinstance(value, Unknown):
        return value
    return list(value) if isinstance(value, list) else []


def _items(value: Any) -> list[Any]:
    """The elements of a list; nothing for an absent or unknown list."""
    return list(value) if isinstance(value, list) else []


def _bool(value: Any, default: bool) -> bool | Unknown:
    if isinstance(value, Unknown):
        return value
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return default


def _int(value: Any) -> int | Unknown | None:
    if isinstance(value, Unknown) or value is None:
        return value
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _lower(value: Any) -> str | None:
    return value.lower() if isinstance(value, str) else None


def _first_unknown(values: Iterable[Any]) -> Unknown | None:
    return next((v for v in values if isinstance(v, Unknown)), None)


def _not_in_inputs(kind: str, ref: str) -> Unknown:
    return Unknown(f"{kind} {ref} is not in the inputs")


def _network(text: Any, what: str) -> Network | Unknown:
    if isinstance(text, Unknown):
        return Unknown(f"{what} is not known: {text.reason}")
    try:
        return ipaddress.ip_network(str(text).strip(), strict=False)
    except ValueError:
        return Unknown(f"{what} '{text}' is not a valid CIDR prefix")


def _prefixes(props: dict[str, Any], what: str) -> list[Network | Unknown]:
    """Every prefix of a subnet (``addressPrefix`` and ``addressPrefixes[]``), pitfall 3."""
    out: list[Network | Unknown] = []
    single = _get(props, "addressPrefix")
    if single is not None:
        out.append(_network(single, f"{what} addressPrefix"))
    many = _get(props, "addressPrefixes")
    if isinstance(many, Unknown):
        out.append(Unknown(f"{what} addressPrefixes are not known: {many.reason}"))
    elif isinstance(many, list):
        out.extend(_network(p, f"{what} addressPrefixes") for p in many)
    seen: dict[str, Network | Unknown] = {}
    for item in out:
        seen.setdefault(str(item) if not isinstance(item, Unknown) else repr(item), item)
    return list(seen.values())


def _prefix_list(values: Any, what: str) -> list[Network | Unknown]:
    if isinstance(values, Unknown):
        return [Unknown(f"{what} are not known: {values.reason}")]
    if not isinstance(values, list):
        return []
    return [_network(v, what) for v in values]


def _known(networks: Iterable[Network | Unknown]) -> list[Network]:
    return [n for n in networks if not isinstance(n, Unknown)]


def _overlap_pairs(left: list[tuple[str, Network | Unknown]], right: list[tuple[str, Network | Unknown]],
                   ) -> tuple[list[dict[str, str]], Unknown | None]:
    """Overlapping pairs per address family (pitfall 4); a supernet overlaps (pitfall 13)."""
    pairs = []
    unknown: Unknown | None = None
    for left_owner, a in left:
        for right_owner, b in right:
            if isinstance(a, Unknown):
                unknown = unknown or a
                continue
            if isinstance(b, Unknown):
                unknown = unknown or b
                continue
            if a.version == b.version and a.overlaps(b):
                pairs.append({"left": str(a), "leftOwner": left_owner, "right": str(b), "rightOwner": right_owner})
    return pairs, unknown


def _overlapping_pairs(networks: list[Network]) -> list[tuple[int, int]]:
    """Index pairs (i < j) of overlapping networks of the same address family, by a sweep over the
    networks sorted by first address: O(n log n) plus the pairs found, not every pair compared."""
    order = sorted(range(len(networks)), key=lambda k: (networks[k].version, int(networks[k].network_address)))
    pairs: list[tuple[int, int]] = []
    active: list[int] = []  # networks that may still overlap the next ones, same family
    for k in order:
        net = networks[k]
        start = int(net.network_address)
        active = [a for a in active if networks[a].version == net.version
                  and int(networks[a].broadcast_address) >= start]
        pairs.extend((min(a, k), max(a, k)) for a in active)
        active.append(k)
    return sorted(pairs)


def _count_or_unknown(items: list[Any], unknown: Unknown | None) -> int | Unknown:
    """A definite overlap is a failure whatever else is unknown; no overlap found is only a pass
    when nothing was unknown."""
    if items:
        return len(items)
    return unknown if unknown is not None else 0


def _strip(value: Any) -> Any:
    """Drop None values from the derived facts: an absent fact is "does not exist" for the
    conditions, never null. The resource's own ``properties`` (and everything else the views did not
    derive) are left as they are: the conditions already read a null there as "does not exist", and
    walking every raw body again would cost more than the whole evaluation."""
    if isinstance(value, dict):
        return {k: _strip(v) if k != "properties" and isinstance(v, (dict, list)) else v
                for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_strip(v) if isinstance(v, (dict, list)) else v for v in value]
    return value


def _resource_data(resource: Resource, name: str) -> dict[str, Any]:
    """The facts every single-resource subject starts from: its body, its properties without the
    live-only fields on template data, its short name and the name shown in messages."""
    data: dict[str, Any] = dict(resource.body)
    data["properties"] = _without_live(resource.properties, resource.source)
    data["name"] = name
    data["displayName"] = display_name(resource)
    return data


def _is_public_ipv4(text: str) -> bool | Unknown:
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return False  # a placeholder such as "x.x.x.x" is a value, and not a public address
    if address.version == 6:
        return address.is_global
    return not any(address in net for net in NON_PUBLIC_V4)


# ---------------------------------------------------------------------------------------------------
# Readable names: a name only known at deployment has a placeholder id (<unknown@LINE>); reports say
# what it is instead ("gateway at line 35 (name from parameter 'gatewayName')"). Ids never change.
# ---------------------------------------------------------------------------------------------------

_KIND_LABELS = {
    GATEWAY.lower(): "gateway", CONNECTION.lower(): "connection", PEERING.lower(): "peering",
    SUBNET.lower(): "subnet", LNG.lower(): "local network gateway", PIP.lower(): "public IP",
    ROUTE_TABLE.lower(): "route table", CIRCUIT.lower(): "circuit", VNET.lower(): "virtual network",
}
_PARAMETER_WITHOUT_VALUE = re.compile(r"parameter '([^']+)' has no value")
PLACEHOLDER_MARK = "<unknown@"


def display_name(resource: Resource, with_kind: bool = False) -> str:
    """The name as written when it is known. Otherwise where the resource is declared and which
    parameters its name comes from: ``at line 35 (name from parameter 'gatewayName')``, to follow a
    kind word ("VPN gateway at line 35 ..."); ``with_kind`` puts the kind in front for text that has
    none ("gateway at line 35 ...")."""
    written = resource.body.get("name")
    if PLACEHOLDER_MARK not in resource.name and not isinstance(written, Unknown):
        return resource.name
    if isinstance(written, Unknown) and written.symbol is not None:
        return placeholder_text(written.symbol).rsplit("/", 1)[-1]  # <vnetName>: where the name comes from
    if isinstance(written, str) and PLACEHOLDER_MARK not in written:
        return written.rsplit("/", 1)[-1]  # a child whose parent's name is not known: its own name is
    line = resource.origin.line if resource.origin is not None else None
    where = f"at line {line}" if line else ""
    if with_kind:
        kind = _KIND_LABELS.get(resource.type.lower(), resource.type.rsplit("/", 1)[-1])
        where = f"{kind} {where}".strip()
    names = list(dict.fromkeys(_PARAMETER_WITHOUT_VALUE.findall(written.reason))) if isinstance(
        written, Unknown) else []
    if len(names) == 1:
        source = f"name from parameter '{names[0]}'"
    elif names:
        source = "name from parameters " + ", ".join(f"'{n}'" for n in names)
    else:
        source = "name not known before deployment"
    return f"{where} ({source})".strip()


# ---------------------------------------------------------------------------------------------------
# The views
# ---------------------------------------------------------------------------------------------------

class _Views:
    def __init__(self, graph: Graph, sites: list[SiteInfo]) -> None:
        self.graph = graph
        self.sites = sites
        self.site_by_vnet = {s.id: s for s in sites}
        self.site_by_gateway: dict[str, SiteInfo] = {}
        for site in sites:
            for gateway in site.gateways:
                self.site_by_gateway[gateway.key] = site
        self.gateways = graph.of_type(GATEWAY)
        self.connections = graph.of_type(CONNECTION)
        self.peerings = graph.of_type(PEERING)
        self._gateway_cache: dict[str, dict[str, Any]] = {}
        self._onprem_cache: dict[str, tuple[list[Any], list[Unknown]]] = {}
        self._type_counts: dict[str, dict[str | None, tuple[int, int]]] = {}
        # Indexes built once: a hub with hundreds of branch connections must not be scanned again
        # for every gateway and local network gateway.
        self.connections_by_gateway: dict[str, list[Resource]] = {}
        self.connections_by_local_gateway: dict[str, list[Resource]] = {}
        self.connections_by_circuit: dict[str, list[Resource]] = {}
        for connection in self.connections:
            props = connection.properties
            ends = {normalise_id(e) for e in (_ref(props.get("virtualNetworkGateway1")),
                                              _ref(props.get("virtualNetworkGateway2"))) if isinstance(e, str)}
            for end in ends:
                self.connections_by_gateway.setdefault(end, []).append(connection)
            local = _ref(props.get("localNetworkGateway2"))
            if isinstance(local, str):
                self.connections_by_local_gateway.setdefault(normalise_id(local), []).append(connection)
            peer = _ref(props.get("peer"))
            if isinstance(peer, str):
                self.connections_by_circuit.setdefault(normalise_id(peer), []).append(connection)

    # -- shared lookups ---------------------------------------------------------------------------

    def vnet_gateways(self, vnet_key: str) -> list[Resource]:
        site = self.site_by_vnet.get(vnet_key)
        return list(site.gateways) if site else []

    def gateway_type_counts(self, site: SiteInfo) -> dict[str | None, tuple[int, int]]:
        """Per gateway type (lower-case) of a site: (gateways, gateways not tagged as a SKU
        migration), counted once per site."""
        counts = self._type_counts.get(site.id)
        if counts is None:
            counts = {}
            for gateway in site.gateways:
                kind = gateway.properties.get("gatewayType")
                key = kind.lower() if isinstance(kind, str) else None
                total, untagged = counts.get(key, (0, 0))
                counts[key] = (total + 1, untagged + (_migration_tagged(gateway) is not True))
            self._type_counts[site.id] = counts
        return counts

    def site_of_connections(self, connections: Iterable[Resource]) -> SiteInfo | None:
        """The site of the first connection whose Azure-side gateway belongs to one."""
        for connection in connections:
            gateway = self.graph.get(_ref(connection.properties.get("virtualNetworkGateway1")))
            if gateway is not None and gateway.key in self.site_by_gateway:
                return self.site_by_gateway[gateway.key]
        return None

    def connections_of(self, gateway: Resource) -> list[Resource]:
        return list(self.connections_by_gateway.get(gateway.key, ()))

    def peering_parent_key(self, peering: Resource) -> str:
        parent = self.graph.parent(peering)
        return parent.key if parent else peering.key.rsplit("/virtualnetworkpeerings/", 1)[0]

    def subnet_view(self, subnet_ref: str | Unknown | None, what: str) -> dict[str, Any]:
        """The subnet an ipConfiguration points at, with its GatewaySubnet facts."""
        if subnet_ref is None:
            return {"exists": False}
        if isinstance(subnet_ref, Unknown):
            reason = Unknown(f"{what} subnet is not known: {subnet_ref.reason}")
            return {"exists": reason, "isGatewaySubnet": reason, "prefixLength": reason, "hasNsg": reason}
        subnet = self.graph.get(subnet_ref)
        vnet_key = vnet_id_of_subnet(subnet_ref)
        name = subnet_ref.rstrip("/").rsplit("/", 1)[-1]
        if subnet is None:
            vnet = self.graph.get(vnet_key) if vnet_key else None
            declared = vnet.properties.get("subnets") if vnet is not None else None
            if vnet is not None and isinstance(declared, Unknown):
                reason = Unknown(f"subnets of virtual network {display_name(vnet)} are not known: {declared.reason}")
                return {"id": subnet_ref, "name": name, "exists": reason, "isGatewaySubnet": reason,
                        "nameIsExact": name == GATEWAY_SUBNET, "prefixLength": reason, "hasNsg": reason,
                        "vnetId": vnet_key}
            if vnet is None or is_placeholder(vnet):
                reason = Unknown(f"virtual network {vnet_key or subnet_ref} of {what} is not in the inputs")
                return {"id": subnet_ref, "name": name, "exists": reason, "isGatewaySubnet": reason,
                        "nameIsExact": name == GATEWAY_SUBNET, "prefixLength": reason, "hasNsg": reason,
                        "vnetId": vnet_key}
            unnamed = next((c.body.get("name") for c in self.graph.children(vnet, SUBNET)
                            if isinstance(c.body.get("name"), Unknown)), None)
            if unnamed is not None:  # a subnet whose name is only known at deployment may be this one
                reason = Unknown(f"a subnet of virtual network {display_name(vnet)} has a name only known at "
                                 f"deployment ({unnamed.reason})")
                return {"id": subnet_ref, "name": name, "exists": reason, "isGatewaySubnet": reason,
                        "nameIsExact": name == GATEWAY_SUBNET, "prefixLength": reason, "hasNsg": reason,
                        "vnetId": vnet_key}
            return {"id": subnet_ref, "name": name, "exists": False, "isGatewaySubnet": False,
                    "nameIsExact": name == GATEWAY_SUBNET, "vnetId": vnet_key}
        view = self.subnet_facts(subnet)
        view["exists"] = True
        view["vnetId"] = vnet_key
        return view

    def subnet_facts(self, subnet: Resource) -> dict[str, Any]:
        props = subnet.properties
        networks = _prefixes(props, f"subnet {display_name(subnet)}")
        unknown = _first_unknown(networks)
        v4 = [n for n in _known(networks) if n.version == 4]
        v6 = [n for n in _known(networks) if n.version == 6]
        prefix_length: Any
        if unknown is not None:
            prefix_length = unknown
        else:
            prefix_length = min((n.prefixlen for n in v4), default=None)
        nsg = _ref(props.get("networkSecurityGroup")) if "networkSecurityGroup" in props else None
        raw_nsg = props.get("networkSecurityGroup")
        has_nsg: Any
        if isinstance(raw_nsg, Unknown) or isinstance(nsg, Unknown):
            has_nsg = raw_nsg if isinstance(raw_nsg, Unknown) else nsg
        else:
            has_nsg = bool(nsg)
        return {
            "id": subnet.id, "name": subnet.name.rsplit("/", 1)[-1],
            "isGatewaySubnet": equals_ci(subnet.name.rsplit("/", 1)[-1], GATEWAY_SUBNET),
            "nameIsExact": subnet.name.rsplit("/", 1)[-1] == GATEWAY_SUBNET,
            "addressPrefixes": [str(n) if not isinstance(n, Unknown) else n for n in networks],
            "ipv4Prefixes": [str(n) for n in v4], "ipv6Prefixes": [str(n) for n in v6],
            "prefixLength": prefix_length, "hasNsg": has_nsg,
            "nsgId": nsg if isinstance(nsg, str) else None,
        }

    def route_table_view(self, subnet: Resource) -> dict[str, Any]:
        props = subnet.properties
        raw = props.get("routeTable")
        ref = _ref(raw)
        if raw is None or ref is None and not isinstance(raw, Unknown):
            return {"attached": False, "routes": [], "defaultRouteCount": 0}
        if isinstance(raw, Unknown) or isinstance(ref, Unknown):
            reason = raw if isinstance(raw, Unknown) else ref
            assert isinstance(reason, Unknown)
            unknown = Unknown(f"route table of subnet {display_name(subnet)} is not known: {reason.reason}")
            return {"attached": True, "exists": unknown, "routes": unknown, "defaultRouteCount": unknown,
                    "disableBgpRoutePropagation": unknown}
        table = self.graph.get(ref)
        if table is None:
            unknown = _not_in_inputs("route table", str(ref))
            return {"attached": True, "id": ref, "exists": unknown, "routes": unknown,
                    "defaultRouteCount": unknown, "disableBgpRoutePropagation": unknown}
        routes: list[Any] = []
        unknown_route = None
        for route in self.graph.children(table, ROUTE):
            prefix = _get(route.properties, "addressPrefix")
            if isinstance(prefix, Unknown):
                unknown_route = unknown_route or prefix
            routes.append({"name": route.name.rsplit("/", 1)[-1], "addressPrefix": prefix,
                           "nextHopType": _get(route.properties, "nextHopType") or _get(route.properties, "nextHop"),
                           "nextHopIpAddress": _get(route.properties, "nextHopIpAddress")})
        inline = table.properties.get("routes")
        if isinstance(inline, Unknown):
            unknown_route = inline
        defaults = [r for r in routes if isinstance(r["addressPrefix"], str)
                    and r["addressPrefix"].replace(" ", "") in ("0.0.0.0/0", "::/0")]
        default_count: Any = len(defaults) if defaults or unknown_route is None else unknown_route
        return {"attached": True, "id": table.id, "name": table.name, "exists": True, "routes": routes,
                "defaultRouteCount": default_count,
                "disableBgpRoutePropagation": _bool(table.properties.get("disableBgpRoutePropagation"), False)}

    def vnet_view(self, vnet_key: str | None) -> dict[str, Any]:
        if not vnet_key:
            return {"exists": False}
        vnet = self.graph.get(vnet_key)
        if vnet is None or is_placeholder(vnet):
            unknown = _not_in_inputs("virtual network", vnet_key)
            name = vnet_key.rsplit("/", 1)[-1]
            return {"id": vnet_key, "name": name, "displayName": display_name(vnet) if vnet is not None else name,
                    "exists": unknown, "addressPrefixes": unknown}
        prefixes = _get(vnet.properties, "addressSpace.addressPrefixes")
        return {"id": vnet.id, "name": vnet.name, "displayName": display_name(vnet), "exists": True,
                "location": vnet.body.get("location"),
                "addressPrefixes": prefixes if isinstance(prefixes, (list, Unknown)) else []}

    def vnet_networks(self, vnet_key: str) -> list[tuple[str, Network | Unknown]]:
        vnet = self.graph.get(vnet_key)
        if vnet is None or is_placeholder(vnet):
            return [(vnet_key, _not_in_inputs("virtual network", vnet_key))]
        name = display_name(vnet, with_kind=True)
        prefixes = _prefix_list(_get(vnet.properties, "addressSpace.addressPrefixes"),
                                f"address space of virtual network {name}")
        return [(name, p) for p in prefixes]

    # -- gateway ----------------------------------------------------------------------------------

    def public_ip_view(self, ref: str | Unknown, gateway: Resource) -> dict[str, Any]:
        region = gateway.body.get("location")
        if isinstance(ref, Unknown):
            unknown = Unknown(f"public IP of gateway {display_name(gateway)} is not known: {ref.reason}")
            return {"exists": unknown, "sku": unknown, "allocationMethod": unknown, "standardStatic": unknown,
                    "zoneRedundant": unknown}
        pip = self.graph.get(ref)
        if pip is None:
            unknown = _not_in_inputs("public IP", ref)
            return {"id": ref, "exists": unknown, "sku": unknown, "allocationMethod": unknown,
                    "standardStatic": unknown, "zoneRedundant": unknown}
        sku = _get(pip.body, "sku.name")
        if sku is None:
            sku = "Basic"  # ARM default for a public IP without sku (azbb isPublic, pitfall 17)
        method = _get(pip.properties, "publicIPAllocationMethod")
        if method is None:
            method = "Static" if equals_ci(sku, "Standard") else "Dynamic"  # ARM defaults per sku
        zones = pip.body.get("zones")
        standard_static: Any = _first_unknown([sku, method])
        if standard_static is None:
            standard_static = equals_ci(sku, "Standard") and equals_ci(method, "Static")
        return {"id": pip.id, "name": pip.name, "exists": True, "sku": sku, "allocationMethod": method,
                "zones": zones, "standardStatic": standard_static,
                "zoneRedundant": self.zone_redundant(zones, pip.body.get("location") or region)}

    @staticmethod
    def zone_redundant(zones: Any, region: Any) -> bool | Unknown:
        if isinstance(zones, Unknown):
            return zones
        if not isinstance(region, str):
            return Unknown("the region is not known")
        all_zones = facts.ZONES_BY_REGION.get(facts.normalise_region(region))
        if all_zones is None:
            return Unknown(f"region {region} is not in the availability-zone table")
        if not zones:
            return Unknown(f"public IP in {region} has no zones: whether it is zone-redundant depends on when "
                           "it was created (pitfall 19); set zones explicitly")
        if not isinstance(zones, list):
            return Unknown(f"zones of the public IP is not a list: {zones!r}")
        return {str(z) for z in zones} >= set(all_zones)

    @staticmethod
    def region_has_zones(region: Any) -> bool | Unknown:
        if isinstance(region, Unknown):
            return region
        if not isinstance(region, str):
            return Unknown("the region is not known")
        key = facts.normalise_region(region)
        if key in facts.ZONES_BY_REGION:
            return True
        if key in facts.REGIONS_WITHOUT_ZONES:
            return False
        return Unknown(f"region {region} is not in the availability-zone table")

    def circuit_of(self, connection: Resource) -> tuple[Resource | None, str | Unknown | None]:
        ref = _ref(connection.properties.get("peer"))
        if isinstance(ref, str):
            return self.graph.get(ref), ref
        return None, ref

    def circuit_facts(self, circuit: Resource | None, ref: str | Unknown | None) -> dict[str, Any]:
        if circuit is None:
            if ref is None:
                return {"exists": False}
            unknown = ref if isinstance(ref, Unknown) else _not_in_inputs("circuit", ref)
            return {"id": ref if isinstance(ref, str) else None,
                    "displayName": ref.rsplit("/", 1)[-1] if isinstance(ref, str) else None,
                    "exists": unknown, "bandwidthMbps": unknown,
                    "peeringLocation": unknown, "tier": unknown}
        props = circuit.properties
        bandwidth: Any = _get(props, "serviceProviderProperties.bandwidthInMbps")
        if bandwidth is None and _get(props, "bandwidthInGbps") is not None:
            gbps = _get(props, "bandwidthInGbps")
            bandwidth = gbps if isinstance(gbps, Unknown) else (gbps * 1000 if isinstance(gbps, (int, float)) else None)
        location = _get(props, "serviceProviderProperties.peeringLocation")
        if location is None and _ref(props.get("expressRoutePort")) is not None:
            port = self.graph.get(_ref(props.get("expressRoutePort")))
            location = _get(port.properties, "peeringLocation") if port else Unknown(
                f"ExpressRoute port of circuit {display_name(circuit)} is not in the inputs")
        return {"id": circuit.id, "name": circuit.name, "displayName": display_name(circuit), "exists": True,
                "bandwidthMbps": bandwidth if bandwidth is not None else Unknown(
                    f"bandwidth of circuit {display_name(circuit)} is not set"),
                "peeringLocation": location if location is not None else Unknown(
                    f"peering location of circuit {display_name(circuit)} is not set"),
                "serviceProviderName": _get(props, "serviceProviderProperties.serviceProviderName"),
                "tier": _get(circuit.body, "sku.tier")}

    def gateway_data(self, gateway: Resource) -> dict[str, Any]:
        if gateway.key in self._gateway_cache:
            return self._gateway_cache[gateway.key]
        props = gateway.properties
        gateway_type = props.get("gatewayType")
        is_vpn = equals_ci(gateway_type, "Vpn")
        is_er = equals_ci(gateway_type, "ExpressRoute")
        sku_name = _get(props, "sku.name")
        if sku_name is None:
            sku_name = _get(gateway.body, "sku.name")
        if sku_name is None:
            sku_name = Unknown(f"gateway {display_name(gateway)} sets no sku: the SKU is left to the API default")
        sku_key = _lower(sku_name)
        vpn_type = props.get("vpnType")
        if vpn_type is None and is_vpn:
            vpn_type = "RouteBased"  # ARM default
        active_active = _bool(props.get("activeActive"), False)
        enable_bgp = _bool(props.get("enableBgp"), False)
        region = gateway.body.get("location")

        # ipConfigurations: subnet and public IP of each instance
        raw_configs = _list(props.get("ipConfigurations"))
        configs: list[dict[str, Any]] = []
        public_ips: list[dict[str, Any]] = []
        subnet: dict[str, Any] = {"exists": False}
        config_count: Any = raw_configs if isinstance(raw_configs, Unknown) else len(raw_configs)
        if isinstance(raw_configs, Unknown):
            subnet = self.subnet_view(raw_configs, f"gateway {display_name(gateway)}")
        else:
            for index, config in enumerate(raw_configs):
                cprops = _get(config, "properties") if isinstance(config, dict) else None
                subnet_ref = _ref(_get(cprops, "subnet")) if cprops is not None else None
                if isinstance(cprops, Unknown) or isinstance(config, Unknown):
                    subnet_ref = cprops if isinstance(cprops, Unknown) else config
                view = self.subnet_view(subnet_ref, f"gateway {display_name(gateway)}")
                if index == 0:
                    subnet = view
                pip_ref = _ref(_get(cprops, "publicIPAddress")) if isinstance(cprops, dict) else None
                if isinstance(cprops, Unknown):
                    pip_ref = cprops
                pip_view = self.public_ip_view(pip_ref, gateway) if pip_ref is not None else None
                if pip_view is not None:
                    public_ips.append(pip_view)
                configs.append({"name": _get(config, "name"), "subnetId": subnet_ref,
                                "inGatewaySubnet": view.get("isGatewaySubnet", False),
                                "sameSubnetAsFirst": (subnet_ref == configs[0]["subnetId"] if configs
                                                      else True) if isinstance(subnet_ref, str) else subnet_ref,
                                "publicIpId": pip_ref})
        if configs:
            subnet["allIpConfigurationsInGatewaySubnet"] = _all([c["inGatewaySubnet"] for c in configs])
            same = [_same_subnet(configs[0]["subnetId"], c["subnetId"]) for c in configs]
            subnet["allIpConfigurationsSameSubnet"] = _all(same)
        # an IP reference that is not known has no id: it may or may not repeat another one
        pip_ids = [p.get("id") if isinstance(p.get("id"), str) else p.get("exists") for p in public_ips]
        known_ids = [normalise_id(i) for i in pip_ids if isinstance(i, str)]
        pips_distinct: Any = len(set(known_ids)) == len(known_ids) and (
            len(pip_ids) <= 1 or _first_unknown(pip_ids) or True)
        non_standard = [p for p in public_ips if p["standardStatic"] is not True]
        non_standard_count: Any = _count_or_unknown(
            [p for p in non_standard if p["standardStatic"] is False],
            _first_unknown(p["standardStatic"] for p in non_standard))

        # connections
        connections = []
        for connection in self.connections_of(gateway):
            connections.append(self.connection_brief(connection, gateway))
        vpn_connections = [c for c in connections if c["connectionType"] in ("IPsec", "Vnet2Vnet")]
        er_connections = [c for c in connections if c["connectionType"] == "ExpressRoute"]
        unknown_type = _first_unknown(c["connectionType"] for c in connections)
        tunnels_per_connection = 2 if active_active is True else 1
        tunnel_count: Any = unknown_type or (
            active_active if isinstance(active_active, Unknown) else len(vpn_connections) * tunnels_per_connection)
        tunnel_limit: Any = facts.VPN_TUNNEL_LIMITS.get(sku_key or "") if sku_key else None
        if tunnel_limit is None:
            tunnel_limit = sku_name if isinstance(sku_name, Unknown) else Unknown(
                f"no tunnel limit known for VPN gateway SKU {sku_name}")
        tunnel_headroom = _first_unknown([tunnel_count, tunnel_limit])
        if tunnel_headroom is None:
            tunnel_headroom = tunnel_limit - tunnel_count

        data: dict[str, Any] = dict(gateway.body)
        data.update({
            "name": gateway.name, "displayName": display_name(gateway), "location": region,
            "gatewayType": gateway_type, "vpnType": vpn_type,
            "skuName": sku_name, "skuTier": _get(props, "sku.tier"),
            "isAzSku": sku_name if isinstance(sku_name, Unknown) else (sku_key in facts.AZ_GATEWAY_SKUS),
            "activeActive": active_active, "enableBgp": enable_bgp,
            "generation": props.get("vpnGatewayGeneration"),
            "generationValid": _generation_valid(sku_key, props.get("vpnGatewayGeneration")),
            "migrationTagged": _migration_tagged(gateway),
            "ipConfigurations": configs, "ipConfigurationCount": config_count,
            "subnet": subnet, "vnet": self.vnet_view(subnet.get("vnetId") if isinstance(subnet.get("vnetId"), str)
                                                     else None),
            "publicIps": public_ips, "publicIpCount": len(public_ips), "publicIpsDistinct": pips_distinct,
            "nonStandardStaticPublicIpCount": non_standard_count,
            "nonZoneRedundantPublicIpCount": _count_or_unknown(
                [p for p in public_ips if p.get("zoneRedundant") is False],
                _first_unknown(p.get("zoneRedundant") for p in public_ips)),
            "regionHasZones": self.region_has_zones(region),
            "connections": connections, "connectionCount": len(connections),
            "vpnConnectionCount": len(vpn_connections),
            "s2sConnectionCount": len([c for c in connections if c["connectionType"] == "IPsec"]),
            "erConnectionCount": unknown_type or len(er_connections),
            "nonBgpS2sConnectionCount": _count_or_unknown(
                [c for c in vpn_connections if c["connectionType"] == "IPsec" and c["enableBgp"] is False],
                _first_unknown(c["enableBgp"] for c in vpn_connections)),
            "tunnelCount": tunnel_count, "tunnelLimit": tunnel_limit, "tunnelHeadroom": tunnel_headroom,
            "diagnostics": self.diagnostics(gateway),
            "bgp": self.gateway_bgp(gateway, connections),
            "autoScale": _autoscale(props),
        })
        if is_er:
            data["er"] = self.er_facts(gateway, sku_key, sku_name, er_connections)
        if gateway.source == "live":
            data["provisioningState"] = props.get("provisioningState")
            peers = gateway.metadata.get("bgpPeerStatus", _get(props, "bgpPeerStatus"))
            if peers is None:
                peers = Unknown("BGP peer status (getBgpPeerStatus) was not collected")
            data["bgpPeers"] = peers
            data["bgpPeerNotConnectedCount"] = peers if isinstance(peers, Unknown) else len(
                [p for p in peers if not equals_ci(_get(p, "state"), "Connected")])
        data["properties"] = _without_live(props, gateway.source)
        self._gateway_cache[gateway.key] = data
        return data

    def connection_brief(self, connection: Resource, gateway: Resource | None = None) -> dict[str, Any]:
        props = connection.properties
        ctype = _canonical(props.get("connectionType"), ("IPsec", "Vnet2Vnet", "ExpressRoute", "VPNClient"))
        peer_kind = None
        if _ref(props.get("localNetworkGateway2")) is not None:
            peer_kind = "local-gateway"
        elif _ref(props.get("peer")) is not None:
            peer_kind = "circuit"
        elif _ref(props.get("virtualNetworkGateway2")) is not None:
            peer_kind = "gateway"
        return {"id": connection.id, "name": connection.name, "displayName": display_name(connection),
                "connectionType": ctype, "peerKind": peer_kind,
                "enableBgp": _bool(props.get("enableBgp"), False),
                "routingWeight": props.get("routingWeight"),
                "hasSharedKey": props.get("sharedKey") is not None}

    def diagnostics(self, gateway: Resource) -> dict[str, Any]:
        settings = [self.graph.get(r.source) for r in self.graph.relations_to(gateway, "diagnostic-target")]
        categories: set[str] = set()
        unknown: Unknown | None = None
        destinations = 0
        metrics = False
        for setting in settings:
            if setting is None:
                continue
            props = setting.properties
            dest = [props.get(k) for k in ("workspaceId", "storageAccountId", "eventHubAuthorizationRuleId")]
            workspace = props.get("workspaceId")
            if isinstance(workspace, Unknown):
                unknown = unknown or workspace
            has_workspace = isinstance(workspace, str) and bool(workspace.strip())
            if any(isinstance(d, (str, Unknown)) and d for d in dest):
                destinations += 1
            logs = props.get("logs")
            if isinstance(logs, Unknown):
                unknown = unknown or logs
                continue
            for log in logs if isinstance(logs, list) else []:
                enabled = _bool(_get(log, "enabled"), False)
                if isinstance(enabled, Unknown):
                    unknown = unknown or enabled
                    continue
                if not enabled or not has_workspace:
                    continue
                category = _get(log, "category")
                group = _get(log, "categoryGroup")
                if isinstance(category, str):
                    categories.add(category.lower())
                if isinstance(group, str) and group.lower() == "alllogs":
                    categories.update(c.lower() for c in VPN_LOG_CATEGORIES)
            for metric in _items(props.get("metrics")):
                if _bool(_get(metric, "enabled"), False) is True:
                    metrics = True
        missing = [c for c in VPN_LOG_CATEGORIES if c.lower() not in categories]
        missing_count: Any = len(missing) if not missing or unknown is None else unknown
        alerts, alert_unknown = self.metric_alerts(gateway)
        monitored: Any = (destinations > 0 and (metrics or bool(categories))) or alerts > 0 or (
            unknown or alert_unknown or False)
        # What the rule asks for depends on the gateway type (catalogue GW-DIAG-LOGS): the four VPN
        # log categories to a workspace, or for ExpressRoute metrics/alerts.
        gateway_type = gateway.properties.get("gatewayType")
        required: Any
        if isinstance(gateway_type, Unknown):
            required = gateway_type
        elif equals_ci(gateway_type, "ExpressRoute"):
            required = [] if monitored is True else (
                monitored if isinstance(monitored, Unknown) else ["metrics or logs sent to a destination, "
                                                                  "or a metric alert on the gateway"])
        else:
            required = missing if not missing or unknown is None else unknown
        return {"settingCount": len([s for s in settings if s is not None]),
                "enabledLogCategories": sorted(categories), "missingVpnLogCategories": missing,
                "missingVpnLogCategoryCount": missing_count, "destinationCount": destinations,
                "metricsEnabled": metrics, "metricAlertCount": alert_unknown or alerts,
                "monitored": monitored, "missing": required}

    def metric_alerts(self, gateway: Resource) -> tuple[int, Unknown | None]:
        """Enabled metric alerts whose scopes include the gateway."""
        count = 0
        unknown: Unknown | None = None
        for alert in self.graph.of_type(METRIC_ALERT):
            scopes = _list(alert.properties.get("scopes"))
            if isinstance(scopes, Unknown):
                unknown = unknown or scopes
                continue
            enabled = _bool(alert.properties.get("enabled"), True)
            targets = [scope for scope in scopes if isinstance(scope, str) and normalise_id(scope) == gateway.key]
            if not targets:
                unknown = unknown or _first_unknown(scopes)
                continue
            if isinstance(enabled, Unknown):
                unknown = unknown or enabled
            elif enabled:
                count += 1
        return count, (unknown if count == 0 else None)

    def gateway_bgp(self, gateway: Resource, connections: list[dict[str, Any]]) -> dict[str, Any]:
        props = gateway.properties
        asn = _int(_get(props, "bgpSettings.asn"))
        custom: list[Any] = []
        unknown: Unknown | None = None
        peering_addresses = _get(props, "bgpSettings.bgpPeeringAddresses")
        if isinstance(peering_addresses, Unknown):
            unknown = peering_addresses
        for entry in peering_addresses if isinstance(peering_addresses, list) else []:
            addresses = _get(entry, "customBgpIpAddresses")
            if isinstance(addresses, Unknown):
                unknown = unknown or addresses
                continue
            custom.extend(addresses if isinstance(addresses, list) else [])
        for connection in self.connections_of(gateway):
            entries = _list(connection.properties.get("gatewayCustomBgpIpAddresses"))
            if isinstance(entries, Unknown):
                unknown = unknown or entries
                entries = []
            for entry in entries:
                if isinstance(entry, Unknown):
                    unknown = unknown or entry
                    continue
                address = _get(entry, "customBgpIpAddress")
                if address is not None and address not in custom:
                    custom.append(address)
        views = []
        for address in custom:
            if isinstance(address, Unknown):
                unknown = unknown or address
                continue
            try:
                ip = ipaddress.ip_address(str(address).strip())
                in_range: Any = any(ip in net for net in AZURE_APIPA)
            except ValueError:
                in_range = False
            views.append({"address": address, "inAzureRange": in_range})
        known = [str(v["address"]) for v in views]
        duplicates = len(known) - len(set(known))
        out_of_range = [v for v in views if v["inAzureRange"] is False]
        # an APIPA on-premises peer needs a custom APIPA address on the Azure side (D-BGPHOW)
        apipa_peer = False
        for connection in self.connections_of(gateway):
            lng = self.graph.get(_ref(connection.properties.get("localNetworkGateway2")))
            peer = _get(lng.properties, "bgpSettings.bgpPeeringAddress") if lng else None
            if isinstance(peer, str):
                try:
                    if ipaddress.ip_address(peer.strip()) in APIPA:
                        apipa_peer = True
                except ValueError:
                    pass
        return {"asn": asn if asn is not None else 65515, "asnDefaulted": asn is None,
                "customApipaAddresses": views,
                "outOfRangeApipaCount": _count_or_unknown(out_of_range, unknown),
                "duplicateApipaCount": duplicates,
                "apipaPeerWithoutCustomAddress": (apipa_peer and not views) if unknown is None or views else unknown}

    def er_facts(self, gateway: Resource, sku_key: str | None, sku_name: Any,
                 er_connections: list[dict[str, Any]]) -> dict[str, Any]:
        circuits = []
        for brief in er_connections:
            connection = self.graph.get(brief["id"])
            if connection is None:
                continue
            circuit, ref = self.circuit_of(connection)
            circuits.append(self.circuit_facts(circuit, ref))
        bandwidths = [c.get("bandwidthMbps") for c in circuits]
        max_bw: Any = _first_unknown(bandwidths)
        if max_bw is None:
            max_bw = max((b for b in bandwidths if isinstance(b, (int, float))), default=0)
        capacity: Any
        if isinstance(sku_name, Unknown):
            capacity = sku_name
        elif sku_key == "ergwscale":
            upper = _int(_get(gateway.properties, "autoScaleConfiguration.bounds.max"))
            capacity = upper * facts.ER_SCALE_UNIT_MBPS if isinstance(upper, int) else (
                upper if isinstance(upper, Unknown) else Unknown(f"ErGwScale gateway {display_name(gateway)} has no "
                                                                  "autoScaleConfiguration.bounds.max"))
        else:
            capacity = facts.ER_GATEWAY_MBPS.get(sku_key or "") or Unknown(
                f"no throughput known for ExpressRoute gateway SKU {sku_name}")
        headroom = _first_unknown([capacity, max_bw])
        if headroom is None:
            headroom = capacity - max_bw
        limit: Any = facts.ER_MAX_CIRCUITS.get(sku_key or "") if sku_key else None
        if limit is None:
            limit = sku_name if isinstance(sku_name, Unknown) else Unknown(
                f"no circuit limit known for ExpressRoute gateway SKU {sku_name}")
        circuit_headroom = limit if isinstance(limit, Unknown) else limit - len(er_connections)
        locations = [c.get("peeringLocation") for c in circuits]
        per_location: dict[str, int] = {}
        for loc in locations:
            if isinstance(loc, str):
                key = facts.normalise_peering_location(loc)
                per_location[key] = per_location.get(key, 0) + 1
        most = max(per_location.values(), default=0)
        loc_unknown = _first_unknown(locations)
        max_same: Any = most if most > facts.ER_MAX_CIRCUITS_PER_PEERING_LOCATION or loc_unknown is None \
            else loc_unknown
        # With no more circuits than the per-location limit, no unknown location can break it.
        within_limit: Any = (True if len(locations) <= facts.ER_MAX_CIRCUITS_PER_PEERING_LOCATION
                             else max_same if isinstance(max_same, Unknown)
                             else max_same <= facts.ER_MAX_CIRCUITS_PER_PEERING_LOCATION)
        return {"circuits": circuits, "linkedCircuitCount": len(circuits), "capacityMbps": capacity,
                "maxCircuitBandwidthMbps": max_bw, "throughputHeadroomMbps": headroom,
                "circuitLimit": limit, "circuitHeadroom": circuit_headroom,
                "maxCircuitsSamePeeringLocation": max_same, "samePeeringLocationWithinLimit": within_limit}

    # -- subjects ---------------------------------------------------------------------------------

    def inferred(self, *patterns: str) -> tuple[str, ...]:
        return tuple(p for p in PATTERNS if p in patterns)

    def gateway_subject(self, gateway: Resource) -> Subject:
        data = self.gateway_data(gateway)
        site = self.site_by_gateway.get(gateway.key)
        if site is not None:
            patterns = site.patterns
            gateway_type = gateway.properties.get("gatewayType")
            same_type, untagged = self.gateway_type_counts(site).get(
                gateway_type.lower() if isinstance(gateway_type, str) else None, (0, 0))
            tagged = _migration_tagged(gateway) is True
            data["sameTypeGatewayCount"] = same_type - 1
            data["sameTypeGatewayCountExcludingMigration"] = 0 if tagged else untagged - 1
        elif equals_ci(data.get("gatewayType"), "ExpressRoute"):
            patterns = self.inferred("expressroute", "expressroute-vpn-failover")
        elif equals_ci(data.get("gatewayType"), "Vpn"):
            patterns = self.inferred("vpn", "expressroute-vpn-failover")
        else:
            patterns = PATTERNS
        return Subject("gateway", gateway, _strip(data), site.id if site else None, patterns, gateway.origin)

    def gateway_subnet_subject(self, subnet: Resource) -> Subject:
        vnet_key = vnet_id_of_subnet(subnet.id) or ""
        site = self.site_by_vnet.get(vnet_key)
        data: dict[str, Any] = dict(subnet.body)
        data.update(self.subnet_facts(subnet))
        data["properties"] = _without_live(subnet.properties, subnet.source)
        data["vnet"] = self.vnet_view(vnet_key)
        data["routeTable"] = self.route_table_view(subnet)
        gateways = [g for g in self.gateways
                    if any(isinstance(c["subnetId"], str) and normalise_id(c["subnetId"]) == subnet.key
                           for c in self.gateway_data(g)["ipConfigurations"])]
        data["gateways"] = [{"name": g.name, "gatewayType": g.properties.get("gatewayType"),
                             "skuName": self.gateway_data(g)["skuName"]} for g in gateways]
        data["gatewayCount"] = len(gateways)
        data["onlyVpnBasic"] = bool(gateways) and all(
            equals_ci(g.properties.get("gatewayType"), "Vpn") and equals_ci(self.gateway_data(g)["skuName"], "Basic")
            for g in gateways)
        users = [r.source for r in self.graph.relations_to(subnet, "ip-configuration-subnet")]
        if subnet.source == "live":
            for config in _items(subnet.properties.get("ipConfigurations")):
                ref = _ref(config)
                if isinstance(ref, str) and "/virtualnetworkgateways/" not in ref.lower():
                    users.append(normalise_id(ref))
        users = sorted(set(users))
        data["nonGatewayUsers"] = users
        data["nonGatewayUserCount"] = len(users)
        data["nonGatewayUserNames"] = [u.rstrip("/").rsplit("/", 1)[-1] for u in users]
        data["placement"] = self.placement(subnet, vnet_key)
        patterns = site.patterns if site else PATTERNS
        return Subject("gateway-subnet", subnet, _strip(data), site.id if site else None, patterns, subnet.origin)

    def placement(self, subnet: Resource, vnet_key: str) -> dict[str, Any]:
        networks = _prefixes(subnet.properties, f"subnet {display_name(subnet)}")
        blocks = self.vnet_networks(vnet_key)
        unknown = _first_unknown(networks) or _first_unknown(b for _, b in blocks)
        if unknown is not None:
            return {"atTopOfBlock": unknown, "fillsBlock": unknown}
        for network in _known(networks):
            if network.version != 4:
                continue
            for _, block in blocks:
                assert not isinstance(block, Unknown)
                if block.version == 4 and network.subnet_of(block):  # type: ignore[arg-type]
                    # a GatewaySubnet that is the whole block leaves no room for anything else
                    return {"atTopOfBlock": network.broadcast_address == block.broadcast_address,
                            "block": str(block), "fillsBlock": network == block}
        return {"atTopOfBlock": False, "fillsBlock": False}

    def connection_subject(self, connection: Resource, secret_groups: dict[str, list[Resource]]) -> Subject:
        props = connection.properties
        brief = self.connection_brief(connection)
        data: dict[str, Any] = dict(connection.body)
        data["properties"] = _without_live(props, connection.source)
        data.update(brief)
        gw1_ref = _ref(props.get("virtualNetworkGateway1"))
        gw2_ref = _ref(props.get("virtualNetworkGateway2"))
        data["gateway1"] = self.gateway_ref_view(gw1_ref)
        data["gateway2"] = self.gateway_ref_view(gw2_ref) if gw2_ref is not None else {"exists": False}
        lng_ref = _ref(props.get("localNetworkGateway2"))
        data["localGateway"] = self.lng_ref_view(lng_ref)
        circuit, circuit_ref = self.circuit_of(connection)
        data["circuit"] = self.circuit_facts(circuit, circuit_ref)
        data["useLocalAzureIpAddress"] = _bool(props.get("useLocalAzureIpAddress"), False)
        data["expressRouteGatewayBypass"] = _bool(props.get("expressRouteGatewayBypass"), False)
        data["connectionProtocol"] = props.get("connectionProtocol") or (
            "IKEv2" if brief["connectionType"] in ("IPsec", "Vnet2Vnet") else None)
        dpd = _int(props.get("dpdTimeoutSeconds"))
        data["dpdTimeoutSeconds"] = dpd if dpd not in (None, 0) else 45  # 0/absent = default 45 s
        data["dpdTimeoutDefaulted"] = dpd in (None, 0)
        data["ipsecPolicies"] = _ipsec_policies(props.get("ipsecPolicies"))
        data["ipsecPolicyCount"] = data["ipsecPolicies"] if isinstance(data["ipsecPolicies"], Unknown) \
            else len(data["ipsecPolicies"])
        data["ipsecPolicySummary"] = data["ipsecPolicies"] if isinstance(data["ipsecPolicies"], Unknown) \
            else [_policy_text(p) for p in data["ipsecPolicies"]]
        data["sharedKey"], data["sharedKeyDistinct"] = self.shared_key_facts(connection, secret_groups)
        data["bgp"] = self.connection_bgp(connection, data)
        data["circuitReachesGatewayRegion"] = self.circuit_scope(data["gateway1"], data["circuit"], circuit)
        if connection.source == "live":
            for key in ("connectionStatus", "tunnelConnectionStatus", "provisioningState",
                        "ingressBytesTransferred", "egressBytesTransferred"):
                data[key] = props.get(key)
            if data["connectionStatus"] is None and not equals_ci(props.get("connectionType"), "ExpressRoute"):
                # Azure returns the status only when one connection is read; a collection that
                # could not read it has not seen it, which is not the same as "not connected".
                data["connectionStatus"] = Unknown(f"the status of connection {connection.name} was not collected")
            tunnels = _list(props.get("tunnelConnectionStatus"))
            data["tunnelsNotConnectedCount"] = tunnels if isinstance(tunnels, Unknown) else len(
                [t for t in tunnels if not equals_ci(_get(t, "connectionStatus"), "Connected")])
        # site: the site of either gateway end
        site = None
        for ref in (gw1_ref, gw2_ref):
            gateway = self.graph.get(ref) if isinstance(ref, str) else None
            if gateway is not None and gateway.key in self.site_by_gateway:
                site = self.site_by_gateway[gateway.key]
                break
        if site is not None:
            patterns = site.patterns
        elif brief["connectionType"] == "ExpressRoute":
            patterns = self.inferred("expressroute", "expressroute-vpn-failover")
        elif brief["connectionType"] in ("IPsec", "Vnet2Vnet"):
            patterns = self.inferred("vpn", "expressroute-vpn-failover", "hub-spoke")
        else:
            patterns = PATTERNS
        return Subject("connection", connection, _strip(data), site.id if site else None, patterns,
                       connection.origin)

    def gateway_ref_view(self, ref: str | Unknown | None) -> dict[str, Any]:
        if ref is None:
            return {"exists": False}
        if isinstance(ref, Unknown):
            return {"exists": ref, "enableBgp": ref, "skuName": ref, "gatewayType": ref, "asn": ref}
        gateway = self.graph.get(ref)
        if gateway is None:
            unknown = _not_in_inputs("virtual network gateway", ref)
            return {"id": ref, "name": ref.rsplit("/", 1)[-1], "displayName": ref.rsplit("/", 1)[-1], "exists": unknown, "enableBgp": unknown, "skuName": unknown,
                    "gatewayType": unknown, "asn": unknown, "location": unknown}
        data = self.gateway_data(gateway)
        return {"id": gateway.id, "name": gateway.name, "displayName": display_name(gateway), "exists": True,
                "gatewayType": data.get("gatewayType"),
                "skuName": data.get("skuName"), "enableBgp": data.get("enableBgp"),
                "activeActive": data.get("activeActive"), "asn": data["bgp"]["asn"],
                "location": gateway.body.get("location"), "vnetId": data["subnet"].get("vnetId")}

    def lng_ref_view(self, ref: str | Unknown | None) -> dict[str, Any]:
        if ref is None:
            return {"exists": False, "displayName": "(none referenced)", "addressPrefixCount": 0}
        if isinstance(ref, Unknown):
            return {"exists": ref, "addressPrefixCount": ref, "bgpAsn": ref, "bgpPeeringAddress": ref}
        lng = self.graph.get(ref)
        if lng is None:
            unknown = _not_in_inputs("local network gateway", ref)
            return {"id": ref, "name": ref.rsplit("/", 1)[-1], "displayName": ref.rsplit("/", 1)[-1], "exists": unknown, "addressPrefixCount": unknown, "bgpAsn": unknown,
                    "bgpPeeringAddress": unknown, "bgpPeerIsGatewayIp": unknown}
        props = lng.properties
        prefixes = _get(props, "localNetworkAddressSpace.addressPrefixes")
        count: Any = prefixes if isinstance(prefixes, Unknown) else len(_items(prefixes))
        peer = _get(props, "bgpSettings.bgpPeeringAddress")
        gateway_ip = props.get("gatewayIpAddress")
        same: Any = _first_unknown([peer, gateway_ip])
        if same is None:
            same = isinstance(peer, str) and isinstance(gateway_ip, str) and peer.strip() == gateway_ip.strip()
        return {"id": lng.id, "name": lng.name, "displayName": display_name(lng), "exists": True,
                "addressPrefixes": prefixes,
                "addressPrefixCount": count, "bgpAsn": _int(_get(props, "bgpSettings.asn")),
                "bgpPeeringAddress": peer, "gatewayIpAddress": gateway_ip, "bgpPeerIsGatewayIp": same}

    def shared_key_facts(self, connection: Resource, groups: dict[str, list[Resource]]) -> tuple[Any, Any]:
        value = connection.properties.get("sharedKey")
        if value is None:
            return None, None
        if isinstance(value, Secret):
            # A parameter default whose value is not known before deployment (newGuid()) is not a key
            # written in the inputs; a literal default, a parameter-file value or a template literal is.
            written = value.source in ("template-literal", "parameter-file") or (
                value.source == "parameter-default" and value.length is not None)
            strength = "not known before deployment" if value.weak is None else ("weak" if value.weak else "strong")
            facts_ = {"present": True, "source": value.source, "length": value.length, "weak": value.weak,
                      "writtenInInputs": written, "strength": strength}
            # Keys are shared when their values are equal (same salted digest) or, for values not
            # known before deployment, when they come from the same parameter or Key Vault secret.
            # Different parameters or secrets count as distinct: nothing in the inputs says otherwise.
            shared = any(c.key != connection.key and not _mirror_pair(connection, c)
                         for c in groups.get(_secret_identity(value), ()))
            return facts_, not shared
        if isinstance(value, Unknown):
            return {"present": True, "source": value, "writtenInInputs": value}, value
        # a plain string reached the views (a source that did not wrap it): treat as a literal
        return {"present": True, "source": "template-literal", "length": len(str(value)),
                "weak": len(str(value)) < 16, "writtenInInputs": True,
                "strength": "weak" if len(str(value)) < 16 else "strong"}, Unknown("shared key was not wrapped as a secret")

    def connection_bgp(self, connection: Resource, data: dict[str, Any]) -> dict[str, Any]:
        local = data["gateway1"].get("asn") if data["gateway1"].get("exists") is not False else None
        if data["localGateway"].get("exists") is not False:
            remote = data["localGateway"].get("bgpAsn")
            if remote is None:
                remote = Unknown(f"local network gateway of connection {display_name(connection)} has no bgpSettings.asn")
        else:
            remote = data["gateway2"].get("asn") if data["gateway2"].get("exists") is not False else None
        distinct: Any = _first_unknown([local, remote])
        if distinct is None:
            distinct = local != remote if local is not None and remote is not None else None
        return {"localAsn": local, "remoteAsn": remote, "asnsDistinct": distinct}

    def circuit_scope(self, gateway: dict[str, Any], circuit_view: dict[str, Any],
                      circuit: Resource | None) -> Any:
        if circuit_view.get("exists") is False:
            return None
        if circuit is None:
            return circuit_view.get("exists")
        tier = _get(circuit.body, "sku.tier")
        if isinstance(tier, Unknown):
            return tier
        if equals_ci(tier, "Premium"):
            return True
        region = gateway.get("location")
        location = circuit_view.get("peeringLocation")
        unknown = _first_unknown([region, location])
        if unknown is not None:
            return unknown
        if not isinstance(region, str) or not isinstance(location, str):
            return Unknown("gateway region or circuit peering location is not set")
        region_key = facts.normalise_region(region)
        location_key = facts.normalise_peering_location(location)
        if equals_ci(tier, "Local"):
            local = facts.LOCAL_REGIONS_BY_PEERING_LOCATION.get(location_key)
            if local is None:
                return Unknown(f"local regions of peering location {location} are not in the table")
            return region_key in local
        region_geo = facts.GEO_BY_REGION.get(region_key)
        location_geo = facts.GEO_BY_PEERING_LOCATION.get(location_key)
        if region_geo is None:
            return Unknown(f"geopolitical region of {region} is not in the table")
        if location_geo is None:
            return Unknown(f"geopolitical region of peering location {location} is not in the table")
        return region_geo == location_geo

    def local_gateway_subject(self, lng: Resource) -> Subject:
        props = lng.properties
        data = _resource_data(lng, lng.name)
        ip = props.get("gatewayIpAddress")
        fqdn = props.get("fqdn")
        data["gatewayIpAddress"] = ip
        data["fqdn"] = fqdn if fqdn else None
        data["endpointSet"] = _first_unknown([ip, fqdn]) or bool(ip) or bool(fqdn)
        data["gatewayIpIsPublic"] = _is_public_ipv4(ip) if isinstance(ip, str) and ip.strip() else (
            ip if isinstance(ip, Unknown) else None)
        users = self.connections_by_local_gateway.get(lng.key, [])
        data["connectionCount"] = len(users)
        data["usedOverPrivatePeering"] = any(_bool(c.properties.get("useLocalAzureIpAddress"), False) is True
                                             for c in users)
        data["addressPrefixes"] = _get(props, "localNetworkAddressSpace.addressPrefixes")
        data["bgpAsn"] = _int(_get(props, "bgpSettings.asn"))
        site = self.site_of_connections(users)
        patterns = site.patterns if site else self.inferred("vpn", "expressroute-vpn-failover")
        return Subject("local-gateway", lng, _strip(data), site.id if site else None, patterns, lng.origin)

    def circuit_subject(self, circuit: Resource) -> Subject:
        props = circuit.properties
        data = _resource_data(circuit, circuit.name)
        sku = circuit.body.get("sku") if isinstance(circuit.body.get("sku"), dict) else {}
        name, tier, family = _get(sku, "name"), _get(sku, "tier"), _get(sku, "family")
        data["skuName"], data["skuTier"], data["skuFamily"] = name, tier, family
        unknown = _first_unknown([name, tier, family])
        if unknown is not None:
            data["skuNameMatchesTierFamily"] = unknown
        else:
            data["skuNameMatchesTierFamily"] = isinstance(name, str) and isinstance(tier, str) and isinstance(
                family, str) and name.lower() == f"{tier}_{family}".lower()
        data.update({k: v for k, v in self.circuit_facts(circuit, circuit.id).items() if k != "exists"})
        data["privatePeering"] = self.private_peering(circuit)
        peerings = []
        for peering in self.graph.children(circuit, CIRCUIT_PEERING):
            peerings.append({"name": peering.name.rsplit("/", 1)[-1],
                             "peeringType": _get(peering.properties, "peeringType"),
                             "state": _get(peering.properties, "state"),
                             "peerASN": _int(_get(peering.properties, "peerASN"))})
        data["peerings"] = peerings
        if circuit.source == "live":
            for key in ("serviceProviderProvisioningState", "circuitProvisioningState", "provisioningState"):
                data[key] = props.get(key)
            data["peeringsNotEnabledCount"] = len([p for p in peerings if not equals_ci(p["state"], "Enabled")])
        site = self.site_of_connections(self.connections_by_circuit.get(circuit.key, ()))
        patterns = site.patterns if site else self.inferred("expressroute", "expressroute-vpn-failover")
        return Subject("circuit", circuit, _strip(data), site.id if site else None, patterns, circuit.origin)

    def private_peering(self, circuit: Resource) -> dict[str, Any]:
        found = None
        for peering in self.graph.children(circuit, CIRCUIT_PEERING):
            ptype = _get(peering.properties, "peeringType")
            name = peering.name.rsplit("/", 1)[-1]
            if equals_ci(ptype, "AzurePrivatePeering") or (ptype is None and equals_ci(name, "AzurePrivatePeering")):
                found = peering
                break
            if isinstance(ptype, Unknown):
                found = found or peering
        if found is None:
            # Live data, and an export that lists the circuit's peerings, show the circuit as it is:
            # no private peering there is a fact, not something configured elsewhere.
            if circuit.source == "live" or (circuit.source == "export"
                                             and isinstance(circuit.properties.get("peerings"), list)):
                return {"exists": False}
            unknown = Unknown(f"circuit {display_name(circuit)} declares no private peering: it is often configured by the "
                              "connectivity provider outside the template; check live data (pitfall 24)")
            return {"exists": unknown, "primaryPrefixIs30": unknown, "secondaryPrefixIs30": unknown,
                    "prefixesDistinct": unknown, "vlanIdSet": unknown}
        props = found.properties
        primary = _network(_get(props, "primaryPeerAddressPrefix") or "", "primaryPeerAddressPrefix") \
            if _get(props, "primaryPeerAddressPrefix") is not None else None
        secondary = _network(_get(props, "secondaryPeerAddressPrefix") or "", "secondaryPeerAddressPrefix") \
            if _get(props, "secondaryPeerAddressPrefix") is not None else None

        def is30(net: Any) -> Any:
            if net is None:
                return False
            if isinstance(net, Unknown):
                return net
            return net.version == 4 and net.prefixlen == 30

        distinct: Any = _first_unknown([primary, secondary])
        if distinct is None:
            distinct = primary is not None and secondary is not None and primary != secondary
        vlan = _get(props, "vlanId")
        return {"exists": True, "name": found.name.rsplit("/", 1)[-1], "peerASN": _int(_get(props, "peerASN")),
                "primaryPeerAddressPrefix": str(primary) if primary is not None else None,
                "secondaryPeerAddressPrefix": str(secondary) if secondary is not None else None,
                "primaryPrefixIs30": is30(primary), "secondaryPrefixIs30": is30(secondary),
                "prefixesDistinct": distinct,
                "vlanIdSet": vlan if isinstance(vlan, Unknown) else vlan is not None,
                "state": _get(props, "state"), "md5KeySet": _get(props, "sharedKey") is not None}

    def peering_subject(self, peering: Resource) -> Subject:
        props = peering.properties
        local_key = self.peering_parent_key(peering)
        remote_ref = _ref(props.get("remoteVirtualNetwork"))
        data = _resource_data(peering, peering.name.rsplit("/", 1)[-1])
        data["allowGatewayTransit"] = _bool(props.get("allowGatewayTransit"), False)
        data["useRemoteGateways"] = _bool(props.get("useRemoteGateways"), False)
        data["allowForwardedTraffic"] = _bool(props.get("allowForwardedTraffic"), False)
        data["allowVirtualNetworkAccess"] = _bool(props.get("allowVirtualNetworkAccess"), True)
        local_gateways = self.vnet_gateways(local_key)
        local_vnet = self.graph.get(local_key)
        data["localVnet"] = {"id": local_key, "name": local_key.rsplit("/", 1)[-1],
                             "displayName": display_name(local_vnet) if local_vnet else local_key.rsplit("/", 1)[-1],
                             "hasGateway": bool(local_gateways)}
        siblings = [p for p in self.peerings if self.peering_parent_key(p) == local_key]
        data["localUseRemoteGatewaysCount"] = len(
            [p for p in siblings if _bool(p.properties.get("useRemoteGateways"), False) is True])
        remote_site = None
        if isinstance(remote_ref, Unknown) or remote_ref is None:
            unknown = remote_ref or Unknown(f"peering {display_name(peering)} has no remoteVirtualNetwork")
            data["remoteVnet"] = {"exists": unknown, "hasGateway": unknown, "hasNonBasicGateway": unknown}
            data["reverse"] = {"exists": unknown, "allowGatewayTransit": unknown}
        else:
            remote_key = normalise_id(remote_ref)
            remote = self.graph.get(remote_key)
            remote_site = self.site_by_vnet.get(remote_key)
            gateways = self.vnet_gateways(remote_key)
            if remote is None or is_placeholder(remote):
                unknown = _not_in_inputs("virtual network", remote_ref)
                data["remoteVnet"] = {"id": remote_ref, "name": remote_ref.rsplit("/", 1)[-1],
                                      "displayName": remote_ref.rsplit("/", 1)[-1], "exists": unknown,
                                      "hasGateway": True if gateways else unknown,
                                      "hasNonBasicGateway": self.non_basic(gateways) if gateways else unknown}
                data["reverse"] = {"exists": unknown, "allowGatewayTransit": unknown}
            else:
                data["remoteVnet"] = {"id": remote.id, "name": remote.name, "displayName": display_name(remote),
                                      "exists": True,
                                      "hasGateway": bool(gateways), "hasNonBasicGateway": self.non_basic(gateways)}
                reverse = [p for p in self.peerings if self.peering_parent_key(p) == remote_key
                           and isinstance(_ref(p.properties.get("remoteVirtualNetwork")), str)
                           and normalise_id(_ref(p.properties.get("remoteVirtualNetwork"))) == local_key]  # type: ignore[arg-type]
                if reverse:
                    data["reverse"] = {"exists": True, "name": reverse[0].name,
                                       "allowGatewayTransit": _bool(reverse[0].properties.get("allowGatewayTransit"),
                                                                    False)}
                else:
                    data["reverse"] = {"exists": False, "allowGatewayTransit": False}
        local_site = self.site_by_vnet.get(local_key)
        data["involvesHub"] = bool(local_site and local_site.gateways) or bool(remote_site and remote_site.gateways)
        data["spokeRouting"] = self.spoke_routing(local_key, remote_site)
        if peering.source == "live":
            data["peeringState"] = props.get("peeringState")
            data["peeringSyncLevel"] = props.get("peeringSyncLevel")
        site = local_site if local_site and local_site.gateways else (remote_site or local_site)
        patterns = tuple(p for p in PATTERNS if any(p in s.patterns for s in (local_site, remote_site) if s))
        return Subject("vnet-peering", peering, _strip(data), site.id if site else None, patterns, peering.origin)

    def non_basic(self, gateways: list[Resource]) -> Any:
        skus = [self.gateway_data(g)["skuName"] for g in gateways]
        if any(isinstance(s, str) and not equals_ci(s, "Basic") for s in skus):
            return True
        return _first_unknown(skus) or False

    def spoke_routing(self, spoke_key: str, hub_site: SiteInfo | None) -> dict[str, Any]:
        """Spoke subnets whose route table disables gateway route propagation and has no route covering
        the hub's on-premises prefixes (nor 0.0.0.0/0 to an appliance)."""
        onprem = self.onprem_networks(hub_site)[0] if hub_site else []
        missing = []
        unknown: Unknown | None = None
        vnet = self.graph.get(spoke_key)
        subnets = self.graph.children(vnet, SUBNET) if vnet else []
        for subnet in subnets:
            table = self.route_table_view(subnet)
            if not table.get("attached"):
                continue
            disabled = table.get("disableBgpRoutePropagation")
            if isinstance(disabled, Unknown):
                unknown = unknown or disabled
                continue
            if disabled is not True:
                continue
            routes = table.get("routes")
            if isinstance(routes, Unknown):
                unknown = unknown or routes
                continue
            routes = routes or []
            route_nets = []
            route_unknown: Unknown | None = None
            for route in routes:
                prefix = route.get("addressPrefix")
                if isinstance(prefix, Unknown):
                    route_unknown = route_unknown or prefix
                    continue
                net = _network(prefix, "route addressPrefix")
                if not isinstance(net, Unknown):
                    route_nets.append(net)
            covered = True
            targets = [n for _, _, n in onprem] or [ipaddress.ip_network("0.0.0.0/0")]
            for target in targets:
                if isinstance(target, Unknown):
                    unknown = unknown or target
                    continue
                if not any(r.version == target.version and target.subnet_of(r) for r in route_nets):  # type: ignore[arg-type]
                    covered = False
            if not covered and route_unknown is not None:
                unknown = unknown or route_unknown  # the unknown route may be the one that covers it
            elif not covered:
                missing.append(subnet.name.rsplit("/", 1)[-1])
        return {"subnetsWithoutOnPremRoute": missing,
                "subnetsWithoutOnPremRouteCount": _count_or_unknown(missing, unknown)}

    # -- site -------------------------------------------------------------------------------------

    def spokes(self, site: SiteInfo) -> list[str]:
        """VNets that use this site's gateways (a peering to the hub with useRemoteGateways)."""
        out = []
        for peering in self.peerings:
            remote = _ref(peering.properties.get("remoteVirtualNetwork"))
            if isinstance(remote, str) and normalise_id(remote) == site.id and \
                    _bool(peering.properties.get("useRemoteGateways"), False) is True:
                out.append(self.peering_parent_key(peering))
        return sorted(set(out))

    def onprem_networks(self, site: SiteInfo | None) -> tuple[list[tuple[str, Resource, Network | Unknown]],
                                                            list[Unknown]]:
        """(LNG name, connection, prefix) of every IPsec connection of the site's gateways; the /32
        BGP peer route is excluded (pitfall 12). Computed once per site."""
        out: list[tuple[str, Resource, Network | Unknown]] = []
        unknowns: list[Unknown] = []
        if site is None:
            return out, unknowns
        cached = self._onprem_cache.get(site.id)
        if cached is not None:
            return list(cached[0]), list(cached[1])
        self._onprem_cache[site.id] = (out, unknowns)
        for gateway in site.gateways:
            for connection in self.connections_of(gateway):
                ref = _ref(connection.properties.get("localNetworkGateway2"))
                if ref is None:
                    continue
                lng = self.graph.get(ref) if isinstance(ref, str) else None
                if lng is None:
                    unknown = ref if isinstance(ref, Unknown) else _not_in_inputs("local network gateway", ref)
                    out.append(("?", connection, unknown))
                    continue
                bgp = _get(lng.properties, "bgpSettings") is not None
                for net in _prefix_list(_get(lng.properties, "localNetworkAddressSpace.addressPrefixes"),
                                        f"address prefixes of local network gateway {display_name(lng)}"):
                    if bgp and not isinstance(net, Unknown) and net.num_addresses == 1:
                        continue
                    out.append((display_name(lng, with_kind=True), connection, net))
        return out, unknowns

    def nat_mappings(self, connection: Resource, direction: str) -> list[Network] | Unknown:
        """Internal mappings of the connection's ingress/egress NAT rules (D-NAT)."""
        refs = _list(connection.properties.get(f"{direction}NatRules"))
        if isinstance(refs, Unknown):
            return refs
        nets: list[Network] = []
        for entry in refs:
            ref = _ref(entry)
            if not isinstance(ref, str):
                return Unknown(f"a NAT rule of connection {display_name(connection)} is not known")
            rule = self.graph.get(ref)
            props = rule.properties if rule else None
            if props is None:
                gateway = self.graph.get(ref.rsplit("/natRules/", 1)[0]) or self.graph.get(
                    ref.rsplit("/natrules/", 1)[0])
                name = ref.rstrip("/").rsplit("/", 1)[-1]
                inline = _list(gateway.properties.get("natRules")) if gateway else []
                match = [r for r in inline if isinstance(r, dict) and equals_ci(r.get("name"), name)] \
                    if isinstance(inline, list) else []
                if not match:
                    return _not_in_inputs("NAT rule", ref)
                props = match[0].get("properties", {})
            mappings = _list(_get(props, "internalMappings"))
            if isinstance(mappings, Unknown):
                return mappings
            for mapping in mappings:
                net = _network(_get(mapping, "addressSpace"), "NAT internal mapping")
                if isinstance(net, Unknown):
                    return net
                nets.append(net)
        return nets

    def overlaps(self, site: SiteInfo) -> dict[str, Any]:
        azure: list[tuple[str, Network | Unknown]] = list(self.vnet_networks(site.id))
        spokes = self.spokes(site)
        for spoke in spokes:
            azure.extend(self.vnet_networks(spoke))
        onprem, _ = self.onprem_networks(site)
        onprem_pairs: list[dict[str, str]] = []
        unknown: Unknown | None = None
        for lng_name, connection, net in onprem:
            pairs, problem = _overlap_pairs(azure, [(lng_name, net)])
            unknown = unknown or problem
            if not pairs:
                continue
            ingress = self.nat_mappings(connection, "ingress")
            egress = self.nat_mappings(connection, "egress")
            for pair in pairs:
                excused = _excused(pair, ingress, egress)
                if isinstance(excused, Unknown):
                    unknown = unknown or excused
                elif not excused:
                    onprem_pairs.append(pair)
        between: list[dict[str, str]] = []
        unknown_nets = [(name, net) for name, _, net in onprem if isinstance(net, Unknown)]
        for name, net in unknown_nets:
            if any(other != name for other, _, _ in onprem):
                unknown = unknown or net  # type: ignore[assignment]
        known = [(name, conn, net) for name, conn, net in onprem if not isinstance(net, Unknown)]
        for i, j in _overlapping_pairs([net for _, _, net in known]):  # type: ignore[misc]
            (name_a, conn_a, a), (name_b, conn_b, b) = known[i], known[j]
            if name_a == name_b:
                continue
            nat = [self.nat_mappings(conn_a, "ingress"), self.nat_mappings(conn_b, "ingress")]
            if any(isinstance(n, Unknown) for n in nat):
                unknown = unknown or _first_unknown(nat)
            elif not any(nat):
                between.append({"left": str(a), "leftOwner": name_a, "right": str(b), "rightOwner": name_b})
        peered, problem = self.peered_overlaps(site, spokes)
        return {"onPrem": onprem_pairs, "onPremCount": _count_or_unknown(onprem_pairs + between, unknown),
                "betweenOnPrem": between, "peered": peered, "peeredCount": _count_or_unknown(peered, problem),
                "onPremPairs": [_pair_text(p) for p in onprem_pairs + between],
                "peeredPairs": [_pair_text(p) for p in peered]}

    def peered_overlaps(self, site: SiteInfo, spokes: list[str]) -> tuple[list[dict[str, str]], Unknown | None]:
        peered_keys = set(spokes)
        for peering in self.peerings:
            if self.peering_parent_key(peering) == site.id:
                remote = _ref(peering.properties.get("remoteVirtualNetwork"))
                if isinstance(remote, str):
                    peered_keys.add(normalise_id(remote))
        vnets = [site.id] + sorted(peered_keys - {site.id})
        pairs: list[dict[str, str]] = []
        unknown: Unknown | None = None
        for i, a in enumerate(vnets):
            for b in vnets[i + 1:]:
                found, problem = _overlap_pairs(self.vnet_networks(a), self.vnet_networks(b))
                pairs.extend(found)
                unknown = unknown or problem
        return pairs, unknown

    def site_subject(self, site: SiteInfo) -> Subject:
        vnet = site.vnet
        data: dict[str, Any] = dict(vnet.body) if not is_placeholder(vnet) else {}
        data["name"] = site.name
        data["displayName"] = display_name(vnet)
        data["pattern"] = site.pattern
        data["patterns"] = list(site.patterns)
        data["patternSource"] = site.pattern_source
        data["notes"] = list(site.notes)
        data["vnet"] = self.vnet_view(site.id)
        gateways = [self.gateway_data(g) | {"id": g.id} for g in site.gateways]
        vpn = [g for g in gateways if equals_ci(g.get("gatewayType"), "Vpn")]
        er = [g for g in gateways if equals_ci(g.get("gatewayType"), "ExpressRoute")]
        er_resources = [g for g in site.gateways if equals_ci(g.properties.get("gatewayType"), "ExpressRoute")]
        vpn_resources = [g for g in site.gateways if equals_ci(g.properties.get("gatewayType"), "Vpn")]
        data["gatewayCount"] = len(gateways)
        data["vpnGatewayCount"] = len(vpn)
        data["erGatewayCount"] = len(er)
        data["erGatewayCountExcludingMigration"] = len([g for g in er_resources if _migration_tagged(g) is not True])
        data["vpnGateways"] = [{"name": g["name"], "skuName": g.get("skuName"), "vpnType": g.get("vpnType")}
                               for g in vpn]
        data["erGateways"] = [{"name": g["name"], "skuName": g.get("skuName")} for g in er]
        data["vpnGatewayNames"] = [_named_sku(g, self.gateway_data(g)) for g in vpn_resources]
        data["erGatewayNames"] = [_named_sku(g, self.gateway_data(g)) for g in er_resources]
        data["basicErGatewayCount"] = len([g for g in er if equals_ci(g.get("skuName"), "Basic")])
        subnet_ids = [g["subnet"].get("id") for g in vpn + er]
        if vpn and er:
            unknown = _first_unknown(g["subnet"].get("exists") for g in vpn + er)
            ids = {normalise_id(i) for i in subnet_ids if isinstance(i, str)}
            gateway_subnets = all(g["subnet"].get("isGatewaySubnet") is True for g in vpn + er)
            data["gatewaysShareGatewaySubnet"] = unknown or (len(ids) == 1 and gateway_subnets)
        else:
            data["gatewaysShareGatewaySubnet"] = False
        spokes = self.spokes(site)
        data["spokes"] = [s.rsplit("/", 1)[-1] for s in spokes]
        data["overlaps"] = self.overlaps(site)
        data["s2s"] = self.s2s_facts(site, vpn_resources)
        data["er"] = self.er_site_facts(site, er_resources)
        data["failover"] = self.failover_facts(site, vpn_resources, er_resources)
        return Subject("site", vnet, _strip(data), site.id, site.patterns, vnet.origin)

    def s2s_facts(self, site: SiteInfo, vpn_gateways: list[Resource]) -> dict[str, Any]:
        links = 0
        simulated = []
        unknown: Unknown | None = None
        for gateway in vpn_gateways:
            for connection in self.connections_of(gateway):
                props = connection.properties
                ctype = _canonical(props.get("connectionType"), ("IPsec", "Vnet2Vnet", "ExpressRoute"))
                if isinstance(ctype, Unknown):
                    unknown = unknown or ctype
                    continue
                gw1 = _ref(props.get("virtualNetworkGateway1"))
                if ctype == "IPsec" and isinstance(gw1, str) and normalise_id(gw1) == gateway.key:
                    lng = _ref(props.get("localNetworkGateway2"))
                    if isinstance(lng, str) and same_type(parse_resource_id(lng).get("type") or "", LNG):
                        links += 1
                    elif isinstance(lng, Unknown):
                        unknown = unknown or lng
                elif ctype == "Vnet2Vnet":
                    simulated.append(connection.name)
        has_link: Any
        if links:
            has_link = True
        elif unknown is not None:
            has_link = unknown
        elif simulated:
            has_link = Unknown(f"only Vnet2Vnet connection(s) {', '.join(sorted(set(simulated)))} to another "
                               "gateway (simulated on-premises): no IPsec connection to an on-premises network "
                               "is in the inputs")
        else:
            has_link = False
        return {"ipsecLinkCount": links, "hasOnPremLink": has_link, "simulatedOnPremConnections": simulated}

    def er_site_facts(self, site: SiteInfo, er_gateways: list[Resource]) -> dict[str, Any]:
        resolved = 0
        dangling: Unknown | None = None
        shared_keys = 0
        circuits: dict[str, dict[str, Any]] = {}
        for gateway in er_gateways:
            for connection in self.connections_of(gateway):
                props = connection.properties
                if not equals_ci(props.get("connectionType"), "ExpressRoute"):
                    continue
                if props.get("sharedKey") is not None:
                    shared_keys += 1
                circuit, ref = self.circuit_of(connection)
                if circuit is not None and same_type(circuit.type, CIRCUIT):
                    resolved += 1
                    circuits[circuit.key] = self.circuit_facts(circuit, ref)
                elif ref is not None:
                    unknown = ref if isinstance(ref, Unknown) else _not_in_inputs("circuit", ref)
                    dangling = dangling or unknown
                    if isinstance(ref, str):
                        circuits[normalise_id(ref)] = self.circuit_facts(None, ref)
        has_link: Any = True if resolved else (dangling or False)
        locations = [c.get("peeringLocation") for c in circuits.values()]
        distinct = {facts.normalise_peering_location(loc) for loc in locations if isinstance(loc, str)}
        unknown_loc = _first_unknown(locations) or dangling  # a circuit only known at deployment counts too
        distinct_count: Any = len(distinct) if len(distinct) >= 2 or unknown_loc is None else unknown_loc
        return {"circuitLinkCount": resolved, "hasCircuitLink": has_link, "sharedKeyConnectionCount": shared_keys,
                "circuitCount": len(circuits), "distinctPeeringLocations": distinct_count,
                "peeringLocations": sorted(distinct)}

    def failover_facts(self, site: SiteInfo, vpn_gateways: list[Resource],
                       er_gateways: list[Resource]) -> dict[str, Any]:
        learned: list[Network] | None = None
        for gateway in er_gateways:
            routes = gateway.metadata.get("learnedRoutes", _get(gateway.properties, "learnedRoutes"))
            if isinstance(routes, list):
                learned = (learned or []) + _known(_network(_get(r, "network") or r, "learned route")
                                                   for r in routes)
        onprem = [(name, net) for name, _, net in self.onprem_networks(site)[0]]
        if learned is None:
            unknown = Unknown("prefixes learned over ExpressRoute are only available from live data "
                              "(getLearnedRoutes)")
            same: Any = unknown
            more_specific: Any = unknown
        else:
            vpn_nets = _known(n for _, n in onprem)
            same = any(a.version == b.version and a.overlaps(b) for a in vpn_nets for b in learned)
            more_specific = len([a for a in vpn_nets for b in learned
                                 if a.version == b.version and a != b and a.subnet_of(b)])  # type: ignore[arg-type]
        out: dict[str, Any] = {"vpnReachesErPrefixes": same, "vpnPrefixesMoreSpecificThanErCount": more_specific,
                               "vpnOnPremPrefixCount": len(onprem)}
        if site.vnet.source == "live" or any(g.source == "live" for g in vpn_gateways + er_gateways):
            er_up = [c for g in er_gateways for c in self.connections_of(g)
                     if equals_ci(c.properties.get("connectionType"), "ExpressRoute")
                     and equals_ci(c.properties.get("provisioningState"), "Succeeded")]
            vpn = [c for g in vpn_gateways for c in self.connections_of(g)
                   if equals_ci(c.properties.get("connectionType"), "IPsec")]
            vpn_up = [c for c in vpn if equals_ci(c.properties.get("connectionStatus"), "Connected")]
            unread = [c for c in vpn if c.properties.get("connectionStatus") is None]
            out["erConnectionUp"] = bool(er_up)
            out["vpnConnectionConnected"] = True if vpn_up else (
                Unknown(f"the status of connection {unread[0].name} was not collected") if unread else False)
        return out

    def asn_subjects(self) -> list[Subject]:
        out = []
        for gateway in self.gateways:
            data = self.gateway_data(gateway)
            if data.get("enableBgp") is True and not data["bgp"].get("asnDefaulted"):
                out.append(self._asn(gateway, "azure", data["bgp"]["asn"], self.gateway_subject(gateway)))
        for lng in self.graph.of_type(LNG):
            asn = _get(lng.properties, "bgpSettings.asn")
            if asn is not None:
                out.append(self._asn(lng, "on-premises", _int(asn), self.local_gateway_subject(lng)))
        for circuit in self.graph.of_type(CIRCUIT):
            owner = self.circuit_subject(circuit)
            for peering in self.graph.children(circuit, CIRCUIT_PEERING):
                asn = _get(peering.properties, "peerASN")
                if asn is not None:
                    out.append(self._asn(peering, "on-premises", _int(asn), owner))
        return out

    @staticmethod
    def _asn(resource: Resource, side: str, asn: Any, owner: Subject) -> Subject:
        data = {"side": side, "asn": asn if asn is not None else Unknown(f"ASN of {display_name(resource)} is not a number"),
                "ownerType": resource.type, "ownerName": display_name(resource, with_kind=True)}
        return Subject("bgp-asn", resource, _strip(data), owner.site, owner.patterns, resource.origin)


# ---------------------------------------------------------------------------------------------------
# helpers used by the views
# ---------------------------------------------------------------------------------------------------

def _all(values: list[Any]) -> Any:
    if any(v is False for v in values):
        return False
    return _first_unknown(values) or all(v is True for v in values)


def _named_sku(gateway: Resource, data: dict[str, Any]) -> str:
    sku = data.get("skuName")
    return f"{display_name(gateway, with_kind=True)} ({sku if isinstance(sku, str) else 'SKU unknown'})"


def _pair_text(pair: dict[str, str]) -> str:
    return f"{pair['left']} ({pair['leftOwner']}) and {pair['right']} ({pair['rightOwner']})"


def _policy_text(policy: dict[str, Any]) -> str:
    """One custom IPsec policy in a line: IKE phase, IPsec phase, SA lifetime."""
    def text(key: str) -> str:
        value = policy.get(key)
        return "unknown" if isinstance(value, Unknown) else str(value) if value is not None else "?"
    return (f"IKE {text('ikeEncryption')}/{text('ikeIntegrity')}/{text('dhGroup')}, "
            f"IPsec {text('ipsecEncryption')}/{text('ipsecIntegrity')}/{text('pfsGroup')}, "
            f"SA {text('saLifeTimeSeconds')} s/{text('saDataSizeKilobytes')} KB")


def _same_subnet(a: Any, b: Any) -> Any:
    unknown = _first_unknown([a, b])
    if unknown is not None:
        return unknown
    return isinstance(a, str) and isinstance(b, str) and normalise_id(a) == normalise_id(b)


def _canonical(value: Any, names: tuple[str, ...]) -> Any:
    """ARM enum values in their documented casing (pitfall 27)."""
    if isinstance(value, str):
        return next((n for n in names if n.lower() == value.lower()), value)
    return value


def _migration_tagged(gateway: Resource) -> bool:
    tags = gateway.body.get("tags")
    if not isinstance(tags, dict):
        return False
    key, expected = MIGRATION_TAG
    return any(equals_ci(k, key) and equals_ci(v, expected) for k, v in tags.items())


def _generation_valid(sku_key: str | None, generation: Any) -> Any:
    if isinstance(generation, Unknown):
        return generation
    if sku_key is None or generation is None or equals_ci(generation, "None"):
        return True
    allowed = facts.VPN_SKU_GENERATIONS.get(sku_key)
    if allowed is None:
        return True
    return any(equals_ci(generation, g) for g in allowed)


def _autoscale(props: dict[str, Any]) -> dict[str, Any]:
    lower = _int(_get(props, "autoScaleConfiguration.bounds.min"))
    upper = _int(_get(props, "autoScaleConfiguration.bounds.max"))
    unknown = _first_unknown([lower, upper])
    ordered: Any = unknown
    autoscale: Any = unknown
    if unknown is None:
        ordered = lower <= upper if isinstance(lower, int) and isinstance(upper, int) else None
        autoscale = lower < upper if isinstance(lower, int) and isinstance(upper, int) else None
    return {"min": lower, "max": upper, "minNotAboveMax": ordered, "isAutoscale": autoscale}


def _ipsec_policies(value: Any) -> list[dict[str, Any]] | Unknown:
    if isinstance(value, Unknown):
        return value
    out = []
    for policy in value if isinstance(value, list) else []:
        if not isinstance(policy, dict):
            continue
        entry = dict(policy)
        enc, integrity = policy.get("ipsecEncryption"), policy.get("ipsecIntegrity")
        unknown = _first_unknown([enc, integrity])
        if unknown is not None:
            entry["gcmPairingValid"] = unknown
        elif isinstance(enc, str) and enc.lower().startswith("gcmaes"):
            entry["gcmPairingValid"] = equals_ci(enc, integrity)
        else:
            entry["gcmPairingValid"] = not (isinstance(integrity, str) and integrity.lower().startswith("gcmaes"))
        out.append(entry)
    return out


def _secret_identity(secret: Secret) -> str:
    """What makes two secrets the same one: the value's digest, else where it is defined."""
    if secret.digest:
        return f"digest:{secret.digest}"
    origin = secret.origin
    if origin is None:
        return f"unplaced:{id(secret)}"
    return f"{secret.source}:{origin.file}:{origin.pointer or origin.line}"


def _mirror_pair(a: Resource, b: Resource) -> bool:
    """The two directions of one Vnet2Vnet link share their key by design (pitfall 14)."""
    pa, pb = a.properties, b.properties
    if not (equals_ci(pa.get("connectionType"), "Vnet2Vnet") and equals_ci(pb.get("connectionType"), "Vnet2Vnet")):
        return False

    def ends(props: dict[str, Any]) -> tuple[str, str] | None:
        g1, g2 = _ref(props.get("virtualNetworkGateway1")), _ref(props.get("virtualNetworkGateway2"))
        if isinstance(g1, str) and isinstance(g2, str):
            return normalise_id(g1), normalise_id(g2)
        return None

    ea, eb = ends(pa), ends(pb)
    return ea is not None and eb is not None and ea == (eb[1], eb[0])


def _excused(pair: dict[str, str], ingress: Any, egress: Any) -> Any:
    """An overlap is allowed when a NAT rule translates one side (pitfall 13)."""
    unknown = _first_unknown([ingress, egress])
    azure = ipaddress.ip_network(pair["left"])
    onprem = ipaddress.ip_network(pair["right"])
    for net in ingress if isinstance(ingress, list) else []:
        if net.version == onprem.version and net.overlaps(onprem):
            return True
    for net in egress if isinstance(egress, list) else []:
        if net.version == azure.version and net.overlaps(azure):
            return True
    return unknown or False


def _without_live(props: dict[str, Any], source: str) -> dict[str, Any]:
    """Live-only fields are read from live data only: a template or export copy is dropped."""
    if source == "live":
        return dict(props)
    return {k: v for k, v in props.items() if k not in LIVE_ONLY}


def build_subjects(graph: Graph, declared: DeclaredPatterns) -> tuple[list[SiteInfo], list[Subject]]:
    """Sites (with their patterns) and every subject the policies are evaluated on."""
    sites = detect_sites(graph, declared)
    views = _Views(graph, sites)
    subjects: list[Subject] = []
    for gateway in views.gateways:
        subjects.append(views.gateway_subject(gateway))
    for subnet in graph.of_type(SUBNET):
        if equals_ci(subnet.name.rsplit("/", 1)[-1], GATEWAY_SUBNET):
            subjects.append(views.gateway_subnet_subject(subnet))
    groups: dict[str, list[Resource]] = {}
    for connection in views.connections:
        key = connection.properties.get("sharedKey")
        if isinstance(key, Secret):
            groups.setdefault(_secret_identity(key), []).append(connection)
    for connection in views.connections:
        subjects.append(views.connection_subject(connection, groups))
    for lng in graph.of_type(LNG):
        subjects.append(views.local_gateway_subject(lng))
    for circuit in graph.of_type(CIRCUIT):
        subjects.append(views.circuit_subject(circuit))
    for peering in views.peerings:
        subjects.append(views.peering_subject(peering))
    subjects.extend(views.asn_subjects())
    for site in sites:
        subjects.append(views.site_subject(site))
    return sites, subjects

