"""Parts of a gateway's facts: its public IPs, diagnostic settings and alerts, BGP, ExpressRoute
capacity and the short view of each of its connections."""

from __future__ import annotations

import ipaddress

from checker import facts
from checker.model import Resource, Unknown, equals_ci, normalise_id
from checker.views.circuit import circuit_facts, circuit_of
from checker.views.index import Index
from checker.views.prefixes import APIPA, AZURE_APIPA, prefix_list
from checker.views.readers import (
    METRIC_ALERT,
    VPN_LOG_CATEGORIES,
    canonical,
    count_or_unknown,
    display_name,
    first_unknown,
    get_path,
    items_of,
    list_or_unknown,
    maybe_unknown,
    not_in_inputs,
    to_bool,
    to_int,
)
from checker.vocabulary import ACTIVITY_LOG_ALERT, MAINTENANCE_ASSIGNMENT

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def public_ip_view(ix: Index, ref: str | Unknown, gateway: Resource) -> dict[str, Any]:
    region = gateway.body.get("location")
    if isinstance(ref, Unknown):
        unknown = Unknown(f"public IP of gateway {display_name(gateway)} is not known: {ref.reason}")
        return {"exists": unknown, "sku": unknown, "allocationMethod": unknown, "standardStatic": unknown,
                "zoneRedundant": unknown}
    pip = ix.graph.get(ref)
    if pip is None:
        unknown = not_in_inputs("public IP", ref)
        return {"id": ref, "exists": unknown, "sku": unknown, "allocationMethod": unknown,
                "standardStatic": unknown, "zoneRedundant": unknown}
    sku = get_path(pip.body, "sku.name")
    if sku is None:
        sku = "Basic"  # ARM default for a public IP without sku (older templates, e.g. azbb, write none)
    method = get_path(pip.properties, "publicIPAllocationMethod")
    if method is None:
        method = "Static" if equals_ci(sku, "Standard") else "Dynamic"  # ARM defaults per sku
    zones = pip.body.get("zones")
    standard_static: Any = first_unknown([sku, method])
    if standard_static is None:
        standard_static = equals_ci(sku, "Standard") and equals_ci(method, "Static")
    return {"id": pip.id, "name": pip.name, "exists": True, "sku": sku, "allocationMethod": method,
            "zones": zones, "standardStatic": standard_static,
            "zoneRedundant": zone_redundant(zones, pip.body.get("location") or region)}


def zone_redundant(zones: Any, region: Any) -> bool | Unknown:
    if isinstance(zones, Unknown):
        return zones
    if not isinstance(region, str):
        return Unknown("the region is not known")
    all_zones = facts.ZONES_BY_REGION.get(facts.normalise_region(region))
    if all_zones is None:
        return Unknown(f"region {region} is not in the availability-zone table")
    if not zones:
        return Unknown(f"public IP in {region} has no zones: whether it is zone-redundant depends on when "
                       "it was created (newer Standard public IPs without zones are zone-redundant); set zones explicitly")
    if not isinstance(zones, list):
        return Unknown(f"zones of the public IP is not a list: {zones!r}")
    return {str(z) for z in zones} >= set(all_zones)


def region_has_zones(region: Any) -> bool | Unknown:
    if isinstance(region, Unknown):
        return region
    if not isinstance(region, str):
        return Unknown("the region is not known")
    key = facts.normalise_region(region)
    if key in facts.ZONES_BY_REGION:
        return True
    if key in facts.REGIONS_WITHOUT_ZONES:
        return False
    return Unknown(f"region {region} is not in the availability-zone table")


def connection_brief(ix: Index, connection: Resource, gateway: Resource | None = None) -> dict[str, Any]:
    """What a gateway's facts and the connection's subject both say of a connection; made once per
    connection (its readers copy from it, none writes into it)."""
    brief = ix.briefs.get(id(connection))
    if brief is None:
        brief = ix.briefs[id(connection)] = _connection_brief(ix, connection)
    return brief


def _connection_brief(ix: Index, connection: Resource) -> dict[str, Any]:
    props = connection.properties
    ends = ix.ends_of(connection)
    ctype = canonical(props.get("connectionType"), ("IPsec", "Vnet2Vnet", "ExpressRoute", "VPNClient"))
    peer_kind = None
    if ends.local_gateway is not None:
        peer_kind = "local-gateway"
    elif ends.circuit is not None:
        peer_kind = "circuit"
    elif ends.gateway2 is not None:
        peer_kind = "gateway"
    return {"id": connection.id, "name": connection.name, "displayName": display_name(connection),
            "connectionType": ctype, "peerKind": peer_kind,
            "enableBgp": to_bool(props.get("enableBgp"), False),
            "routingWeight": props.get("routingWeight"),
            "hasSharedKey": props.get("sharedKey") is not None}


def diagnostics(ix: Index, gateway: Resource) -> dict[str, Any]:
    settings = [ix.graph.get(r.source) for r in ix.graph.relations_to(gateway, "diagnostic-target")]
    categories: set[str] = set()
    unknown: Unknown | None = None
    destinations = 0
    metrics = False
    for setting in settings:
        if setting is None:
            continue
        props = setting.properties
        dest = [props.get(k) for k in ("workspaceId", "storageAccountId", "eventHubAuthorizationRuleId")]
        workspace = props.get("workspaceId")
        if isinstance(workspace, Unknown):
            unknown = unknown or workspace
        has_workspace = isinstance(workspace, str) and bool(workspace.strip())
        if any(isinstance(d, (str, Unknown)) and d for d in dest):
            destinations += 1
        logs = props.get("logs")
        if isinstance(logs, Unknown):
            unknown = unknown or logs
            continue
        for log in logs if isinstance(logs, list) else []:
            enabled = to_bool(get_path(log, "enabled"), False)
            if isinstance(enabled, Unknown):
                unknown = unknown or enabled
                continue
            if not enabled or not has_workspace:
                continue
            category = get_path(log, "category")
            group = get_path(log, "categoryGroup")
            if isinstance(category, str):
                categories.add(category.lower())
            if isinstance(group, str) and group.lower() == "alllogs":
                categories.update(c.lower() for c in VPN_LOG_CATEGORIES)
        for metric in items_of(props.get("metrics")):
            if to_bool(get_path(metric, "enabled"), False) is True:
                metrics = True
    missing = [c for c in VPN_LOG_CATEGORIES if c.lower() not in categories]
    missing_count: Any = len(missing) if not missing or unknown is None else unknown
    alerts, alert_unknown = metric_alerts(ix, gateway)
    monitored: Any = (destinations > 0 and (metrics or bool(categories))) or alerts > 0 or (
        unknown or alert_unknown or False)
    # What GW-DIAG-LOGS asks for depends on the gateway type: the four VPN log categories to a
    # workspace, or for ExpressRoute metrics or alerts (its logs say little; its health shows in metrics).
    gateway_type = gateway.properties.get("gatewayType")
    required: Any
    if isinstance(gateway_type, Unknown):
        required = gateway_type
    elif equals_ci(gateway_type, "ExpressRoute"):
        required = [] if monitored is True else (
            monitored if isinstance(monitored, Unknown) else ["metrics or logs sent to a destination, "
                                                              "or a metric alert on the gateway"])
    else:
        required = missing if not missing or unknown is None else unknown
    return {"settingCount": len([s for s in settings if s is not None]),
            "enabledLogCategories": sorted(categories), "missingVpnLogCategories": missing,
            "missingVpnLogCategoryCount": missing_count, "destinationCount": destinations,
            "metricsEnabled": metrics, "metricAlertCount": alert_unknown or alerts,
            "monitored": monitored, "missing": required}


def metric_alerts(ix: Index, gateway: Resource) -> tuple[int, Unknown | None]:
    """Enabled metric alerts whose scopes include the gateway."""
    count = 0
    unknown: Unknown | None = None
    for alert in ix.graph.of_type(METRIC_ALERT):
        scopes = list_or_unknown(alert.properties.get("scopes"))
        if isinstance(scopes, Unknown):
            unknown = unknown or scopes
            continue
        enabled = to_bool(alert.properties.get("enabled"), True)
        targets = [scope for scope in scopes if isinstance(scope, str) and normalise_id(scope) == gateway.key]
        if not targets:
            unknown = unknown or first_unknown(scopes)
            continue
        if isinstance(enabled, Unknown):
            unknown = unknown or enabled
        elif enabled:
            count += 1
    return count, (unknown if count == 0 else None)


def gateway_bgp(ix: Index, gateway: Resource, connections: list[dict[str, Any]]) -> dict[str, Any]:
    props = gateway.properties
    raw_asn = get_path(props, "bgpSettings.asn")
    asn: Any = to_int(raw_asn)
    if asn is None and raw_asn is not None:
        # written but not an integer (65010.5, "x"): never the 65515 default (the bgp-asn subject fails it)
        asn = Unknown("bgpSettings.asn of the gateway is not an integer")
    custom: list[Any] = []
    unknown: Unknown | None = None
    peering_addresses = get_path(props, "bgpSettings.bgpPeeringAddresses")
    if isinstance(peering_addresses, Unknown):
        unknown = peering_addresses
    for entry in peering_addresses if isinstance(peering_addresses, list) else []:
        addresses = get_path(entry, "customBgpIpAddresses")
        if isinstance(addresses, Unknown):
            unknown = unknown or addresses
            continue
        custom.extend(addresses if isinstance(addresses, list) else [])
    for connection in ix.connections_of(gateway):
        entries = list_or_unknown(connection.properties.get("gatewayCustomBgpIpAddresses"))
        if isinstance(entries, Unknown):
            unknown = unknown or entries
            entries = []
        for entry in entries:
            if isinstance(entry, Unknown):
                unknown = unknown or entry
                continue
            address = get_path(entry, "customBgpIpAddress")
            if address is not None and address not in custom:
                custom.append(address)
    views = []
    for address in custom:
        if isinstance(address, Unknown):
            unknown = unknown or address
            continue
        try:
            ip = ipaddress.ip_address(str(address).strip())
            in_range: Any = any(ip in net for net in AZURE_APIPA)
        except ValueError:
            in_range = False
        views.append({"address": address, "inAzureRange": in_range})
    known = [str(v["address"]) for v in views]
    duplicates = len(known) - len(set(known))
    out_of_range = [v for v in views if v["inAzureRange"] is False]
    # an APIPA on-premises peer needs a custom APIPA address on the Azure side (Azure VPN BGP docs)
    apipa_peer = False
    for connection in ix.connections_of(gateway):
        lng = ix.graph.get(ix.ends_of(connection).local_gateway)
        peer = get_path(lng.properties, "bgpSettings.bgpPeeringAddress") if lng else None
        if isinstance(peer, str):
            try:
                if ipaddress.ip_address(peer.strip()) in APIPA:
                    apipa_peer = True
            except ValueError:
                pass
    return {"asn": asn if asn is not None else 65515, "asnDefaulted": asn is None,
            "customApipaAddresses": views,
            "outOfRangeApipaCount": count_or_unknown(out_of_range, unknown),
            "duplicateApipaCount": duplicates,
            "apipaPeerWithoutCustomAddress": (apipa_peer and not views) if unknown is None or views else unknown}


def er_facts(ix: Index, gateway: Resource, sku_key: str | None, sku_name: Any,
             er_connections: list[dict[str, Any]],
             maybe: list[tuple[Resource, Unknown]] | None = None) -> dict[str, Any]:
    circuits = []
    for brief in er_connections:
        connection = ix.graph.get(brief["id"])
        if connection is None:
            continue
        circuit, ref = circuit_of(ix, connection)
        circuits.append(circuit_facts(ix, circuit, ref))
    bandwidths = [c.get("bandwidthMbps") for c in circuits]
    max_bw: Any = first_unknown(bandwidths)
    if max_bw is None:
        max_bw = max((b for b in bandwidths if isinstance(b, (int, float))), default=0)
    capacity: Any
    if isinstance(sku_name, Unknown):
        capacity = sku_name
    elif sku_key == "ergwscale":
        upper = to_int(get_path(gateway.properties, "autoScaleConfiguration.bounds.max"))
        capacity = upper * facts.ER_SCALE_UNIT_MBPS if isinstance(upper, int) else (
            upper if isinstance(upper, Unknown) else Unknown(f"ErGwScale gateway {display_name(gateway)} has no "
                                                              "autoScaleConfiguration.bounds.max"))
    else:
        capacity = facts.ER_GATEWAY_MBPS.get(sku_key or "") or Unknown(
            f"no throughput known for ExpressRoute gateway SKU {sku_name}")
    headroom = first_unknown([capacity, max_bw])
    if headroom is None:
        headroom = capacity - max_bw
    limit: Any = facts.ER_MAX_CIRCUITS.get(sku_key or "") if sku_key else None
    if sku_key == "ergwscale":
        limit = _scale_circuit_limit(gateway)
    if limit is None:
        limit = sku_name if isinstance(sku_name, Unknown) else Unknown(
            f"no circuit limit known for ExpressRoute gateway SKU {sku_name}")
    circuit_headroom = limit if isinstance(limit, Unknown) else limit - len(er_connections)
    linked: Any = len(circuits)
    if maybe:
        linked = maybe_unknown(maybe, len(circuits), "linked circuit")
        if not (isinstance(circuit_headroom, int) and circuit_headroom < 0):
            circuit_headroom = linked
    locations = [c.get("peeringLocation") for c in circuits]
    per_location: dict[str, int] = {}
    for loc in locations:
        if isinstance(loc, str):
            key = facts.normalise_peering_location(loc)
            per_location[key] = per_location.get(key, 0) + 1
    most = max(per_location.values(), default=0)
    loc_unknown = first_unknown(locations)
    max_same: Any = most if most > facts.ER_MAX_CIRCUITS_PER_PEERING_LOCATION or loc_unknown is None \
        else loc_unknown
    # With no more circuits than the per-location limit, no unknown location can break it.
    within_limit: Any = (True if len(locations) <= facts.ER_MAX_CIRCUITS_PER_PEERING_LOCATION
                         else max_same if isinstance(max_same, Unknown)
                         else max_same <= facts.ER_MAX_CIRCUITS_PER_PEERING_LOCATION)
    return {"circuits": circuits, "linkedCircuitCount": linked, "capacityMbps": capacity,
            "maxCircuitBandwidthMbps": max_bw, "throughputHeadroomMbps": headroom,
            **advertised_prefixes(ix, gateway),
            "circuitLimit": limit, "circuitHeadroom": circuit_headroom,
            "maxCircuitsSamePeeringLocation": max_same, "samePeeringLocationWithinLimit": within_limit}


def _generation_valid(sku_key: str | None, generation: Any) -> Any:
    if isinstance(generation, Unknown):
        return generation
    if sku_key is None or generation is None or equals_ci(generation, "None"):
        return True
    allowed = facts.VPN_SKU_GENERATIONS.get(sku_key)
    if allowed is None:
        return True
    return any(equals_ci(generation, g) for g in allowed)


def _autoscale(props: dict[str, Any]) -> dict[str, Any]:
    lower = to_int(get_path(props, "autoScaleConfiguration.bounds.min"))
    upper = to_int(get_path(props, "autoScaleConfiguration.bounds.max"))
    unknown = first_unknown([lower, upper])
    ordered: Any = unknown
    autoscale: Any = unknown
    if unknown is None:
        ordered = lower <= upper if isinstance(lower, int) and isinstance(upper, int) else None
        autoscale = lower < upper if isinstance(lower, int) and isinstance(upper, int) else None
    return {"min": lower, "max": upper, "minNotAboveMax": ordered, "isAutoscale": autoscale}


def _scale_circuit_limit(gateway: Resource) -> Any:
    """Circuits an ErGwScale gateway takes, from its minimum scale units (4, 8, 16 from 1, 2, 10 units)."""
    lower = to_int(get_path(gateway.properties, "autoScaleConfiguration.bounds.min"))
    if isinstance(lower, Unknown):
        return lower
    if not isinstance(lower, int):
        return Unknown(f"ErGwScale gateway {display_name(gateway)} has no autoScaleConfiguration.bounds.min")
    return facts.er_scale_circuit_limit(lower) or 0


def maintenance_assignments(ix: Index, gateway: Resource) -> Any:
    """Maintenance configuration assignments of the gateway: extension resources
    ``{gateway}/providers/Microsoft.Maintenance/configurationAssignments/x``, or ones whose ``scope``
    or ``properties.resourceId`` names the gateway. Unknown when an assignment's target is unknown
    and none is known to be this gateway."""
    count = 0
    unknown: Unknown | None = None
    prefix = gateway.key + "/providers/"
    for assignment in ix.graph.of_type(MAINTENANCE_ASSIGNMENT):
        if normalise_id(assignment.id).startswith(prefix):
            count += 1
            continue
        targets = [assignment.body.get("scope"), assignment.properties.get("resourceId")]
        if any(isinstance(t, str) and normalise_id(t) == gateway.key for t in targets):
            count += 1
        elif any(isinstance(t, Unknown) for t in targets):
            unknown = unknown or next(t for t in targets if isinstance(t, Unknown))
    return count if count or unknown is None else unknown


def advertised_prefixes(ix: Index, gateway: Resource) -> dict[str, Any]:
    """Prefixes the gateway advertises to on-premises: the VNet's ``summarizedGatewayPrefixes`` when
    set, else the address spaces of its VNet and of the spokes that use it as remote gateway."""
    from checker.views.network import vnet_networks
    from checker.views.onprem import spoke_vnets

    site = ix.site_by_gateway.get(gateway.key)
    if site is None:
        no_site = Unknown(f"the VNet of gateway {display_name(gateway)} is not known")
        return {"advertisedIpv4PrefixCount": no_site, "advertisedIpv6PrefixCount": no_site}
    vnet = ix.graph.get(site.id)
    summary = get_path(vnet.properties, "summarizedGatewayPrefixes.addressPrefixes") if vnet is not None else None
    networks: list[Any]
    if summary is not None and vnet is not None:
        networks = prefix_list(summary, f"summarized gateway prefixes of {display_name(vnet)}") \
            if not isinstance(summary, Unknown) else [summary]
    else:
        networks = [n for key in [site.id, *spoke_vnets(ix, site)] for _, n in vnet_networks(ix, key)]
    unknown = first_unknown(networks)
    counts: dict[str, Any] = {}
    for version, key in ((4, "advertisedIpv4PrefixCount"), (6, "advertisedIpv6PrefixCount")):
        known = {n for n in networks if not isinstance(n, Unknown) and n.version == version}
        counts[key] = len(known) if unknown is None else unknown
    return counts


def service_health_alerts(ix: Index) -> Any:
    """Enabled activity log alerts of category ServiceHealth in the inputs (they are scoped to a
    subscription, so every gateway of the inputs counts them). Unknown when an alert's condition or
    switch is unknown and none is known to be one."""
    count = 0
    unknown: Unknown | None = None
    for alert in ix.graph.of_type(ACTIVITY_LOG_ALERT):
        enabled = to_bool(alert.properties.get("enabled"), True)
        conditions = get_path(alert.properties, "condition.allOf")
        if isinstance(enabled, Unknown) or isinstance(conditions, Unknown):
            unknown = unknown or (enabled if isinstance(enabled, Unknown) else conditions)
            continue
        if enabled is not True:
            continue
        for condition in conditions if isinstance(conditions, list) else []:
            field, value = get_path(condition, "field"), get_path(condition, "equals")
            if isinstance(value, Unknown):
                unknown = unknown or value
            elif equals_ci(field, "category") and equals_ci(value, "ServiceHealth"):
                count += 1
                break
    return count if count or unknown is None else unknown


def not_collected_live(resource: Resource, count: Any) -> Any:
    """A live audit reads network resources (and gateway diagnostic settings), not alerts or
    maintenance assignments: on live data the fact is left out (absent), so that the rules that need
    it do not apply there, rather than failing or being unknown on every live gateway."""
    return None if resource.source == "live" else count
