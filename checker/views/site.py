"""The site subject: one per site (a VNet holding gateways, or declared one), with its pattern."""

from __future__ import annotations

from collections.abc import Mapping

from checker import facts
from checker.model import Resource, Unknown, equals_ci, normalise_id, parse_resource_id, same_type
from checker.patterns import SiteInfo, is_placeholder
from checker.subject import Subject
from checker.views.circuit import circuit_facts, circuit_of
from checker.views.gateway import gateway_data
from checker.views.index import Index
from checker.views.network import vnet_view
from checker.views.onprem import onprem_networks, overlap_facts, spoke_vnets
from checker.views.prefixes import Network, known_networks, to_network
from checker.views.readers import (
    CIRCUIT,
    LNG,
    canonical,
    display_name,
    envelope,
    first_unknown,
    get_path,
    maybe_unknown,
    migration_tagged,
    not_in_inputs,
)
from checker.views.route_server import route_server_facts

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def site_subject(ix: Index, site: SiteInfo) -> Subject:
    vnet = site.vnet
    data: dict[str, Any] = envelope(vnet.body) if not is_placeholder(vnet) else {}
    data["name"] = site.name
    data["displayName"] = display_name(vnet)
    data["pattern"] = site.pattern
    data["patterns"] = list(site.patterns)
    data["patternSource"] = site.pattern_source
    data["notes"] = list(site.notes)
    data["role"] = "hub" if site.gateways else ("spoke" if site.hubs else "none")
    data["hubs"] = [h.rsplit("/", 1)[-1] for h in site.hubs]
    data["routeServer"] = route_server_facts(ix, site.id)
    data["vnet"] = vnet_view(ix, site.id)
    gateways = [{**gateway_data(ix, g), "id": g.id} for g in site.gateways]
    vpn = [g for g in gateways if equals_ci(g.get("gatewayType"), "Vpn")]
    er = [g for g in gateways if equals_ci(g.get("gatewayType"), "ExpressRoute")]
    er_resources = [g for g in site.gateways if equals_ci(g.properties.get("gatewayType"), "ExpressRoute")]
    vpn_resources = [g for g in site.gateways if equals_ci(g.properties.get("gatewayType"), "Vpn")]
    data["gatewayCount"] = len(gateways)
    # A gateway whose type is only known at deployment may be the one a count of zero misses.
    untyped = [g for g in site.gateways if isinstance(g.properties.get("gatewayType"), Unknown)]
    data["vpnGatewayCount"] = len(vpn) or _untyped_count(untyped, "VPN")
    data["erGatewayCount"] = len(er) or _untyped_count(untyped, "ExpressRoute")
    data["erGatewayCountExcludingMigration"] = len([g for g in er_resources if migration_tagged(g) is not True])
    data["vpnGateways"] = [{"name": g["name"], "skuName": g.get("skuName"), "vpnType": g.get("vpnType")}
                           for g in vpn]
    data["erGateways"] = [{"name": g["name"], "skuName": g.get("skuName")} for g in er]
    data["vpnGatewayNames"] = [_named_sku(g, gateway_data(ix, g)) for g in vpn_resources]
    data["erGatewayNames"] = [_named_sku(g, gateway_data(ix, g)) for g in er_resources]
    data["basicErGatewayCount"] = len([g for g in er if equals_ci(g.get("skuName"), "Basic")])
    subnet_ids = [g["subnet"].get("id") for g in vpn + er]
    if vpn and er:
        unknown = first_unknown(g["subnet"].get("exists") for g in vpn + er)
        ids = {normalise_id(i) for i in subnet_ids if isinstance(i, str)}
        gateway_subnets = all(g["subnet"].get("isGatewaySubnet") is True for g in vpn + er)
        data["gatewaysShareGatewaySubnet"] = unknown or (len(ids) == 1 and gateway_subnets)
    elif untyped:
        data["gatewaysShareGatewaySubnet"] = _untyped_count(untyped, "VPN" if er else "ExpressRoute")
    else:
        data["gatewaysShareGatewaySubnet"] = False
    spokes = spoke_vnets(ix, site)
    data["spokes"] = [s.rsplit("/", 1)[-1] for s in spokes]
    data["vnetPeeringCount"] = vnet_peering_count(ix, site)
    data["overlaps"] = overlap_facts(ix, site)
    data["s2s"] = s2s_facts(ix, site, vpn_resources)
    data["er"] = er_site_facts(ix, site, er_resources)
    data["failover"] = failover_facts(ix, site, vpn_resources, er_resources)
    return Subject("site", vnet, data, site.id, site.patterns, vnet.origin)


def _untyped_count(untyped: list[Resource], kind: str) -> Any:
    """0 gateways of a kind, or unknown when a gateway of the site has a type only known at deployment."""
    if not untyped:
        return 0
    reason = untyped[0].properties["gatewayType"].reason
    return Unknown(f"no {kind} gateway known, and the type of gateway {display_name(untyped[0])} is not known "
                   f"({reason})")


def s2s_facts(ix: Index, site: SiteInfo, vpn_gateways: list[Resource]) -> dict[str, Any]:
    links = 0
    simulated = []
    unknown: Unknown | None = None
    for gateway in vpn_gateways:
        for connection in ix.connections_of(gateway):
            props = connection.properties
            ctype = canonical(props.get("connectionType"), ("IPsec", "Vnet2Vnet", "ExpressRoute"))
            if isinstance(ctype, Unknown):
                unknown = unknown or ctype
                continue
            ends = ix.ends_of(connection)
            gw1 = ends.gateway1
            if ctype == "IPsec" and isinstance(gw1, str) and ix.graph.key_of(gw1) == gateway.key:
                lng = ends.local_gateway
                declared = ix.graph.get(lng) if isinstance(lng, str) else None
                if isinstance(lng, str) and same_type(declared.type if declared is not None else (
                        parse_resource_id(lng).get("type") or ""), LNG):
                    links += 1
                elif isinstance(lng, Unknown):
                    unknown = unknown or lng
            elif ctype == "Vnet2Vnet":
                simulated.append(connection.name)
    maybe = ix.maybe_connections_of(("IPsec",), vpn_gateways) if vpn_gateways else []
    count: Any = links
    if maybe:
        unknown = unknown or maybe_unknown(maybe, links, "IPsec connection")
        count = unknown
    has_link: Any
    if links:
        has_link = True
    elif unknown is not None:
        has_link = unknown
    elif simulated:
        has_link = Unknown(f"only Vnet2Vnet connection(s) {', '.join(sorted(set(simulated)))} to another "
                           "gateway (simulated on-premises): no IPsec connection to an on-premises network "
                           "is in the inputs")
    elif partial_connections(ix, vpn_gateways):
        has_link = partial_connections(ix, vpn_gateways)
    else:
        has_link = False
    return {"ipsecLinkCount": count, "hasOnPremLink": has_link, "simulatedOnPremConnections": simulated}


def partial_connections(ix: Index, gateways: list[Resource]) -> Unknown | None:
    """Unknown when no connection of these gateways is in the inputs and none of them was read from the
    deployed estate (an export or a live audit): a template or a what-if result shows only what one
    deployment creates, and hub templates (landing zones, reference hubs) leave connections to another
    deployment. The absence is then not known; ``None`` when it is (estate data, or a connection is there)."""
    if not gateways or any(g.source in ("export", "live") for g in gateways):
        return None
    if any(ix.connections_of(g) for g in gateways):
        return None
    names = ", ".join(sorted(g.name for g in gateways))
    return Unknown(f"no connection of gateway {names} is in the inputs, which do not show the deployed estate: "
                   "connections are often deployed apart from the gateway; scan their template too, or give "
                   "the deployed estate with --context")


def er_site_facts(ix: Index, site: SiteInfo, er_gateways: list[Resource]) -> dict[str, Any]:
    resolved = 0
    dangling: Unknown | None = None
    shared_keys = 0
    circuits: dict[str, dict[str, Any]] = {}
    unknown_circuits: list[Unknown] = []
    for gateway in er_gateways:
        for connection in ix.connections_of(gateway):
            props = connection.properties
            if not equals_ci(props.get("connectionType"), "ExpressRoute"):
                continue
            if props.get("sharedKey") is not None:
                shared_keys += 1
            circuit, ref = circuit_of(ix, connection)
            if circuit is not None and same_type(circuit.type, CIRCUIT):
                resolved += 1
                circuits[circuit.key] = circuit_facts(ix, circuit, ref)
            elif ref is not None:
                unknown = ref if isinstance(ref, Unknown) else not_in_inputs("circuit", ref)
                dangling = dangling or unknown
                if isinstance(ref, str):
                    circuits[normalise_id(ref)] = circuit_facts(ix, None, ref)
                else:
                    unknown_circuits.append(unknown)
    maybe = ix.maybe_connections_of(("ExpressRoute",), er_gateways) if er_gateways else []
    link_count: Any = resolved
    circuit_count: Any = len(circuits)
    if unknown_circuits:
        # a connection whose circuit is only known at deployment: one more circuit, location unknown
        circuit_count = Unknown(f"{len(circuits)} circuit(s) known, and {len(unknown_circuits)} connection(s) to a "
                                f"circuit not known before deployment ({unknown_circuits[0].reason})")
    if maybe:
        dangling = dangling or maybe_unknown(maybe, resolved, "ExpressRoute connection")
        link_count = dangling
        circuit_count = maybe_unknown(maybe, len(circuits), "circuit")
    has_link: Any = True if resolved else (dangling or False)
    elsewhere = partial_connections(ix, er_gateways) if has_link is False else None
    if elsewhere is not None:
        has_link = link_count = circuit_count = elsewhere
    locations = [c.get("peeringLocation") for c in circuits.values()]
    if maybe or unknown_circuits or elsewhere is not None:
        locations.append(circuit_count)  # circuits of those connections: their locations are not known
    distinct = {facts.normalise_peering_location(loc) for loc in locations if isinstance(loc, str)}
    unknown_loc = first_unknown(locations)
    distinct_count: Any = len(distinct) if len(distinct) >= 2 or unknown_loc is None else unknown_loc
    return {"circuitLinkCount": link_count, "hasCircuitLink": has_link, "sharedKeyConnectionCount": shared_keys,
            "circuitCount": circuit_count, "distinctPeeringLocations": distinct_count,
            "peeringLocations": sorted(distinct)}


def failover_facts(ix: Index, site: SiteInfo, vpn_gateways: list[Resource],
                   er_gateways: list[Resource]) -> dict[str, Any]:
    learned: list[Network] | None = None
    for gateway in er_gateways:
        routes = gateway.metadata.get("learnedRoutes", get_path(gateway.properties, "learnedRoutes"))
        if isinstance(routes, list):
            learned = (learned or []) + known_networks(to_network(get_path(r, "network") or r, "learned route")
                                               for r in routes)
    onprem = [(name, net) for name, _, net in onprem_networks(ix, site)[0]]
    if learned is None:
        unknown = Unknown("prefixes learned over ExpressRoute are only available from live data "
                          "(getLearnedRoutes)")
        same: Any = unknown
        more_specific: Any = unknown
    else:
        vpn_nets = known_networks(n for _, n in onprem)
        same = any(a.version == b.version and a.overlaps(b) for a in vpn_nets for b in learned)
        more_specific = len([a for a in vpn_nets for b in learned
                             if a.version == b.version and a != b and a.subnet_of(b)])  # type: ignore[arg-type]
    out: dict[str, Any] = {"vpnReachesErPrefixes": same, "vpnPrefixesMoreSpecificThanErCount": more_specific,
                           "vpnOnPremPrefixCount": len(onprem)}
    if site.vnet.source == "live" or any(g.source == "live" for g in vpn_gateways + er_gateways):
        er_up = [c for g in er_gateways for c in ix.connections_of(g)
                 if equals_ci(c.properties.get("connectionType"), "ExpressRoute")
                 and equals_ci(c.properties.get("provisioningState"), "Succeeded")]
        vpn = [c for g in vpn_gateways for c in ix.connections_of(g)
               if equals_ci(c.properties.get("connectionType"), "IPsec")]
        vpn_up = [c for c in vpn if equals_ci(c.properties.get("connectionStatus"), "Connected")]
        unread = [c for c in vpn if c.properties.get("connectionStatus") is None]
        out["erConnectionUp"] = bool(er_up)
        out["vpnConnectionConnected"] = True if vpn_up else (
            Unknown(f"the status of connection {unread[0].name} was not collected") if unread else False)
    return out


def _named_sku(gateway: Resource, data: Mapping[str, Any]) -> str:
    sku = data.get("skuName")
    return f"{display_name(gateway, with_kind=True)} ({sku if isinstance(sku, str) else 'SKU unknown'})"


def vnet_peering_count(ix: Index, site: SiteInfo) -> Any:
    """Peerings declared on the site VNet (unknown when the VNet or its peering list is not known)."""
    vnet = site.vnet
    if is_placeholder(vnet):
        return not_in_inputs("virtual network", site.id)
    declared = vnet.properties.get("virtualNetworkPeerings")
    if isinstance(declared, Unknown):
        return Unknown(f"peerings of virtual network {display_name(vnet)} are not known: {declared.reason}")
    peerings = ix.peerings_of(site.id)
    # A peering of a copy loop whose count is only known at deployment stands for an unknown number;
    # its name (hence its VNet) is then usually unknown too: one declared beside the VNet may be its.
    file = vnet.origin.file if vnet.origin is not None else None
    for peering in ix.peerings:
        loop = peering.metadata.get("copy")
        if not (isinstance(loop, dict) and loop.get("countUnknown")):
            continue
        mine = peering in peerings
        if mine or (file is not None and peering.origin is not None and peering.origin.file == file
                    and ix.graph.get(ix.peering_parent_key(peering)) is None):
            return Unknown(f"{len(peerings) - mine} peering(s) of virtual network {display_name(vnet)} known, and "
                           f"copy loop '{loop.get('name')}' makes a number only known at deployment")
    return len(peerings)
