"""The fields every subject kind declares: name, JSON type, whether the value may be unknown,
whether it exists on live data only, and what it means. docs/subjects.md is generated from here
(python -m checker.views.registry); the policy loader rejects a field a kind does not declare."""

from __future__ import annotations

from checker.views.registry import Field

FIELDS: dict[str, tuple[Field, ...]] = {
    "gateway": (
        Field(names=["gatewayType"], type="string",
              doc=("`properties.gatewayType` as written")),
        Field(names=["vpnType"], type="string",
              doc=("`properties.vpnType`; RouteBased when absent on a Vpn gateway (ARM default)")),
        Field(names=["skuName", "skuTier"], type="string",
              doc=("`properties.sku.name` / `.tier` (top-level `sku.name` as fallback). Rules use the name, never "
                   "the tier (it may be missing, or written differently by some templates). A gateway with no sku at all has an unknown `skuName` (the API default "
                   "decides)")),
        Field(names=["isAzSku"], type="boolean",
              doc=("the SKU is VpnGw1AZ-5AZ, ErGw1AZ-3AZ or ErGwScale")),
        Field(names=["activeActive", "enableBgp"], type="boolean",
              doc=("the property; false when absent")),
        Field(names=["generation", "generationValid"], type="boolean or string",
              doc=("`vpnGatewayGeneration`. Valid when absent or `None`, or when allowed for the SKU: Basic and "
                   "VpnGw1(AZ) Generation1 only, VpnGw4/5(AZ) Generation2 only")),
        Field(names=["migrationTagged"], type="boolean", unknown=False,
              doc=("tag `CreatedBy: GatewaySKUMigration` (case-insensitive)")),
        Field(names=["ipConfigurations[*]"], type="array", parts=["name", "subnetId", "inGatewaySubnet", "sameSubnetAsFirst", "publicIpId"],
              doc=("`{name, subnetId, inGatewaySubnet, sameSubnetAsFirst, publicIpId}` per ipConfiguration")),
        Field(names=["ipConfigurationCount"], type="integer",
              doc=("number of ipConfigurations")),
        Field(names=["subnet"], type="object", parts=["id", "name", "exists", "isGatewaySubnet", "nameIsExact", "addressPrefixes", "ipv4Prefixes", "ipv6Prefixes", "prefixLength", "ipv6PrefixLength", "hasNsg", "nsgId", "vnetId", "allIpConfigurationsInGatewaySubnet", "allIpConfigurationsSameSubnet"],
              doc=("the subnet of the first ipConfiguration: `{id, name, exists, isGatewaySubnet, nameIsExact, "
                   "addressPrefixes, ipv4Prefixes, ipv6Prefixes, prefixLength, hasNsg, nsgId, vnetId, "
                   "allIpConfigurationsInGatewaySubnet, allIpConfigurationsSameSubnet}`. `exists` is false when the "
                   "VNet is in the inputs without that subnet. It is unknown when the VNet is not in the inputs, "
                   "when its `subnets` are unknown, or when the subnet id is unknown. The prefix facts are those of "
                   "`gateway-subnet`")),
        Field(names=["vnet"], type="object", parts=["id", "name", "displayName", "exists", "location", "addressPrefixes"],
              doc=("`{id, name, displayName, exists, location, addressPrefixes}` of the gateway's VNet. A VNet not "
                   "in the inputs keeps the name from its id")),
        Field(names=["publicIps[*]"], type="array", parts=["id", "name", "exists", "sku", "allocationMethod", "zones", "standardStatic", "zoneRedundant"],
              doc=("per referenced public IP: `{id, name, exists, sku, allocationMethod, zones, standardStatic, "
                   "zoneRedundant}`. `sku` is Basic when absent. `allocationMethod` is Static for Standard and "
                   "Dynamic for Basic when absent (ARM defaults). `zoneRedundant`: `zones` covers every zone of the "
                   "region; unknown when `zones` is absent (the default depends on region and creation date) or the "
                   "region is not in the table. A public IP not in the inputs makes its fields unknown")),
        Field(names=["publicIpCount", "publicIpsDistinct", "nonStandardStaticPublicIpCount", "nonZoneRedundantPublicIpCount"], type="boolean or integer",
              doc=("count of referenced public IPs; whether no IP is used twice (true for one IP; false when two "
                   "known ids repeat; unknown when an id is unknown); how many are not Standard/Static, and how many "
                   "are not zone-redundant (unknown if one is unknown and none is known to fail). An ExpressRoute "
                   "gateway without a public IP has `publicIpCount` 0 (ErGwScale and migrated ExpressRoute gateways use a Microsoft-managed IP)")),
        Field(names=["regionHasZones"], type="boolean",
              doc=("the gateway's region has availability zones (true/false from the table; unknown for a region in "
                   "neither list)")),
        Field(names=["connections[*]"], type="array", parts=["id", "name", "displayName", "connectionType", "peerKind", "enableBgp", "routingWeight", "hasSharedKey"],
              doc=("connections whose `virtualNetworkGateway1` or `virtualNetworkGateway2` is this gateway: `{id, "
                   "name, connectionType, peerKind (local-gateway, circuit or gateway), enableBgp, routingWeight, "
                   "hasSharedKey}`")),
        Field(names=["connectionCount", "vpnConnectionCount", "s2sConnectionCount", "erConnectionCount"], type="integer",
              doc=("all, IPsec+Vnet2Vnet, IPsec, ExpressRoute connections. Unknown when a connection of that kind in "
                   "the same file has a gateway id that is not known before deployment")),
        Field(names=["nonBgpS2sConnectionCount"], type="integer",
              doc=("IPsec connections without `enableBgp`")),
        Field(names=["tunnelCount"], type="integer",
              doc=("tunnels \u00d7 2 when the gateway is active-active, else \u00d7 1. Each IPsec connection is one "
                   "tunnel; the two connection resources of a VNet-to-VNet link (A to B, B to A) are one tunnel on "
                   "each of the two gateways")),
        Field(names=["tunnelLimit", "tunnelHeadroom"], type="integer",
              doc=("limit from the SKU (`facts.VPN_TUNNEL_LIMITS`; a policy-based gateway: "
                   "`facts.VPN_TUNNEL_LIMIT_POLICY_BASED`, 1); headroom = limit - count; unknown for a SKU not "
                   "in the table, and unknown when the count is, unless the known tunnels already exceed the limit")),
        Field(names=["sameTypeGatewayCount"], type="integer", unknown=False,
              doc=("other gateways of the same type in the same site (only on gateways in a site)")),
        Field(names=["sameTypeGatewayCountExcludingMigration"], type="integer", unknown=False,
              doc=("the same count, 0 for a pair where either gateway is migration-tagged (a guided SKU migration puts two gateways in one GatewaySubnet for a while)")),
        Field(names=["diagnostics"], type="object", parts=["settingCount", "enabledLogCategories", "missingVpnLogCategories", "missingVpnLogCategoryCount", "destinationCount", "metricsEnabled", "metricAlertCount", "monitored", "missing"],
              doc=("from diagnostic settings attached to the gateway (extension or legacy form) and metric alerts: "
                   "`{settingCount, enabledLogCategories, missingVpnLogCategories, missingVpnLogCategoryCount, "
                   "destinationCount, metricsEnabled, metricAlertCount, monitored, missing}`. A category counts when "
                   "it is enabled and the setting has a `workspaceId`; `categoryGroup: allLogs` counts for all four "
                   "VPN categories. `metricAlertCount`: enabled `Microsoft.Insights/metricAlerts` whose `scopes` "
                   "include the gateway (unknown when none does and some alert's scopes are unknown). `monitored` "
                   "means at least one destination with metrics or logs enabled, or a metric alert on the gateway. "
                   "`missing` is what GW-DIAG-LOGS asks for and is not there: for a VPN gateway the missing log "
                   "categories; for an ExpressRoute gateway (metrics or alerts configured) metrics or logs "
                   "sent to a destination, or a metric alert; unknown when the gateway type is unknown")),
        Field(names=["bgp"], type="object", parts=["asn", "asnDefaulted", "customApipaAddresses", "outOfRangeApipaCount", "duplicateApipaCount", "apipaPeerWithoutCustomAddress"],
              doc=("`{asn (65515 when absent), asnDefaulted, customApipaAddresses[*] {address, inAzureRange}, "
                   "outOfRangeApipaCount, duplicateApipaCount, apipaPeerWithoutCustomAddress}`. Custom addresses "
                   "come from `bgpSettings.bgpPeeringAddresses[].customBgpIpAddresses[]` and the connections' "
                   "`gatewayCustomBgpIpAddresses[]`. The Azure range is 169.254.21.0-169.254.22.255. "
                   "`apipaPeerWithoutCustomAddress` is true when a linked LNG's BGP peer is in 169.254.0.0/16 and "
                   "the gateway has no custom APIPA address")),
        Field(names=["autoScale"], type="object", parts=["min", "max", "minNotAboveMax", "isAutoscale"],
              doc=("`{min, max, minNotAboveMax, isAutoscale (min < max)}` from `autoScaleConfiguration.bounds`")),
        Field(names=["maintenanceConfigurationCount"], type="integer",
              doc=("`Microsoft.Maintenance/configurationAssignments` on the gateway: extension resources under the "
                   "gateway id, or whose `scope` or `properties.resourceId` is the gateway. Unknown when an "
                   "assignment's target is unknown and none is known to be the gateway. Absent on live data (a live "
                   "audit does not collect assignments)")),
        Field(names=["serviceHealthAlertCount"], type="integer",
              doc=("enabled `Microsoft.Insights/activityLogAlerts` in the inputs whose condition has `category` equal "
                   "to `ServiceHealth` (subscription-scoped, so the same count for every gateway). Unknown when an "
                   "alert's condition is unknown and none is known to be one. Absent on live data (not collected)")),
        Field(names=["er"], type="object", parts=["circuits", "linkedCircuitCount", "capacityMbps", "maxCircuitBandwidthMbps", "throughputHeadroomMbps", "circuitLimit", "circuitHeadroom", "maxCircuitsSamePeeringLocation", "samePeeringLocationWithinLimit", "advertisedIpv4PrefixCount", "advertisedIpv6PrefixCount"], note="(ExpressRoute gateways)",
              doc=("`{circuits[*], linkedCircuitCount, capacityMbps, maxCircuitBandwidthMbps, "
                   "throughputHeadroomMbps, circuitLimit, circuitHeadroom, maxCircuitsSamePeeringLocation, "
                   "samePeeringLocationWithinLimit, advertisedIpv4PrefixCount, advertisedIpv6PrefixCount}`. "
                   "`circuitLimit` comes from the SKU; for ErGwScale from `bounds.min` (4, 8, 16 circuits from 1, 2, "
                   "10 scale units; unknown without bounds). `advertised...PrefixCount`: the VNet's "
                   "`summarizedGatewayPrefixes` when set, else the distinct prefixes of the VNet and its "
                   "gateway-transit spokes in the inputs. `samePeeringLocationWithinLimit` is true when no peering "
                   "location holds more than 4 of the circuits (always true with 4 circuits or fewer, whatever their "
                   "locations). Capacity comes from the SKU (ErGwScale: 1,000 \u00d7 `bounds.max`). Circuits come from "
                   "the ExpressRoute connections' `peer.id`, with the facts of `circuit`. A circuit not in the "
                   "inputs makes bandwidth and location unknown")),
        Field(names=["provisioningState", "bgpPeers", "bgpPeerNotConnectedCount"], type="string, array or integer", live=True,
              doc=("live data only. `bgpPeers` comes from `metadata[\"bgpPeerStatus\"]` (or "
                   "`properties.bgpPeerStatus`), the `getBgpPeerStatus` result. It is unknown when that was not "
                   "collected")),
    ),
    "gateway-subnet": (
        Field(names=["name", "nameIsExact", "isGatewaySubnet"], type="boolean or string", unknown=False,
              doc=("the subnet name; spelled exactly `GatewaySubnet`; matches case-insensitively (always true here)")),
        Field(names=["addressPrefixes", "ipv4Prefixes", "ipv6Prefixes"], type="array",
              doc=("every prefix from `addressPrefix` and `addressPrefixes[]` (a subnet may carry several), split by family")),
        Field(names=["prefixLength"], type="integer",
              doc=("the smallest IPv4 prefix length (the largest IPv4 range). IPv6 prefixes are ignored (an IPv6 /64 is not measured against IPv4 sizes). "
                   "Absent when there is no IPv4 prefix. Unknown when any prefix is unknown or not a valid CIDR")),
        Field(names=["ipv6PrefixLength"], type="integer",
              doc=("the smallest IPv6 prefix length (the largest IPv6 range); absent without an IPv6 prefix; unknown "
                   "when any prefix is unknown")),
        Field(names=["hasNsg", "nsgId"], type="boolean or string",
              doc=("`properties.networkSecurityGroup.id` is set")),
        Field(names=["vnet"], type="object", parts=["id", "name", "exists", "location", "addressPrefixes"],
              doc=("`{id, name, exists, location, addressPrefixes}` of the parent VNet")),
        Field(names=["routeTable"], type="object", parts=["attached", "id", "name", "exists", "routes", "defaultRouteCount", "disableBgpRoutePropagation", "routesOverlappingSubnetCount", "routesOverlappingSubnetNames"],
              doc=("`{attached, id, name, exists, routes[*] {name, addressPrefix, nextHopType, nextHopIpAddress}, "
                   "defaultRouteCount, disableBgpRoutePropagation}`. Routes come from the table's inline `routes` "
                   "and its `routeTables/routes` children; azbb `nextHop` is read as `nextHopType`. "
                   "`defaultRouteCount` counts 0.0.0.0/0 and ::/0 routes. `routesOverlappingSubnetCount`/`Names`: "
                   "routes other than 0.0.0.0/0 and ::/0 whose prefix overlaps a GatewaySubnet prefix, as `name "
                   "(prefix)`. A table not in the inputs makes everything but `attached` unknown")),
        Field(names=["gateways[*]", "gatewayCount"], type="array or integer", parts=["name", "gatewayType", "skuName"],
              doc=("gateways with an ipConfiguration in this subnet: `{name, gatewayType, skuName}`")),
        Field(names=["onlyVpnBasic"], type="boolean",
              doc=("there are gateways and all are VPN Basic")),
        Field(names=["nonGatewayUsers", "nonGatewayUserCount", "nonGatewayUserNames"], type="array or integer", unknown=False,
              doc=("ids (and last id segments) of other resources with an ip configuration in this subnet (NICs, "
                   "load balancers, firewalls, bastions, private endpoints). On live data this includes the subnet's "
                   "own `ipConfigurations[]` that are not gateway configurations")),
        Field(names=["placement"], type="object", parts=["atTopOfBlock", "block", "fillsBlock"],
              doc=("`{atTopOfBlock, block, fillsBlock}`: an IPv4 prefix of the subnet ends at the last address of "
                   "the VNet prefix that contains it; `fillsBlock`: that prefix is the whole VNet prefix (no room "
                   "for any other subnet)")),
    ),
    "connection": (
        Field(names=["connectionType", "peerKind", "enableBgp", "routingWeight", "hasSharedKey"], type="boolean or integer or string",
              doc=("as in `gateway.connections[*]`")),
        Field(names=["gateway1", "gateway2"], type="object", parts=["id", "name", "exists", "gatewayType", "skuName", "enableBgp", "activeActive", "asn", "location", "vnetId", "minScaleUnits"],
              doc=("`{id, name, exists, gatewayType, skuName, enableBgp, activeActive, asn, location, vnetId, "
                   "minScaleUnits}` of the referenced gateways (`minScaleUnits`: `autoScaleConfiguration.bounds.min`). A gateway not in the inputs makes the fields unknown; a missing "
                   "reference has `exists: false`")),
        Field(names=["localGateway"], type="object", parts=["id", "name", "displayName", "exists", "addressPrefixes", "addressPrefixCount", "bgpAsn", "bgpPeeringAddress", "gatewayIpAddress", "bgpPeerIsGatewayIp", "bgpPeerInGatewayVnet"],
              doc=("`{id, name, displayName, exists, addressPrefixes, addressPrefixCount, bgpAsn, bgpPeeringAddress, "
                   "gatewayIpAddress, bgpPeerIsGatewayIp}` of `localNetworkGateway2`; without a reference `{exists: "
                   "false, displayName: \"(none referenced)\", addressPrefixCount: 0}`. `bgpPeerInGatewayVnet`: the "
                   "BGP peer address lies in the address space of gateway1's VNet (absent without a peer address; "
                   "unknown when the VNet or its address space is not known)")),
        Field(names=["reverseConnection"], type="object", parts=["exists", "id", "name", "ipsecPolicyCount", "ipsecPolicySummary", "sameIpsecPolicies"], note="(Vnet2Vnet)",
              doc=("`{exists, id, name, displayName, ipsecPolicyCount, ipsecPolicySummary, sameIpsecPolicies}` of "
                   "the other connection resource of the link (gateway2 to gateway1). `exists` is false when it is "
                   "not in the inputs. `sameIpsecPolicies` compares the custom policies value by value, "
                   "case-insensitively")),
        Field(names=["circuit"], type="object", parts=["id", "name", "exists", "bandwidthMbps", "peeringLocation", "serviceProviderName", "tier"],
              doc=("`{id, name, exists, bandwidthMbps, peeringLocation, serviceProviderName, tier}` of `peer.id`. "
                   "`bandwidthMbps` comes from `serviceProviderProperties.bandwidthInMbps`, or `bandwidthInGbps` \u00d7 "
                   "1000 for ExpressRoute Direct. The peering location comes from `serviceProviderProperties` or the "
                   "ExpressRoute port. A circuit not in the inputs (another subscription) makes these "
                   "unknown")),
        Field(names=["useLocalAzureIpAddress", "expressRouteGatewayBypass"], type="boolean",
              doc=("the property; false when absent")),
        Field(names=["connectionProtocol"], type="string",
              doc=("as written; IKEv2 when absent on IPsec/Vnet2Vnet (ARM default)")),
        Field(names=["dpdTimeoutSeconds", "dpdTimeoutDefaulted"], type="boolean or integer",
              doc=("45 when absent or 0 (the documented default)")),
        Field(names=["ipsecPolicies[*]", "ipsecPolicyCount", "ipsecPolicySummary"], type="array or integer",
              doc=("the custom policies as written, each with `gcmPairingValid`: a GCMAES encryption has the same "
                   "GCMAES integrity, and GCM integrity is not used without GCM encryption. `ipsecPolicySummary`: "
                   "one line per policy, `IKE enc/integrity/DH, IPsec enc/integrity/PFS, SA lifetime s/data KB`")),
        Field(names=["sharedKey"], type="object", parts=["present", "source", "length", "weak", "writtenInInputs", "strength", "charsetValid"],
              doc=("`{present, source, length, weak, writtenInInputs, strength, charsetValid}` from the `Secret`. "
                   "`charsetValid`: the value uses only printable ASCII other than space, hyphen and tilde (absent "
                   "when the value is not known). "
                   "`writtenInInputs`: the key's value is in the inputs (a template literal, a parameter-file value, "
                   "or a parameter default whose value is known; a default computed at deployment such as "
                   "`newGuid()` is not). `strength`: `weak`, `strong` or `not known before deployment`. `source` is "
                   "one of `template-literal`, `parameter-default`, `parameter-file`, `key-vault`, "
                   "`secure-parameter`, `plain-parameter` (a parameter of a type that is not secure, whose value is "
                   "only given at deployment: it ends up in the deployment history in clear), `expression`, "
                   "`export`. Absent when the connection has no shared key")),
        Field(names=["sharedKeyDistinct"], type="boolean",
              doc=("no other connection has the same key, except the reverse connection of the same Vnet2Vnet pair "
                   "(the two directions of one simulated on-premises link). Keys with a value are compared through the secret's per-run digest; keys whose "
                   "value is not known before deployment are the same key when they come from the same parameter or "
                   "Key Vault secret (a copy loop of connections over one secure parameter shares its key) and "
                   "distinct otherwise")),
        Field(names=["bgp"], type="object", parts=["localAsn", "remoteAsn", "asnsDistinct"],
              doc=("`{localAsn, remoteAsn, asnsDistinct}`. Local is the gateway1 ASN (65515 when absent). Remote is "
                   "the LNG's `bgpSettings.asn`, or for Vnet2Vnet the gateway2 ASN. An LNG without an ASN makes the "
                   "remote ASN unknown on a connection with BGP (or whose BGP is not known); without BGP it is absent")),
        Field(names=["circuitReachesGatewayRegion"], type="boolean",
              doc=("Premium: true. Standard: the gateway's region and the circuit's peering location are in the same "
                   "geopolitical region. Local: the gateway's region is a local region of the peering location. "
                   "Unknown when the region or location is not in the tables in `checker/facts.py`")),
        Field(names=["connectionStatus", "tunnelConnectionStatus", "provisioningState", "tunnelsNotConnectedCount"], type="string, array or integer", live=True,
              doc=("live data only")),
    ),
    "local-gateway": (
        Field(names=["gatewayIpAddress", "fqdn", "endpointSet"], type="boolean or string",
              doc=("the endpoint; `endpointSet` means one of them is non-empty")),
        Field(names=["gatewayIpIsPublic"], type="boolean",
              doc=("the IP is not in 10/8, 172.16/12, 192.168/16, 100.64/10, 169.254/16, 127/8, 0/8 or "
                   "multicast/reserved space. False for a value that is not an IP address (a placeholder such as "
                   "`x.x.x.x`). Absent when there is no IP")),
        Field(names=["connectionCount", "usedOverPrivatePeering"], type="boolean or integer",
              doc=("connections that use this LNG; one of them has `useLocalAzureIpAddress: true`")),
        Field(names=["addressPrefixes", "bgpAsn"], type="array or integer",
              doc=("`localNetworkAddressSpace.addressPrefixes`, `bgpSettings.asn`")),
        Field(names=["bgpPeeringAddress", "bgpPeerIsApipa", "bgpPeerInAddressSpace"], type="boolean or string",
              doc=("`bgpSettings.bgpPeeringAddress`; it is in 169.254.0.0/16; it lies inside a prefix of "
                   "`addressPrefixes`. Absent without a peer address")),
    ),
    "circuit": (
        Field(names=["skuName", "skuTier", "skuFamily", "skuNameMatchesTierFamily"], type="boolean or string",
              doc=("`sku.*`; the name equals `<tier>_<family>` (case-insensitive)")),
        Field(names=["bandwidthMbps", "peeringLocation", "serviceProviderName", "tier"], type="integer or string",
              doc=("as in `connection.circuit`")),
        Field(names=["peerings[*]"], type="array", parts=["name", "peeringType", "state", "peerASN"],
              doc=("`{name, peeringType, state, peerASN}` from inline peerings and `expressRouteCircuits/peerings` "
                   "children")),
        Field(names=["globalReachConnectionCount"], type="integer",
              doc=("Global Reach connections declared on the circuit's peerings: inline `connections` of a peering "
                   "and `expressRouteCircuits/peerings/connections` resources. A connection declared only on the "
                   "other circuit is not seen")),
        Field(names=["vnetLinks"], type="object", parts=["count", "limit", "headroom"],
              doc=("`{count, limit, headroom}`: virtual network links of the circuit in the inputs (ExpressRoute "
                   "connections to it plus its Global Reach connections, which count against the same limit), "
                   "the documented limit for its tier and bandwidth (10 on Standard; 20 to 100 on Premium by "
                   "bandwidth) and `limit - count`. Absent when the limits table has no entry for the tier "
                   "(Local, Basic) or the tier or bandwidth is not set; `count` is unknown while an ExpressRoute "
                   "connection's circuit is only known at deployment, and `headroom` then only where that "
                   "could change the outcome (within the smallest documented limit, 10, it is known)")),
        Field(names=["monitoring"], type="object", parts=["settingCount", "metricAlertCount", "monitored"],
              doc=("`{settingCount, metricAlertCount, monitored}`: diagnostic settings and enabled metric alerts on "
                   "the circuit, computed as `gateway.diagnostics`. Absent on live data (circuit alerts and settings "
                   "are not collected)")),
        Field(names=["privatePeering"], type="object", parts=["exists", "name", "peerASN", "primaryPeerAddressPrefix", "secondaryPeerAddressPrefix", "primaryPrefixIs30", "secondaryPrefixIs30", "prefixesDistinct", "vlanIdSet", "state", "md5KeySet"],
              doc=("`{exists, name, peerASN, primaryPeerAddressPrefix, secondaryPeerAddressPrefix, "
                   "primaryPrefixIs30, secondaryPrefixIs30, prefixesDistinct, vlanIdSet, state, md5KeySet}` of the "
                   "`AzurePrivatePeering`. With no private peering: `exists` is false on live data and on an export "
                   "that lists the circuit's `peerings` (the circuit as it is). On templates it is unknown, because "
                   "the provider often configures the peering outside ARM")),
        Field(names=["serviceProviderProvisioningState", "circuitProvisioningState", "provisioningState", "peeringsNotEnabledCount"], type="string or integer", live=True,
              doc=("live data only")),
    ),
    "vnet-peering": (
        Field(names=["allowGatewayTransit", "useRemoteGateways", "allowForwardedTraffic"], type="boolean",
              doc=("the flag; false when absent")),
        Field(names=["allowVirtualNetworkAccess"], type="boolean",
              doc=("the flag; true when absent (ARM default)")),
        Field(names=["localVnet"], type="object", parts=["id", "name", "hasGateway", "hasRouteServer"],
              doc=("`{id, name, hasGateway, hasRouteServer}` of the VNet holding the peering")),
        Field(names=["remoteVnet"], type="object", parts=["id", "name", "exists", "hasGateway", "hasNonBasicGateway", "hasRouteServer", "routeServerBranchToBranch", "hasGatewayOrRouteServer"],
              doc=("`{id, name, exists, hasGateway, hasNonBasicGateway, hasRouteServer, routeServerBranchToBranch, "
                   "hasGatewayOrRouteServer}` of `remoteVirtualNetwork`. A VNet not in the inputs is unknown, unless "
                   "gateways (or a Route Server) in the inputs place it. `hasRouteServer`: an Azure Route Server "
                   "sits in the VNet (see `site.routeServer`); `routeServerBranchToBranch` its "
                   "`allowBranchToBranchTraffic`; `hasGatewayOrRouteServer`: what `useRemoteGateways` needs (\"Use "
                   "the remote virtual network's gateway or Route Server\")")),
        Field(names=["reverse"], type="object", parts=["exists", "name", "allowGatewayTransit"],
              doc=("`{exists, name, allowGatewayTransit}` of the remote VNet's peering back to the local VNet. It is "
                   "read whenever that peering is in the inputs, even when the remote VNet is not (a module that "
                   "deploys both sides of a peering). Unknown when neither the remote VNet nor such a peering is in "
                   "the inputs")),
        Field(names=["localUseRemoteGatewaysCount"], type="integer",
              doc=("peerings of the local VNet with `useRemoteGateways: true`")),
        Field(names=["involvesHub"], type="boolean",
              doc=("the local or the remote VNet is a site with gateways, either VNet holds a Route Server, this "
                   "peering has `useRemoteGateways: true` (its VNet is a spoke) or the reverse peering has it (its "
                   "VNet is a hub). Unknown when one of these is unknown and none is true")),
        Field(names=["spokeRouting"], type="object", parts=["subnetsWithoutOnPremRoute", "subnetsWithoutOnPremRouteCount"],
              doc=("`{subnetsWithoutOnPremRoute, subnetsWithoutOnPremRouteCount}`: subnets of the local VNet whose "
                   "route table disables gateway route propagation and has no route containing every on-premises "
                   "prefix of the remote hub (its LNG prefixes; 0.0.0.0/0 covers everything). Without LNG prefixes, "
                   "a 0.0.0.0/0 route is required. An unknown route prefix makes an uncovered subnet unknown")),
        Field(names=["peeringState", "peeringSyncLevel"], type="string", live=True,
              doc=("live data only")),
    ),
    "bgp-asn": (
        Field(names=["side"], type="string", unknown=False,
              doc=("`azure` (a gateway with `enableBgp: true` and an explicit `bgpSettings.asn`) or `on-premises` (a "
                   "local network gateway with `bgpSettings.asn`, or an ExpressRoute circuit peering with `peerASN`, "
                   "reported on the peering)")),
        Field(names=["asn"], type="integer",
              doc=("the ASN, an integer; the value as written when it is not an integer; unknown when not known")),
        Field(names=["asnValid"], type="boolean",
              doc=("the ASN is an integer in 1..4294967295 (0, negative, larger or non-integer ASNs are not)")),
        Field(names=["ownerType", "ownerName"], type="string", unknown=False,
              doc=("the type and the name (with its kind) of the resource that sets the ASN")),
    ),
    "site": (
        Field(names=["pattern", "patterns", "patternSource", "notes"], type="array or string", unknown=False,
              doc=("from `SiteInfo`")),
        Field(names=["role", "hubs"], type="array or string", unknown=False,
              doc=("`hub` (the site holds gateways), `spoke` (the spoke side of a hub and spoke whose hub is not in "
                   "the inputs; `hubs` names the remote VNets), else `none`")),
        Field(names=["routeServer"], type="object", parts=["exists", "names", "allowBranchToBranchTraffic", "bgpConnectionCount"],
              doc=("`{exists, names, allowBranchToBranchTraffic, bgpConnectionCount}` of the Azure Route Server(s) "
                   "in the site VNet: a `Microsoft.Network/virtualHubs` without `virtualWan` whose "
                   "`ipConfigurations` (child resources, or inline on live data) use a subnet of the VNet. "
                   "`allowBranchToBranchTraffic` is false when absent; `bgpConnectionCount` counts "
                   "`virtualHubs/bgpConnections` children. `exists` is unknown when a Route Server's subnet is "
                   "unknown, or the VNet is not in the inputs. Creating or deleting a Route Server in a VNet with a "
                   "gateway causes downtime (Microsoft, ExpressRoute gateway docs)")),
        Field(names=["vnet"], type="object",
              doc=("the site VNet (unknown facts for a placeholder)")),
        Field(names=["gatewayCount", "erGatewayCountExcludingMigration", "basicErGatewayCount"], type="integer", unknown=False,
              doc=("gateways of the site by type")),
        Field(names=["vpnGatewayCount", "erGatewayCount"], type="integer",
              doc=("gateways of the site by type; unknown instead of 0 when a gateway of the site has a "
                   "`gatewayType` only known at deployment")),
        Field(names=["vpnGateways[*]", "erGateways[*]"], type="array", parts=["name", "skuName", "vpnType"],
              doc=("`{name, skuName[, vpnType]}`")),
        Field(names=["vpnGatewayNames", "erGatewayNames"], type="array", unknown=False,
              doc=("`name (SKU)` per gateway, for messages")),
        Field(names=["gatewaysShareGatewaySubnet"], type="boolean",
              doc=("the site has VPN and ExpressRoute gateways, all in one subnet that is a GatewaySubnet. False "
                   "when either type is missing (unknown when a gateway's type is only known at deployment)")),
        Field(names=["spokes"], type="array", unknown=False,
              doc=("VNets with a peering to this VNet that has `useRemoteGateways: true`")),
        Field(names=["vnetPeeringCount"], type="integer",
              doc=("peerings declared on the site VNet; unknown when the VNet or its `virtualNetworkPeerings` list "
                   "is not known, or a peering comes from a copy loop whose count is only known at deployment")),
        Field(names=["overlaps"], type="object", parts=["onPrem", "betweenOnPrem", "onPremCount", "peered", "peeredCount", "onPremPairs", "peeredPairs"],
              doc=("`{onPrem[*], betweenOnPrem[*], onPremCount, peered[*], peeredCount}`. `onPrem` pairs each prefix "
                   "of the hub and its spokes with each prefix of the LNGs on the site's connections. The /32 (/128) "
                   "BGP peer route of an LNG with `bgpSettings` is left out (with BGP it may be all an LNG lists). An overlap is excused when "
                   "the connection's ingress NAT rule internal mappings cover the on-premises side, or its egress "
                   "NAT rules cover the Azure side (NAT rules resolved by id, as children or inline `natRules` of "
                   "the gateway), and only where VPN NAT works: an IPsec connection without "
                   "`usePolicyBasedTrafficSelectors` on a route-based VpnGw2-5 or VpnGw2AZ-5AZ gateway, without an "
                   "APIPA BGP peer (`facts.VPN_NAT_SKUS`); unknown when the gateway is not in the inputs and a NAT "
                   "rule would excuse the overlap. `betweenOnPrem` covers two different LNGs on the site's gateways, excused by "
                   "ingress NAT on either connection. `onPremCount` counts both lists. `peered` pairs the hub with "
                   "its spokes and peered VNets, and those with each other. `onPremPairs` and `peeredPairs` give "
                   "each pair as `prefix (owner) and prefix (owner)`. Every comparison is per address family with "
                   "`ipaddress` overlap, so a supernet overlaps")),
        Field(names=["s2s"], type="object", parts=["ipsecLinkCount", "hasOnPremLink", "simulatedOnPremConnections"],
              doc=("`{ipsecLinkCount, hasOnPremLink, simulatedOnPremConnections}`. A link is an IPsec connection "
                   "whose `virtualNetworkGateway1` is a VPN gateway of the site and whose `localNetworkGateway2` is "
                   "an LNG id. `hasOnPremLink` is true with a link. It is unknown when the only connections are "
                   "Vnet2Vnet (simulated on-premises), a reference is unknown, or an IPsec connection in "
                   "the same file has a gateway id not known before deployment (then `ipsecLinkCount` is unknown "
                   "too), or the site's VPN gateways have no connection at all in inputs that do not show the "
                   "deployed estate (templates, what-if results: connections are often deployed apart), and false "
                   "otherwise")),
        Field(names=["er"], type="object", parts=["circuitLinkCount", "hasCircuitLink", "sharedKeyConnectionCount", "circuitCount", "distinctPeeringLocations", "peeringLocations"],
              doc=("`{circuitLinkCount, hasCircuitLink, sharedKeyConnectionCount, circuitCount, "
                   "distinctPeeringLocations, peeringLocations}`. A link is an ExpressRoute connection from a site "
                   "ExpressRoute gateway to a circuit in the inputs. A circuit outside the inputs makes "
                   "`hasCircuitLink` unknown, not false. An ExpressRoute connection in the same file whose gateway "
                   "id is not known before deployment makes `circuitLinkCount`, `circuitCount` and (below two) "
                   "`distinctPeeringLocations` unknown, and `hasCircuitLink` unknown unless a link is known. When the "
                   "site's ExpressRoute gateways have no connection at all and were not read from the deployed estate "
                   "(an export or a live audit), `hasCircuitLink`, `circuitLinkCount` and `circuitCount` are unknown: "
                   "the connection is often a later deployment (it can only be made once the circuit is provisioned)")),
        Field(names=["failover"], type="object", parts=["vpnReachesErPrefixes", "vpnPrefixesMoreSpecificThanErCount", "vpnOnPremPrefixCount",
                            "erConnectionUp", "vpnConnectionConnected"],
              doc=("`{vpnReachesErPrefixes, vpnPrefixesMoreSpecificThanErCount, vpnOnPremPrefixCount}`: "
                   "`vpnOnPremPrefixCount` counts the on-premises prefixes reached over the site's VPN connections "
                   "(0: no VPN path, the prefix rules do not apply). LNG prefixes compared with the prefixes learned "
                   "over ExpressRoute (`metadata[\"learnedRoutes\"]` of the ExpressRoute gateway, live data). Unknown "
                   "without that data. On live data also `erConnectionUp` (an ExpressRoute connection with "
                   "provisioningState Succeeded) and `vpnConnectionConnected` (an IPsec connection Connected)")),
    ),}
