"""The vnet-peering subject: one per virtual network peering."""

from __future__ import annotations

import ipaddress

from checker.model import Resource, Unknown, equals_ci, normalise_id
from checker.patterns import SiteInfo, is_placeholder
from checker.subject import Subject
from checker.views.gateway import gateway_data
from checker.views.index import Index
from checker.views.network import route_table_view
from checker.views.onprem import onprem_networks
from checker.views.prefixes import to_network
from checker.views.readers import (
    SUBNET,
    any_true,
    count_or_unknown,
    display_name,
    first_unknown,
    not_in_inputs,
    ref_of,
    resource_data,
    to_bool,
)
from checker.views.route_server import route_server_facts
from checker.vocabulary import PATTERNS

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def peering_subject(ix: Index, peering: Resource) -> Subject:
    props = peering.properties
    local_key = ix.peering_parent_key(peering)
    remote_ref = ref_of(props.get("remoteVirtualNetwork"))
    data = resource_data(peering, peering.name.rsplit("/", 1)[-1])
    data["allowGatewayTransit"] = to_bool(props.get("allowGatewayTransit"), False)
    data["useRemoteGateways"] = to_bool(props.get("useRemoteGateways"), False)
    data["allowForwardedTraffic"] = to_bool(props.get("allowForwardedTraffic"), False)
    data["allowVirtualNetworkAccess"] = to_bool(props.get("allowVirtualNetworkAccess"), True)
    local_gateways = ix.vnet_gateways(local_key)
    local_vnet = ix.graph.get(local_key)
    local_rs = route_server_facts(ix, local_key)
    data["localVnet"] = {"id": local_key, "name": local_key.rsplit("/", 1)[-1],
                         "displayName": display_name(local_vnet) if local_vnet else local_key.rsplit("/", 1)[-1],
                         "hasGateway": bool(local_gateways), "hasRouteServer": local_rs["exists"]}
    data["localUseRemoteGatewaysCount"] = len(
        [p for p in ix.peerings_of(local_key) if to_bool(p.properties.get("useRemoteGateways"), False) is True])
    remote_site = None
    reverse_uses_remote: Any = False
    if isinstance(remote_ref, Unknown) or remote_ref is None:
        unknown = remote_ref or Unknown(f"peering {display_name(peering)} has no remoteVirtualNetwork")
        data["remoteVnet"] = {"exists": unknown, "hasGateway": unknown, "hasNonBasicGateway": unknown,
                              "hasRouteServer": unknown, "routeServerBranchToBranch": unknown,
                              "hasGatewayOrRouteServer": unknown}
        data["reverse"] = {"exists": unknown, "allowGatewayTransit": unknown}
    else:
        remote_key = normalise_id(remote_ref)
        remote = ix.graph.get(remote_key)
        remote_site = ix.site_by_vnet.get(remote_key)
        gateways = ix.vnet_gateways(remote_key)
        remote_rs = route_server_facts(ix, remote_key)
        in_inputs = remote is not None and not is_placeholder(remote)
        if not in_inputs:
            unknown = not_in_inputs("virtual network", remote_ref)
            has_gateway: Any = True if gateways else unknown
            data["remoteVnet"] = {"id": remote_ref, "name": remote_ref.rsplit("/", 1)[-1],
                                  "displayName": remote_ref.rsplit("/", 1)[-1], "exists": unknown,
                                  "hasGateway": has_gateway,
                                  "hasNonBasicGateway": non_basic(ix, gateways) if gateways else unknown}
        else:
            assert remote is not None
            has_gateway = bool(gateways)
            data["remoteVnet"] = {"id": remote.id, "name": remote.name, "displayName": display_name(remote),
                                  "exists": True,
                                  "hasGateway": has_gateway, "hasNonBasicGateway": non_basic(ix, gateways)}
        data["remoteVnet"]["hasRouteServer"] = remote_rs["exists"]
        data["remoteVnet"]["routeServerBranchToBranch"] = remote_rs.get("allowBranchToBranchTraffic",
                                                                        remote_rs["exists"])
        data["remoteVnet"]["hasGatewayOrRouteServer"] = any_true([has_gateway, remote_rs["exists"]])
        # The reverse peering is looked up among the peerings in the inputs even when the remote VNet
        # itself is not: a module that deploys both sides of a peering declares it as a child.
        reverse = [p for p in ix.peerings_of(remote_key)
                   if isinstance(ref_of(p.properties.get("remoteVirtualNetwork")), str)
                   and normalise_id(ref_of(p.properties.get("remoteVirtualNetwork"))) == local_key]  # type: ignore[arg-type]
        if reverse:
            data["reverse"] = {"exists": True, "name": reverse[0].name,
                               "allowGatewayTransit": to_bool(reverse[0].properties.get("allowGatewayTransit"),
                                                              False)}
            reverse_uses_remote = to_bool(reverse[0].properties.get("useRemoteGateways"), False)
        elif in_inputs:
            data["reverse"] = {"exists": False, "allowGatewayTransit": False}
        else:
            unknown = not_in_inputs("virtual network", remote_ref)
            data["reverse"] = {"exists": unknown, "allowGatewayTransit": unknown}
    local_site = ix.site_by_vnet.get(local_key)
    # A peering involves a hub when either side holds gateways or a Route Server, or when either
    # direction uses the other side's gateways (this VNet is then a spoke, or the hub of a spoke).
    data["involvesHub"] = any_true([
        bool(local_site and local_site.gateways) or bool(remote_site and remote_site.gateways),
        local_rs["exists"], data["remoteVnet"]["hasRouteServer"], data["useRemoteGateways"], reverse_uses_remote])
    data["spokeRouting"] = spoke_routing(ix, local_key, remote_site)
    if peering.source == "live":
        data["peeringState"] = props.get("peeringState")
        data["peeringSyncLevel"] = props.get("peeringSyncLevel")
    site = local_site if local_site and local_site.gateways else (remote_site or local_site)
    patterns = tuple(p for p in PATTERNS if any(p in s.patterns for s in (local_site, remote_site) if s))
    transit = [data["useRemoteGateways"], data["allowGatewayTransit"], reverse_uses_remote, local_rs["exists"],
               data["remoteVnet"]["hasRouteServer"]]
    if "hub-spoke" not in patterns and any(v is True or isinstance(v, Unknown) for v in transit[:3]) or any(
            v is True for v in transit[3:]):
        # A peering that uses or offers gateway transit (or peers with a Route Server) belongs to a
        # hub and spoke and is checked with or without the hub in the inputs.
        patterns = tuple(p for p in PATTERNS if p in patterns or p == "hub-spoke")
    return Subject("vnet-peering", peering, data, site.id if site else None, patterns, peering.origin)


def non_basic(ix: Index, gateways: list[Resource]) -> Any:
    skus = [gateway_data(ix, g)["skuName"] for g in gateways]
    if any(isinstance(s, str) and not equals_ci(s, "Basic") for s in skus):
        return True
    return first_unknown(skus) or False


def spoke_routing(ix: Index, spoke_key: str, hub_site: SiteInfo | None) -> dict[str, Any]:
    """Spoke subnets whose route table disables gateway route propagation and has no route covering
    the hub's on-premises prefixes (nor 0.0.0.0/0 to an appliance)."""
    onprem = onprem_networks(ix, hub_site)[0] if hub_site else []
    missing = []
    unknown: Unknown | None = None
    vnet = ix.graph.get(spoke_key)
    subnets = ix.graph.children(vnet, SUBNET) if vnet else []
    for subnet in subnets:
        table = route_table_view(ix, subnet)
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
            net = to_network(prefix, "route addressPrefix")
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
            "subnetsWithoutOnPremRouteCount": count_or_unknown(missing, unknown)}
