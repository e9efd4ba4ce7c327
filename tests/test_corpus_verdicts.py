"""Verdicts on the real corpus (/work/shared/corpus, see its MANIFEST.md): for each file (with its
parameter file where the MANIFEST pairs them), the (rule, resource, status) triples that the
MANIFEST's "issues a reviewer would flag" column and the rule catalogue lead one to expect.

Where the checker's verdict differs from the MANIFEST on purpose, a comment next to the triple says
why. Resource names are the report's names (a name only known at deployment is shown as the
parameter it comes from, ``<gatewayName1>``; it was ``<unknown@LINE>`` before unknowns kept their
identity).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from checker import api
from checker.report.model import Report

Triple = tuple[str, str, str]


@cache
def _scan(corpus: Path, files: tuple[str, ...], parameters: tuple[str, ...]) -> Report:
    return api.scan([corpus / f for f in files],
                    api.ScanOptions(parameter_files=tuple(corpus / p for p in parameters)))


def _statuses(report: Report, rule: str, resource: str) -> set[str]:
    return {r.status for r in report.results if r.rule == rule and r.resource.name == resource}


# (MANIFEST row(s), files, parameter files, expected triples)
CASES: list[tuple[str, tuple[str, ...], tuple[str, ...], list[Triple]]] = [
    ("1+2 site-to-site VPN quickstart with its parameters",
     ("quickstarts/site-to-site-vpn.azuredeploy.json",), ("quickstarts/site-to-site-vpn.azuredeploy.parameters.json",), [
         ("VPN-SKU-CURRENT", "azureGateway", "fail"),  # Basic default, retiring
         ("VPN-SKU-AZ", "azureGateway", "fail"),
         ("VPN-ACTIVE-ACTIVE", "azureGateway", "fail"),
         ("VPN-BGP-ENABLED", "azureGateway", "fail"),  # enableBgp given as the string "false"
         ("CONN-SHAREDKEY-SECRET", "Azure2Other", "fail"),  # GEN-UNIQUE in the parameter file
         # no custom policy on a Basic gateway, which cannot take one (rule-facts audit, December 2026)
         ("CONN-IPSEC-CUSTOM-POLICY", "Azure2Other", "pass"),
         ("GW-DIAG-LOGS", "azureGateway", "fail"),
         ("CONN-S2S-LINK", "azureVnet", "pass"),
         ("LNG-ENDPOINT", "localGateway", "pass"),  # 52.25.48.88 is public
         ("NET-NO-OVERLAP-ONPREM", "azureVnet", "pass"),  # 10.3.0.0/16 vs 10.0.0.0/24
         # The MANIFEST flags the /29 GatewaySubnet against the /27 advice. The catalogue allows /29
         # when the only gateway is VPN Basic; the Basic SKU itself fails VPN-SKU-CURRENT above.
         ("GW-SUBNET-SIZE", "GatewaySubnet", "pass"),
         # The MANIFEST flags the Basic dynamic public IP. The catalogue exempts a VPN Basic gateway
         # with a Basic public IP (legacy pair); again VPN-SKU-CURRENT carries the finding.
         # a Basic gateway on a Basic IP: no longer exempt since VPN gateway Basic IPs retired on 30 June 2026
         ("GW-PIP-STANDARD-STATIC", "azureGateway", "fail"),
         ("GW-SUBNET-PLACEMENT", "GatewaySubnet", "fail"),  # 10.3.200.0/29 is mid-block
     ]),
    ("3 VNet-to-VNet quickstart: every name and prefix a parameter without value",
     ("quickstarts/vnet-to-vnet.azuredeploy.json",), (), [
         ("VPN-SKU-CURRENT", "<gatewayName1>", "unknown"),  # no sku property: left to the API default
         ("VPN-SKU-AZ", "<gatewayName2>", "unknown"),
         ("VPN-ACTIVE-ACTIVE", "<gatewayName1>", "fail"),  # activeActive absent = false
         ("VPN-BGP-ENABLED", "<gatewayName2>", "fail"),
         ("GW-SUBNET-SIZE", "GatewaySubnet", "unknown"),  # "at least /29": the prefix has no value
         # pass, not unknown: the gateway's subnet resourceId(..., parameters('virtualNetworkName1'), 'GatewaySubnet')
         # is the VNet declared by the same parameter (unknowns keep their identity)
         ("GW-SUBNET-EXISTS", "<gatewayName1>", "pass"),
         # no custom policy; whether the gateways are Basic (which cannot take one) is a parameter without value
         ("CONN-IPSEC-CUSTOM-POLICY", "<connectionName1>", "unknown"),
         ("CONN-IPSEC-CUSTOM-POLICY", "<connectionName2>", "unknown"),
         ("CONN-SHAREDKEY-SECRET", "<connectionName1>", "fail"),  # key parameter typed `string`, not secure
         ("CONN-SHAREDKEY-SECRET", "<connectionName2>", "fail"),
     ]),
    ("4 VNet-to-VNet with BGP (CRLF, variable-object prefixes)",
     ("quickstarts/vnet-to-vnet-bgp.azuredeploy.json",), (), [
         ("GW-SUBNET-SIZE", "GatewaySubnet", "pass"),  # 10.0.1.224/27 and 10.0.3.224/27
         ("GW-SUBNET-PLACEMENT", "GatewaySubnet", "pass"),
         ("VPN-SKU-AZ", "vNet1-Gateway", "fail"),  # VpnGw1, non-AZ
         ("VPN-ACTIVE-ACTIVE", "vnet2-Gateway", "fail"),
         ("GW-PIP-STANDARD-STATIC", "vNet1-Gateway", "fail"),  # Dynamic Basic public IPs
         ("VPN-BGP-ENABLED", "vNet1-Gateway", "pass"),
         ("BGP-ASN-DISTINCT", "vNet1-to-vNet2", "pass"),  # 65010 / 65050
         ("BGP-ASN-RESERVED", "vnet2-Gateway", "pass"),
         ("CONN-SHAREDKEY-SECRET", "vNet1-to-vNet2", "pass"),  # secureString parameter
         ("CONN-S2S-LINK", "vNet1-westeurope", "unknown"),  # Vnet2Vnet only: simulated on-premises
     ]),
    ("5 ExpressRoute circuit + private peering, gateway never connected",
     ("quickstarts/expressroute-private-peering-vnet.azuredeploy.json",), (), [
         # No Microsoft.Network/connections: the connection can only be made once the provider has provisioned
         # the circuit, so it belongs to a later deployment. A template does not show the deployed estate: the
         # absence is unknown (it was "fail", which failed a valid quickstart at critical severity).
         ("ER-CONN-LINK", "vnet1", "unknown"),
         ("ER-CIRCUIT-REDUNDANCY", "vnet1", "unknown"),
         ("ER-GW-SKU-AZ", "er-gw", "fail"),  # HighPerformance default
         ("GW-PIP-STANDARD-STATIC", "er-gw", "fail"),  # Dynamic Basic public IP
         ("ER-GW-PRESENT", "vnet1", "pass"),
         ("ER-PRIVATE-PEERING", "er-ckt01", "pass"),  # two /30s, VLAN 100
         ("ER-CIRCUIT-SKU-CONSISTENT", "er-ckt01", "pass"),  # format('{0}_{1}') = Premium_MeteredData
         ("BGP-ASN-RESERVED", "er-ckt01/AzurePrivatePeering", "pass"),  # peer ASN 65001
         ("GW-SUBNET-SIZE", "GatewaySubnet", "pass"),  # /27
         ("GW-DIAG-LOGS", "er-gw", "fail"),  # neither metrics nor alerts
     ]),
    ("6 REST GET of a VPN gateway", ("rest-api-specs/VirtualNetworkGatewayGet.2024-05-01.example.json",), (), [
        ("VPN-SKU-AZ", "vpngw", "fail"),
        ("VPN-ACTIVE-ACTIVE", "vpngw", "fail"),
        ("VPN-BGP-ENABLED", "vpngw", "fail"),
        ("VPN-SKU-CURRENT", "vpngw", "pass"),
        ("GW-SUBNET-EXISTS", "vpngw", "unknown"),  # the VNet export is not in the inputs
        ("GW-PIP-STANDARD-STATIC", "vpngw", "unknown"),  # nor is the public IP
        ("BGP-APIPA-RANGE", "vpngw", "pass"),  # 169.254.21.x
    ]),
    ("7 REST GET of an IPsec connection",
     ("rest-api-specs/VirtualNetworkGatewayConnectionGet.2024-05-01.example.json",), (), [
         # ipsecPolicies []; the gateway (not in the inputs) could be Basic, which cannot take a policy
         ("CONN-IPSEC-CUSTOM-POLICY", "connS2S", "unknown"),
         ("LNG-ADDRESS-SPACE", "connS2S", "unknown"),  # the LNG is another export
     ]),
    ("8 REST GET of a local network gateway with gatewayIpAddress x.x.x.x",
     ("rest-api-specs/LocalNetworkGatewayGet.2024-05-01.example.json",), (), [
         ("LNG-ENDPOINT", "localgw", "fail"),  # a placeholder, not a public address
     ]),
    ("9 REST LIST of two VPN gateways", ("rest-api-specs/VirtualNetworkGatewayList.2024-05-01.example.json",), (), [
        ("VPN-SKU-AZ", "vpngw1", "fail"),
        ("VPN-SKU-AZ", "vpngw2", "fail"),
        ("VPN-ACTIVE-ACTIVE", "vpngw2", "fail"),
        ("VPN-BGP-ENABLED", "vpngw1", "fail"),
        ("GW-ONE-PER-TYPE", "vpngw1", "pass"),  # each in its own VNet
        ("GW-ONE-PER-TYPE", "vpngw2", "pass"),
    ]),
    ("10 REST GET of a circuit with peerings []", ("rest-api-specs/ExpressRouteCircuitGet.2024-03-01.example.json",),
     (), [
         ("ER-PRIVATE-PEERING", "circuitName", "fail"),  # an export shows the circuit as it is
         ("ER-CIRCUIT-SKU-CONSISTENT", "circuitName", "pass"),
     ]),
    ("12 AVM connection module with its defaults", ("avm-brm/connection.main.json",), (), [
        ("CONN-SHAREDKEY-SECRET", "<name>", "fail"),  # empty shared key accepted by default
        ("LNG-ADDRESS-SPACE", "<name>", "fail"),  # IPsec default without any LNG reference
        # the weak sentinel policy is not applied: no custom policy, on a gateway given by parameter
        ("CONN-IPSEC-CUSTOM-POLICY", "<name>", "unknown"),
    ]),
    ("13 AVM ExpressRoute circuit module", ("avm-brm/express-route-circuit.main.json",), (), [
        # no private peering unless the caller supplies it; in a template it may be provider-managed
        ("ER-PRIVATE-PEERING", "<name>", "unknown"),
        ("ER-CIRCUIT-SKU-CONSISTENT", "<name>", "pass"),  # Standard_MeteredData default
    ]),
    ("14 AVM local network gateway module", ("avm-brm/local-network-gateway.main.json",), (), [
        ("LNG-ENDPOINT", "<name>", "unknown"),  # required parameter without value
    ]),
    ("16 AVM gateway e2e max test: VpnGw2AZ active-active BGP, GatewaySubnet = whole /16",
     ("avm-brm/virtual-network-gateway.tests.max.main.test.json",), (), [
         ("VPN-SKU-AZ", "#_namePrefix_#nvgmax001", "pass"),
         ("VPN-ACTIVE-ACTIVE", "#_namePrefix_#nvgmax001", "pass"),
         ("VPN-BGP-ENABLED", "#_namePrefix_#nvgmax001", "pass"),
         ("GW-PIP-ZONE-REDUNDANT", "#_namePrefix_#nvgmax001", "pass"),  # zones 1, 2, 3
         ("BGP-APIPA-RANGE", "#_namePrefix_#nvgmax001", "pass"),  # 169.254.21.4/.5, 169.254.22.4/.5
         ("LNG-ENDPOINT", "dep-#_namePrefix_#-lng-nvgmax", "fail"),  # 100.100.100.100 is in 100.64/10
         ("GW-SUBNET-PLACEMENT", "GatewaySubnet", "fail"),  # the GatewaySubnet is the whole VNet
     ]),
    ("17 AVM connection e2e max test: two VpnGw2, one Vnet2Vnet", ("avm-brm/connection.tests.max.main.test.json",),
     (), [
         ("VPN-SKU-AZ", "dep-#_namePrefix_#-vpn-gw-ncmax-1", "fail"),
         ("VPN-ACTIVE-ACTIVE", "dep-#_namePrefix_#-vpn-gw-ncmax-2", "fail"),
         ("VPN-BGP-ENABLED", "dep-#_namePrefix_#-vpn-gw-ncmax-1", "fail"),
         ("GW-SUBNET-PLACEMENT", "GatewaySubnet", "fail"),  # GatewaySubnet = the whole /24 VNet
         # securestring parameter defaulting to newGuid(): computed at deployment, not written in code
         ("CONN-SHAREDKEY-SECRET", "#_namePrefix_#ncmax001", "pass"),
         ("BGP-APIPA-RANGE", "dep-#_namePrefix_#-vpn-gw-ncmax-1", "pass"),
     ]),
    ("18 AVM gateway e2e P2S test: activePassiveNoBgp",
     ("avm-brm/virtual-network-gateway.tests.p2sEntraCertificate.main.test.json",), (), [
         ("VPN-ACTIVE-ACTIVE", "#_namePrefix_#nvgp2sec001", "fail"),
         ("VPN-BGP-ENABLED", "#_namePrefix_#nvgp2sec001", "fail"),
         ("VPN-SKU-AZ", "#_namePrefix_#nvgp2sec001", "pass"),
         ("GW-SUBNET-PLACEMENT", "GatewaySubnet", "fail"),  # cidrSubnet(...,16,0): the whole /16
     ]),
    ("24 ALZ hub networking (2022 compiled): VPN + ER from one copy loop",
     ("alz-bicep/hubNetworking.compiled-2022-10.json",), (), [
         ("FAILOVER-COEXIST", "alz-hub-westeurope", "pass"),
         ("FAILOVER-SUBNET-27", "GatewaySubnet", "pass"),  # 10.10.252.0/24
         ("VPN-SKU-AZ", "alz-Vpn-Gateway", "fail"),  # VpnGw1
         ("VPN-ACTIVE-ACTIVE", "alz-Vpn-Gateway", "fail"),
         ("VPN-BGP-ENABLED", "alz-Vpn-Gateway", "fail"),  # coexistence without BGP
         ("ER-GW-SKU-AZ", "alz-ExpressRoute-Gateway", "pass"),  # ErGw1AZ
         # The hub leaves connections to the deployments that follow (it has no LNG or circuit to connect):
         # their absence from this template is unknown, not a failure (it was "fail", at critical severity).
         ("ER-CONN-LINK", "alz-hub-westeurope", "unknown"),
         ("CONN-S2S-LINK", "alz-hub-westeurope", "unknown"),
         ("GW-DIAG-LOGS", "alz-ExpressRoute-Gateway", "fail"),
         # public IPs come from reference(...).outputs of nested deployments
         ("GW-PIP-STANDARD-STATIC", "alz-Vpn-Gateway", "unknown"),
     ]),
    ("35+36 CARML gateway template with the ExpressRoute parameters",
     ("carml/virtualNetworkGateways.deploy.json",), ("carml/virtualNetworkGateways.parameters.er.parameters.json",), [
         ("ER-GW-SKU-AZ", "acf-sb-ccoe-np-01-euw-vnet-validate-01-ergw-01", "pass"),  # ErGw1AZ
         # a gateway module: no circuit or connection in it, so their absence is unknown (was "fail")
         ("ER-CONN-LINK", "acf-sb-ccoe-np-01-euw-vnet-validate-01", "unknown"),
         ("GW-PIP-STANDARD-STATIC", "acf-sb-ccoe-np-01-euw-vnet-validate-01-ergw-01", "pass"),
         ("GW-PIP-ZONE-REDUNDANT", "acf-sb-ccoe-np-01-euw-vnet-validate-01-ergw-01", "fail"),  # zones ["1"]
         ("GW-DIAG-LOGS", "acf-sb-ccoe-np-01-euw-vnet-validate-01-ergw-01", "pass"),  # diagnostics to a workspace
     ]),
    ("35+37 CARML gateway template with the VPN parameters",
     ("carml/virtualNetworkGateways.deploy.json",), ("carml/virtualNetworkGateways.parameters.vpn.parameters.json",), [
         ("VPN-ACTIVE-ACTIVE", "sxx-az-vnet-vpn-gw-weu-p-001", "fail"),  # explicitly false
         ("VPN-BGP-ENABLED", "sxx-az-vnet-vpn-gw-weu-p-001", "pass"),  # left to the default true
         ("VPN-SKU-AZ", "sxx-az-vnet-vpn-gw-weu-p-001", "pass"),  # VpnGw1AZ
         ("BGP-ASN-RESERVED", "sxx-az-vnet-vpn-gw-weu-p-001", "pass"),  # 65815
         ("GW-SUBNET-EXISTS", "sxx-az-vnet-vpn-gw-weu-p-001", "unknown"),  # VNet id with a token
     ]),
    ("41 CARML Vnet2Vnet test: two VpnGw2, GatewaySubnet = whole /24",
     ("carml/connections.test.vnet2vnet.deploy.test.json",), (), [
         ("VPN-SKU-AZ", "dep-<<namePrefix>>-vpn-gw-ncvtv-1", "fail"),
         ("VPN-ACTIVE-ACTIVE", "dep-<<namePrefix>>-vpn-gw-ncvtv-2", "fail"),
         ("GW-SUBNET-PLACEMENT", "GatewaySubnet", "fail"),
         ("CONN-SHAREDKEY-SECRET", "<<namePrefix>>ncvtv001", "pass"),  # securestring, newGuid() default
     ]),
    ("33 AVS: new VNet with an ErGw3AZ gateway", ("avs-eslz/AVS-to-VNet-NewVNet.VNetWithExR.deploy.json",), (), [
        ("ER-GW-SKU-AZ", "<VNetName>", "pass"),
        ("GW-SUBNET-SIZE", "GatewaySubnet", "unknown"),  # GatewaySubnet parameter without value
        ("GW-DIAG-LOGS", "<VNetName>", "fail"),
    ]),
    ("32 hub-spoke sample: gateway off by default", ("mspnp-samples/azure-hub-spoke.azuredeploy.json",), (), [
        ("GW-SUBNET-SIZE", "GatewaySubnet", "pass"),  # 10.0.2.0/27
        ("GW-SUBNET-PLACEMENT", "GatewaySubnet", "fail"),  # not at the top of 10.0.0.0/22
    ]),
]


@pytest.mark.parametrize(("row", "files", "parameters", "expected"), CASES, ids=[c[0].split(" ")[0] for c in CASES])
def test_corpus_verdicts(corpus_dir: Path, row: str, files: tuple[str, ...], parameters: tuple[str, ...],
                         expected: list[Triple]) -> None:
    report = _scan(corpus_dir, files, parameters)
    for rule, resource, status in expected:
        assert _statuses(report, rule, resource) == {status}, (row, rule, resource, [
            (r.status, r.message) for r in report.results if r.rule == rule and r.resource.name == resource])


def test_corpus_covers_at_least_fourteen_files() -> None:
    assert len({f for case in CASES for f in case[1] + case[2]}) >= 14


def test_corpus_sites_and_patterns(corpus_dir: Path) -> None:
    alz = _scan(corpus_dir, ("alz-bicep/hubNetworking.compiled-2022-10.json",), ())
    assert [(s.name, s.patterns) for s in alz.sites] == [("alz-hub-westeurope", ("expressroute-vpn-failover",))]
    listed = _scan(corpus_dir, ("rest-api-specs/VirtualNetworkGatewayList.2024-05-01.example.json",), ())
    assert sorted(s.name for s in listed.sites) == ["vnet1", "vnet2"]
    # the hub-hub peering template (row 22) holds no gateway: no hub-spoke rule may flag it
    peering = _scan(corpus_dir, ("eslz/eslzArm.vnetPeeringHub.json",), ())
    assert not [r for r in peering.results if r.rule.startswith("HUB-") and r.status == "fail"]


def test_corpus_empty_file_is_an_input_error(corpus_dir: Path) -> None:
    report = _scan(corpus_dir, ("eslz/eslzArm.vpnGateway.EMPTY-FILE.json",), ())
    assert report.results == []
    errors = [e for e in report.errors if "EMPTY-FILE" in str(e.file)]
    assert len(errors) == 1 and errors[0].line == 1 and "empty" in errors[0].message


def test_corpus_messages_name_unknown_names_readably(corpus_dir: Path) -> None:
    report = _scan(corpus_dir, ("quickstarts/vnet-to-vnet.azuredeploy.json",), ())
    messages = [r.message for r in report.results if r.resource.name == "<gatewayName1>"
                and r.status != "not-applicable"]  # that text comes from the engine, not a policy
    assert messages and all("<unknown@" not in m and "~" not in m for m in messages)
    # The name says where it comes from (it said "at line 195 (name from parameter 'gatewayName1')").
    sku = next(r for r in report.results if r.rule == "VPN-SKU-CURRENT" and r.resource.name == "<gatewayName1>")
    assert sku.message.startswith("<gatewayName1>: ")
    subnet = next(r for r in report.results if r.rule == "GW-SUBNET-SIZE")
    assert "of VNet <virtualNetworkName" in subnet.message
