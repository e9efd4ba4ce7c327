"""Which reference pattern each site (a VNet holding gateways) implements: detected from its gateways
and peerings, or declared by --pattern, the VNet's ``hybrid-pattern`` tag or the configuration."""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping

from checker.model import (
    CheckerError,
    Resource,
    Unknown,
    equals_ci,
    normalise_id,
    parse_resource_id,
    placeholder_text,
    symbolic_id,
)
from checker.records import _MISSING, Frozen
from checker.vocabulary import GATEWAY, PATTERNS, PEERING, VNET

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any

    from checker.graph import Graph

PATTERN_TAG = "hybrid-pattern"


class DeclaredPatterns(Frozen):
    """Patterns the user declared. ``everywhere`` comes from ``--pattern``; ``by_vnet`` maps a VNet
    name or id glob (case-insensitive) to a pattern, from the configuration file."""

    _fields = ("everywhere", "by_vnet")
    everywhere: str | None
    by_vnet: Mapping[str, str]

    def __init__(self, everywhere: str | None = None, by_vnet: Mapping[str, str] = _MISSING) -> None:
        fields = self.__dict__
        fields["everywhere"] = everywhere
        fields["by_vnet"] = {} if by_vnet is _MISSING else by_vnet


class SiteInfo(Frozen):
    """A VNet that holds gateways (or is declared a site) and the patterns that apply to it."""

    _fields = ("id", "name", "vnet", "pattern", "patterns", "pattern_source", "notes", "gateways", "hubs")
    id: str  # normalised VNet id
    name: str
    vnet: Resource
    pattern: str | None  # the base pattern (vpn | expressroute | expressroute-vpn-failover), else hub-spoke
    patterns: tuple[str, ...]  # every pattern that applies, in PATTERNS order
    pattern_source: str  # "detected" | "declared"
    notes: tuple[str, ...]
    gateways: tuple[Resource, ...]
    hubs: tuple[str, ...]  # spoke side: the remote VNets whose gateways it uses (not in the inputs)

    def __init__(self, id: str, name: str, vnet: Resource, pattern: str | None, patterns: tuple[str, ...],
                 pattern_source: str, notes: tuple[str, ...] = (), gateways: tuple[Resource, ...] = (),
                 hubs: tuple[str, ...] = ()) -> None:
        fields = self.__dict__
        fields["id"] = id
        fields["name"] = name
        fields["vnet"] = vnet
        fields["pattern"] = pattern
        fields["patterns"] = patterns
        fields["pattern_source"] = pattern_source
        fields["notes"] = notes
        fields["gateways"] = gateways
        fields["hubs"] = hubs


def _props(resource: Resource) -> dict[str, Any]:
    return resource.properties


def _ref_id(value: Any) -> str | Unknown | None:
    """The id inside an ARM reference ``{"id": ...}`` (or a bare id string)."""
    if isinstance(value, dict):
        value = value.get("id")
    value = symbolic_id(value) or value  # an id unknown before deployment but built like a declared one
    if isinstance(value, (str, Unknown)):
        return value
    return None


def vnet_id_of_subnet(subnet_id: str) -> str | None:
    """``.../virtualNetworks/hub/subnets/GatewaySubnet`` -> ``.../virtualnetworks/hub`` (normalised)."""
    key = normalise_id(subnet_id)
    marker = "/subnets/"
    if marker not in key:
        return None
    return key[: key.rindex(marker)]


def gateway_vnet_ids(gateway: Resource) -> list[str | Unknown]:
    """The VNet of each ipConfiguration of a gateway (normalised ids), Unknown when not resolvable."""
    out: list[str | Unknown] = []
    configs = _props(gateway).get("ipConfigurations")
    if isinstance(configs, Unknown):
        return [configs]
    if not isinstance(configs, list):
        return out
    for config in configs:
        props = config.get("properties", {}) if isinstance(config, dict) else {}
        subnet_ref = _ref_id(props.get("subnet")) if isinstance(props, dict) else None
        if isinstance(subnet_ref, Unknown):
            out.append(Unknown(f"subnet of gateway {gateway.name} is not known: {subnet_ref.reason}"))
        elif isinstance(subnet_ref, str):
            vnet = vnet_id_of_subnet(subnet_ref)
            out.append(vnet if vnet else Unknown(f"'{subnet_ref}' is not a subnet id"))
    return out


def gateway_vnet_id(gateway: Resource) -> str | Unknown | None:
    """The VNet a gateway sits in: from its first ipConfiguration
    (every ipConfiguration of a gateway is in the same GatewaySubnet)."""
    ids = gateway_vnet_ids(gateway)
    return ids[0] if ids else None


def _placeholder_vnet(vnet_id: str, near: Resource) -> Resource:
    parsed = parse_resource_id(vnet_id)
    name = placeholder_text((parsed.get("name") or vnet_id.rsplit("/", 1)[-1]).split("/")[-1])
    return Resource(id=vnet_id, type=VNET, name=name, body={}, origin=near.origin, source=near.source,
                    subscription_id=parsed.get("subscription_id"), resource_group=parsed.get("resource_group"),
                    metadata={"placeholder": True})


def is_placeholder(resource: Resource) -> bool:
    """A VNet that is referenced (by a gateway) but not in the inputs, or an ``existing`` reference."""
    return bool(resource.metadata.get("placeholder") or resource.metadata.get("existing"))


def parse_declared(value: Any, where: str, file: str | None = None, line: int | None = None) -> tuple[str, ...]:
    """``"vpn"``, ``"vpn,hub-spoke"`` or ``"expressroute+hub-spoke"`` -> patterns in PATTERNS order."""
    if not isinstance(value, str) or not value.strip():
        raise CheckerError(f"{where}: pattern must be a non-empty string, got {value!r}", file=file, line=line,
                           hint=f"use one of {', '.join(PATTERNS)}")
    names = [part.strip().lower() for part in value.replace("+", ",").split(",") if part.strip()]
    unknown = [name for name in names if name not in PATTERNS]
    if unknown:
        raise CheckerError(f"{where}: unknown pattern '{unknown[0]}'", file=file, line=line,
                           hint=f"use one of {', '.join(PATTERNS)} (combine with ',' e.g. 'vpn,hub-spoke')")
    return tuple(p for p in PATTERNS if p in names)


def _tag(vnet: Resource) -> Any:
    tags = vnet.body.get("tags")
    if not isinstance(tags, dict):
        return None
    for key, value in tags.items():
        if isinstance(key, str) and key.lower() == PATTERN_TAG:
            return value
    return None


def _mapping_for(vnet: Resource, by_vnet: Mapping[str, str]) -> tuple[str, str] | None:
    for glob, pattern in by_vnet.items():
        g = glob.lower()
        if fnmatch.fnmatchcase(vnet.name.lower(), g) or fnmatch.fnmatchcase(normalise_id(vnet.id), g):
            return glob, pattern
    return None


def _detected(gateways: list[Resource]) -> tuple[str, ...]:
    has_vpn = any(equals_ci(_props(g).get("gatewayType"), "Vpn") for g in gateways)
    has_er = any(equals_ci(_props(g).get("gatewayType"), "ExpressRoute") for g in gateways)
    if has_vpn and has_er:
        return ("expressroute-vpn-failover",)
    if has_er:
        return ("expressroute",)
    if has_vpn:
        return ("vpn",)
    return ()


def _is_hub(graph: Graph, vnet_key: str) -> bool:
    for peering in graph.of_type(PEERING):
        props = _props(peering)
        parent = peering.key.rsplit("/virtualnetworkpeerings/", 1)[0]
        if parent == vnet_key and props.get("allowGatewayTransit") is True:
            return True
        remote = _ref_id(props.get("remoteVirtualNetwork"))
        if isinstance(remote, str) and normalise_id(remote) == vnet_key and props.get("useRemoteGateways") is True:
            return True
    return False


def _vnet2vnet_notes(graph: Graph, gateway_keys: set[str], vnet_key: str) -> list[str]:
    notes = []
    # only the connections that end at one of the site's gateways (indexed relations, no full scan)
    sources = dict.fromkeys(relation.source for key in sorted(gateway_keys)
                            for kind in ("connection-gateway1", "connection-gateway2")
                            for relation in graph.relations_to(key, kind))
    for source in sources:
        connection = graph.get(source)
        if connection is None:
            continue
        props = _props(connection)
        if not equals_ci(props.get("connectionType"), "Vnet2Vnet"):
            continue
        ends = [_ref_id(props.get("virtualNetworkGateway1")), _ref_id(props.get("virtualNetworkGateway2"))]
        keys = [normalise_id(e) if isinstance(e, str) else None for e in ends]
        if not any(k in gateway_keys for k in keys):
            continue
        other = next((e for e, k in zip(ends, keys) if k not in gateway_keys), None)
        other_gateway = graph.get(other) if isinstance(other, str) else None
        other_vnet = gateway_vnet_id(other_gateway) if other_gateway else None
        if isinstance(other_vnet, str) and other_vnet == vnet_key:
            continue
        other_name = other_gateway.name if other_gateway else (other if isinstance(other, str) else "unknown")
        notes.append(f"Vnet2Vnet connection {connection.name} to gateway {other_name}: treated as simulated "
                     "on-premises, not as a site-to-site link to an on-premises network")
    return notes


def _spokes_without_hub(graph: Graph, sites: Mapping[str, list[Resource]]) -> dict[str, list[str]]:
    """VNets in the inputs without a gateway that use the gateways of a remote VNet (a peering with
    ``useRemoteGateways: true``) whose gateways are not in the inputs: the spoke side of a hub and
    spoke, a site of its own so that a spoke landing zone is checked without its hub."""
    out: dict[str, list[str]] = {}
    for peering in graph.of_type(PEERING):
        props = _props(peering)
        if props.get("useRemoteGateways") is not True and not equals_ci(props.get("useRemoteGateways"), "true"):
            continue
        parent = graph.parent(peering)
        vnet_key = parent.key if parent else peering.key.rsplit("/virtualnetworkpeerings/", 1)[0]
        vnet = graph.get(vnet_key)
        if vnet is None or is_placeholder(vnet) or sites.get(vnet_key):
            continue
        remote = _ref_id(props.get("remoteVirtualNetwork"))
        remote_key = normalise_id(remote) if isinstance(remote, str) else None
        if remote_key is not None and sites.get(remote_key):
            continue  # the hub and its gateways are in the inputs: its site covers this spoke
        out.setdefault(vnet_key, []).append(remote_key or "(unknown)")
    return out


def detect_sites(graph: Graph, declared: DeclaredPatterns) -> list[SiteInfo]:
    """Every site in the graph with its patterns (declared: --pattern > tag > configuration > detected).

    Only ``virtualNetworkGateways`` make sites: Virtual WAN ``vpnGateways``/``expressRouteGateways``
    are never gateways of a site: they have another schema and belong to a Virtual WAN hub, not a VNet. A VNet with a ``hybrid-pattern`` tag or a
    configuration mapping is a site even without gateways, so that presence rules can fail.
    """
    by_vnet: dict[str, list[Resource]] = {}
    vnet_refs: dict[str, Resource] = {}
    for gateway in graph.of_type(GATEWAY):
        vnet_id = gateway_vnet_id(gateway)
        if isinstance(vnet_id, str):
            by_vnet.setdefault(vnet_id, []).append(gateway)
            vnet_refs.setdefault(vnet_id, gateway)
    for vnet in graph.of_type(VNET):
        if vnet.key not in by_vnet and (_tag(vnet) is not None or _mapping_for(vnet, declared.by_vnet)):
            by_vnet[vnet.key] = []
    spoke_of = _spokes_without_hub(graph, by_vnet)
    for vnet_key in spoke_of:
        by_vnet.setdefault(vnet_key, [])

    sites = []
    for vnet_key, gateways in by_vnet.items():
        vnet = graph.get(vnet_key) or _placeholder_vnet(vnet_key, vnet_refs[vnet_key])
        notes = _vnet2vnet_notes(graph, {g.key for g in gateways}, vnet_key)
        for hub in spoke_of.get(vnet_key, ()):
            notes.append(f"spoke side of a hub and spoke: uses the gateways of virtual network "
                         f"{hub.rsplit('/', 1)[-1]}, which holds no gateway in the inputs")
        patterns: tuple[str, ...]
        tag = _tag(vnet)
        mapping = _mapping_for(vnet, declared.by_vnet)
        if vnet_key in spoke_of and tag is None and mapping is None:
            # the spoke side holds no gateway: --pattern (the hub's pattern) does not make it a hub
            patterns, source = ("hub-spoke",), "detected"
        elif declared.everywhere:
            patterns, source = parse_declared(declared.everywhere, "--pattern"), "declared"
        elif tag is not None:
            patterns = parse_declared(tag, f"tag '{PATTERN_TAG}' of virtual network {vnet.name}",
                                      vnet.origin.file, vnet.origin.line)
            source = "declared"
        elif mapping is not None:
            patterns = parse_declared(mapping[1], f"configuration patterns['{mapping[0]}']", "<configuration>")
            source = "declared"
        else:
            detected = _detected(gateways)
            if _is_hub(graph, vnet_key) or vnet_key in spoke_of:
                detected = detected + ("hub-spoke",)
            patterns, source = tuple(p for p in PATTERNS if p in detected), "detected"
            unknown_types = [g.name for g in gateways if isinstance(_props(g).get("gatewayType"), Unknown)]
            if unknown_types:
                notes.append(f"gateway type of {', '.join(unknown_types)} is not known: pattern detection "
                             "ignored it; declare the pattern to check it")
        base = next((p for p in patterns if p != "hub-spoke"), None)
        primary = base or ("hub-spoke" if "hub-spoke" in patterns else None)
        sites.append(SiteInfo(id=vnet_key, name=vnet.name, vnet=vnet, pattern=primary, patterns=patterns,
                              pattern_source=source, notes=tuple(notes), gateways=tuple(gateways),
                              hubs=tuple(spoke_of.get(vnet_key, ()))))
    return sites
