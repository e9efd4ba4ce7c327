"""The words hybrid-check speaks, defined once: patterns, severities, statuses, unknown modes, exit
codes, authentication modes and clouds, subject kinds, and the ARM resource types the code names.

Every other module imports them from here; ``tests/test_vocabulary.py`` checks that the JSON
schemas (``checker/schemas/*.json``) list the same values. The output format names are the keys of
the formatter registry (``checker/report/formats.py``). This module imports nothing, so any layer
(and the CLI before it parses its arguments) can read it for free."""

from __future__ import annotations

#: The reference patterns a site can implement (hub-spoke combines with the others).
PATTERNS = ("vpn", "expressroute", "expressroute-vpn-failover", "hub-spoke")

#: Rule severities, most severe first; the gate's ``--fail-on`` adds "none".
SEVERITIES = ("critical", "high", "medium", "low")
FAIL_ON_CHOICES = (*SEVERITIES, "none")

#: The status of one result.
STATUSES = ("pass", "fail", "unknown", "not-applicable", "suppressed")

#: What the gate does with unknown results (``--unknown``).
UNKNOWN_MODES = ("fail", "warn", "pass")

#: Process exit codes: 0 the gate passed, 1 the gate failed, 2 input/policy/configuration/usage
#: error (or nothing evaluated), 3 internal error.
EXIT_PASS, EXIT_FAIL, EXIT_INPUT, EXIT_INTERNAL = 0, 1, 2, 3

#: What a rule needs: a template is enough, or live data (``audit``).
REQUIRES = ("static", "live")

#: ``audit --auth`` and ``--cloud``.
AUTH_MODES = ("default", "cli", "env", "managed-identity", "workload-identity")
CLOUD_NAMES = ("public", "china", "usgov")

#: The kinds of subject a policy can be written for (their fields: ``checker/views/fields.py``).
SUBJECT_KIND_NAMES = ("gateway", "gateway-subnet", "connection", "local-gateway", "circuit", "vnet-peering",
                      "bgp-asn", "site")

#: ARM resource types, as ARM spells them (compare them with ``checker.model.same_type``).
VNET = "Microsoft.Network/virtualNetworks"
SUBNET = "Microsoft.Network/virtualNetworks/subnets"
PEERING = "Microsoft.Network/virtualNetworks/virtualNetworkPeerings"
GATEWAY = "Microsoft.Network/virtualNetworkGateways"
CONNECTION = "Microsoft.Network/connections"
LNG = "Microsoft.Network/localNetworkGateways"
PIP = "Microsoft.Network/publicIPAddresses"
ROUTE_TABLE = "Microsoft.Network/routeTables"
ROUTE = "Microsoft.Network/routeTables/routes"
CIRCUIT = "Microsoft.Network/expressRouteCircuits"
CIRCUIT_PEERING = "Microsoft.Network/expressRouteCircuits/peerings"
CIRCUIT_CONNECTION = "Microsoft.Network/expressRouteCircuits/peerings/connections"
VIRTUAL_HUB = "Microsoft.Network/virtualHubs"
HUB_IP_CONFIGURATION = "Microsoft.Network/virtualHubs/ipConfigurations"
HUB_BGP_CONNECTION = "Microsoft.Network/virtualHubs/bgpConnections"
PRIVATE_ENDPOINT = "Microsoft.Network/privateEndpoints"
METRIC_ALERT = "Microsoft.Insights/metricAlerts"
ACTIVITY_LOG_ALERT = "Microsoft.Insights/activityLogAlerts"
MAINTENANCE_ASSIGNMENT = "Microsoft.Maintenance/configurationAssignments"
DEPLOYMENT = "Microsoft.Resources/deployments"
RESOURCE_GROUP = "Microsoft.Resources/resourceGroups"
