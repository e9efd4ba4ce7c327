"""The circuit subject (one per ExpressRoute circuit), and the facts of a circuit that connections,
gateways and sites read."""

from __future__ import annotations

from checker import facts
from checker.model import Resource, Unknown, equals_ci
from checker.subject import Subject
from checker.views.index import Index
from checker.views.prefixes import to_network
from checker.views.readers import (
    CIRCUIT_PEERING,
    NOT_THERE,
    display_name,
    first_unknown,
    get_path,
    not_in_inputs,
    ref_of,
    resource_data,
    to_int,
)
from checker.vocabulary import CIRCUIT_CONNECTION

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def circuit_of(ix: Index, connection: Resource) -> tuple[Resource | None, str | Unknown | None]:
    ref = ix.ends_of(connection).circuit
    if isinstance(ref, str):
        return ix.graph.get(ref), ref
    return None, ref


def circuit_facts(ix: Index, circuit: Resource | None, ref: str | Unknown | None) -> dict[str, Any]:
    if circuit is None:
        if ref is None:
            return NOT_THERE  # type: ignore[return-value]
        unknown = ref if isinstance(ref, Unknown) else not_in_inputs("circuit", ref)
        return {"id": ref if isinstance(ref, str) else None,
                "displayName": ref.rsplit("/", 1)[-1] if isinstance(ref, str) else "(id not known before deployment)",
                "exists": unknown, "bandwidthMbps": unknown,
                "peeringLocation": unknown, "tier": unknown}
    props = circuit.properties
    bandwidth: Any = get_path(props, "serviceProviderProperties.bandwidthInMbps")
    if bandwidth is None and get_path(props, "bandwidthInGbps") is not None:
        gbps = get_path(props, "bandwidthInGbps")
        bandwidth = gbps if isinstance(gbps, Unknown) else (gbps * 1000 if isinstance(gbps, (int, float)) else None)
    location = get_path(props, "serviceProviderProperties.peeringLocation")
    if location is None and ref_of(props.get("expressRoutePort")) is not None:
        port = ix.graph.get(ref_of(props.get("expressRoutePort")))
        location = get_path(port.properties, "peeringLocation") if port else Unknown(
            f"ExpressRoute port of circuit {display_name(circuit)} is not in the inputs")
    return {"id": circuit.id, "name": circuit.name, "displayName": display_name(circuit), "exists": True,
            "bandwidthMbps": bandwidth if bandwidth is not None else Unknown(
                f"bandwidth of circuit {display_name(circuit)} is not set"),
            "peeringLocation": location if location is not None else Unknown(
                f"peering location of circuit {display_name(circuit)} is not set"),
            "serviceProviderName": get_path(props, "serviceProviderProperties.serviceProviderName"),
            "tier": get_path(circuit.body, "sku.tier")}


def circuit_subject(ix: Index, circuit: Resource) -> Subject:
    props = circuit.properties
    data = resource_data(circuit, circuit.name)
    sku = circuit.body.get("sku") if isinstance(circuit.body.get("sku"), dict) else {}
    name, tier, family = get_path(sku, "name"), get_path(sku, "tier"), get_path(sku, "family")
    data["skuName"], data["skuTier"], data["skuFamily"] = name, tier, family
    unknown = first_unknown([name, tier, family])
    if unknown is not None:
        data["skuNameMatchesTierFamily"] = unknown
    else:
        data["skuNameMatchesTierFamily"] = isinstance(name, str) and isinstance(tier, str) and isinstance(
            family, str) and name.lower() == f"{tier}_{family}".lower()
    data.update({k: v for k, v in circuit_facts(ix, circuit, circuit.id).items() if k != "exists"})
    data["privatePeering"] = private_peering(ix, circuit)
    peerings = []
    for peering in ix.graph.children(circuit, CIRCUIT_PEERING):
        peerings.append({"name": peering.name.rsplit("/", 1)[-1],
                         "peeringType": get_path(peering.properties, "peeringType"),
                         "state": get_path(peering.properties, "state"),
                         "peerASN": to_int(get_path(peering.properties, "peerASN"))})
    data["peerings"] = peerings
    data["globalReachConnectionCount"] = global_reach_count(ix, circuit)
    links = vnet_links(ix, circuit, data["globalReachConnectionCount"], data.get("bandwidthMbps"), tier)
    if links is not None:
        data["vnetLinks"] = links
    # gateway_parts reads circuit facts: import here
    from checker.views.gateway_parts import diagnostics, not_collected_live
    monitoring = diagnostics(ix, circuit)
    data["monitoring"] = not_collected_live(
        circuit, {key: monitoring[key] for key in ("settingCount", "metricAlertCount", "monitored")})
    if circuit.source == "live":
        for key in ("serviceProviderProvisioningState", "circuitProvisioningState", "provisioningState"):
            data[key] = props.get(key)
        data["peeringsNotEnabledCount"] = len([p for p in peerings if not equals_ci(p["state"], "Enabled")])
    site_id, patterns = circuit_scope(ix, circuit)
    return Subject("circuit", circuit, data, site_id, patterns, circuit.origin)


def circuit_scope(ix: Index, circuit: Resource) -> tuple[str | None, tuple[str, ...]]:
    """The site of the gateways connected to a circuit, and the patterns that apply."""
    site = ix.site_of_connections(ix.connections_by_circuit.get(circuit.key, ()))
    return (site.id, site.patterns) if site else (None, ix.inferred("expressroute", "expressroute-vpn-failover", near=circuit))


def private_peering(ix: Index, circuit: Resource) -> dict[str, Any]:
    found = None
    for peering in ix.graph.children(circuit, CIRCUIT_PEERING):
        ptype = get_path(peering.properties, "peeringType")
        name = peering.name.rsplit("/", 1)[-1]
        if equals_ci(ptype, "AzurePrivatePeering") or (ptype is None and equals_ci(name, "AzurePrivatePeering")):
            found = peering
            break
        if isinstance(ptype, Unknown):
            found = found or peering
    if found is None:
        # Live data, and an export that lists the circuit's peerings, show the circuit as it is:
        # no private peering there is a fact, not something configured elsewhere.
        if circuit.source == "live" or (circuit.source == "export"
                                         and isinstance(circuit.properties.get("peerings"), list)):
            return {"exists": False}
        unknown = Unknown(f"circuit {display_name(circuit)} declares no private peering: it is often configured by the "
                          "connectivity provider outside the template; check live data")
        return {"exists": unknown, "primaryPrefixIs30": unknown, "secondaryPrefixIs30": unknown,
                "prefixesDistinct": unknown, "vlanIdSet": unknown}
    props = found.properties
    primary = to_network(get_path(props, "primaryPeerAddressPrefix") or "", "primaryPeerAddressPrefix") \
        if get_path(props, "primaryPeerAddressPrefix") is not None else None
    secondary = to_network(get_path(props, "secondaryPeerAddressPrefix") or "", "secondaryPeerAddressPrefix") \
        if get_path(props, "secondaryPeerAddressPrefix") is not None else None

    def is30(net: Any) -> Any:
        if net is None:
            return False
        if isinstance(net, Unknown):
            return net
        return net.version == 4 and net.prefixlen == 30

    distinct: Any = first_unknown([primary, secondary])
    if distinct is None:
        distinct = primary is not None and secondary is not None and primary != secondary
    vlan = get_path(props, "vlanId")
    return {"exists": True, "name": found.name.rsplit("/", 1)[-1], "peerASN": to_int(get_path(props, "peerASN")),
            "primaryPeerAddressPrefix": str(primary) if primary is not None else None,
            "secondaryPeerAddressPrefix": str(secondary) if secondary is not None else None,
            "primaryPrefixIs30": is30(primary), "secondaryPrefixIs30": is30(secondary),
            "prefixesDistinct": distinct,
            "vlanIdSet": vlan if isinstance(vlan, Unknown) else vlan is not None,
            "state": get_path(props, "state"), "md5KeySet": get_path(props, "sharedKey") is not None}


def vnet_links(ix: Index, circuit: Resource, global_reach: Any, bandwidth: Any, tier: Any) -> dict[str, Any] | None:
    """The circuit's virtual network links in the inputs (ExpressRoute connections to it, plus its
    Global Reach connections, which count against the same limit) against the documented limit of
    its tier and bandwidth; None when the limits table has no entry for the tier. An unknown (tier,
    bandwidth, a connection whose circuit is only known at deployment) counts only where it could
    change the outcome: links within the smallest documented limit pass whatever it turns out to be."""
    limit: Any
    if isinstance(tier, Unknown) or isinstance(bandwidth, Unknown):
        limit = first_unknown([tier, bandwidth])
    elif not isinstance(tier, str) or not isinstance(bandwidth, (int, float)):
        return None
    else:
        limit = facts.er_vnet_link_limit(tier, bandwidth)
        if limit is None:
            return None
    linked = [c for c in ix.connections_by_circuit.get(circuit.key, ())
              if equals_ci(c.properties.get("connectionType"), "ExpressRoute")]
    # An ExpressRoute connection whose circuit is only known at deployment may be one more link.
    maybe = ix.unplaced_circuit_links
    if isinstance(global_reach, Unknown):
        return {"count": global_reach, "limit": limit, "headroom": global_reach}
    known = len(linked) + global_reach
    most = known + len(maybe)
    count: Any = known
    if maybe:
        count = Unknown(f"{known} link(s) of circuit {display_name(circuit)} known, and {len(maybe)} ExpressRoute "
                        f"connection(s) whose circuit is not known before deployment ({display_name(maybe[0])})")
    smallest = min(facts.ER_VNET_LINKS_STANDARD, *(links for _, links in facts.ER_VNET_LINKS_PREMIUM))
    headroom: Any
    if isinstance(limit, int):
        if known > limit:
            headroom = limit - known  # over the limit whatever the unknown connections are
        elif most <= limit:
            headroom = limit - most  # within the limit even if every unknown connection is a link
        else:
            headroom = count
    else:
        headroom = smallest - most if most <= smallest else limit
    return {"count": count, "limit": limit, "headroom": headroom}


def global_reach_count(ix: Index, circuit: Resource) -> Any:
    """Global Reach connections declared on the circuit's peerings: inline ``connections`` of a peering
    and ``expressRouteCircuits/peerings/connections`` resources (unknown when a list is)."""
    count = 0
    for peering in ix.graph.children(circuit, CIRCUIT_PEERING):
        inline = peering.properties.get("connections")
        if isinstance(inline, Unknown):
            return Unknown(f"Global Reach connections of circuit {display_name(circuit)} are not known: "
                           f"{inline.reason}")
        names = {str(get_path(c, "name")).lower() for c in inline if isinstance(c, dict)} \
            if isinstance(inline, list) else set()
        count += len(inline) if isinstance(inline, list) else 0
        for child in ix.graph.children(peering, CIRCUIT_CONNECTION):
            if child.name.rsplit("/", 1)[-1].lower() not in names:
                count += 1
    return count
