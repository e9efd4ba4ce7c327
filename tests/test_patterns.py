"""Pattern detection and declaration: which sites exist and which patterns apply to each."""

from __future__ import annotations

import pytest
from test_rules import (
    connection,
    drop,
    edit,
    er_site,
    failover_site,
    gateway,
    hub_spoke_site,
    pip,
    res,
    rid,
    status,
    vnet,
    vpn_site,
)

from checker.graph import Graph
from checker.model import CheckerError, Unknown
from checker.patterns import DeclaredPatterns, detect_sites, parse_declared


def sites(resources, declared=None):
    return {s.name: s for s in detect_sites(Graph(resources), declared or DeclaredPatterns())}


@pytest.mark.parametrize(("build", "expected"), [
    (vpn_site, ("vpn",)),
    (er_site, ("expressroute",)),
    (failover_site, ("expressroute-vpn-failover",)),
    (hub_spoke_site, ("vpn", "hub-spoke")),
])
def test_detection(build, expected) -> None:
    site = sites(build())["hub"]
    assert site.patterns == expected
    assert site.pattern_source == "detected"
    assert site.pattern == expected[0]


def test_hub_detected_from_use_remote_gateways_alone() -> None:
    resources = edit(hub_spoke_site(), "hub/hub-to-spoke1", "properties.allowGatewayTransit", False)
    assert sites(resources)["hub"].patterns == ("vpn", "hub-spoke")
    resources = edit(resources, "spoke1/spoke1-to-hub", "properties.useRemoteGateways", False)
    assert sites(resources)["hub"].patterns == ("vpn",)


def test_spoke_without_gateway_is_no_site() -> None:
    assert set(sites(hub_spoke_site())) == {"hub"}


def test_gateway_vnet_resolved_case_insensitively_and_placeholder_when_missing() -> None:
    resources = vpn_site()
    gw = next(r for r in resources if r.name == "gw-vpn")
    subnet = gw.body["properties"]["ipConfigurations"][0]["properties"]["subnet"]
    subnet["id"] = subnet["id"].upper()
    assert sites(resources)["hub"].vnet.name == "hub"
    missing = sites(drop(vpn_site(), "hub"))
    assert len(missing) == 1
    placeholder = next(iter(missing.values()))
    assert placeholder.vnet.metadata.get("placeholder") is True
    assert placeholder.patterns == ("vpn",)


def test_gateway_with_unknown_subnet_belongs_to_no_site() -> None:
    resources = edit(vpn_site(), "gw-vpn", "properties.ipConfigurations[0].properties.subnet.id",
                     Unknown("reference()"))
    resources = edit(resources, "gw-vpn", "properties.ipConfigurations[1].properties.subnet.id",
                     Unknown("reference()"))
    assert sites(resources) == {}


def test_virtual_wan_gateways_are_not_sites() -> None:
    hub = res("Microsoft.Network/virtualHubs", "vhub", {"properties": {"addressPrefix": "10.50.0.0/24"}})
    vpngw = res("Microsoft.Network/vpnGateways", "vwan-vpn",
                {"properties": {"virtualHub": {"id": rid("virtualHubs", "vhub")}}})
    ergw = res("Microsoft.Network/expressRouteGateways", "vwan-er",
               {"properties": {"virtualHub": {"id": rid("virtualHubs", "vhub")},
                               "autoScaleConfiguration": {"bounds": {"min": 1}}}})
    site = res("Microsoft.Network/vpnSites", "branch", {"properties": {"ipAddress": "1.2.3.4"}})
    assert sites([hub, vpngw, ergw, site]) == {}


def test_declared_everywhere_overrides_tag_and_mapping() -> None:
    resources = edit(vpn_site(), "hub", "tags", {"hybrid-pattern": "vpn"})
    declared = DeclaredPatterns(everywhere="expressroute-vpn-failover", by_vnet={"hub": "expressroute"})
    site = sites(resources, declared)["hub"]
    assert site.patterns == ("expressroute-vpn-failover",)
    assert site.pattern_source == "declared"


def test_tag_overrides_mapping_and_mapping_overrides_detection() -> None:
    tagged = edit(vpn_site(), "hub", "tags", {"Hybrid-Pattern": "vpn,hub-spoke"})
    assert sites(tagged, DeclaredPatterns(by_vnet={"hub": "expressroute"}))["hub"].patterns == ("vpn", "hub-spoke")
    mapped = sites(vpn_site(), DeclaredPatterns(by_vnet={"H*": "expressroute-vpn-failover"}))["hub"]
    assert mapped.patterns == ("expressroute-vpn-failover",)
    assert mapped.pattern_source == "declared"
    by_id = sites(vpn_site(), DeclaredPatterns(by_vnet={"*/virtualnetworks/hub": "expressroute+hub-spoke"}))
    assert by_id["hub"].patterns == ("expressroute", "hub-spoke")


def test_tag_or_mapping_makes_a_site_without_gateway() -> None:
    tagged = [vnet("branch", ["10.9.0.0/16"], {"GatewaySubnet": "10.9.255.224/27"},
                   tags={"hybrid-pattern": "vpn"})]
    site = sites(tagged)["branch"]
    assert site.gateways == () and site.patterns == ("vpn",)
    assert status(tagged, "VPN-GW-PRESENT") == "fail"
    mapped = sites([vnet("branch", ["10.9.0.0/16"])], DeclaredPatterns(by_vnet={"branch": "expressroute"}))
    assert mapped["branch"].patterns == ("expressroute",)
    # --pattern alone does not turn every VNet into a site
    assert sites([vnet("plain", ["10.8.0.0/16"])], DeclaredPatterns(everywhere="vpn")) == {}


def test_declared_failover_without_vpn_gateway_fails_presence_rules() -> None:
    declared = DeclaredPatterns(everywhere="expressroute-vpn-failover")
    assert status(er_site(), "FAILOVER-COEXIST", declared=declared) == "fail"
    assert status(er_site(), "VPN-GW-PRESENT", declared=declared) == "fail"
    assert status(er_site(), "ER-GW-PRESENT", declared=declared) == "pass"


def test_bad_declared_pattern_raises_checker_error_with_position() -> None:
    resources = edit(vpn_site(), "hub", "tags", {"hybrid-pattern": "site2site"})
    with pytest.raises(CheckerError) as raised:
        sites(resources)
    assert raised.value.file == "main.json" and raised.value.line is not None
    assert "site2site" in raised.value.message and raised.value.hint
    with pytest.raises(CheckerError):
        parse_declared("", "--pattern")
    assert parse_declared(" Hub-Spoke , VPN ", "x") == ("vpn", "hub-spoke")


def test_vnet2vnet_to_another_gateway_is_noted_as_simulated_onprem() -> None:
    resources = drop(vpn_site(), "conn-s2s", "onprem") + [
        vnet("sim", ["192.168.0.0/16"], {"GatewaySubnet": "192.168.255.224/27"}), pip("pip-sim"),
        gateway("gw-sim", "sim", pips=("pip-sim",), active_active=False),
        connection("hub-to-sim", "gw-vpn", "Vnet2Vnet", gw2="gw-sim"),
    ]
    found = sites(resources)
    assert any("hub-to-sim" in note and "simulated on-premises" in note for note in found["hub"].notes)
    assert any("simulated on-premises" in note for note in found["sim"].notes)
    assert found["hub"].patterns == ("vpn",)
    assert not any("simulated" in note for note in sites(vpn_site())["hub"].notes)


def test_unknown_gateway_type_is_noted() -> None:
    resources = edit(vpn_site(), "gw-vpn", "properties.gatewayType", Unknown("parameter without value"))
    site = sites(resources)["hub"]
    assert site.patterns == ()
    assert any("gw-vpn" in note and "declare the pattern" in note for note in site.notes)
