"""The gateway-subnet subject: one per subnet named GatewaySubnet."""

from __future__ import annotations

import ipaddress

from checker.model import Resource, Unknown, equals_ci, normalise_id
from checker.patterns import vnet_id_of_subnet
from checker.subject import Subject
from checker.views.gateway import gateway_data
from checker.views.index import Index
from checker.views.network import route_table_view, subnet_facts, vnet_networks, vnet_view
from checker.views.prefixes import known_networks, subnet_prefixes
from checker.views.readers import display_name, envelope, first_unknown, items_of, ref_of, without_live
from checker.vocabulary import PATTERNS

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def _gateways_by_subnet(ix: Index) -> dict[str, list[Resource]]:
    """The gateways whose ip configurations name each subnet (by normalised id), in the index's
    order: found once, not by reading every gateway for every GatewaySubnet."""
    found: dict[str, list[Resource]] = {}
    for gateway in ix.gateways:
        keys = {normalise_id(c["subnetId"]) for c in gateway_data(ix, gateway)["ipConfigurations"]
                if isinstance(c["subnetId"], str)}
        for key in keys:
            found.setdefault(key, []).append(gateway)
    return found


def gateway_subnet_subject(ix: Index, subnet: Resource) -> Subject:
    vnet_key = vnet_id_of_subnet(subnet.id) or ""
    site = ix.site_by_vnet.get(vnet_key)
    data: dict[str, Any] = envelope(subnet.body)
    data.update(subnet_facts(ix, subnet))
    data["properties"] = without_live(subnet.properties, subnet.source)
    data["vnet"] = vnet_view(ix, vnet_key)
    data["routeTable"] = route_table_view(ix, subnet)
    data["routeTable"].update(routes_over_subnet(subnet, data["routeTable"]))
    gateways = ix.part("gateways-by-subnet", "", lambda: _gateways_by_subnet(ix)).get(subnet.key, [])
    data["gateways"] = [{"name": g.name, "gatewayType": g.properties.get("gatewayType"),
                         "skuName": gateway_data(ix, g)["skuName"]} for g in gateways]
    data["gatewayCount"] = len(gateways)
    data["onlyVpnBasic"] = bool(gateways) and all(
        equals_ci(g.properties.get("gatewayType"), "Vpn") and equals_ci(gateway_data(ix, g)["skuName"], "Basic")
        for g in gateways)
    users = [r.source for r in ix.graph.relations_to(subnet, "ip-configuration-subnet")]
    if subnet.source == "live":
        for config in items_of(subnet.properties.get("ipConfigurations")):
            ref = ref_of(config)
            if isinstance(ref, str) and "/virtualnetworkgateways/" not in ref.lower():
                users.append(normalise_id(ref))
    users = sorted(set(users))
    data["nonGatewayUsers"] = users
    data["nonGatewayUserCount"] = len(users)
    data["nonGatewayUserNames"] = [u.rstrip("/").rsplit("/", 1)[-1] for u in users]
    data["placement"] = placement(ix, subnet, vnet_key)
    # Outside any site, a GatewaySubnet may hold either kind of gateway later, but ExpressRoute/VPN
    # coexistence only when both kinds of gateway are possible in the inputs.
    patterns = site.patterns if site else ix.inferred(*PATTERNS, near=subnet)
    return Subject("gateway-subnet", subnet, data, site.id if site else None, patterns, subnet.origin)


def placement(ix: Index, subnet: Resource, vnet_key: str) -> dict[str, Any]:
    networks = subnet_prefixes(subnet.properties, f"subnet {display_name(subnet)}")
    blocks = vnet_networks(ix, vnet_key)
    unknown = first_unknown(networks) or first_unknown(b for _, b in blocks)
    if unknown is not None:
        return {"atTopOfBlock": unknown, "fillsBlock": unknown}
    for network in known_networks(networks):
        if network.version != 4:
            continue
        for _, block in blocks:
            assert not isinstance(block, Unknown)
            if block.version == 4 and network.subnet_of(block):  # type: ignore[arg-type]
                # a GatewaySubnet that is the whole block leaves no room for anything else
                return {"atTopOfBlock": network.broadcast_address == block.broadcast_address,
                        "block": str(block), "fillsBlock": network == block}
    return {"atTopOfBlock": False, "fillsBlock": False}


def routes_over_subnet(subnet: Resource, table: dict[str, Any]) -> dict[str, Any]:
    """Routes of the GatewaySubnet's own route table whose prefix overlaps a GatewaySubnet prefix,
    default routes left out (GW-SUBNET-NO-DEFAULT-ROUTE has them)."""
    routes = table.get("routes")
    if not table.get("attached"):
        return {"routesOverlappingSubnetCount": 0, "routesOverlappingSubnetNames": []}
    if isinstance(routes, Unknown):
        return {"routesOverlappingSubnetCount": routes, "routesOverlappingSubnetNames": routes}
    networks = subnet_prefixes(subnet.properties, f"subnet {display_name(subnet)}")
    unknown = first_unknown(networks)
    names: list[str] = []
    for route in routes or []:
        prefix = route.get("addressPrefix")
        if isinstance(prefix, Unknown):
            unknown = unknown or prefix
            continue
        if not isinstance(prefix, str) or prefix.replace(" ", "") in ("0.0.0.0/0", "::/0"):
            continue
        try:
            route_net = ipaddress.ip_network(prefix.strip(), strict=False)
        except ValueError:
            continue  # a service tag or a malformed prefix: not an address range to compare
        if any(not isinstance(n, Unknown) and n.version == route_net.version and n.overlaps(route_net)  # type: ignore[arg-type]
               for n in networks):
            names.append(f"{route.get('name')} ({prefix})")
    count: Any = len(names) if names or unknown is None else unknown
    return {"routesOverlappingSubnetCount": count,
            "routesOverlappingSubnetNames": names if names or unknown is None else unknown}

