"""Azure Route Server facts of a VNet: a ``virtualHubs`` resource (without a Virtual WAN) whose
ipConfigurations sit in the VNet's RouteServerSubnet. A hub whose transit comes from a Route Server is
valid for ``useRemoteGateways`` (the peering option reads "Use the remote virtual network's gateway or
Route Server"); creating or deleting a Route Server in a VNet that holds a gateway causes downtime."""

from __future__ import annotations

from checker.patterns import is_placeholder
from checker.views.index import Index
from checker.views.readers import (
    HUB_BGP_CONNECTION,
    any_true,
    display_name,
    get_path,
    not_in_inputs,
    to_bool,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def route_server_facts(ix: Index, vnet_key: str) -> dict[str, Any]:
    """``{exists, names, allowBranchToBranchTraffic, bgpConnectionCount}`` of the
    Route Server(s) in a VNet. Unknown when the VNet is not in the inputs and no Route Server in the
    inputs is placed there, or when a Route Server's subnet is not known."""
    servers = ix.route_servers_by_vnet.get(vnet_key, [])
    if not servers:
        vnet = ix.graph.get(vnet_key)
        if vnet is None or is_placeholder(vnet):
            unknown = not_in_inputs("virtual network", vnet_key)
            return {"exists": unknown, "allowBranchToBranchTraffic": unknown}
        if ix.unplaced_route_servers:
            reason = ix.unplaced_route_servers[0][1]
            return {"exists": reason, "allowBranchToBranchTraffic": reason}
        return {"exists": False}
    branch = [to_bool(get_path(s.properties, "allowBranchToBranchTraffic"), False) for s in servers]
    bgp = sum(len(ix.graph.children(s, HUB_BGP_CONNECTION)) for s in servers)
    return {"exists": True, "names": [display_name(s) for s in servers],
            "allowBranchToBranchTraffic": any_true(branch),
            "bgpConnectionCount": bgp}
