"""The read-only index every view reads: the graph's resources by kind, the sites, and the lookups
that would otherwise be scans (connections per gateway, peerings per VNet...), built once.

Views never write into it. Parts that several views read (a gateway's facts, a site's on-premises
prefixes) are computed once by the module that owns them and kept here as read-only mappings
(``Index.part``), so what a view sees never depends on which view ran first."""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType

from checker.graph import Graph
from checker.model import Resource, Unknown, equals_ci, normalise_id
from checker.patterns import SiteInfo, vnet_id_of_subnet
from checker.views.readers import (
    HUB_IP_CONFIGURATION,
    VIRTUAL_HUB,
    display_name,
    first_unknown,
    get_path,
    migration_tagged,
    ref_of,
    to_bool,
)
from checker.vocabulary import CONNECTION, GATEWAY, PATTERNS, PEERING

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, NamedTuple, TypeVar

    T = TypeVar("T")

Ref = str | Unknown | None


if TYPE_CHECKING:
    class ConnectionEnds(NamedTuple):
        gateway1: Ref  # virtualNetworkGateway1
        gateway2: Ref  # virtualNetworkGateway2
        local_gateway: Ref  # localNetworkGateway2
        circuit: Ref  # peer
else:  # the same named tuple, without importing typing
    ConnectionEnds = namedtuple("ConnectionEnds", ("gateway1", "gateway2", "local_gateway", "circuit"))
ConnectionEnds.__doc__ = "The references of a connection (``ref_of`` of each): read once, as nearly every view asks."


def connection_ends(connection: Resource) -> ConnectionEnds:
    props = connection.properties
    return ConnectionEnds(ref_of(props.get("virtualNetworkGateway1")), ref_of(props.get("virtualNetworkGateway2")),
                          ref_of(props.get("localNetworkGateway2")), ref_of(props.get("peer")))


class Index:
    """Lookups over one graph and its sites; built once per evaluation, then only read."""

    def __init__(self, graph: Graph, sites: Iterable[SiteInfo]) -> None:
        self.graph = graph
        self.sites: tuple[SiteInfo, ...] = tuple(sites)
        self.site_by_vnet: dict[str, SiteInfo] = {s.id: s for s in self.sites}
        self.site_by_gateway: dict[str, SiteInfo] = {}
        for site in self.sites:
            for gateway in site.gateways:
                self.site_by_gateway[gateway.key] = site
        self.gateways: list[Resource] = graph.of_type(GATEWAY)
        self.connections: list[Resource] = graph.of_type(CONNECTION)
        self.peerings: list[Resource] = graph.of_type(PEERING)
        # A hub with hundreds of branch connections must not be scanned again for every gateway and
        # local network gateway, nor every peering for every other peering.
        self.connections_by_gateway: dict[str, list[Resource]] = {}
        self.connections_by_local_gateway: dict[str, list[Resource]] = {}
        self.connections_by_circuit: dict[str, list[Resource]] = {}
        # ExpressRoute connections whose circuit is only known at deployment: may link any circuit.
        self.unplaced_circuit_links: list[Resource] = []
        # Connections whose gateway is not known before deployment (an id from a module's outputs):
        # any gateway of the inputs may be theirs, so counts over a gateway's connections are unknown.
        self.unplaced_connections: list[tuple[Resource, Unknown]] = []
        # The site of each connection's Azure-side gateway (virtualNetworkGateway1), where it has one.
        self.gateway1_sites: dict[str, SiteInfo] = {}
        # Each connection's brief (gateway_parts.connection_brief) by id() of the resource: the
        # graph holds every resource for as long as the index lives.
        self.briefs: dict[int, dict[str, Any]] = {}
        # A shared key's facts by what they say (views/connection.py): one read-only mapping per key
        self.shared_key_facts: dict[tuple[Any, ...], Mapping[str, Any]] = {}
        # Each connection's references by id() of the resource (the graph holds every resource for
        # as long as the index lives); see ends_of.
        self._ends: dict[int, ConnectionEnds] = {}
        for connection in self.connections:
            props = connection.properties
            found = self._ends[id(connection)] = connection_ends(connection)
            refs = (found.gateway1, found.gateway2)
            ends = {graph.key_of(e) for e in refs if isinstance(e, str)}
            if isinstance(refs[0], str) and refs[0].strip():
                gateway1_site = self.site_by_gateway.get(graph.key_of(refs[0]))
                if gateway1_site is not None:
                    self.gateway1_sites[connection.key] = gateway1_site
            for end in ends:
                self.connections_by_gateway.setdefault(end, []).append(connection)
            unknown_end = first_unknown(refs)
            if unknown_end is not None and not any(graph.get(end) is not None for end in ends):
                self.unplaced_connections.append((connection, unknown_end))
            local = found.local_gateway
            if isinstance(local, str):
                self.connections_by_local_gateway.setdefault(graph.key_of(local), []).append(connection)
            peer = found.circuit
            if isinstance(peer, str):
                self.connections_by_circuit.setdefault(graph.key_of(peer), []).append(connection)
            elif isinstance(peer, Unknown) and equals_ci(props.get("connectionType"), "ExpressRoute"):
                self.unplaced_circuit_links.append(connection)
        self.peerings_by_vnet: dict[str, list[Resource]] = {}
        self.peerings_by_remote: dict[str, list[Resource]] = {}
        for peering in self.peerings:
            self.peerings_by_vnet.setdefault(self.peering_parent_key(peering), []).append(peering)
            remote = ref_of(peering.properties.get("remoteVirtualNetwork"))
            if isinstance(remote, str):
                self.peerings_by_remote.setdefault(normalise_id(remote), []).append(peering)
        # Azure Route Server: a virtualHubs resource without a virtualWan, placed in the VNet of the
        # subnet of its ipConfigurations (child resources, or inline on live data).
        self.route_servers_by_vnet: dict[str, list[Resource]] = {}
        self.unplaced_route_servers: list[tuple[Resource, Unknown]] = []
        for hub in graph.of_type(VIRTUAL_HUB):
            if hub.properties.get("virtualWan") is not None:
                continue  # a Virtual WAN hub, not a Route Server
            placed = _route_server_vnets(graph, hub)
            for vnet in placed:
                if isinstance(vnet, str):
                    self.route_servers_by_vnet.setdefault(vnet, []).append(hub)
            unknown = first_unknown(placed)
            if unknown is not None and not any(isinstance(v, str) for v in placed):
                self.unplaced_route_servers.append((hub, unknown))
        self.type_counts: dict[str, dict[str | None, tuple[int, int]]] = {
            site.id: _type_counts(site) for site in self.sites}
        self.gateway_types: set[str | None] = set()
        #: the gateway types declared in each file (a siteless resource shares a VNet only with those)
        self.gateway_types_by_file: dict[str | None, set[str | None]] = {}
        for gateway in self.gateways:
            kind = gateway.properties.get("gatewayType")
            kind = kind.lower() if isinstance(kind, str) else None
            self.gateway_types.add(kind)
            self.gateway_types_by_file.setdefault(gateway.origin.file if gateway.origin else None, set()).add(kind)
        self._parts: dict[tuple[str, str], Any] = {}

    # -- lookups ----------------------------------------------------------------------------------

    def vnet_gateways(self, vnet_key: str) -> list[Resource]:
        site = self.site_by_vnet.get(vnet_key)
        return list(site.gateways) if site else []

    def gateway_type_counts(self, site: SiteInfo) -> dict[str | None, tuple[int, int]]:
        """Per gateway type (lower-case) of a site: (gateways, gateways not tagged as a SKU migration)."""
        return self.type_counts.get(site.id) or _type_counts(site)

    def site_of_connections(self, connections: Iterable[Resource]) -> SiteInfo | None:
        """The site of the first connection whose Azure-side gateway belongs to one."""
        for connection in connections:
            site = self.gateway1_sites.get(connection.key)
            if site is not None:
                return site
        return None

    def connections_of(self, gateway: Resource) -> list[Resource]:
        return list(self.connections_by_gateway.get(gateway.key, ()))

    def maybe_connections_of(self, types: tuple[str, ...], gateways: Iterable[Resource]
                             ) -> list[tuple[Resource, Unknown]]:
        """Connections of these types (or of an unknown type) whose gateway is not known, declared in
        the same file as one of these gateways: they may be theirs."""
        wanted = {t.lower() for t in types}
        files = {g.origin.file for g in gateways if g.origin is not None}
        out = []
        for connection, reason in self.unplaced_connections:
            if connection.origin is None or connection.origin.file not in files:
                continue
            ctype = connection.properties.get("connectionType")
            if isinstance(ctype, Unknown) or (isinstance(ctype, str) and ctype.lower() in wanted):
                out.append((connection, reason))
        # A connection of a copy loop whose count is only known at deployment stands for one instance
        # of an unknown number: more of them may exist.
        for gateway in gateways:
            for connection in self.connections_by_gateway.get(gateway.key, ()):
                loop = connection.metadata.get("copy")
                if not (isinstance(loop, dict) and loop.get("countUnknown")):
                    continue
                ctype = connection.properties.get("connectionType")
                if isinstance(ctype, Unknown) or (isinstance(ctype, str) and ctype.lower() in wanted):
                    out.append((connection, Unknown(f"copy loop '{loop.get('name')}' has a count only known at "
                                                    "deployment")))
        return out

    def peering_parent_key(self, peering: Resource) -> str:
        parent = self.graph.parent(peering)
        return parent.key if parent else peering.key.rsplit("/virtualnetworkpeerings/", 1)[0]

    def peerings_of(self, vnet_key: str) -> list[Resource]:
        """The peerings declared on a VNet."""
        return list(self.peerings_by_vnet.get(vnet_key, ()))

    def peerings_to(self, vnet_key: str) -> list[Resource]:
        """The peerings whose remote VNet is this one."""
        return list(self.peerings_by_remote.get(vnet_key, ()))

    def uses_remote_gateways(self, peering: Resource) -> Any:
        return to_bool(peering.properties.get("useRemoteGateways"), False)

    def inferred(self, *patterns: str, near: Resource | None = None) -> tuple[str, ...]:
        """The patterns of a resource outside any site, from its own kind. The coexistence pattern
        applies only when the other kind of gateway could share its VNet: a VPN resource is checked
        as part of an ExpressRoute/VPN site only if an ExpressRoute gateway (or one of unknown type)
        is declared in the same file (``near``: a siteless resource's VNet is not known, and another
        template's gateway is another deployment; without ``near``, anywhere in the inputs), and the
        other way round."""
        kept = set(patterns)
        if "expressroute-vpn-failover" in kept:
            if "vpn" in kept and not self.could_have_gateway("expressroute", near):
                kept.discard("expressroute-vpn-failover")
            if "expressroute" in kept and not self.could_have_gateway("vpn", near):
                kept.discard("expressroute-vpn-failover")
        return tuple(p for p in PATTERNS if p in kept)

    def could_have_gateway(self, gateway_type: str, near: Resource | None = None) -> bool:
        """A gateway of this type, or of a type not known, is in the inputs (in ``near``'s file)."""
        types = self.gateway_types if near is None else self.gateway_types_by_file.get(
            near.origin.file if near.origin else None, set())
        return gateway_type in types or None in types

    # -- shared parts -----------------------------------------------------------------------------

    def ends_of(self, connection: Resource) -> ConnectionEnds:
        """The references of a connection of the graph, read once."""
        found = self._ends.get(id(connection))
        return found if found is not None else connection_ends(connection)

    def part(self, kind: str, key: str, compute: Callable[[], T]) -> T:
        """A part several views read, computed once by its owner; dicts are handed out read-only."""
        slot = (kind, key)
        if slot not in self._parts:
            value: Any = compute()
            self._parts[slot] = MappingProxyType(value) if isinstance(value, dict) else value
        return self._parts[slot]  # type: ignore[no-any-return]


def _route_server_vnets(graph: Graph, hub: Resource) -> list[str | Unknown]:
    """The VNets a Route Server's ipConfigurations sit in (normalised ids), Unknown when not known."""
    configs: list[Any] = [c.properties for c in graph.children(hub, HUB_IP_CONFIGURATION)]
    inline = hub.properties.get("ipConfigurations")
    if isinstance(inline, Unknown):
        return [inline]
    for config in inline if isinstance(inline, list) else []:
        configs.append(get_path(config, "properties") if isinstance(config, dict) else config)
    out: list[str | Unknown] = []
    for props in configs:
        subnet = ref_of(get_path(props, "subnet")) if isinstance(props, dict) else props
        if isinstance(subnet, Unknown):
            out.append(Unknown(f"subnet of Route Server {display_name(hub)} is not known: {subnet.reason}"))
        elif isinstance(subnet, str):
            vnet = vnet_id_of_subnet(subnet)
            if vnet:
                out.append(vnet)
    return out


def _type_counts(site: SiteInfo) -> dict[str | None, tuple[int, int]]:
    counts: dict[str | None, tuple[int, int]] = {}
    for gateway in site.gateways:
        kind = gateway.properties.get("gatewayType")
        key = kind.lower() if isinstance(kind, str) else None
        total, untagged = counts.get(key, (0, 0))
        counts[key] = (total + 1, untagged + (migration_tagged(gateway) is not True))
    return counts
