"""A realistic synthetic Report shared by the report-format tests (sites of several patterns, every
status and severity, unknown reasons, live and expired waivers, input errors, notices), plus checks
that the sample really covers what the format tests rely on."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from checker.model import InputError, Notice, Secret
from checker.records import replace
from checker.report.model import (
    SEVERITIES,
    STATUSES,
    Location,
    Report,
    ResourceRef,
    Result,
    RuleInfo,
    Site,
)
from checker.report.waivers import Waiver, apply_waivers

TODAY = date(2026, 11, 26)
GOLDEN_DIR = Path(__file__).resolve().parent / "golden"
SUB = "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-net/providers/Microsoft.Network"
HUB_VNET = f"{SUB}/virtualNetworks/vnet-hub"
ER_VNET = f"{SUB}/virtualNetworks/vnet-er"
LAB_VNET = f"{SUB}/virtualNetworks/vnet-lab"
GW = "Microsoft.Network/virtualNetworkGateways"

RULES = [
    RuleInfo("VPN-GW-PRESENT", "A VPN gateway exists in the hub", "Pattern V/F needs a Vpn gateway.", "critical",
             ("vpn", "expressroute-vpn-failover"), "Deploy a VPN gateway in the GatewaySubnet.",
             help_uri="docs/rules/VPN-GW-PRESENT.md"),
    RuleInfo("VPN-SKU-AZ", "VPN gateway uses an AZ SKU", "Non-AZ VpnGw1-5 SKUs are being retired.", "high",
             ("vpn",), "Use VpnGw1AZ or larger.", help_uri="docs/rules/VPN-SKU-AZ.md"),
    RuleInfo("VPN-ACTIVE-ACTIVE", "VPN gateway is active-active", "Both instances carry tunnels.", "medium",
             ("vpn",), "Set activeActive to true.", help_uri="docs/rules/VPN-ACTIVE-ACTIVE.md"),
    RuleInfo("CONN-SHAREDKEY-SECRET", "Shared keys are secrets", "PSKs stay out of code.", "high",
             ("vpn",), "Use a secureString parameter or a Key Vault reference."),
    RuleInfo("BGP-ASN-RESERVED", "BGP ASNs are not reserved", "Reserved ASNs break peering.", "critical",
             ("vpn", "expressroute"), help_uri="https://example.org/rules/BGP-ASN-RESERVED"),
    RuleInfo("ER-CIRCUIT-REDUNDANCY", "Two circuits in two peering locations", "Site diversity.", "high",
             ("expressroute",), "Add a second circuit in another peering location."),
    RuleInfo("ER-FASTPATH", "FastPath only on supported SKUs", "FastPath needs ErGw3AZ.", "low",
             ("expressroute",)),
    RuleInfo("GW-DIAG-LOGS", "Gateway diagnostics are collected", "Logs help troubleshooting.", "medium",
             ("vpn", "expressroute")),
    RuleInfo("LNG-ENDPOINT", "Local network gateway has a public endpoint", "Reachable device.", "high",
             ("vpn",)),
]


def _result(rule: str, status: str, severity: str, site: str | None, rid: str, rtype: str, name: str,
            file: str | None, line: int | None, message: str, **extra: object) -> Result:
    return Result(rule=rule, status=status, severity=severity, site=site,
                  resource=ResourceRef(id=rid, type=rtype, name=name), location=Location(file, line),
                  message=message, **extra)  # type: ignore[arg-type]


def raw_results() -> list[Result]:
    weak_key = Secret.of("abc123", "template-literal")
    hub, er = "templates/hub.json", "templates/er.json"
    return [
        _result("VPN-GW-PRESENT", "pass", "critical", HUB_VNET, f"{SUB}/virtualNetworkGateways/vgw-hub", GW,
                "vgw-hub", hub, 40, "vgw-hub is a Vpn gateway in vnet-hub"),
        _result("VPN-SKU-AZ", "fail", "high", HUB_VNET, f"{SUB}/virtualNetworkGateways/vgw-hub", GW, "vgw-hub",
                hub, 44, "sku.name is VpnGw2, not an AZ SKU", remediation="Use VpnGw2AZ."),
        _result("VPN-ACTIVE-ACTIVE", "fail", "medium", HUB_VNET, f"{SUB}/virtualNetworkGateways/vgw-hub", GW,
                "vgw-hub", hub, 52, "activeActive is false"),
        _result("CONN-SHAREDKEY-SECRET", "fail", "high", HUB_VNET, f"{SUB}/connections/cn-hub-onprem",
                "Microsoft.Network/connections", "cn-hub-onprem", hub, 97,
                f"sharedKey {weak_key} is a literal in the template | weak"),
        _result("BGP-ASN-RESERVED", "unknown", "critical", HUB_VNET, f"{SUB}/localNetworkGateways/lng-dc1",
                "Microsoft.Network/localNetworkGateways", "lng-dc1", hub, 120,
                "bgpSettings.asn cannot be known before deployment",
                unknown_reasons=("parameter 'onPremAsn' has no value", "reference('lng-dc1') is runtime-only")),
        _result("GW-DIAG-LOGS", "unknown", "medium", HUB_VNET, f"{SUB}/virtualNetworkGateways/vgw-hub", GW,
                "vgw-hub", hub, 40, "diagnostic settings are not in the template",
                unknown_reasons=("diagnostic settings may be deployed elsewhere",)),
        # waived in the configuration, still valid
        _result("VPN-ACTIVE-ACTIVE", "fail", "medium", ER_VNET, f"{SUB}/virtualNetworkGateways/vgw-er-vpn", GW,
                "vgw-er-vpn", er, 30, "activeActive is false"),
        # waived inline, expired: stays a failure and says so
        _result("ER-CIRCUIT-REDUNDANCY", "fail", "high", ER_VNET, f"{SUB}/virtualNetworkGateways/vgw-er", GW,
                "vgw-er", er, 12, "only one circuit (erc-ams) reaches vgw-er"),
        _result("ER-FASTPATH", "not-applicable", "low", ER_VNET, f"{SUB}/connections/cn-er",
                "Microsoft.Network/connections", "cn-er", er, 70, "expressRouteGatewayBypass is not set"),
        _result("ER-FASTPATH", "fail", "low", ER_VNET, f"{SUB}/connections/cn-er-2",
                "Microsoft.Network/connections", "cn-er-2", er, 80,
                "expressRouteGatewayBypass needs ErGw3AZ, gateway is ErGw1AZ"),
        _result("BGP-ASN-RESERVED", "pass", "critical", ER_VNET, f"{SUB}/expressRouteCircuits/erc-ams",
                "Microsoft.Network/expressRouteCircuits", "erc-ams", er, 90, "peerASN 64512 is allowed"),
        # outside any site: grouped by input file
        _result("LNG-ENDPOINT", "fail", "high", None, f"{SUB}/localNetworkGateways/lng-branch",
                "Microsoft.Network/localNetworkGateways", "lng-branch", "templates/branch.json", 8,
                "gatewayIpAddress 10.1.2.3 is private"),
        _result("LNG-ENDPOINT", "pass", "high", None, f"{SUB}/localNetworkGateways/lng-dc2",
                "Microsoft.Network/localNetworkGateways", "lng-dc2", "templates/branch.json", 20,
                "gatewayIpAddress 203.0.113.10 is public"),
        # no file (a live resource), low severity unknown
        _result("ER-FASTPATH", "unknown", "low", None, f"{SUB}/connections/cn-live",
                "Microsoft.Network/connections", "cn-live", None, None, "gateway SKU was not collected",
                unknown_reasons=("403 on resource group rg-shared",)),
    ]


WAIVERS = [
    Waiver(rule="VPN-ACTIVE-*", resource="vgw-er-*", reason="second on-prem device arrives in Q1",
           expires=date(2027, 3, 31), source="config", file=".hybrid-check.yaml", line=12),
    Waiver(rule="ER-CIRCUIT-REDUNDANCY", resource=f"{SUB}/virtualNetworkGateways/vgw-er",
           reason="second circuit ordered", expires=date(2026, 10, 31), source="inline",
           file="templates/er.json", line=14),
]


def sample_report() -> Report:
    results = apply_waivers(raw_results(), WAIVERS, today=TODAY)
    sites = [
        Site(id=HUB_VNET, name="vnet-hub", pattern="vpn", pattern_source="detected", result="fail",
             patterns=("vpn", "hub-spoke")),
        Site(id=ER_VNET, name="vnet-er", pattern="expressroute", pattern_source="declared", result="fail",
             patterns=("expressroute",),
             notes=("Vnet2Vnet connection to a gateway treated as simulated on-premises",)),
        Site(id=LAB_VNET, name="vnet-lab", pattern=None, pattern_source="detected", result="pass"),
    ]
    return Report(
        tool_name="hybrid-check", tool_version="0.1.0", results=results, sites=sites,
        errors=[InputError(file="templates/broken.json", line=7, column=3, message="unexpected ',' in object",
                           hint="remove the trailing comma")],
        notices=[Notice(file="templates/hub.json", line=150, message="linked template not fetched: "
                        "https://example.org/spoke.json", kind="not-expanded")],
        rules=list(RULES),
        inputs=["templates/hub.json", "templates/er.json", "templates/branch.json", "templates/broken.json"],
    )


def without_errors(report: Report) -> Report:
    return replace(report, errors=[])


def check_golden(name: str, text: str) -> None:
    """Compare with tests/golden/<name>; UPDATE_GOLDEN=1 rewrites the file instead."""
    path = GOLDEN_DIR / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    assert path.is_file(), f"{path} is missing: run the tests once with UPDATE_GOLDEN=1"
    expected = path.read_text(encoding="utf-8")
    assert text == expected, f"{name} differs from the golden file (UPDATE_GOLDEN=1 rewrites it)"


# -- the sample covers what the format tests need ---------------------------------------------------

def test_sample_covers_every_status_and_severity() -> None:
    report = sample_report()
    assert {r.status for r in report.results} == set(STATUSES)
    assert {r.severity for r in report.results if r.status == "fail"} == set(SEVERITIES) - {"critical"}
    assert any(r.unknown_reasons for r in report.results)


def test_sample_waivers_are_applied_live_and_expired() -> None:
    report = sample_report()
    by_name = {(r.rule, r.resource.name): r for r in report.results}
    live = by_name[("VPN-ACTIVE-ACTIVE", "vgw-er-vpn")]
    assert live.status == "suppressed" and live.suppression is not None and not live.suppression.expired
    expired = by_name[("ER-CIRCUIT-REDUNDANCY", "vgw-er")]
    assert expired.status == "fail" and expired.suppression is not None and expired.suppression.expired
    assert by_name[("VPN-ACTIVE-ACTIVE", "vgw-hub")].suppression is None
