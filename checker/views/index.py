"""The read-only index every view reads: the graph's resources by kind, the sites, and the lookups
that would otherwise be scans (connections per gateway, peerings per VNet...), built once.

Views never write into it. Parts that several views read (a gateway's facts, a site's on-premises
prefixes) are computed once by the module that owns them and kept here as read-only mappings
(``Index.part``), so what a view sees never depends on which view ran first."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from types import MappingProxyType
from typing import Any, TypeVar

from checker.graph import Graph
from checker.model import Resource, normalise_id
from checker.patterns import CONNECTION, GATEWAY, PATTERNS, PEERING, SiteInfo
from checker.views.readers import migration_tagged, ref_of, to_bool

T = TypeVar("T")


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
        for connection in self.connections:
            props = connection.properties
            ends = {normalise_id(e) for e in (ref_of(props.get("virtualNetworkGateway1")),
                                              ref_of(props.get("virtualNetworkGateway2"))) if isinstance(e, str)}
            for end in ends:
                self.connections_by_gateway.setdefault(end, []).append(connection)
            local = ref_of(props.get("localNetworkGateway2"))
            if isinstance(local, str):
                self.connections_by_local_gateway.setdefault(normalise_id(local), []).append(connection)
            peer = ref_of(props.get("peer"))
            if isinstance(peer, str):
                self.connections_by_circuit.setdefault(normalise_id(peer), []).append(connection)
        self.peerings_by_vnet: dict[str, list[Resource]] = {}
        self.peerings_by_remote: dict[str, list[Resource]] = {}
        for peering in self.peerings:
            self.peerings_by_vnet.setdefault(self.peering_parent_key(peering), []).append(peering)
            remote = ref_of(peering.properties.get("remoteVirtualNetwork"))
            if isinstance(remote, str):
                self.peerings_by_remote.setdefault(normalise_id(remote), []).append(peering)
        self.type_counts: dict[str, dict[str | None, tuple[int, int]]] = {
            site.id: _type_counts(site) for site in self.sites}
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
            gateway = self.graph.get(ref_of(connection.properties.get("virtualNetworkGateway1")))
            if gateway is not None and gateway.key in self.site_by_gateway:
                return self.site_by_gateway[gateway.key]
        return None

    def connections_of(self, gateway: Resource) -> list[Resource]:
        return list(self.connections_by_gateway.get(gateway.key, ()))

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

    @staticmethod
    def inferred(*patterns: str) -> tuple[str, ...]:
        return tuple(p for p in PATTERNS if p in patterns)

    # -- shared parts -----------------------------------------------------------------------------

    def part(self, kind: str, key: str, compute: Callable[[], T]) -> T:
        """A part several views read, computed once by its owner; dicts are handed out read-only."""
        slot = (kind, key)
        if slot not in self._parts:
            value: Any = compute()
            self._parts[slot] = MappingProxyType(value) if isinstance(value, dict) else value
        return self._parts[slot]  # type: ignore[no-any-return]


def _type_counts(site: SiteInfo) -> dict[str | None, tuple[int, int]]:
    counts: dict[str | None, tuple[int, int]] = {}
    for gateway in site.gateways:
        kind = gateway.properties.get("gatewayType")
        key = kind.lower() if isinstance(kind, str) else None
        total, untagged = counts.get(key, (0, 0))
        counts[key] = (total + 1, untagged + (migration_tagged(gateway) is not True))
    return counts
