"""The local-gateway subject: one per local network gateway (an on-premises site)."""

from __future__ import annotations

import ipaddress

from checker.model import Resource, Unknown
from checker.subject import Subject
from checker.views.index import Index
from checker.views.prefixes import is_public_ip, prefix_list
from checker.views.readers import display_name, first_unknown, get_path, resource_data, to_bool, to_int

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def local_gateway_subject(ix: Index, lng: Resource) -> Subject:
    props = lng.properties
    data = resource_data(lng, lng.name)
    ip = props.get("gatewayIpAddress")
    fqdn = props.get("fqdn")
    data["gatewayIpAddress"] = ip
    data["fqdn"] = fqdn if fqdn else None
    data["endpointSet"] = first_unknown([ip, fqdn]) or bool(ip) or bool(fqdn)
    data["gatewayIpIsPublic"] = is_public_ip(ip) if isinstance(ip, str) and ip.strip() else (
        ip if isinstance(ip, Unknown) else None)
    users = ix.connections_by_local_gateway.get(lng.key, [])
    data["connectionCount"] = len(users)
    data["usedOverPrivatePeering"] = any(to_bool(c.properties.get("useLocalAzureIpAddress"), False) is True
                                         for c in users)
    data["addressPrefixes"] = get_path(props, "localNetworkAddressSpace.addressPrefixes")
    bgp = get_path(props, "bgpSettings")
    data["bgpAsn"] = to_int(get_path(bgp, "asn")) if bgp is not None else None
    peer = get_path(bgp, "bgpPeeringAddress") if bgp is not None else None
    if peer is not None:
        data["bgpPeeringAddress"] = peer
        data["bgpPeerIsApipa"] = _is_apipa(peer)
        data["bgpPeerInAddressSpace"] = _in_prefixes(peer, data["addressPrefixes"], lng)
    site_id, patterns = local_gateway_scope(ix, lng)
    return Subject("local-gateway", lng, data, site_id, patterns, lng.origin)


def local_gateway_scope(ix: Index, lng: Resource) -> tuple[str | None, tuple[str, ...]]:
    """The site of the gateways connected to a local network gateway, and the patterns that apply."""
    site = ix.site_of_connections(ix.connections_by_local_gateway.get(lng.key, ()))
    return (site.id, site.patterns) if site else (None, ix.inferred("vpn", "expressroute-vpn-failover", near=lng))


_APIPA = ipaddress.ip_network("169.254.0.0/16")


def _address(value: Any) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(str(value).strip())
    except ValueError:
        return None


def _is_apipa(peer: Any) -> Any:
    if isinstance(peer, Unknown):
        return peer
    address = _address(peer)
    return address is not None and address.version == 4 and address in _APIPA


def _in_prefixes(peer: Any, prefixes: Any, lng: Resource) -> Any:
    """The BGP peer address falls inside a prefix of the local network gateway's address space."""
    if isinstance(peer, Unknown):
        return peer
    address = _address(peer)
    if address is None:
        return False
    networks = prefix_list(prefixes, f"address prefixes of local network gateway {display_name(lng)}") \
        if prefixes is not None else []
    for network in networks:
        if not isinstance(network, Unknown) and network.version == address.version and address in network:
            return True
    return first_unknown(networks) or False
