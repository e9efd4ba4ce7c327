"""The address spaces around a site: its on-premises prefixes (through its connections), its spokes,
and the overlaps between them, with NAT taken into account."""

from __future__ import annotations

import ipaddress

from checker import facts
from checker.model import Resource, Unknown, equals_ci, normalise_id
from checker.patterns import SiteInfo
from checker.views.index import Index
from checker.views.network import vnet_networks
from checker.views.prefixes import Network, overlap_pairs, overlapping_pairs, prefix_list, to_network
from checker.views.readers import (
    count_or_unknown,
    display_name,
    first_unknown,
    get_path,
    list_or_unknown,
    not_in_inputs,
    ref_of,
    to_bool,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def spoke_vnets(ix: Index, site: SiteInfo) -> list[str]:
    """VNets that use this site's gateways (a peering to the hub with useRemoteGateways)."""
    out = []
    for peering in ix.peerings:
        remote = ref_of(peering.properties.get("remoteVirtualNetwork"))
        if isinstance(remote, str) and normalise_id(remote) == site.id and \
                to_bool(peering.properties.get("useRemoteGateways"), False) is True:
            out.append(ix.peering_parent_key(peering))
    return sorted(set(out))


def onprem_networks(ix: Index, site: SiteInfo | None) -> tuple[list[tuple[str, Resource, Network | Unknown]],
                                                        list[Unknown]]:
    """(LNG name, connection, prefix) of every IPsec connection of the site's gateways; the /32
    BGP peer route is excluded (with BGP a local network gateway may list only its peer address,
    which is not an on-premises range). Computed once per site."""
    if site is None:
        return [], []
    found = ix.part("onprem", site.id, lambda: _onprem_networks(ix, site))
    return list(found), []


def _onprem_networks(ix: Index, site: SiteInfo) -> tuple[tuple[str, Resource, Network | Unknown], ...]:
    out: list[tuple[str, Resource, Network | Unknown]] = []
    for gateway in site.gateways:
        for connection in ix.connections_of(gateway):
            ref = ix.ends_of(connection).local_gateway
            if ref is None:
                continue
            lng = ix.graph.get(ref) if isinstance(ref, str) else None
            if lng is None:
                unknown = ref if isinstance(ref, Unknown) else not_in_inputs("local network gateway", ref)
                out.append(("?", connection, unknown))
                continue
            bgp = get_path(lng.properties, "bgpSettings") is not None
            for net in prefix_list(get_path(lng.properties, "localNetworkAddressSpace.addressPrefixes"),
                                   f"address prefixes of local network gateway {display_name(lng)}"):
                if bgp and not isinstance(net, Unknown) and net.num_addresses == 1:
                    continue
                out.append((display_name(lng, with_kind=True), connection, net))
    return tuple(out)


def nat_mappings(ix: Index, connection: Resource, direction: str) -> list[Network] | Unknown:
    """Internal mappings of the connection's ingress/egress NAT rules (the ranges on-premises traffic is
    translated from, as the VPN gateway NAT rules define them)."""
    refs = list_or_unknown(connection.properties.get(f"{direction}NatRules"))
    if isinstance(refs, Unknown):
        return refs
    nets: list[Network] = []
    for entry in refs:
        ref = ref_of(entry)
        if not isinstance(ref, str):
            return Unknown(f"a NAT rule of connection {display_name(connection)} is not known")
        rule = ix.graph.get(ref)
        props = rule.properties if rule else None
        if props is None:
            gateway = ix.graph.get(ref.rsplit("/natRules/", 1)[0]) or ix.graph.get(
                ref.rsplit("/natrules/", 1)[0])
            name = ref.rstrip("/").rsplit("/", 1)[-1]
            inline = list_or_unknown(gateway.properties.get("natRules")) if gateway else []
            match = [r for r in inline if isinstance(r, dict) and equals_ci(r.get("name"), name)] \
                if isinstance(inline, list) else []
            if not match:
                return not_in_inputs("NAT rule", ref)
            props = match[0].get("properties", {})
        mappings = list_or_unknown(get_path(props, "internalMappings"))
        if isinstance(mappings, Unknown):
            return mappings
        for mapping in mappings:
            net = to_network(get_path(mapping, "addressSpace"), "NAT internal mapping")
            if isinstance(net, Unknown):
                return net
            nets.append(net)
    return nets


def overlap_facts(ix: Index, site: SiteInfo) -> dict[str, Any]:
    azure: list[tuple[str, Network | Unknown]] = list(vnet_networks(ix, site.id))
    spokes = spoke_vnets(ix, site)
    for spoke in spokes:
        azure.extend(vnet_networks(ix, spoke))
    onprem, _ = onprem_networks(ix, site)
    onprem_pairs: list[dict[str, str]] = []
    unknown: Unknown | None = None
    if site.hubs and not site.gateways:
        # The spoke side of a hub and spoke reaches on-premises through a hub that is not in the
        # inputs: its on-premises prefixes are not known.
        unknown = Unknown(f"the on-premises prefixes reached through hub virtual network "
                          f"{site.hubs[0].rsplit('/', 1)[-1]} are not in the inputs")
    for lng_name, connection, net in onprem:
        pairs, problem = overlap_pairs(azure, [(lng_name, net)])
        unknown = unknown or problem
        if not pairs:
            continue
        ingress = nat_mappings(ix, connection, "ingress")
        egress = nat_mappings(ix, connection, "egress")
        works = nat_works(ix, connection)
        for pair in pairs:
            excused = False if works is False else _excused(pair, ingress, egress)
            if excused is True and isinstance(works, Unknown):
                excused = works  # the NAT rule would excuse it, if NAT works on this connection
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
    for i, j in overlapping_pairs([net for _, _, net in known]):  # type: ignore[misc]
        (name_a, conn_a, a), (name_b, conn_b, b) = known[i], known[j]
        if name_a == name_b:
            continue
        nat = [nat_mappings(ix, conn, "ingress") if nat_works(ix, conn) is not False else []
               for conn in (conn_a, conn_b)]
        if any(isinstance(n, Unknown) for n in nat):
            unknown = unknown or first_unknown(nat)
        elif not any(nat):
            between.append({"left": str(a), "leftOwner": name_a, "right": str(b), "rightOwner": name_b})
    peered, problem = peered_overlaps(ix, site, spokes)
    return {"onPrem": onprem_pairs, "onPremCount": count_or_unknown(onprem_pairs + between, unknown),
            "betweenOnPrem": between, "peered": peered, "peeredCount": count_or_unknown(peered, problem),
            "onPremPairs": [_pair_text(p) for p in onprem_pairs + between],
            "peeredPairs": [_pair_text(p) for p in peered]}


def peered_overlaps(ix: Index, site: SiteInfo, spokes: list[str]) -> tuple[list[dict[str, str]], Unknown | None]:
    peered_keys = set(spokes)
    for peering in ix.peerings:
        if ix.peering_parent_key(peering) == site.id:
            remote = ref_of(peering.properties.get("remoteVirtualNetwork"))
            if isinstance(remote, str):
                peered_keys.add(normalise_id(remote))
    vnets = [site.id] + sorted(peered_keys - {site.id})
    pairs: list[dict[str, str]] = []
    unknown: Unknown | None = None
    for i, a in enumerate(vnets):
        for b in vnets[i + 1:]:
            found, problem = overlap_pairs(vnet_networks(ix, a), vnet_networks(ix, b))
            pairs.extend(found)
            unknown = unknown or problem
    return pairs, unknown


def _excused(pair: dict[str, str], ingress: Any, egress: Any) -> Any:
    """An overlap is allowed when a NAT rule translates one side (VPN NAT exists to connect
    overlapping networks)."""
    unknown = first_unknown([ingress, egress])
    azure = ipaddress.ip_network(pair["left"])
    onprem = ipaddress.ip_network(pair["right"])
    for net in ingress if isinstance(ingress, list) else []:
        if net.version == onprem.version and net.overlaps(onprem):
            return True
    for net in egress if isinstance(egress, list) else []:
        if net.version == azure.version and net.overlaps(azure):
            return True
    return unknown or False


def _pair_text(pair: dict[str, str]) -> str:
    return f"{pair['left']} ({pair['leftOwner']}) and {pair['right']} ({pair['rightOwner']})"


_APIPA = ipaddress.ip_network("169.254.0.0/16")


def nat_works(ix: Index, connection: Resource) -> Any:
    """VPN NAT translates on this connection: an IPsec connection without policy-based traffic
    selectors, on a route-based VpnGw2-5 or VpnGw2AZ-5AZ gateway, without an APIPA BGP peer (VPN FAQ,
    NAT overview). Unknown when the gateway or a deciding value is not known."""
    props = connection.properties
    ctype = props.get("connectionType")
    if isinstance(ctype, Unknown):
        return ctype
    if not equals_ci(ctype, "IPsec"):
        return False
    selectors = to_bool(props.get("usePolicyBasedTrafficSelectors"), False)
    if selectors is True:
        return False
    ref = ref_of(props.get("virtualNetworkGateway1"))
    gateway = ix.graph.get(ref) if isinstance(ref, str) else None
    if gateway is None:
        return ref if isinstance(ref, Unknown) else not_in_inputs("virtual network gateway", str(ref))
    sku = get_path(gateway.properties, "sku.name")
    if sku is None:
        sku = get_path(gateway.body, "sku.name")
    if isinstance(sku, Unknown):
        return sku
    if not isinstance(sku, str) or sku.lower() not in facts.VPN_NAT_SKUS:
        return False
    if equals_ci(gateway.properties.get("vpnType"), "PolicyBased"):
        return False
    bgp = to_bool(props.get("enableBgp"), False)
    lng = ix.graph.get(ref_of(props.get("localNetworkGateway2")))
    peer = get_path(lng.properties, "bgpSettings.bgpPeeringAddress") if lng is not None else None
    if bgp is True and isinstance(peer, str):
        try:
            if ipaddress.ip_address(peer.strip()) in _APIPA:
                return False
        except ValueError:
            pass
    return first_unknown([selectors, bgp]) or True

