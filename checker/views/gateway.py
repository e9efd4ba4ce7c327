"""The gateway subject (one per virtual network gateway) and the gateway facts other views read."""

from __future__ import annotations

from collections.abc import Mapping

from checker import facts
from checker.model import Resource, Unknown, equals_ci, normalise_id
from checker.subject import Subject
from checker.views.gateway_parts import (
    _autoscale,
    _generation_valid,
    connection_brief,
    diagnostics,
    er_facts,
    gateway_bgp,
    maintenance_assignments,
    not_collected_live,
    public_ip_view,
    region_has_zones,
    service_health_alerts,
)
from checker.views.index import Index
from checker.views.network import subnet_view, vnet_view
from checker.views.readers import (
    all_true,
    count_or_unknown,
    display_name,
    envelope,
    first_unknown,
    get_path,
    list_or_unknown,
    lower_or_none,
    maybe_unknown,
    migration_tagged,
    ref_of,
    same_subnet,
    to_bool,
    without_live,
)
from checker.vocabulary import PATTERNS

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def gateway_data(ix: Index, gateway: Resource) -> Mapping[str, Any]:
    """The facts of a gateway, computed once and read by the gateway, gateway-subnet, connection,
    peering, site and bgp-asn views (read-only)."""
    return ix.part("gateway", gateway.key, lambda: _gateway_facts(ix, gateway))


def _gateway_facts(ix: Index, gateway: Resource) -> dict[str, Any]:
    props = gateway.properties
    gateway_type = props.get("gatewayType")
    is_vpn = equals_ci(gateway_type, "Vpn")
    is_er = equals_ci(gateway_type, "ExpressRoute")
    sku_name = get_path(props, "sku.name")
    if sku_name is None:
        sku_name = get_path(gateway.body, "sku.name")
    if sku_name is None:
        sku_name = Unknown(f"gateway {display_name(gateway)} sets no sku: the SKU is left to the API default")
    sku_key = lower_or_none(sku_name)
    vpn_type = props.get("vpnType")
    if vpn_type is None and is_vpn:
        vpn_type = "RouteBased"  # ARM default
    active_active = to_bool(props.get("activeActive"), False)
    enable_bgp = to_bool(props.get("enableBgp"), False)
    region = gateway.body.get("location")

    # ipConfigurations: subnet and public IP of each instance
    raw_configs = list_or_unknown(props.get("ipConfigurations"))
    configs: list[dict[str, Any]] = []
    public_ips: list[dict[str, Any]] = []
    subnet: dict[str, Any] = {"exists": False}
    config_count: Any = raw_configs if isinstance(raw_configs, Unknown) else len(raw_configs)
    if isinstance(raw_configs, Unknown):
        subnet = subnet_view(ix, raw_configs, f"gateway {display_name(gateway)}")
    else:
        for index, config in enumerate(raw_configs):
            cprops = get_path(config, "properties") if isinstance(config, dict) else None
            subnet_ref = ref_of(get_path(cprops, "subnet")) if cprops is not None else None
            if isinstance(cprops, Unknown) or isinstance(config, Unknown):
                subnet_ref = cprops if isinstance(cprops, Unknown) else config
            view = subnet_view(ix, subnet_ref, f"gateway {display_name(gateway)}")
            if index == 0:
                subnet = view
            pip_ref = ref_of(get_path(cprops, "publicIPAddress")) if isinstance(cprops, dict) else None
            if isinstance(cprops, Unknown):
                pip_ref = cprops
            pip_view = public_ip_view(ix, pip_ref, gateway) if pip_ref is not None else None
            if pip_view is not None:
                public_ips.append(pip_view)
            configs.append({"name": get_path(config, "name"), "subnetId": subnet_ref,
                            "inGatewaySubnet": view.get("isGatewaySubnet", False),
                            "sameSubnetAsFirst": (subnet_ref == configs[0]["subnetId"] if configs
                                                  else True) if isinstance(subnet_ref, str) else subnet_ref,
                            "publicIpId": pip_ref})
    if configs:
        subnet["allIpConfigurationsInGatewaySubnet"] = all_true([c["inGatewaySubnet"] for c in configs])
        same = [same_subnet(configs[0]["subnetId"], c["subnetId"]) for c in configs]
        subnet["allIpConfigurationsSameSubnet"] = all_true(same)
    # an IP reference that is not known has no id: it may or may not repeat another one
    pip_ids = [p.get("id") if isinstance(p.get("id"), str) else p.get("exists") for p in public_ips]
    known_ids = [normalise_id(i) for i in pip_ids if isinstance(i, str)]
    pips_distinct: Any = len(set(known_ids)) == len(known_ids) and (
        len(pip_ids) <= 1 or first_unknown(pip_ids) or True)
    non_standard = [p for p in public_ips if p["standardStatic"] is not True]
    non_standard_count: Any = count_or_unknown(
        [p for p in non_standard if p["standardStatic"] is False],
        first_unknown(p["standardStatic"] for p in non_standard))

    # connections
    connections = []
    for connection in ix.connections_of(gateway):
        connections.append(connection_brief(ix, connection, gateway))
    vpn_connections = [c for c in connections if c["connectionType"] in ("IPsec", "Vnet2Vnet")]
    er_connections = [c for c in connections if c["connectionType"] == "ExpressRoute"]
    unknown_type = first_unknown(c["connectionType"] for c in connections)
    tunnels_per_connection = 2 if active_active is True else 1
    tunnel_count: Any = unknown_type or (
        active_active if isinstance(active_active, Unknown) else len(_tunnel_keys(ix, vpn_connections))
        * tunnels_per_connection)
    tunnel_limit: Any = facts.VPN_TUNNEL_LIMITS.get(sku_key or "") if sku_key else None
    if tunnel_limit is not None and equals_ci(vpn_type, "PolicyBased"):
        tunnel_limit = facts.VPN_TUNNEL_LIMIT_POLICY_BASED
    if tunnel_limit is None:
        tunnel_limit = sku_name if isinstance(sku_name, Unknown) else Unknown(
            f"no tunnel limit known for VPN gateway SKU {sku_name}")
    tunnel_headroom = first_unknown([tunnel_count, tunnel_limit])
    if tunnel_headroom is None:
        tunnel_headroom = tunnel_limit - tunnel_count
    # Connections whose gateway is not known before deployment may be this gateway's: counts are
    # then unknown ("N known + M unknown" is never N), unless the known part already decides.
    maybe_vpn = ix.maybe_connections_of(("IPsec", "Vnet2Vnet"), [gateway]) if not is_er else []
    maybe_er = ix.maybe_connections_of(("ExpressRoute",), [gateway]) if not is_vpn else []
    vpn_unknown = maybe_unknown(maybe_vpn, len(vpn_connections), "VPN connection") if maybe_vpn else None
    all_unknown = maybe_unknown(maybe_vpn + maybe_er, len(connections), "connection") \
        if maybe_vpn or maybe_er else None
    if vpn_unknown is not None:
        tunnel_count = vpn_unknown
        if not (isinstance(tunnel_headroom, int) and tunnel_headroom < 0):
            tunnel_headroom = vpn_unknown

    data: dict[str, Any] = envelope(gateway.body)
    data.update({
        "name": gateway.name, "displayName": display_name(gateway), "location": region,
        "gatewayType": gateway_type, "vpnType": vpn_type,
        "skuName": sku_name, "skuTier": get_path(props, "sku.tier"),
        "isAzSku": sku_name if isinstance(sku_name, Unknown) else (sku_key in facts.AZ_GATEWAY_SKUS),
        "activeActive": active_active, "enableBgp": enable_bgp,
        "generation": props.get("vpnGatewayGeneration"),
        "generationValid": _generation_valid(sku_key, props.get("vpnGatewayGeneration")),
        "migrationTagged": migration_tagged(gateway),
        "ipConfigurations": configs, "ipConfigurationCount": config_count,
        "subnet": subnet, "vnet": vnet_view(ix, subnet.get("vnetId") if isinstance(subnet.get("vnetId"), str)
                                                 else None),
        "publicIps": public_ips, "publicIpCount": len(public_ips), "publicIpsDistinct": pips_distinct,
        "nonStandardStaticPublicIpCount": non_standard_count,
        "nonZoneRedundantPublicIpCount": count_or_unknown(
            [p for p in public_ips if p.get("zoneRedundant") is False],
            first_unknown(p.get("zoneRedundant") for p in public_ips)),
        "regionHasZones": region_has_zones(region),
        "connections": connections, "connectionCount": all_unknown or len(connections),
        "vpnConnectionCount": vpn_unknown or len(vpn_connections),
        "s2sConnectionCount": vpn_unknown or len([c for c in connections if c["connectionType"] == "IPsec"]),
        "erConnectionCount": unknown_type or (maybe_unknown(maybe_er, len(er_connections), "ExpressRoute connection")
                                              if maybe_er else len(er_connections)),
        "nonBgpS2sConnectionCount": count_or_unknown(
            [c for c in vpn_connections if c["connectionType"] == "IPsec" and c["enableBgp"] is False],
            first_unknown(c["enableBgp"] for c in vpn_connections)),
        "tunnelCount": tunnel_count, "tunnelLimit": tunnel_limit, "tunnelHeadroom": tunnel_headroom,
        "maintenanceConfigurationCount": not_collected_live(gateway, maintenance_assignments(ix, gateway)),
        "serviceHealthAlertCount": not_collected_live(gateway, service_health_alerts(ix)),
        "diagnostics": diagnostics(ix, gateway),
        "bgp": gateway_bgp(ix, gateway, connections),
        "autoScale": _autoscale(props),
    })
    if is_er:
        data["er"] = er_facts(ix, gateway, sku_key, sku_name, er_connections, maybe_er)
    if gateway.source == "live":
        data["provisioningState"] = props.get("provisioningState")
        peers = gateway.metadata.get("bgpPeerStatus", get_path(props, "bgpPeerStatus"))
        if peers is None:
            peers = Unknown("BGP peer status (getBgpPeerStatus) was not collected")
        data["bgpPeers"] = peers
        data["bgpPeerNotConnectedCount"] = peers if isinstance(peers, Unknown) else len(
            [p for p in peers if not equals_ci(get_path(p, "state"), "Connected")])
    data["properties"] = without_live(props, gateway.source)
    return data


def gateway_scope(ix: Index, gateway: Resource) -> tuple[str | None, tuple[str, ...]]:
    """The site of a gateway and the patterns whose rules apply to it."""
    site = ix.site_by_gateway.get(gateway.key)
    if site is not None:
        return site.id, site.patterns
    gateway_type = gateway.properties.get("gatewayType")
    if equals_ci(gateway_type, "ExpressRoute"):
        return None, ix.inferred("expressroute", "expressroute-vpn-failover", near=gateway)
    if equals_ci(gateway_type, "Vpn"):
        return None, ix.inferred("vpn", "expressroute-vpn-failover", near=gateway)
    return None, PATTERNS


def gateway_subject(ix: Index, gateway: Resource) -> Subject:
    data = dict(gateway_data(ix, gateway))
    site = ix.site_by_gateway.get(gateway.key)
    if site is not None:
        gateway_type = gateway.properties.get("gatewayType")
        same_type, untagged = ix.gateway_type_counts(site).get(
            gateway_type.lower() if isinstance(gateway_type, str) else None, (0, 0))
        tagged = migration_tagged(gateway) is True
        data["sameTypeGatewayCount"] = same_type - 1
        data["sameTypeGatewayCountExcludingMigration"] = 0 if tagged else untagged - 1
    site_id, patterns = gateway_scope(ix, gateway)
    return Subject("gateway", gateway, data, site_id, patterns, gateway.origin)


def _tunnel_keys(ix: Index, vpn_connections: list[dict[str, Any]]) -> set[Any]:
    """One key per tunnel: an IPsec connection is one; the two connection resources of a VNet-to-VNet
    link (A to B and B to A) are one tunnel on each of the two gateways (as Azure counts S2S/VNet-to-VNet tunnels
    against the SKU limit)."""
    keys: set[Any] = set()
    for brief in vpn_connections:
        connection = ix.graph.get(brief["id"])
        key: Any = ix.graph.key_of(brief["id"]) if isinstance(brief["id"], str) else id(brief)
        if connection is not None and brief["connectionType"] == "Vnet2Vnet":
            ends = [ref_of(connection.properties.get(end)) for end in ("virtualNetworkGateway1",
                                                                       "virtualNetworkGateway2")]
            known = [end for end in ends if isinstance(end, str)]
            if len(known) == 2:
                key = frozenset(normalise_id(end) for end in known)
        keys.add(key)
    return keys
