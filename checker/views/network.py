"""Views of the network around a resource: a subnet (with its GatewaySubnet facts), its route table, a
virtual network and its address space."""

from __future__ import annotations

from checker.model import Resource, Unknown, equals_ci
from checker.patterns import is_placeholder, vnet_id_of_subnet
from checker.views.index import Index
from checker.views.prefixes import Network, known_networks, prefix_list, subnet_prefixes
from checker.views.readers import (
    GATEWAY_SUBNET,
    ROUTE,
    SUBNET,
    display_name,
    first_unknown,
    get_path,
    not_in_inputs,
    ref_of,
    to_bool,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def subnet_view(ix: Index, subnet_ref: str | Unknown | None, what: str) -> dict[str, Any]:
    """The subnet an ipConfiguration points at, with its GatewaySubnet facts."""
    if subnet_ref is None:
        return {"exists": False}
    if isinstance(subnet_ref, Unknown):
        reason = Unknown(f"{what} subnet is not known: {subnet_ref.reason}")
        return {"exists": reason, "isGatewaySubnet": reason, "prefixLength": reason, "hasNsg": reason}
    subnet = ix.graph.get(subnet_ref)
    vnet_key = vnet_id_of_subnet(subnet_ref)
    name = subnet_ref.rstrip("/").rsplit("/", 1)[-1]
    if subnet is None:
        vnet = ix.graph.get(vnet_key) if vnet_key else None
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
        unnamed = next((c.body.get("name") for c in ix.graph.children(vnet, SUBNET)
                        if isinstance(c.body.get("name"), Unknown)), None)
        if unnamed is not None:  # a subnet whose name is only known at deployment may be this one
            reason = Unknown(f"a subnet of virtual network {display_name(vnet)} has a name only known at "
                             f"deployment ({unnamed.reason})")
            return {"id": subnet_ref, "name": name, "exists": reason, "isGatewaySubnet": reason,
                    "nameIsExact": name == GATEWAY_SUBNET, "prefixLength": reason, "hasNsg": reason,
                    "vnetId": vnet_key}
        return {"id": subnet_ref, "name": name, "exists": False, "isGatewaySubnet": False,
                "nameIsExact": name == GATEWAY_SUBNET, "vnetId": vnet_key}
    view = subnet_facts(ix, subnet)
    view["exists"] = True
    view["vnetId"] = vnet_key
    return view


def subnet_facts(ix: Index, subnet: Resource) -> dict[str, Any]:
    props = subnet.properties
    networks = subnet_prefixes(props, f"subnet {display_name(subnet)}")
    unknown = first_unknown(networks)
    v4 = [n for n in known_networks(networks) if n.version == 4]
    v6 = [n for n in known_networks(networks) if n.version == 6]
    prefix_length: Any
    if unknown is not None:
        prefix_length = unknown
    else:
        prefix_length = min((n.prefixlen for n in v4), default=None)
    nsg = ref_of(props.get("networkSecurityGroup")) if "networkSecurityGroup" in props else None
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
        "ipv6PrefixLength": unknown if unknown is not None else min((n.prefixlen for n in v6), default=None),
        "nsgId": nsg if isinstance(nsg, str) else None,
    }


def route_table_view(ix: Index, subnet: Resource) -> dict[str, Any]:
    props = subnet.properties
    raw = props.get("routeTable")
    ref = ref_of(raw)
    if raw is None or ref is None and not isinstance(raw, Unknown):
        return {"attached": False, "routes": [], "defaultRouteCount": 0}
    if isinstance(raw, Unknown) or isinstance(ref, Unknown):
        reason = raw if isinstance(raw, Unknown) else ref
        assert isinstance(reason, Unknown)
        unknown = Unknown(f"route table of subnet {display_name(subnet)} is not known: {reason.reason}")
        return {"attached": True, "exists": unknown, "routes": unknown, "defaultRouteCount": unknown,
                "disableBgpRoutePropagation": unknown}
    table = ix.graph.get(ref)
    if table is None:
        unknown = not_in_inputs("route table", str(ref))
        return {"attached": True, "id": ref, "exists": unknown, "routes": unknown,
                "defaultRouteCount": unknown, "disableBgpRoutePropagation": unknown}
    routes: list[Any] = []
    unknown_route = None
    for route in ix.graph.children(table, ROUTE):
        prefix = get_path(route.properties, "addressPrefix")
        if isinstance(prefix, Unknown):
            unknown_route = unknown_route or prefix
        routes.append({"name": route.name.rsplit("/", 1)[-1], "addressPrefix": prefix,
                       "nextHopType": get_path(route.properties, "nextHopType") or get_path(route.properties, "nextHop"),
                       "nextHopIpAddress": get_path(route.properties, "nextHopIpAddress")})
    inline = table.properties.get("routes")
    if isinstance(inline, Unknown):
        unknown_route = inline
    defaults = [r for r in routes if isinstance(r["addressPrefix"], str)
                and r["addressPrefix"].replace(" ", "") in ("0.0.0.0/0", "::/0")]
    default_count: Any = len(defaults) if defaults or unknown_route is None else unknown_route
    return {"attached": True, "id": table.id, "name": table.name, "exists": True, "routes": routes,
            "defaultRouteCount": default_count,
            "disableBgpRoutePropagation": to_bool(table.properties.get("disableBgpRoutePropagation"), False)}


def vnet_view(ix: Index, vnet_key: str | None) -> dict[str, Any]:
    if not vnet_key:
        return {"exists": False}
    vnet = ix.graph.get(vnet_key)
    if vnet is None or is_placeholder(vnet):
        unknown = not_in_inputs("virtual network", vnet_key)
        name = vnet_key.rsplit("/", 1)[-1]
        return {"id": vnet_key, "name": name, "displayName": display_name(vnet) if vnet is not None else name,
                "exists": unknown, "addressPrefixes": unknown}
    prefixes = get_path(vnet.properties, "addressSpace.addressPrefixes")
    return {"id": vnet.id, "name": vnet.name, "displayName": display_name(vnet), "exists": True,
            "location": vnet.body.get("location"),
            "addressPrefixes": prefixes if isinstance(prefixes, (list, Unknown)) else []}


def vnet_networks(ix: Index, vnet_key: str) -> list[tuple[str, Network | Unknown]]:
    vnet = ix.graph.get(vnet_key)
    if vnet is None or is_placeholder(vnet):
        return [(vnet_key, not_in_inputs("virtual network", vnet_key))]
    name = display_name(vnet, with_kind=True)
    prefixes = prefix_list(get_path(vnet.properties, "addressSpace.addressPrefixes"),
                            f"address space of virtual network {name}")
    return [(name, p) for p in prefixes]
